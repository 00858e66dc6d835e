"""The request as coderd's Go code sees it: query, path, headers and cookies, byte for byte.

- Query: Go's ``url.ParseQuery`` (which ``r.URL.Query()`` calls, ignoring its error). Pairs are split
  on ``&`` only; a pair containing ``;`` or a bad ``%`` escape is dropped (``?limit=5;offset=2`` sets
  nothing); ``+`` is a space; escapes and raw bytes are decoded to bytes with no UTF-8 check; and a
  query of more than 10,000 pairs is not parsed at all (Go 1.24.12 / 1.25.6 and later,
  ``GODEBUG=urlmaxqueryparams``; UNCONFIRMED which Go release built the target era's coderd: we
  assume one with the limit, as every release since January 2026 has it).
- Path: chi routes on ``r.URL.RawPath`` when it is set, i.e. when the path's escapes are not the ones
  Go would write itself (``%ff``, ``%2F``, ``%41``): ``/sessions/%ff`` is the session ``"%ff"``,
  ``/sessions/%FF`` the session ``"\\xff"``. A bad escape in the path never reaches coderd: Go's
  server answers ``400 Bad Request`` in plain text.
- Headers and cookies: the bytes as sent (:func:`header`); a cookie is read as ``r.Cookie`` reads it
  (:func:`cookie`), which skips a value with bytes a cookie may not contain.

Values that are not UTF-8 are kept as Go strings (:mod:`aibridge_mock.server.gostrings`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import cached_property
from typing import Any
from urllib.parse import unquote_to_bytes

from flask import Flask, Request
from werkzeug.datastructures import MultiDict
from werkzeug.routing import MapAdapter

from aibridge_mock.server.gostrings import go_text, header_text

__all__ = ["GoFlask", "GoQueryRequest", "cookie", "header", "parse_query"]

MAX_QUERY_PARAMS = 10_000  # Go's default urlmaxqueryparams
URL_PATH = "aibridge_mock.url_path"  # environ key: Go's r.URL.Path (decoded), as a Go string
_BAD_ESCAPE = re.compile(rb"%(?![0-9A-Fa-f]{2})")
# Bytes Go's url.PathEscape-like encoder (escape(s, encodePath)) leaves alone.
_PATH_SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~$&+,/:;=@")
_BAD_REQUEST = b"400 Bad Request"
WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def _unescape(part: bytes, plus_is_space: bool) -> bytes | None:
    """Go's unescape: None for a bad ``%`` escape."""
    if plus_is_space and b"+" in part:
        part = part.replace(b"+", b" ")
    if b"%" not in part:
        return part
    if _BAD_ESCAPE.search(part):
        return None
    return unquote_to_bytes(part)


def parse_query(raw: bytes) -> list[tuple[str, str]]:
    """url.ParseQuery's pairs, in order, as Go strings; what it drops is dropped."""
    if raw.count(b"&") + 1 > MAX_QUERY_PARAMS:
        return []  # ParseQuery gives up before reading any pair
    pairs = []
    for part in raw.split(b"&"):
        if not part or b";" in part:
            continue
        key, _, value = part.partition(b"=")
        key_b, value_b = _unescape(key, True), _unescape(value, True)
        if key_b is not None and value_b is not None:
            pairs.append((go_text(key_b), go_text(value_b)))
    return pairs


class GoQueryRequest(Request):
    """A request whose query arguments and path are read as coderd reads them."""

    @cached_property
    def args(self) -> MultiDict[str, str]:
        return MultiDict(parse_query(self.query_string))

    @cached_property
    def route_path(self) -> str:
        """The path chi routes on (RawPath if set, else Path), as a Go string."""
        return go_text(self.environ.get("PATH_INFO", "").encode("latin-1", "replace"))

    @cached_property
    def url_path(self) -> str:
        """Go's r.URL.Path: the decoded path, as a Go string (the provider catch-all quotes it)."""
        found: str | None = self.environ.get(URL_PATH)
        return found if found is not None else self.route_path


def header(request: Request, name: str) -> str:
    """A header's value as Go holds it (its bytes, not Latin-1 characters); "" when absent."""
    return header_text(request.headers.get(name, ""))


def _trim(text: str) -> str:
    return text.strip(" \t\r\n")


def _cookie_value_ok(value: str) -> bool:
    # net/http's validCookieValueByte: printable ASCII except '"', ';' and '\'.
    return all(" " <= ch < "\x7f" and ch not in '";\\' for ch in value)


_TOKEN_CHARS = frozenset("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


def cookie(request: Request, name: str) -> str:
    """r.Cookie(name).Value: the first valid cookie of that name; invalid ones are skipped."""
    line = header(request, "Cookie")
    for part in line.split(";"):
        key, has_value, value = _trim(part).partition("=")
        key = _trim(key)
        if key != name or not key or not set(key) <= _TOKEN_CHARS:
            continue
        value = value if has_value else ""
        if len(value) > 1 and value[0] == value[-1] == '"':
            value = value[1:-1]
        if _cookie_value_ok(value):
            return value
    return ""


def _escape_path(decoded: bytes) -> bytes:
    """Go's escape(path, encodePath): upper-case escapes for everything outside the safe set."""
    return b"".join(bytes([b]) if b in _PATH_SAFE else b"%%%02X" % b for b in decoded)


def _request_path(raw_uri: str) -> bytes | None:
    """The path of a request target (origin or absolute form), as bytes; None for ``*`` and the like."""
    try:
        target = raw_uri.encode("latin-1")
    except UnicodeEncodeError:
        return None
    target = target.split(b"?", 1)[0]
    if b"://" in target and not target.startswith(b"/"):
        after = target.split(b"://", 1)[1]
        slash = after.find(b"/")
        return after[slash:] if slash >= 0 else b"/"
    return target if target.startswith(b"/") else None


def _same_path(decoded: bytes, path_info: str) -> bool:
    """Whether PATH_INFO is the server's decoding of the raw path (bytes as Latin-1, or UTF-8 with
    U+FFFD for what is not UTF-8, as Werkzeug's test client writes it)."""
    as_latin1 = decoded.decode("latin-1")
    return path_info == as_latin1 or path_info == decoded.decode("utf-8", "replace").encode().decode(
        "latin-1"
    )


class GoPaths:
    """WSGI middleware: routes on the path chi would route on, and refuses what Go's server refuses."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        raw_uri = environ.get("RAW_URI") or environ.get("REQUEST_URI")
        path = _request_path(raw_uri) if raw_uri and not environ.get("SCRIPT_NAME") else None
        if path is not None:
            decoded = _unescape(path, False)
            if decoded is not None and not _same_path(decoded, environ.get("PATH_INFO", "")):
                return self.app(environ, start_response)  # a middleware in front rewrote the path
            if decoded is None:
                # url.ParseRequestURI fails: Go's server answers before any handler runs.
                start_response(
                    "400 Bad Request",
                    [("Content-Type", "text/plain; charset=utf-8"), ("Connection", "close")],
                )
                return [_BAD_REQUEST]
            # No escape: raw and decoded are the same bytes (the common case, no re-escaping needed).
            route = decoded if b"%" not in path or _escape_path(decoded) == path else path
            environ["PATH_INFO"] = route.decode("latin-1")
            environ[URL_PATH] = go_text(decoded)
        return self.app(environ, start_response)


class GoFlask(Flask):
    """Flask with Go's request reading: URL rules match the path chi routes on, as a Go string.

    Werkzeug would replace bytes that are not UTF-8 with U+FFFD before matching, so a path parameter
    (a session id) would lose them; here it keeps them, as chi's URLParam does.
    """

    request_class = GoQueryRequest

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.wsgi_app = GoPaths(self.wsgi_app)  # type: ignore[method-assign]  # the WSGI middleware idiom

    def create_url_adapter(self, request: Request | None) -> MapAdapter | None:
        adapter = super().create_url_adapter(request)
        if adapter is not None and isinstance(request, GoQueryRequest):
            adapter.path_info = request.route_path
        return adapter
