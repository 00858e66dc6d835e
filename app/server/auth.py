"""Coder's API key middleware (spec section 6): token sources, format checks and 401 bodies."""

from __future__ import annotations

from dataclasses import dataclass, replace

from flask import Request

from aibridge_mock.server.dataset.filters import Filter
from aibridge_mock.server.dataset.users import Persona, User
from aibridge_mock.server.errors import ApiError
from aibridge_mock.server.gostrings import go_bytes
from aibridge_mock.server.request import cookie, header

SESSION_COOKIE = "coder_session_token"
SESSION_HEADER = "Coder-Session-Token"
SIGNED_OUT = "You are signed out or your session has expired. Please sign in again to continue."
READ_ALL_ROLES = frozenset({"owner", "auditor"})


@dataclass(frozen=True)
class Viewer:
    """The authenticated caller."""

    user: User
    role: str

    @property
    def can_read_all(self) -> bool:
        """Since PR #23320 only owners and site auditors read AI Bridge data (spec section 7)."""
        return self.role in READ_ALL_ROLES


@dataclass(frozen=True)
class Scope:
    """What a caller may read (spec section 7): everything, only their own rows, or nothing.

    Owners and site auditors read everything. Members read nothing since PR #23320; before it (API
    generations v1 to v3) they read the interceptions they initiated.
    """

    everything: bool
    own_user_id: str | None = None

    @staticmethod
    def of(viewer: Viewer, members_read_own: bool) -> Scope:
        if viewer.can_read_all:
            return Scope(everything=True)
        return Scope(everything=False, own_user_id=viewer.user.id if members_read_own else None)

    @property
    def nothing(self) -> bool:
        return not self.everything and self.own_user_id is None

    def restrict(self, f: Filter) -> Filter | None:
        """The filter narrowed to what the caller may see; None when that is nothing."""
        if self.everything:
            return f
        if self.own_user_id is None or f.initiator_id not in (None, self.own_user_id):
            return None
        return replace(f, initiator_id=self.own_user_id)

    def sees_user(self, user_id: str) -> bool:
        return self.everything or user_id == self.own_user_id


def token_from_request(request: Request) -> str:
    """APITokenFromRequest: cookie, query param, header, Bearer, then access_token.

    Values are Go strings (the bytes as sent); a cookie with bytes no cookie may hold is skipped, as
    net/http's r.Cookie skips it.
    """
    # Parsing cookies costs more than the rest of the lookup; skip it when there is no Cookie header.
    for candidate in (
        cookie(request, SESSION_COOKIE) if "Cookie" in request.headers else "",
        request.args.get(SESSION_COOKIE, ""),
        header(request, SESSION_HEADER),
        bearer_token(request),
        request.args.get("access_token", ""),
    ):
        if candidate:
            return candidate
    return ""


def bearer_token(request: Request) -> str:
    """The token of an ``Authorization: Bearer`` header (scheme case-insensitive), or ""."""
    value = header(request, "Authorization")
    return value[7:].strip() if value[:7].lower() == "bearer " else ""


def split_token(token: str) -> tuple[str, str]:
    """SplitAPIToken, with its error texts (lengths are in bytes, as in Go)."""
    parts = token.split("-")
    if len(parts) != 2:
        raise ValueError(f"incorrect amount of API key parts, expected 2 got {len(parts)}")
    key_id, secret = parts
    if len(go_bytes(key_id)) != 10:
        raise ValueError(f"invalid API key ID length, expected 10 got {len(go_bytes(key_id))}")
    if len(go_bytes(secret)) != 22:
        raise ValueError(f"invalid API key secret length, expected 22 got {len(go_bytes(secret))}")
    return key_id, secret


class Authenticator:
    """Resolves a request's token to one of the personas, or raises coderd's 401."""

    def __init__(self, personas: list[Persona]) -> None:
        self._by_key_id = {p.key_id: p for p in personas}

    def persona_for(self, token: str) -> Persona | None:
        """The persona a well-formed, known token belongs to, for the provider catch-all."""
        try:
            key_id, secret = split_token(token)
        except ValueError:
            return None
        persona = self._by_key_id.get(key_id)
        return persona if persona is not None and persona.secret == secret else None

    def authenticate(self, request: Request) -> Viewer:
        token = token_from_request(request)
        if not token:
            raise self._unauthorized(
                request, f'Cookie "{SESSION_COOKIE}" or query parameter must be provided.'
            )
        try:
            key_id, secret = split_token(token)
        except ValueError as exc:
            raise self._unauthorized(request, f"Invalid API key format: {exc}") from None
        persona = self._by_key_id.get(key_id)
        if persona is None:
            raise self._unauthorized(request, "API key is invalid.")
        if persona.secret != secret:
            raise self._unauthorized(request, "API key secret is invalid.")
        return Viewer(persona.user, persona.user.role)

    @staticmethod
    def _unauthorized(request: Request, detail: str) -> ApiError:
        access_url = request.host_url.rstrip("/")
        challenge = (
            'Bearer realm="coder", error="invalid_token", error_description="The access token is invalid", '
            f'resource_metadata="{access_url}/.well-known/oauth-protected-resource"'
        )
        return ApiError(401, SIGNED_OUT, detail, headers={"WWW-Authenticate": challenge})
