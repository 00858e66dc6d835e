"""CORS for browser development: a UI served from another local origin calls the mock with a token.

Preflights are answered here, before the /api gateway would hand an OPTIONS under /api/v2/aibridge/
to the provider catch-all, so ``preflight`` runs among the steps before the API's own hooks
(``hooks.py``). Credentials are allowed, so the allowed origin is echoed back, never ``*``.
"""

from __future__ import annotations

import fnmatch
import re

from flask import Response, request

from aibridge_mock.server.errors import ApiError
from aibridge_mock.server.extension import current_mock
from aibridge_mock.server.validation import VIOLATION_HEADER
from aibridge_mock.server.views.responses import error_response

# Default: any port on the loopback names a dev server uses (Vite, webpack, storybook...).
LOCAL_ORIGIN = re.compile(r"https?://(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?")
ALLOW_HEADERS = "Coder-Session-Token, Content-Type, Authorization"
ALLOW_METHODS = "GET, HEAD, POST, DELETE, OPTIONS"
# What browser code may read: the build version, the 401 challenge, and the lenient mode's warning.
EXPOSE_HEADERS = f"X-Coder-Build-Version, WWW-Authenticate, {VIOLATION_HEADER}"
MAX_AGE_SECONDS = "600"


def origin_allowed(origin: str, patterns: tuple[str, ...]) -> bool:
    """Whether a browser origin may read responses; ``patterns`` are fnmatch patterns, "*" is any."""
    if not origin:
        return False
    if not patterns:
        return LOCAL_ORIGIN.fullmatch(origin) is not None
    return any(fnmatch.fnmatchcase(origin, pattern) for pattern in patterns)


def _patterns() -> tuple[str, ...]:
    return current_mock().config.cors_origins


def preflight() -> Response | None:
    """Answer a CORS preflight here, before the API would hand it to the provider catch-all."""
    if request.method != "OPTIONS" or "Access-Control-Request-Method" not in request.headers:
        return None
    origin = request.headers.get("Origin", "")
    if not origin_allowed(origin, _patterns()):
        # The browser only reports "CORS error"; a body in the network tab says what to change.
        return error_response(
            ApiError(
                403,
                "Origin not allowed by the mock's CORS settings.",
                f"Origin {origin!r} is not allowed; add it with --cors-origins or "
                "AIBRIDGE_MOCK_CORS_ORIGINS (default: any port of localhost, "
                "127.0.0.1 or [::1]).",
            )
        )
    response = Response(status=204)
    del response.headers["Content-Type"]  # nothing to type: a 204 has no body
    response.headers["Access-Control-Allow-Methods"] = ALLOW_METHODS
    response.headers["Access-Control-Allow-Headers"] = ALLOW_HEADERS
    response.headers["Access-Control-Max-Age"] = MAX_AGE_SECONDS
    return response


def allow_origin(response: Response) -> Response:
    """Let an allowed browser origin read the response."""
    # Set directly: werkzeug's response.vary HeaderSet costs more than the rest of this hook.
    vary = response.headers.get("Vary")
    response.headers["Vary"] = f"{vary}, Origin" if vary else "Origin"
    origin = request.headers.get("Origin", "")
    if origin and origin_allowed(origin, _patterns()):
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Credentials"] = "true"
        response.headers["Access-Control-Expose-Headers"] = EXPOSE_HEADERS
    return response
