"""Everything else under /api/v2/aibridge/: coderd hands it to aibridged as provider traffic (spec 1.7).

coderd's BYOK guard answers in JSON; aibridged and the library's mux answer with Go's
``http.Error``: plain text, never Coder's JSON error body.
"""

from __future__ import annotations

from flask import Request

from aibridge_mock.server.errors import PlainTextError

__all__ = ["provider_catch_all"]


def provider_catch_all(request: Request, rest: str) -> PlainTextError:
    """The plain-text answer once the request passed the BYOK guard and aibridged's token check."""
    from aibridge_mock.server.providers.views import authorized_actor

    authorized_actor()
    return PlainTextError(404, f"route not supported: {request.method} /{rest}")
