"""Keep credentials out of everything the proxy writes: log lines, the report, curl commands.

Coder reads a session token from the ``coder_session_token`` cookie or query parameter, the
``Coder-Session-Token`` header, ``Authorization: Bearer`` and ``access_token`` (spec section 6);
AI Bridge's provider routes also read ``X-Coder-AI-Governance-Token`` and ``X-Api-Key`` (spec
section 1.7). Every one of them is replaced, never shortened: a prefix of a token is still a secret.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable
from http.cookies import CookieError, SimpleCookie
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

__all__ = ["PLACEHOLDER", "curl_line", "redact_headers", "redact_url"]

PLACEHOLDER = "$CODER_SESSION_TOKEN"
SECRET_HEADERS = frozenset(
    {
        "coder-session-token",
        "authorization",
        "x-api-key",
        "x-coder-ai-governance-token",
        "proxy-authorization",
    }
)
SECRET_PARAMS = frozenset({"coder_session_token", "access_token"})
_SESSION_COOKIE = "coder_session_token"
_CURL_HEADERS = SECRET_HEADERS | {"cookie", "accept"}  # enough to replay a management request


def redact_url(url: str, placeholder: str = "REDACTED") -> str:
    """``url`` with the values of token query parameters replaced."""
    parts = urlsplit(url)
    if not parts.query or not any(name in parts.query for name in SECRET_PARAMS):
        return url
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    safe = [(k, placeholder if k in SECRET_PARAMS else v) for k, v in pairs]
    return urlunsplit(parts._replace(query=urlencode(safe, safe="$")))


def _redact_value(name: str, value: str) -> str:
    lowered = name.lower()
    if lowered in SECRET_HEADERS:
        scheme, _, rest = value.partition(" ")
        return f"{scheme} {PLACEHOLDER}" if rest and scheme.lower() in ("bearer", "basic") else PLACEHOLDER
    if lowered == "cookie":
        return _redact_cookie(value)
    return value


def _redact_cookie(value: str) -> str:
    cookie: SimpleCookie = SimpleCookie()
    try:
        cookie.load(value)
    except CookieError:
        return PLACEHOLDER  # unparseable: it may hold a token anywhere
    return "; ".join(
        f"{name}={PLACEHOLDER if name == _SESSION_COOKIE else morsel.value}"
        for name, morsel in cookie.items()
    )


def redact_headers(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Headers with every credential replaced by the placeholder."""
    return [(name, _redact_value(name, value)) for name, value in headers]


def curl_line(method: str, url: str, headers: Iterable[tuple[str, str]]) -> str:
    """The request as a curl command with ``$CODER_SESSION_TOKEN`` wherever a credential was."""
    parts = ["curl", "-sS"]
    if method.upper() != "GET":
        parts += ["-X", method.upper()]
    for name, value in redact_headers(h for h in headers if h[0].lower() in _CURL_HEADERS):
        parts += ["-H", _quote(f"{name}: {value}")]
    parts.append(_quote(redact_url(url, PLACEHOLDER)))
    return " ".join(parts)


def _quote(text: str) -> str:
    """Single quotes, except around the placeholder, which the shell must expand."""
    if PLACEHOLDER not in text:
        return shlex.quote(text)
    escaped = "".join("\\" + ch if ch in '"\\`' or ch == "$" else ch for ch in text)
    return '"' + escaped.replace("\\" + PLACEHOLDER, PLACEHOLDER) + '"'
