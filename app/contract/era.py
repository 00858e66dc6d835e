"""The API generation a server speaks (v1..v5), and what the suite may therefore expect of it.

Coder's AI Bridge API grew in five generations (``schemas/docs/``): v1 only listed interceptions
under ``/api/experimental``, v2 moved them to ``/api/v2``, v3 added ``/models``, v4 sessions,
threads and ``/clients``, v5 cache tokens, credentials and ``last_active_at``. A correct older
server must pass, so the suite holds a server to the document of its own generation. Most of what
differs is read from that document (operations, prefix, envelope, fields); the rest comes from
the small table below, each entry citing the behaviour spec.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from aibridge_mock.schemas import GENERATIONS, load_openapi

__all__ = ["ALL_TOKEN_FIELDS", "GENERATIONS", "NEWEST", "Era", "era_of"]

NEWEST = GENERATIONS[-1]
ALL_TOKEN_FIELDS = ("input_tokens", "output_tokens", "cache_read_input_tokens", "cache_write_input_tokens")
_OPERATION_PATHS = {
    "/aibridge/interceptions": "interceptions",
    "/aibridge/sessions": "sessions",
    "/aibridge/sessions/{session_id}": "threads",
    "/aibridge/models": "models",
    "/aibridge/clients": "clients",
}
# What the documents cannot say. Spec 7: members read their own rows until PR #23320 (2026-03-19,
# between v3 and v4). Spec 1.2 and 2: the first parser (Q0, v1's era) dropped ``offset`` and sent
# bare terms to an unknown key. Spec 1.2: H1-H3 (v1..v3) answered an unknown cursor with 500, H4
# on with 400.
_MEMBERS_READ_OWN = frozenset({"v1", "v2", "v3"})
_FIRST_PARSER = frozenset({"v1"})
_UNKNOWN_CURSOR_500 = frozenset({"v1", "v2", "v3"})


@dataclass(frozen=True)
class Era:
    """One generation, as the checks need it."""

    generation: str
    api_prefix: str  # /api/v2, or /api/experimental for v1
    operations: frozenset[str]  # interceptions, sessions, threads, models, clients
    count_key: str  # the list envelope's total: "count" ("total" in v1's docs)
    session_order_key: str  # sessions come newest first by this: last_active_at, or started_at before v5
    token_fields: tuple[str, ...]  # the token sums sessions and threads carry
    interception_keys: tuple[str, ...]  # record fields of an interception
    members_read_own: bool
    first_parser: bool  # Q0: offset ignored, bare terms rejected
    unknown_cursor_500: bool

    def serves(self, operation: str) -> bool:
        return operation in self.operations

    @property
    def offset_honoured(self) -> bool:
        """``offset`` pages the lists; the first parser (v1) never passed it on (spec 1.2)."""
        return not self.first_parser

    @property
    def bare_initiator(self) -> bool:
        """A bare ``q`` term on /interceptions is an ``initiator:`` (spec 1.2); not in v1 (``user:``)."""
        return not self.first_parser

    @property
    def ended_at(self) -> bool:
        """Interceptions carry ``ended_at``, and lists show ended ones only (PR #20494, from v2)."""
        return "ended_at" in self.interception_keys

    @property
    def filter_keys(self) -> tuple[str, ...]:
        """The ``q`` keys an /interceptions filter may use in this generation (``client`` from v3)."""
        keys = ["initiator", "provider", "model", "started_after", "started_before"]
        if "client" in self.interception_keys:
            keys.insert(3, "client")
        return tuple(keys)

    def document(self, strictness: str) -> dict[str, Any]:
        """This generation's derived OpenAPI document (a fresh copy)."""
        return load_openapi(self.generation, strictness)

    def lacks(self, operation: str) -> str:
        """Why a check of ``operation`` is skipped on this generation."""
        added = next(g for g in GENERATIONS if operation in era_of(g).operations)
        return f"generation {self.generation} does not serve /aibridge/{_path(operation)} (added in {added})"


def _path(operation: str) -> str:
    return "sessions/{id}" if operation == "threads" else operation


def _properties(components: dict[str, Any], name: str) -> tuple[str, ...]:
    return tuple(components.get(name, {}).get("properties", {}))


@cache
def era_of(generation: str) -> Era:
    """The era of a generation, from its committed document and the table above."""
    document = load_openapi(generation, "strict")
    components = document["components"]["schemas"]
    operations = frozenset(_OPERATION_PATHS[p] for p in document["paths"] if p in _OPERATION_PATHS)
    envelope = components["AIBridgeListInterceptionsResponse"]["required"]
    summary = _properties(components, "AIBridgeTokenUsageSummary") or ALL_TOKEN_FIELDS[:2]
    return Era(
        generation=generation,
        api_prefix=document.get("servers", [{}])[0].get("url", "/api/v2"),
        operations=operations,
        count_key="count" if "count" in envelope else "total",
        session_order_key="last_active_at"
        if "last_active_at" in _properties(components, "AIBridgeSession")
        else "started_at",
        token_fields=tuple(f for f in ALL_TOKEN_FIELDS if f in summary),
        interception_keys=_properties(components, "AIBridgeInterception"),
        members_read_own=generation in _MEMBERS_READ_OWN,
        first_parser=generation in _FIRST_PARSER,
        unknown_cursor_500=generation in _UNKNOWN_CURSOR_500,
    )
