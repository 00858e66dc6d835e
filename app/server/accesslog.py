"""gunicorn's access log without secrets: every atom that carries the query or a header is redacted.

gunicorn builds a log line from "atoms" (``r`` the request line, ``q`` the query, ``{name}i`` and
``{name}o`` a request or response header, ``{name}e`` an environ variable); this logger redacts them with
:mod:`aibridge_mock.server.redaction` before any format string sees them.
"""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from aibridge_mock.server.redaction import redact_header, redact_query, redact_uri

_URI_VARIABLES = ("{raw_uri}e", "{request_uri}e")


class RedactingLogger(Logger):  # type: ignore[misc]  # gunicorn ships no type hints
    """gunicorn's Logger, with tokens in the query, headers and cookies replaced by REDACTED."""

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        method, protocol = environ.get("REQUEST_METHOD", "-"), environ.get("SERVER_PROTOCOL", "-")
        atoms["r"] = f"{method} {redact_uri(environ.get('RAW_URI', ''))} {protocol}"
        atoms["q"] = redact_query(environ.get("QUERY_STRING", ""))
        for key, value in atoms.items():
            if not isinstance(value, str):
                continue
            if key.startswith("{") and (key.endswith("}i") or key.endswith("}o")):
                atoms[key] = redact_header(key[1:-2], value)
            elif key in _URI_VARIABLES:
                atoms[key] = redact_uri(value)
            elif key == "{query_string}e":
                atoms[key] = redact_query(value)
            elif key.startswith("{http_") and key.endswith("}e"):
                atoms[key] = redact_header(key[6:-2].replace("_", "-"), value)
        return atoms
