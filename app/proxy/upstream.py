"""Forward one request to the upstream Coder and hand back its answer, unread.

Headers pass unchanged except the hop-by-hop ones (RFC 9110 section 7.6.1, plus any a
``Connection`` header names), ``Host`` (the upstream's own) and the proxy's own violation header,
which only the proxy sets. Bodies stream both ways: a request body is read from the client as it
is sent, and the answer is returned unread (``preload_content=False``), with its bytes exactly as
the upstream sent them (``decode_content=False``: a gzip answer stays gzip).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

import urllib3
from urllib3.exceptions import HTTPError

__all__ = ["HOP_BY_HOP", "Upstream", "UpstreamError", "relayable", "request_headers"]

VIOLATION_HEADER = "X-Aibridge-Mock-Violation"
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
CHUNK = 64 * 1024
_OWN = frozenset({"host", VIOLATION_HEADER.lower()})


class UpstreamError(Exception):
    """The upstream could not be reached, or broke the connection before answering."""


def _named_by_connection(headers: Iterable[tuple[str, str]]) -> set[str]:
    return {
        token.strip().lower()
        for name, value in headers
        if name.lower() == "connection"
        for token in value.split(",")
        if token.strip()
    }


def relayable(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Headers without the hop-by-hop ones and without the proxy's own violation header."""
    pairs = list(headers)
    dropped = HOP_BY_HOP | _named_by_connection(pairs) | _OWN
    return [(name, value) for name, value in pairs if name.lower() not in dropped]


def request_headers(environ: dict[str, Any]) -> list[tuple[str, str]]:
    """The client's headers from a WSGI environ, as names a person would write."""
    found = []
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            found.append((key[5:].replace("_", "-").title(), value))
    for key, name in (("CONTENT_TYPE", "Content-Type"), ("CONTENT_LENGTH", "Content-Length")):
        if environ.get(key):
            found.append((name, environ[key]))
    return found


def _body(stream: IO[bytes], length: int | None) -> Iterator[bytes]:
    remaining = length
    while remaining is None or remaining > 0:
        chunk = stream.read(CHUNK if remaining is None else min(CHUNK, remaining))
        if not chunk:
            return
        if remaining is not None:
            remaining -= len(chunk)
        yield chunk


@dataclass(frozen=True)
class Answer:
    """The upstream's answer: status, reason, headers, and the unread body."""

    status: int
    reason: str
    headers: list[tuple[str, str]]
    response: urllib3.BaseHTTPResponse

    def header(self, name: str) -> str:
        lowered = name.lower()
        return next((v for k, v in self.headers if k.lower() == lowered), "")

    def read_all(self) -> bytes:
        """The whole body as sent; the connection goes back to the pool."""
        try:
            return self.response.read(decode_content=False)
        finally:
            self.response.release_conn()

    def stream(self) -> Iterator[bytes]:
        """The body as it arrives (server-sent events included), chunk by chunk."""
        response = self.response
        complete = False
        try:
            while chunk := response.read1(CHUNK, decode_content=False):
                yield chunk
            complete = True
        finally:
            if not complete:
                response.close()  # the client went away mid-answer: this connection cannot be reused
            response.release_conn()


class Upstream:
    """A pooled HTTP client for one upstream base URL."""

    def __init__(self, base_url: str, timeout: float, connections: int) -> None:
        self.base_url = base_url.rstrip("/")
        parsed = urllib3.util.parse_url(self.base_url)
        self.host = parsed.netloc or ""
        self._path = (parsed.path or "").rstrip("/")  # a deployment served under a path prefix
        # One pool for the one upstream: no per-request URL parsing or pool lookup.
        self._pool = urllib3.connection_from_url(
            self.base_url,
            maxsize=connections,
            block=False,
            timeout=urllib3.Timeout(connect=10.0, read=timeout),
            retries=False,
        )

    def url(self, target: str) -> str:
        """The upstream URL of a request target (path and query as the client sent them)."""
        return self.base_url + target

    def send(
        self, method: str, target: str, headers: list[tuple[str, str]], environ: dict[str, Any]
    ) -> Answer:
        """Forward a request; the answer's body is left unread."""
        sent = urllib3.HTTPHeaderDict()
        for name, value in relayable(headers):
            sent.add(name, value)
        sent["Host"] = self.host
        length_text = environ.get("CONTENT_LENGTH") or ""
        length = int(length_text) if length_text.isdigit() else None
        chunked = length is None and "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        body = _body(environ["wsgi.input"], length) if (length or chunked) else None
        try:
            response = self._pool.urlopen(
                method,
                self._path + target,
                body=body,
                headers=sent,
                redirect=False,
                preload_content=False,
                decode_content=False,
                chunked=chunked,
            )
        except HTTPError as exc:
            raise UpstreamError(f"{type(exc).__name__}: {exc}") from None
        return Answer(response.status, response.reason or "", list(response.headers.items()), response)

    def close(self) -> None:
        self._pool.close()
