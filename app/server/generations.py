"""Generations of the AI Bridge API, so older servers can be emulated by a switch (``--generation``).

What a generation serves is read from its derived OpenAPI document (paths, the server prefix, the
fields of every record, and so the order of sessions); what the docs cannot tell comes from the
small table below, each entry citing the behaviour spec or the coderd source it was read from. The
data set, parsers and views are shared: a generation decides which operations exist, who may read
what, which fields a record shows, and the few behaviours its own SQL had.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from aibridge_mock.schemas import load_openapi
from aibridge_mock.server.dataset.session_order import LAST_ACTIVE_AT, STARTED_AT

NATIVE = "v5"  # the generation the serializer renders natively; others are projections of it


@dataclass(frozen=True)
class _Facts:
    members_read_own: bool  # §7: members read their own rows until PR #23320 (2026-03-19)
    licence_feature: str  # §1.6: the 403 text's feature name ("AI Gateway" from the target era's T2 on)
    envelope_renames: tuple[tuple[str, str], ...] = ()
    # Sessions: ListAIBridgeSessions selects the first interception's metadata as ``sr.metadata::jsonb``,
    # which sqlc types as a non-nullable json.RawMessage; a NULL there fails the scan of the whole page
    # (ListAuthorizedAIBridgeSessions, coderd/database/modelqueries.go; the same in the sessions SQL
    # of v4's era and of v5's). Later versions answer {} (UNCONFIRMED which one changed it).
    null_session_metadata_fails: bool = False
    # /clients: SQL3 and SQL4 end in ``GROUP BY client``, which Postgres reads as the raw input column,
    # so a NULL client and a literal 'Unknown' are two groups, both shown as "Unknown" (spec 1.5). SQL2
    # grouped by COALESCE(client, 'Unknown'), but no generation served has /clients with it.
    clients_by_raw_column: bool = False


_FACTS = {
    # v1's generated docs show the list envelope as {results, total} (schemas/docs/v1-...md).
    # UNCONFIRMED (spec §8, PR #19929): whether that early shape shipped; we follow the docs of that era.
    "v1": _Facts(True, "AI Bridge", (("count", "total"),)),
    "v2": _Facts(True, "AI Bridge"),
    "v3": _Facts(True, "AI Bridge"),
    "v4": _Facts(False, "AI Bridge", null_session_metadata_fails=True, clients_by_raw_column=True),
    "v5": _Facts(False, "AI Gateway", null_session_metadata_fails=True, clients_by_raw_column=True),
}


@dataclass(frozen=True)
class Generation:
    """One generation's routing, permissions and record shapes."""

    name: str
    prefix: str  # e.g. /api/v2/aibridge, /api/experimental/aibridge for v1
    operations: frozenset[str]  # paths below the prefix: interceptions, sessions, sessions/{session_id}, ...
    members_read_own: bool
    licence_feature: str
    envelope_renames: dict[str, str] = field(default_factory=dict)
    components: dict[str, Any] = field(default_factory=dict, repr=False)
    null_session_metadata_fails: bool = False
    clients_by_raw_column: bool = False

    @property
    def native(self) -> bool:
        return self.name == NATIVE

    @property
    def sessions_by(self) -> str:
        """What sessions are listed by (dataset/session_order.py): ``last_active_at`` where they have it."""
        session = self.components.get("AIBridgeSession", {}).get("properties", {})
        return LAST_ACTIVE_AT if LAST_ACTIVE_AT in session or not session else STARTED_AT

    def project(self, component: str, body: Any) -> Any:
        """``body`` with only the fields this generation's ``component`` schema declares."""
        if self.native or component not in self.components:
            return body
        return _project(body, self.components[component], self.components)


@cache
def load_generation(name: str) -> Generation:
    """The generation ``name`` (v1..v5), from its committed OpenAPI document."""
    if name not in _FACTS:
        raise ValueError(f"unknown API generation {name!r}; choose one of {', '.join(sorted(_FACTS))}")
    document = load_openapi(name, "strict")
    server = document.get("servers", [{}])[0].get("url", "/api/v2")
    operations = frozenset(path.removeprefix("/aibridge/") for path in document["paths"])
    facts = _FACTS[name]
    return Generation(
        name,
        f"{server}/aibridge",
        operations,
        facts.members_read_own,
        facts.licence_feature,
        dict(facts.envelope_renames),
        document["components"]["schemas"],
        facts.null_session_metadata_fails,
        facts.clients_by_raw_column,
    )


def _resolve(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref", "")
    resolved: dict[str, Any] = components[ref.rsplit("/", 1)[-1]] if ref else schema
    return resolved


def _project(value: Any, schema: dict[str, Any], components: dict[str, Any]) -> Any:
    schema = _resolve(schema, components)
    if isinstance(value, dict) and "properties" in schema:
        props = schema["properties"]
        return {k: _project(v, props[k], components) for k, v in value.items() if k in props}
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [_project(v, schema["items"], components) for v in value]
    return value
