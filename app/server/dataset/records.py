"""The bulky parts of an interception, as the API shows them (already in Go field order)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aibridge_mock.server.dataset.users import User

JSON = dict[str, Any]


@dataclass(frozen=True)
class RowFacts:
    """What the columns know about one interception; details must agree with these numbers."""

    id: str
    username: str
    provider: str
    provider_name: str
    model: str
    started: int
    ended: int  # NULL_TIME while in flight
    is_root: bool
    prompt_at: int
    tokens: tuple[int, int, int, int]  # input, output, cache read, cache write
    n_tools: int
    small_model: bool
    detail_ref: int


@dataclass(frozen=True)
class Detail:
    """Sub-records of one interception, each list ordered created_at ASC, id ASC."""

    metadata: JSON | None
    api_key_id: str | None
    credential_kind: str
    credential_hint: str
    token_usages: list[JSON] = field(default_factory=list)
    user_prompts: list[JSON] = field(default_factory=list)
    tool_usages: list[JSON] = field(default_factory=list)
    thoughts: list[str] = field(default_factory=list)

    def latest_prompt(self) -> JSON | None:
        """The most recent prompt (created_at DESC, id DESC), or None."""
        if not self.user_prompts:
            return None
        return max(self.user_prompts, key=lambda p: (p["_created"], p["id"]))


def public(record: JSON) -> JSON:
    """A sub-record without the private sort keys (names starting with "_")."""
    return {k: v for k, v in record.items() if not k.startswith("_")}


@dataclass(frozen=True)
class InterceptionRow:
    """The columns of one interception, as the API shows them."""

    id: str
    initiator: User
    provider: str
    provider_name: str
    model: str | None
    client: str | None
    started: int
    ended: int  # NULL_TIME while in flight


@dataclass(frozen=True)
class SessionSummary:
    """What a session shows whatever filter listed it: aggregates over all its ended interceptions."""

    id: str
    initiator: User
    providers: tuple[str, ...]
    models: tuple[str, ...]
    first_row: int  # the earliest interception: client and metadata come from it
    tokens: tuple[int, int, int, int]  # input, output, cache read, cache write
    last_prompt_row: int  # the interception with the latest prompt, -1 if none
