"""What a member's token may see (spec 7).

Since PR #23320 (2026-03, generation v4) members read nothing: empty lists with ``count`` 0,
``null`` models and clients, 404 on every session. Older servers let members read their own rows,
which generations v1 to v3 expect and compatible strictness accepts from any server; a member
never sees another user's data.
"""

from __future__ import annotations

import json
from typing import Any

from aibridge_mock.contract.body import Page, expect_json, expect_status
from aibridge_mock.contract.checks.errorbody import Expected, expect_error
from aibridge_mock.contract.checks.registry import CheckContext, check
from aibridge_mock.contract.client import ContractClient
from aibridge_mock.contract.violations import PermissionViolation
from aibridge_mock.contract.walks import ListEndpoint, fetch, session_path


def _initiator(item: dict[str, Any]) -> str | None:
    user = item.get("initiator")
    return user.get("id") if isinstance(user, dict) else None


def _nothing_at_all(ctx: CheckContext) -> bool:
    """Members read nothing: strict strictness on a generation after PR #23320."""
    return ctx.strict and not ctx.era.members_read_own


def _own_rows_only(ctx: CheckContext, page: Page, what: str) -> set[str]:
    """Nothing at all (see above), else rows of one user only (the member's own). Returns that user."""
    if _nothing_at_all(ctx) and (page.count or page.items):
        raise PermissionViolation(
            f"a member may read no AI Bridge data (Coder >= 2.30), but {what} returned "
            f"count {page.count} and {len(page.items)} items",
            request=page.exchange.curl,
            path="$.count",
        )
    users = {u for u in (_initiator(i) for i in page.items) if u}
    if len(users) > 1:
        raise PermissionViolation(
            f"a member sees rows of {len(users)} different users in {what}",
            request=page.exchange.curl,
            path=f"{page.path(0)}.initiator.id",
        )
    return users


def _lists(ctx: CheckContext, member: ContractClient, ep: ListEndpoint) -> set[str]:
    users = _own_rows_only(ctx, fetch(member, ep, limit=100), ep.path)
    mine = _own_rows_only(ctx, fetch(member, ep, "initiator:me", limit=100), f"{ep.path}?q=initiator:me")
    if len(users | mine) > 1:
        raise PermissionViolation(
            f"a member sees rows of users {sorted(users | mine)} in {ep.path}",
            request=member.get(ep.path, {"limit": 100}).curl,
            path=f"$.{ep.items_key}",
        )
    return users | mine


def _distinct(ctx: CheckContext, member: ContractClient, owner_values: tuple[str, ...], path: str) -> None:
    ex = member.get(path, {"limit": 1000})
    expect_status(ex, 200)
    body = expect_json(ex)
    values = body if isinstance(body, list) else []
    if _nothing_at_all(ctx) and body is not None:
        raise PermissionViolation(
            f"a member's {path} must be null (no visible rows), got {str(body)[:80]}",
            request=ex.curl,
            path="$",
        )
    if values and owner_values and len(values) == len(owner_values) > 1 and ctx.facts.session_count > 1:
        raise PermissionViolation(
            f"a member's {path} lists all {len(values)} values the owner sees", request=ex.curl, path="$"
        )


@check(
    "member-visibility",
    "permissions",
    "a member token sees no other user's data: lists, models, clients, sessions by id, cursors",
    needs_member=True,
)
def member_visibility(ctx: CheckContext) -> None:
    member = ctx.member
    assert member is not None  # guaranteed by needs_member
    own: set[str] = set()
    for ep in ctx.list_endpoints():
        own |= _lists(ctx, member, ep)
    if ctx.serves("models"):
        _distinct(ctx, member, ctx.facts.models, "/aibridge/models")
    if ctx.serves("clients"):
        _distinct(ctx, member, ctx.facts.clients, "/aibridge/clients")
    others = [s for s in ctx.facts.sessions if _initiator(s) not in own][: ctx.samples]
    for session in others:
        session_id = str(session["id"])
        expect_error(ctx, member.get(session_path(session_id)), Expected(404, ("Session not found.",), None))
        expect_error(
            ctx,
            member.get(ctx.sessions.path, {"after_session_id": session_id}),
            Expected(
                400,
                ("Query parameter has invalid value.",),
                f"after_session_id: session {json.dumps(session_id, ensure_ascii=False)} not found",
            ),
        )
    foreign = [i for i in ctx.facts.interceptions if _initiator(i) not in own][:1]
    for item in foreign:
        ex = member.get(ctx.interceptions.path, {"after_id": str(item["id"])})
        if ctx.era.unknown_cursor_500 and ex.status == 500:  # H1-H3 (spec 1.2 step 5)
            expect_error(ctx, ex, Expected(500, ("Internal error getting AI Bridge interceptions.",)))
            continue
        expect_error(
            ctx,
            ex,
            Expected(
                400,
                ("Invalid pagination cursor.",),
                f"after_id: interception {item['id']} not found: invalid pagination cursor",
            ),
        )
