"""``limit`` is honoured, and ``count`` is the size of the whole result, whatever the page (spec 1.1, 3)."""

from __future__ import annotations

from aibridge_mock.contract.body import Page, expect_json, expect_status
from aibridge_mock.contract.checks.registry import CheckContext, check
from aibridge_mock.contract.client import Exchange
from aibridge_mock.contract.violations import PaginationViolation, ShapeViolation
from aibridge_mock.contract.walks import (
    MAX_LIMIT,
    ListEndpoint,
    bounded_window,
    fetch,
    fetch_threads,
    full_walk,
    join_q,
)

DEFAULT_LIMIT = 100
THREADS_DEFAULT_LIMIT = 50
THREADS_MAX_LIMIT = 200


def _expect_size(got: int, want: int, what: str, ex: Exchange, path: str) -> None:
    if got != want:
        raise PaginationViolation(f"{what}: got {got} items, expected {want}", request=ex.curl, path=path)


def _list_limits(ctx: CheckContext, ep: ListEndpoint) -> None:
    q, path = ctx.window_q, f"$.{ep.items_key}"
    total = fetch(ctx.client, ep, q, limit=1).count

    def expect(page: Page, want: int, what: str) -> None:
        _expect_size(len(page.items), want, f"{what} with count {total}", page.exchange, path)

    for limit in sorted({1, 2, ctx.rng(ep.name).randint(3, 20)}):
        expect(fetch(ctx.client, ep, q, limit=limit), min(limit, total), f"limit={limit}")
    expect(fetch(ctx.client, ep, q), min(DEFAULT_LIMIT, total), "no limit (default 100)")
    expect(fetch(ctx.client, ep, q, limit=0), min(DEFAULT_LIMIT, total), "limit=0 (the default, 100)")
    if total >= 2 and ep.offset:
        expect(fetch(ctx.client, ep, q, limit=5, offset=total - 2), 2, f"offset={total - 2} limit=5")


def _strings(ex: Exchange) -> list[str]:
    expect_status(ex, 200)
    body = expect_json(ex)
    if body is None:
        return []  # coderd writes a nil slice as null (spec 1.5)
    if not isinstance(body, list) or not all(isinstance(v, str) for v in body):
        raise ShapeViolation(f"expected a list of strings or null, got {str(body)[:80]}", request=ex.curl)
    return body


def _distinct_limits(ctx: CheckContext, operation: str) -> None:
    path = f"/aibridge/{operation}"
    total = len(_strings(ctx.client.get(path, {"limit": MAX_LIMIT})))
    for limit in (1, 2):
        ex = ctx.client.get(path, {"limit": limit})
        _expect_size(len(_strings(ex)), min(limit, total), f"limit={limit} of {total}", ex, "$")
    if total:
        ex = ctx.client.get(path, {"limit": 5, "offset": total - 1})
        _expect_size(len(_strings(ex)), 1, f"offset={total - 1} of {total}", ex, "$")


def _thread_limits(ctx: CheckContext) -> None:
    sessions = [s for s in ctx.facts.sessions if isinstance(s.get("threads"), int) and s["threads"] >= 2]
    for session in sessions[: ctx.samples]:
        # The size comes from the threads endpoint itself; the list's ``threads`` is for consistency checks.
        threads = len(fetch_threads(ctx.client, session["id"], limit=THREADS_MAX_LIMIT).threads)
        for limit in sorted({1, max(threads - 1, 1)}):
            page = fetch_threads(ctx.client, session["id"], limit=limit)
            _expect_size(
                len(page.threads),
                min(limit, threads),
                f"limit={limit} of {threads} threads",
                page.exchange,
                "$.threads",
            )
        page = fetch_threads(ctx.client, session["id"])
        _expect_size(
            len(page.threads),
            min(THREADS_DEFAULT_LIMIT, threads),
            f"no limit (default 50) of {threads} threads",
            page.exchange,
            "$.threads",
        )


@check("limit-honoured", "pagination", "every list returns min(limit, rest) items; no limit or 0 means 100")
def limit_honoured(ctx: CheckContext) -> None:
    for ep in ctx.list_endpoints():
        _list_limits(ctx, ep)
    for operation in ("models", "clients"):
        if ctx.serves(operation):
            _distinct_limits(ctx, operation)
    if ctx.serves("threads"):
        _thread_limits(ctx)


@check("count-matches-walk", "pagination", "count equals the number of items a walk of every page returns")
def count_matches_walk(ctx: CheckContext) -> None:
    for ep in ctx.list_endpoints():
        q, _ = bounded_window(ctx.client, ep, ctx.window_q, ctx.cap)
        walk = full_walk(ctx.client, ep, q, MAX_LIMIT)
        seen: set[str] = set()
        for page in walk.pages:
            for i, item_id in enumerate(page.ids()):
                if item_id in seen:
                    raise PaginationViolation(
                        f"id {item_id} appears twice in a walk of every page",
                        request=page.exchange.curl,
                        path=page.path(i),
                    )
                seen.add(item_id)
        first = walk.pages[0]
        if first.count != len(seen):
            raise PaginationViolation(
                f"count is {first.count} but walking every page returns {len(seen)} items",
                request=first.exchange.curl,
                path="$.count",
            )


def _same_count(base: Page, other: Page, what: str) -> None:
    if other.count != base.count:
        raise PaginationViolation(
            f"count is {other.count} with {what} but {base.count} without",
            request=other.exchange.curl,
            path="$.count",
        )


@check(
    "count-ignores-pagination", "pagination", "count is the same whatever limit, offset or cursor is given"
)
def count_ignores_pagination(ctx: CheckContext) -> None:
    q = ctx.window_q
    for ep in ctx.list_endpoints():
        base = fetch(ctx.client, ep, q, limit=1)
        offset = min(3, max(base.count - 1, 0))
        _same_count(base, fetch(ctx.client, ep, q, limit=MAX_LIMIT), f"limit={MAX_LIMIT}")
        if ep.offset:
            _same_count(base, fetch(ctx.client, ep, q, limit=2, offset=offset), f"offset={offset}")
        if not base.items:
            continue
        _same_count(base, fetch(ctx.client, ep, q, limit=2, **{ep.cursor: base.ids()[0]}), ep.cursor)
        user = base.items[0].get("initiator")
        if isinstance(user, dict) and isinstance(user.get("id"), str):
            narrowed_q = join_q(q, f"initiator:{user['id']}")
            narrowed = fetch(ctx.client, ep, narrowed_q, limit=1)
            paged = fetch(ctx.client, ep, narrowed_q, limit=3, **({"offset": 1} if ep.offset else {}))
            _same_count(narrowed, paged, "a page and a filter")
