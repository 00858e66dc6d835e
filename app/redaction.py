"""Secrets out of logs: token values in query strings, headers and cookies become ``REDACTED``.

Shared by the tools: the mock's request journal, access log and in-process test server log, and the
proxy's log lines, report and curl commands (which put a shell variable in place of the secret, so
that a line can be replayed). Standard library only. Names are kept, values replaced:
``coder_session_token=REDACTED``, ``Authorization: Bearer REDACTED``,
``Cookie: coder_session_token=REDACTED; theme=REDACTED``.

What counts as a secret: a query parameter or header whose name contains a secret word (``token``,
``secret``, ``password``, ``api_key``, ...; coderd reads ``coder_session_token`` and ``access_token``),
the credential headers coderd and aibridged read, every cookie value, and anything shaped like a
Coder API key (``<10 characters>-<22 characters>``) wherever it appears in a query.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import unquote_plus

__all__ = [
    "REDACTED",
    "is_secret_name",
    "redact_cookies",
    "redact_header",
    "redact_headers",
    "redact_query",
    "redact_uri",
]

REDACTED = "REDACTED"
_SECRET_WORDS = ("token", "secret", "password", "passwd", "apikey", "api_key", "api-key", "credential")
# Headers whose whole value is a credential (besides names with a secret word).
_CREDENTIAL_HEADERS = frozenset({"x-api-key", "coder-session-token", "x-coder-ai-governance-token"})
_SCHEME_HEADERS = frozenset({"authorization", "proxy-authorization"})  # "<scheme> <credential>"
# A Coder API key: a 10-character id, a dash, a 22-character secret (codersdk's format).
_CODER_KEY = re.compile(r"(?<![0-9A-Za-z])[0-9A-Za-z]{10}-[0-9A-Za-z]{22}(?![0-9A-Za-z])")
_SEPARATORS = re.compile("([&;])")


def is_secret_name(name: str) -> bool:
    """Whether a parameter or header name says its value is a credential."""
    lowered = name.lower()
    return lowered in _CREDENTIAL_HEADERS or any(word in lowered for word in _SECRET_WORDS)


def redact_query(raw_query: str, replacement: str = REDACTED) -> str:
    """A raw query string with secret values replaced; everything else byte for byte as it came.

    Names are compared decoded (``coder%5Fsession%5Ftoken`` is the session token to Go too); pairs
    are split on ``;`` as well as ``&``, so that a secret in a pair Go would drop is not logged either.
    """
    if not raw_query:
        return raw_query
    out = []
    for piece in _SEPARATORS.split(raw_query):
        key, eq, _ = piece.partition("=")
        if eq and is_secret_name(unquote_plus(key, errors="replace")):
            out.append(f"{key}={replacement}")
        else:
            out.append(_CODER_KEY.sub(replacement, piece))
    return "".join(out)


def redact_uri(uri: str, replacement: str = REDACTED) -> str:
    """A request target (``/path?query``) or a whole URL with its query redacted."""
    path, question, query = uri.partition("?")
    return f"{path}?{redact_query(query, replacement)}" if question else uri


def redact_cookies(value: str, replacement: str = REDACTED) -> str:
    """A Cookie header with every cookie's value replaced, names kept."""
    return ";".join(_redact_pair(part, replacement) for part in value.split(";"))


def _redact_pair(part: str, replacement: str) -> str:
    name, eq, _ = part.partition("=")
    return f"{name}={replacement}" if eq else part


def _redact_set_cookie(value: str, replacement: str) -> str:
    # Only the first pair is the cookie; the rest are attributes (Path=/, Max-Age=60).
    first, semicolon, attributes = value.partition(";")
    return _redact_pair(first, replacement) + semicolon + attributes


def redact_header(name: str, value: str, replacement: str = REDACTED) -> str:
    """One header's value as a log may show it."""
    lowered = name.lower()
    if lowered in _SCHEME_HEADERS:
        scheme, space, _ = value.strip().partition(" ")
        return f"{scheme} {replacement}" if space else replacement
    if lowered == "cookie":
        return redact_cookies(value, replacement)
    if lowered == "set-cookie":
        return _redact_set_cookie(value, replacement)
    if is_secret_name(lowered):
        return replacement
    return value


def redact_headers(headers: Iterable[tuple[str, str]], replacement: str = REDACTED) -> list[tuple[str, str]]:
    """Every header of a request or response, redacted."""
    return [(name, redact_header(name, value, replacement)) for name, value in headers]
