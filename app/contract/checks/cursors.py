"""Cursor walks visit every item once, with no gap and no duplicate, and agree with offset walks (spec 3)."""

from __future__ import annotations

import math
from typing import Any

from aibridge_mock.contract.body import parse_rfc3339
from aibridge_mock.contract.checks.registry import CheckContext, check
from aibridge_mock.contract.qgrammar import term
from aibridge_mock.contract.violations import CheckSkipped, CursorViolation
from aibridge_mock.contract.walks import (
    MAX_LIMIT,
    ListEndpoint,
    Walk,
    bounded_window,
    cursor_walk,
    fetch,
    fetch_threads,
    offset_walk,
)

WALK_CAP = 2000  # items per cursor walk: enough to cross many pages, cheap on a real server
TARGET_PAGES = 8
THREADS_MAX = 200


def _key(ep: ListEndpoint, item: dict[str, Any]) -> str:
    """Sessions are rows per (session id, initiator) (spec 4), interceptions are unique by id."""
    if ep.name == "sessions":
        user = item.get("initiator")
        return f"{item.get('id')}/{user.get('id') if isinstance(user, dict) else None}"
    return str(item.get("id"))


Finding = tuple[str, CursorViolation]  # the item involved, and what is wrong


def _duplicate(ep: ListEndpoint, walk: Walk) -> Finding | None:
    seen: dict[str, int] = {}
    for number, (item, page, i) in enumerate(walk.located):
        key = _key(ep, item)
        if key in seen:
            return str(item.get("id")), CursorViolation(
                f"{item.get('id')} was already returned at position {seen[key]} of the cursor walk; "
                f"repeated at position {number}",
                request=page.exchange.curl,
                path=f"{page.path(i)}.id",
            )
        seen[key] = number
    return None


def _disagreement(ep: ListEndpoint, cursor: Walk, offset: Walk) -> Finding | None:
    by_cursor = [_key(ep, item) for item in cursor.items]
    by_offset = [_key(ep, item) for item in offset.items]
    if by_cursor == by_offset:
        return None
    missing = [k for k in by_offset if k not in set(by_cursor)]
    if missing:
        position = by_offset.index(missing[0])
        item, page, i = offset.located[position]
        return str(item.get("id")), CursorViolation(
            f"{missing[0]} (position {position} of the offset walk) never appears in the {ep.cursor} walk: "
            "a gap",
            request=page.exchange.curl,
            path=f"{page.path(i)}.id",
        )
    pairs = enumerate(zip(by_cursor, by_offset, strict=False))
    position = next((n for n, (a, b) in pairs if a != b), min(len(by_cursor), len(by_offset)))
    item, page, i = cursor.located[min(position, len(cursor.located) - 1)]
    return str(item.get("id")), CursorViolation(
        f"the {ep.cursor} walk and the offset walk disagree at position {position} ({len(by_cursor)} vs "
        f"{len(by_offset)} items)",
        request=page.exchange.curl,
        path=f"{page.path(i)}.id",
    )


def _moved_by_live_traffic(ctx: CheckContext, session_id: str) -> bool:
    """A session active after the window's end is sorted by activity the window cannot see (spec 3 notes)."""
    rows = fetch(ctx.client, ctx.sessions, term("session_id", session_id), limit=100).items
    key = ctx.sessions.order_key
    stamps = [parse_rfc3339(r[key]) for r in rows if isinstance(r.get(key), str)]
    return any(s is not None and s >= ctx.facts.anchor for s in stamps)


def _list_walks(ctx: CheckContext, ep: ListEndpoint) -> None:
    q, count = bounded_window(ctx.client, ep, ctx.window_q, min(ctx.cap, WALK_CAP))
    if count < 2:
        raise CheckSkipped(f"{ep.path} has fewer than 2 items")
    size = min(MAX_LIMIT, max(1, math.ceil(count / TARGET_PAGES)))
    pages = math.ceil(count / size) + 3
    cursor = cursor_walk(ctx.client, ep, q, size, max_pages=pages)
    finding = _duplicate(ep, cursor)
    if finding is None and ep.offset:  # v1 ignored offsets (spec 1.2): nothing to agree with there
        finding = _disagreement(ep, cursor, offset_walk(ctx.client, ep, q, size, pages))
    if finding is not None:
        item_id, violation = finding
        if ep.name == "sessions" and _moved_by_live_traffic(ctx, item_id):
            raise CheckSkipped(f"session {item_id} was active during the walk; rerun in a quieter period")
        raise violation
    if len(cursor.items) != count:
        last = cursor.pages[-1]
        raise CursorViolation(
            f"the {ep.cursor} walk visited {len(cursor.items)} items but count is {count}",
            request=last.exchange.curl,
            path="$.count",
        )
    last_id = cursor.ids()[-1]
    after_last = fetch(ctx.client, ep, q, limit=size, **{ep.cursor: last_id})
    if after_last.items:
        raise CursorViolation(
            f"{ep.cursor} set to the last item still returns {len(after_last.items)} items",
            request=after_last.exchange.curl,
            path=after_last.path(0),
        )


@check(
    "cursor-walk-interceptions",
    "cursors",
    "an after_id walk visits every interception once and agrees with an offset walk",
    needs=("interceptions",),
)
def cursor_walk_interceptions(ctx: CheckContext) -> None:
    _list_walks(ctx, ctx.interceptions)


@check(
    "cursor-walk-sessions",
    "cursors",
    "an after_session_id walk visits every session once and agrees with an offset walk",
    needs=("sessions",),
)
def cursor_walk_sessions(ctx: CheckContext) -> None:
    _list_walks(ctx, ctx.sessions)


def _thread_walk(ctx: CheckContext, session_id: str, full: list[str]) -> None:
    size = max(1, len(full) // 3)
    walked: list[str] = []
    cursor = ""
    for _ in range(len(full) + 2):
        page = fetch_threads(ctx.client, session_id, limit=size, **({"after_id": cursor} if cursor else {}))
        for i, thread_id in enumerate(page.ids()):
            if thread_id in walked:
                raise CursorViolation(
                    f"thread {thread_id} returned again after after_id={cursor}",
                    request=page.exchange.curl,
                    path=f"$.threads[{i}].id",
                )
            if len(walked) >= len(full) or full[len(walked)] != thread_id:
                expected = full[len(walked)] if len(walked) < len(full) else "nothing"
                raise CursorViolation(
                    f"after_id walk gives thread {thread_id} where the full list has {expected}",
                    request=page.exchange.curl,
                    path=f"$.threads[{i}].id",
                )
            walked.append(thread_id)
        if len(page.threads) < size or not page.threads:
            break
        cursor = walked[-1]
    if walked != full:
        raise CursorViolation(
            f"after_id walk of session {session_id} visited {len(walked)} of {len(full)} threads",
            request=page.exchange.curl,
            path="$.threads",
        )


def _before_pages(ctx: CheckContext, session_id: str, full: list[str]) -> None:
    """``before_id`` returns the *oldest* threads before the cursor, still ascending (spec 3 notes)."""
    rng = ctx.rng(f"before:{session_id}")
    anywhere = rng.randrange(1, len(full))
    # limit 1 before the newest thread tells "oldest before" from "nearest before" apart (3 threads or more).
    for position, limit in ((len(full) - 1, 1), (anywhere, rng.randint(1, anywhere))):
        page = fetch_threads(ctx.client, session_id, limit=limit, before_id=full[position])
        expected, got = full[:position][:limit], page.ids()
        if got != expected:
            where = [full.index(t) for t in got if t in full][:3]
            raise CursorViolation(
                f"before_id={full[position]} limit={limit} must return the oldest threads "
                f"before the cursor (positions 0..{len(expected) - 1}), got positions "
                f"{where}",
                request=page.exchange.curl,
                path="$.threads",
            )


@check(
    "cursor-walk-threads",
    "cursors",
    "a session's after_id walk visits every thread once; before_id "
    "pages hold the oldest threads before the cursor",
    needs=("threads",),
)
def cursor_walk_threads(ctx: CheckContext) -> None:
    sessions = [
        s for s in ctx.facts.sessions if isinstance(s.get("threads"), int) and 3 <= s["threads"] < THREADS_MAX
    ]
    if not sessions:
        raise CheckSkipped("no session with 3 or more threads")
    for session in sessions[: ctx.samples]:
        full = fetch_threads(ctx.client, session["id"], limit=THREADS_MAX).ids()
        if len(full) < 3:
            continue
        _thread_walk(ctx, session["id"], full)
        _before_pages(ctx, session["id"], full)
        after_last = fetch_threads(ctx.client, session["id"], limit=5, after_id=full[-1])
        if after_last.threads:
            raise CursorViolation(
                "after_id set to the newest thread still returns threads",
                request=after_last.exchange.curl,
                path="$.threads[0]",
            )
