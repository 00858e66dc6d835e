"""The request class: query parameters parsed the way Go's net/url parses them."""

from __future__ import annotations

from functools import cached_property
from urllib.parse import parse_qsl

from flask import Request
from werkzeug.datastructures import MultiDict


class GoQueryRequest(Request):
    """Keeps bytes that are not UTF-8 (as surrogate escapes), as Go's url.Query keeps raw bytes.

    coderd quotes such values with %q in its error messages (``"\\xff"``); Werkzeug's default would
    replace them, so the messages would differ.
    """

    @cached_property
    def args(self) -> MultiDict[str, str]:
        pairs = parse_qsl(
            self.query_string.decode("latin-1"), keep_blank_values=True, errors="surrogateescape"
        )
        return MultiDict(pairs)
