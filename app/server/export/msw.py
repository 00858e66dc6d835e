"""The export as an MSW handlers module (ES module) and its TypeScript declarations.

The module is ``msw_handlers.js`` with the export's data in place of its placeholder: the bodies
(each stored once), every exchange (persona, path, status, body), and the first pages split into
their items. The handlers parse a request as the mock does, so the data only holds answers.
"""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any

from aibridge_mock.server.auth import Scope, Viewer
from aibridge_mock.server.dataset.users import Persona, User
from aibridge_mock.server.export.collect import Exchange, Page
from aibridge_mock.server.generations import Generation

__all__ = ["handlers_module", "handlers_types"]

PLACEHOLDER = "__AIBRIDGE_MOCK_DATA__"


def handlers_types() -> bytes:
    """The TypeScript declarations (the same for every export)."""
    return files("aibridge_mock.server.export").joinpath("msw_handlers.d.ts").read_bytes()


def handlers_module(
    exchanges: list[Exchange],
    personas: list[Persona],
    users: list[User],
    provider_names: frozenset[str],
    generation: Generation,
    build_version: str,
    header: str,
) -> bytes:
    """The handlers module: the template with the data of this export."""
    bodies: dict[bytes, int] = {}

    def body(raw: bytes) -> int:
        return bodies.setdefault(raw, len(bodies))

    data = {
        "generation": generation.name,
        "prefix": generation.prefix,
        "operations": sorted(generation.operations),
        "build_version": build_version,
        "personas": [
            {
                "username": p.user.username,
                "role": p.user.role,
                "user_id": p.user.id,
                "key_id": p.key_id,
                "secret": p.secret,
                # Members of generations after PR #23320 read nothing: empty lists, unknown cursors.
                "sees_nothing": Scope.of(Viewer(p.user, p.user.role), generation.members_read_own).nothing,
            }
            for p in personas
        ],
        "interceptions_count_key": generation.envelope_renames.get("count", "count"),
        "users": {u.username.lower(): u.id for u in users},
        "provider_names": sorted(provider_names),
        "exchanges": [_exchange(e, body) for e in exchanges],
    }
    data["bodies"] = [raw.decode() for raw in bodies]
    template = files("aibridge_mock.server.export").joinpath("msw_handlers.js").read_text(encoding="utf-8")
    # ASCII-only JSON is a JavaScript literal (no raw U+2028 in strings for old engines to trip on).
    literal = json.dumps(data, ensure_ascii=True, separators=(",", ":"))
    return (header + template.replace(PLACEHOLDER, literal, 1)).encode()


def _exchange(exchange: Exchange, body: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "persona": exchange.persona.user.username,
        "operation": exchange.operation,
        "path": exchange.path,
        "status": exchange.status,
        "body": body(exchange.body),
    }
    if exchange.session_id is not None:
        entry["session_id"] = exchange.session_id
    if exchange.page is not None:
        entry["page"] = _page(exchange, exchange.page, body)
    return entry


def _page(exchange: Exchange, page: Page, body: Any) -> dict[str, Any]:
    items = [body(item) for item in page.items]
    if exchange.operation in ("models", "clients"):
        return {"items": items, "values": list(page.keys), "complete": page.complete}
    return {
        "items": items,
        "ids": list(page.keys),
        "count": page.count,
        "count_key": page.count_key,
        "items_key": "results" if exchange.operation == "interceptions" else "sessions",
        "cursorable": list(page.cursorable),
    }
