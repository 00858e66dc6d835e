"""Which requests are AI Bridge management calls, and whether an answer keeps the contract.

The five ``GET`` endpoints of the served generation are checked (errors included); everything
else under the prefix is provider traffic, relayed unchecked. An answer breaks the contract when it
is not JSON (an HTML error page from a load balancer, say), when its status is not documented, or
when its body does not match the documented schema of that status. A 5xx is the upstream failing,
not the contract: it is counted as an upstream error, and its body is only held to Coder's error
body (``Response``).
"""

from __future__ import annotations

import json
import re
import zlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import orjson

from aibridge_mock.schemas import load_openapi
from aibridge_mock.server.generations import Generation
from aibridge_mock.server.validation import Breach, ResponseValidator

__all__ = ["Checker", "Operation", "Verdict"]

_SESSION = re.compile(r"sessions/([^/]+)")
_SESSION_OPERATION = "sessions/{session_id}"


@dataclass(frozen=True)
class Operation:
    """A management call: its name (``sessions/{session_id}``) and OpenAPI path template."""

    name: str
    template: str
    session_id: str | None = None


@dataclass(frozen=True)
class Verdict:
    """What checking an answer found: the breach (if any) and the decoded body (if JSON)."""

    breach: Breach | None
    body: Any = None
    checked: bool = True


def _decoded(raw: bytes, encoding: str) -> bytes | None:
    """The body without its Content-Encoding; None for an encoding the proxy cannot undo."""
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return raw
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompress(raw, 16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        try:
            return zlib.decompress(raw)
        except zlib.error:
            return zlib.decompress(raw, -zlib.MAX_WBITS)  # raw deflate, as some servers send it
    return None


def _parse(text: bytes) -> Any:
    """JSON, parsed by orjson (a third of the time on a page of 100 interceptions); what orjson
    refuses but JSON allows (integers beyond 64 bits) goes to the standard library, which decides."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text, parse_constant=_not_json)


def _not_json(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")  # Python's json reads NaN and Infinity; JSON has neither


class Checker:
    """Classifies requests and validates answers against one generation's derived schemas."""

    def __init__(self, generation: Generation, strictness: str) -> None:
        self.generation = generation
        self.prefix = generation.prefix
        self.validator = ResponseValidator(load_openapi(generation.name, strictness))

    def operation(self, method: str, path: str) -> Operation | None:
        """The management call a request is, or None (provider traffic, other Coder APIs)."""
        if method != "GET" or not path.startswith(self.prefix + "/"):
            return None
        rest = path[len(self.prefix) + 1 :]
        match = _SESSION.fullmatch(rest)
        name = _SESSION_OPERATION if match else rest
        if name not in self.generation.operations:
            return None
        return Operation(name, f"/aibridge/{name}", unquote(match.group(1)) if match else None)

    def check(self, op: Operation, status: int, content_type: str, encoding: str, raw: bytes) -> Verdict:
        """Hold one answer to the contract."""
        endpoint = f"GET {self.prefix}/{op.name}"
        media = content_type.split(";")[0].strip().lower()
        if media != "application/json":
            shown = media or "no Content-Type"
            return Verdict(Breach(endpoint, "$", "content-type", f"a {status} answer is {shown}, not JSON"))
        try:
            text = _decoded(raw, encoding)
        except zlib.error as exc:
            return Verdict(Breach(endpoint, "$", "content-encoding", f"not valid {encoding}: {exc}"))
        if text is None:
            return Verdict(None, checked=False)  # br, zstd...: relayed, but not read
        try:
            body = _parse(text)
        except ValueError as exc:
            return Verdict(Breach(endpoint, "$", "json", f"the {status} answer is not JSON: {exc}"))
        if status >= 500:
            found = self.validator.check_component("Response", body)
            breach = found.nested("$", endpoint) if found else None
        else:
            breach = self.validator.check(endpoint, op.template, status, body)
        return Verdict(breach, body)
