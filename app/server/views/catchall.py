"""Everything else under /api/v2/aibridge/: coderd hands it to aibridged as provider traffic (spec 1.7).

Answers are Go's ``http.Error``: plain text, never Coder's JSON error body.
"""

from __future__ import annotations

from flask import Request

from aibridge_mock.server.auth import bearer_token
from aibridge_mock.server.errors import PlainTextError
from aibridge_mock.server.request import header
from aibridge_mock.server.state import Snapshot

__all__ = ["provider_catch_all"]


def provider_catch_all(snap: Snapshot, request: Request, rest: str) -> PlainTextError:
    """The plain-text answer aibridged gives a request the mock does not emulate."""
    # aibridged reads only these three headers, never cookies or Coder-Session-Token (AB2).
    governance = header(request, "X-Coder-AI-Governance-Token")
    token = governance or bearer_token(request) or header(request, "X-Api-Key")
    if not token:
        return PlainTextError(400, "no authentication key provided")
    if snap.authenticator.persona_for(token) is None:
        return PlainTextError(403, "unauthorized")
    return PlainTextError(404, f"route not supported: {request.method} /{rest}")
