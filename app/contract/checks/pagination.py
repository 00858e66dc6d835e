"""``limit`` is honoured, and ``count`` is the size of the whole result, whatever the page (spec 1.1, 3)."""

from __future__ import annotations

from app.contract.body import Page, expect_json, expect_status
from app.contract.checks.registry import CheckContext, check
from app.contract.client import Exchange
from app.contract.violations import PaginationViolation, ShapeViolation
from app.contract.walks import (
    MAX_LIMIT,
    ListEndpoint,
    bounded_window,
    fetch,
    fetch_threads,
    join_q,
    offset_walk,
)

DEFAULT_LIMIT = 100
THREADS_DEFAULT_LIMIT = 50
THREADS_MAX_LIMIT = 200


def _expect_size(got: int, want: int, what: str, ex: Exchange, path: str) -> None:
    if got != want:
        raise PaginationViolation(f"{what}: got {got} items, expected {want}", request=ex.curl, path=path)


def _list_limits(ctx: CheckContext, ep: ListEndpoint) -> None:
    q = ctx.window_q
    total = fetch(ctx.client, ep, q, limit=1).count
    path = f"$.{ep.items_key}"
    for limit in sorted({1, 2, ctx.rng(ep.name).randint(3, 20)}):
        page = fetch(ctx.client, ep, q, limit=limit)
        _expect_size(len(page.items), min(limit, total), f"limit={limit} with count {total}", page.exchange, path)
    for params in ({}, {"limit": 0}):
        page = fetch(ctx.client, ep, q, **params)
        what = "no limit (default 100)" if not params else "limit=0 (means the default, 100)"
        _expect_size(len(page.items), min(DEFAULT_LIMIT, total), f"{what} with count {total}", page.exchange, path)
    if total >= 2:
        page = fetch(ctx.client, ep, q, limit=5, offset=total - 2)
        _expect_size(len(page.items), 2, f"offset={total - 2} limit=5 with count {total}", page.exchange, path)


def _strings(ex: Exchange) -> list[str]:
    expect_status(ex, 200)
    body = expect_json(ex)
    if body is None:
        return []  # coderd writes a nil slice as null (spec 1.5)
    if not isinstance(body, list) or not all(isinstance(v, str) for v in body):
        raise ShapeViolation(f"expected a list of strings or null, got {str(body)[:80]}", request=ex.curl)
    return body


def _distinct_limits(ctx: CheckContext, path: str) -> None:
    everything = _strings(ctx.client.get(path, {"limit": MAX_LIMIT}))
    for limit in (1, 2):
        ex = ctx.client.get(path, {"limit": limit})
        _expect_size(len(_strings(ex)), min(limit, len(everything)), f"limit={limit} of {len(everything)}", ex, "$")
    if everything:
        ex = ctx.client.get(path, {"limit": 5, "offset": len(everything) - 1})
        _expect_size(len(_strings(ex)), 1, f"offset={len(everything) - 1} of {len(everything)}", ex, "$")


def _thread_limits(ctx: CheckContext) -> None:
    sessions = [s for s in ctx.facts.sessions if isinstance(s.get("threads"), int) and s["threads"] >= 2]
    for session in sessions[: ctx.samples]:
        # The size comes from the threads endpoint itself: the list's ``threads`` is the consistency check's business.
        threads = len(fetch_threads(ctx.client, session["id"], limit=THREADS_MAX_LIMIT).threads)
        for limit in sorted({1, max(threads - 1, 1)}):
            page = fetch_threads(ctx.client, session["id"], limit=limit)
            _expect_size(len(page.threads), min(limit, threads), f"limit={limit} of {threads} threads",
                         page.exchange, "$.threads")
        page = fetch_threads(ctx.client, session["id"])
        _expect_size(len(page.threads), min(THREADS_DEFAULT_LIMIT, threads), f"no limit (default 50) of {threads} "
                     "threads", page.exchange, "$.threads")


@check("limit-honoured", "pagination", "every list returns min(limit, rest) items; no limit or 0 means 100")
def limit_honoured(ctx: CheckContext) -> None:
    for ep in ctx.list_endpoints():
        _list_limits(ctx, ep)
    for path in ("/aibridge/models", "/aibridge/clients"):
        _distinct_limits(ctx, path)
    _thread_limits(ctx)


@check("count-matches-walk", "pagination", "count equals the number of items a full offset walk returns")
def count_matches_walk(ctx: CheckContext) -> None:
    for ep in ctx.list_endpoints():
        q, _ = bounded_window(ctx.client, ep, ctx.window_q, ctx.cap)
        walk = offset_walk(ctx.client, ep, q, MAX_LIMIT)
        first = walk.pages[0]
        seen: set[str] = set()
        for page in walk.pages:
            for i, item_id in enumerate(page.ids()):
                if item_id in seen:
                    raise PaginationViolation(f"id {item_id} appears twice in an offset walk", request=page.exchange.curl,
                                              path=page.path(i))
                seen.add(item_id)
        if first.count != len(seen):
            raise PaginationViolation(f"count is {first.count} but walking every page returns {len(seen)} items",
                                      request=first.exchange.curl, path="$.count")


def _same_count(base: Page, other: Page, what: str) -> None:
    if other.count != base.count:
        raise PaginationViolation(f"count is {other.count} with {what} but {base.count} without",
                                  request=other.exchange.curl, path="$.count")


@check("count-ignores-pagination", "pagination", "count is the same whatever limit, offset or cursor is given")
def count_ignores_pagination(ctx: CheckContext) -> None:
    for ep in ctx.list_endpoints():
        base = fetch(ctx.client, ep, ctx.window_q, limit=1)
        offset = min(3, max(base.count - 1, 0))
        _same_count(base, fetch(ctx.client, ep, ctx.window_q, limit=MAX_LIMIT), f"limit={MAX_LIMIT}")
        _same_count(base, fetch(ctx.client, ep, ctx.window_q, limit=2, offset=offset), f"offset={offset}")
        if base.items:
            cursor = base.ids()[0]
            _same_count(base, fetch(ctx.client, ep, ctx.window_q, limit=2, **{ep.cursor: cursor}), f"{ep.cursor}")
            user = base.items[0].get("initiator")
            if isinstance(user, dict) and isinstance(user.get("id"), str):
                q = join_q(ctx.window_q, f"initiator:{user['id']}")
                narrowed = fetch(ctx.client, ep, q, limit=1)
                _same_count(narrowed, fetch(ctx.client, ep, q, limit=3, offset=1), "offset=1 and a filter")
