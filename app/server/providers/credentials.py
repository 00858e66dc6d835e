"""``credential_kind`` and ``credential_hint``: which key an interception used, masked (reference 2.3).

The kind describes the key actually used, not the mode: after aibridged stripped the Coder token,
a user credential left in ``X-Api-Key`` (Anthropic) or ``Authorization: Bearer`` is BYOK, and
without one the instance's centralized key is used. Copilot has no centralized key.
"""

from __future__ import annotations

from dataclasses import dataclass

from werkzeug.datastructures import Headers

__all__ = ["CopilotWithoutTokenError", "Credential", "bearer_of", "credential_for", "mask_secret"]


class CopilotWithoutTokenError(ValueError):
    """A Copilot request without a bearer token: the interceptor cannot be built."""


@dataclass(frozen=True)
class Credential:
    kind: str  # "centralized" or "byok"
    hint: str  # MaskSecret of the key
    header: str  # how the key is sent upstream: "X-Api-Key" or "Authorization"
    secret: str  # the key itself: sent upstream when relaying, never recorded, never logged


def mask_secret(secret: str) -> str:
    """utils.MaskSecret: reveal 4/2/1/0 runes at each end for >=20/10/5 runes; too short: ``...``."""
    if secret == "":
        return ""
    n = len(secret)  # Python strings are sequences of code points, as Go's []rune
    reveal = 4 if n >= 20 else 2 if n >= 10 else 1 if n >= 5 else 0
    if n <= reveal * 2:
        return "..."
    return secret[:reveal] + "..." + secret[n - reveal :]


def bearer_of(header: str) -> str:
    """utils.ExtractBearerToken: exactly ``Bearer <token>`` (two fields, scheme in any case), else ""."""
    fields = header.split()
    return fields[1] if len(fields) == 2 and fields[0].lower() == "bearer" else ""


def credential_for(provider_type: str, headers: Headers, centralized_key: str) -> Credential:
    """The credential of a request whose Coder headers were already stripped (provider/*.go)."""
    bearer = bearer_of(headers.get("Authorization", ""))
    if provider_type == "anthropic":
        api_key = headers.get("X-Api-Key", "")
        if api_key:  # X-Api-Key wins over Authorization "to match claude-code behavior"
            return Credential("byok", mask_secret(api_key), "X-Api-Key", api_key)
        if bearer:
            return Credential("byok", mask_secret(bearer), "Authorization", bearer)
        return Credential("centralized", mask_secret(centralized_key), "X-Api-Key", centralized_key)
    if bearer:
        return Credential("byok", mask_secret(bearer), "Authorization", bearer)
    if provider_type == "copilot":
        raise CopilotWithoutTokenError("copilot requests need the user's bearer token")
    return Credential("centralized", mask_secret(centralized_key), "Authorization", centralized_key)
