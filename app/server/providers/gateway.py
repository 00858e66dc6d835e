"""What a provider request passes through before a provider route: coderd's catch-all, then aibridged.

Order (reference 1.1 and 2; spec 1.7): the licence check (the /api gateway, before this), the BYOK
guard (coderd, JSON 403), then aibridged: drop the proxy's request id, read the Coder token from
``X-Coder-AI-Governance-Token``, ``Authorization: Bearer`` or ``X-Api-Key`` (400 without one),
strip the headers that carried it, and authorize it (403). Everything aibridged answers is Go's
``http.Error``: plain text.
"""

from __future__ import annotations

from dataclasses import dataclass

from werkzeug.datastructures import Headers

from aibridge_mock.server.auth import Authenticator
from aibridge_mock.server.dataset.users import Persona
from aibridge_mock.server.errors import ApiError, PlainTextError
from aibridge_mock.server.gostrings import header_text
from aibridge_mock.server.providers.credentials import bearer_of

__all__ = ["BYOK_HEADER", "Actor", "authenticate", "byok_guard"]

BYOK_HEADER = "X-Coder-AI-Governance-Token"
REQUEST_ID_HEADER = "X-Coder-AI-Governance-Request-Id"


@dataclass(frozen=True)
class Actor:
    """Who sent an authorized provider request, and the headers left for the provider."""

    persona: Persona
    headers: Headers  # the request's headers without the Coder token (and the proxy's request id)

    @property
    def api_key_id(self) -> str:
        return self.persona.key_id


def is_byok(headers: Headers) -> bool:
    """agplaibridge.IsBYOK: a non-blank governance token header."""
    return header_text(headers.get(BYOK_HEADER, "")).strip() != ""


def byok_guard(headers: Headers, allow_byok: bool) -> None:
    """coderd refuses BYOK requests unless the deployment allows them (enterprise/coderd/aibridge.go)."""
    if is_byok(headers) and not allow_byok:
        raise ApiError(
            403,
            "Bring Your Own Key (BYOK) mode is not enabled.",
            "Contact your administrator to enable it with --aibridge-allow-byok.",
        )


def extract_token(headers: Headers) -> str:
    """ExtractAuthToken (coderd/aibridge/aibridge.go): the first non-empty of three sources."""
    governance = headers.get(BYOK_HEADER, "").strip()
    if governance:
        return governance
    bearer = bearer_of(headers.get("Authorization", "").strip())
    if bearer:
        return bearer
    return headers.get("X-Api-Key", "").strip()


def authenticate(headers: Headers, authenticator: Authenticator) -> Actor:
    """aibridged's ServeHTTP up to the request bridge: the actor, or Go's plain-text error."""
    # The values as Go holds them (their bytes), in a copy: the request's own headers never change.
    left = Headers([(name, header_text(value)) for name, value in headers.items()])
    del left[REQUEST_ID_HEADER]
    byok = is_byok(left)
    token = extract_token(left)
    if not token:
        raise PlainTextError(400, "no authentication key provided")
    if byok:
        del left[BYOK_HEADER]  # Authorization and X-Api-Key carry the user's own LLM credentials
    else:
        del left["Authorization"]
        del left["X-Api-Key"]
    persona = authenticator.persona_for(token)
    if persona is None:
        raise PlainTextError(403, "unauthorized")
    return Actor(persona, left)
