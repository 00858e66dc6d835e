"""Curl commands for the proxy's log and report, with a shell variable wherever a credential was.

What counts as a credential is decided once for every tool, in :mod:`aibridge_mock.redaction`
(Coder's token query parameters, even percent-encoded, its credential headers, cookies, anything
shaped like a Coder API key); this module only shapes the replayable command around it.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable

from aibridge_mock.redaction import REDACTED, redact_cookies, redact_headers, redact_uri

__all__ = ["PLACEHOLDER", "curl_line", "redact_url"]

PLACEHOLDER = "$CODER_SESSION_TOKEN"
_SESSION_COOKIE = "coder_session_token"
_CURL_HEADERS = frozenset(
    {"coder-session-token", "authorization", "x-api-key", "x-coder-ai-governance-token", "cookie", "accept"}
)  # enough to replay a management request


def redact_url(url: str, placeholder: str = REDACTED) -> str:
    """``url`` with the values of token query parameters replaced."""
    return redact_uri(url, placeholder)


def curl_line(method: str, url: str, headers: Iterable[tuple[str, str]]) -> str:
    """The request as a curl command with ``$CODER_SESSION_TOKEN`` wherever a credential was."""
    parts = ["curl", "-sS"]
    if method.upper() != "GET":
        parts += ["-X", method.upper()]
    for name, value in headers:
        if name.lower() not in _CURL_HEADERS:
            continue
        if name.lower() == "cookie":  # the session cookie replays from the variable; others stay hidden
            shown = redact_cookies(value).replace(
                f"{_SESSION_COOKIE}={REDACTED}", f"{_SESSION_COOKIE}={PLACEHOLDER}"
            )
        else:
            shown = redact_headers([(name, value)], PLACEHOLDER)[0][1]
        parts += ["-H", _quote(f"{name}: {shown}")]
    parts.append(_quote(redact_url(url, PLACEHOLDER)))
    return " ".join(parts)


def _quote(text: str) -> str:
    """Single quotes, except around the placeholder, which the shell must expand."""
    if PLACEHOLDER not in text:
        return shlex.quote(text)
    escaped = "".join("\\" + ch if ch in '"\\`' or ch == "$" else ch for ch in text)
    return '"' + escaped.replace("\\" + PLACEHOLDER, PLACEHOLDER) + '"'
