"""Every list is in the order the spec gives (section 3), across page boundaries too."""

from __future__ import annotations

import re
from typing import Any

from aibridge_mock.contract.body import Page, expect_json, expect_status, time_field
from aibridge_mock.contract.checks.registry import CheckContext, check
from aibridge_mock.contract.client import Exchange
from aibridge_mock.contract.qgrammar import term
from aibridge_mock.contract.violations import OrderingViolation, ShapeViolation
from aibridge_mock.contract.walks import ListEndpoint, Walk, cursor_walk, fetch, fetch_threads, join_q

_UUIDISH = re.compile(r"^[0-9a-f-]+$")
PAGE = 50
PAGES = 3


def _tie_break(left: str, right: str) -> int | None:
    """-1/0/1 comparing ids the way Postgres orders uuids; None when collation could disagree."""
    if not (_UUIDISH.match(left) and _UUIDISH.match(right)):
        return None
    return (left > right) - (left < right)


def _check_sequence(
    located: list[tuple[dict[str, Any], Page | Exchange, str]], key: str, descending: bool, what: str
) -> None:
    """Adjacent pairs are ordered by (key, id), newest first when ``descending``."""
    previous: tuple[int, str, str] | None = None
    for item, source, path in located:
        ex = source.exchange if isinstance(source, Page) else source
        stamp = time_field(item, key, path, ex)
        item_id = item.get("id")
        if not isinstance(item_id, str):
            raise ShapeViolation("field 'id' is missing or not a string", request=ex.curl, path=f"{path}.id")
        if previous is not None:
            prev_stamp, prev_id, prev_path = previous
            order = (stamp > prev_stamp) - (stamp < prev_stamp)
            if order == 0:
                order = _tie_break(item_id, prev_id) or 0
            if (order > 0) if descending else (order < 0):
                direction = "newest first" if descending else "oldest first"
                raise OrderingViolation(
                    f"{what} must be ordered by {key} then id, {direction}: {item_id} ({item[key]}) comes "
                    f"after {prev_id} at {prev_path}",
                    request=ex.curl,
                    path=f"{path}.{key}",
                )
        previous = (stamp, item_id, path)


def _located(walk: Walk) -> list[tuple[dict[str, Any], Page | Exchange, str]]:
    return [(item, page, page.path(i)) for item, page, i in walk.located]


def _first_pages(ctx: CheckContext, ep: ListEndpoint) -> Walk:
    """The first pages of the window, by offset (by cursor where offsets are ignored, v1)."""
    if not ep.offset:
        return cursor_walk(ctx.client, ep, ctx.window_q, PAGE, max_pages=PAGES, whole=False)
    walk = Walk()
    for number in range(PAGES):
        page = fetch(ctx.client, ep, ctx.window_q, limit=PAGE, offset=number * PAGE)
        walk.add(page)
        if len(page.items) < PAGE:
            break
    return walk


def _list_order(ctx: CheckContext, ep: ListEndpoint) -> None:
    _check_sequence(_located(_first_pages(ctx, ep)), ep.order_key, True, ep.path)
    providers = ctx.facts.vocab.usable(ctx.facts.vocab.providers)
    if providers:
        q = join_q(ctx.window_q, term("provider", ctx.rng(ep.name).choice(providers)))
        filtered = Walk()
        filtered.add(fetch(ctx.client, ep, q, limit=PAGE * 2))
        _check_sequence(_located(filtered), ep.order_key, True, f"{ep.path}?q={q}")


@check(
    "order-interceptions",
    "ordering",
    "interceptions come newest first: started_at DESC, id DESC",
    needs=("interceptions",),
)
def order_interceptions(ctx: CheckContext) -> None:
    _list_order(ctx, ctx.interceptions)


@check(
    "order-sessions",
    "ordering",
    "sessions come most recently active first: last_active_at DESC, id DESC (started_at before v5)",
    needs=("sessions",),
)
def order_sessions(ctx: CheckContext) -> None:
    _list_order(ctx, ctx.sessions)


@check(
    "order-threads",
    "ordering",
    "a session's threads come oldest first: started_at ASC, id ASC",
    needs=("threads",),
)
def order_threads(ctx: CheckContext) -> None:
    sessions = [s for s in ctx.facts.sessions if isinstance(s.get("threads"), int) and s["threads"] >= 2]
    for session in sessions[: ctx.samples]:
        page = fetch_threads(ctx.client, session["id"], limit=200)
        located: list[tuple[dict[str, Any], Page | Exchange, str]] = [
            (t, page.exchange, f"$.threads[{i}]") for i, t in enumerate(page.threads)
        ]
        _check_sequence(located, "started_at", False, f"threads of session {session['id']}")


def _collation_key(value: str) -> str:
    """Roughly how a linguistic collation (en_US.UTF-8) compares: case and punctuation ignored first."""
    return "".join(c for c in value.casefold() if c.isalnum())


@check(
    "order-models",
    "ordering",
    "models are sorted ascending (clients have no specified order)",
    needs=("models",),
)
def order_models(ctx: CheckContext) -> None:
    ex = ctx.client.get("/aibridge/models", {"limit": 1000})
    expect_status(ex, 200)
    models = expect_json(ex) or []
    if not isinstance(models, list) or not all(isinstance(m, str) for m in models):
        raise ShapeViolation(f"expected a list of strings or null, got {str(models)[:80]}", request=ex.curl)
    if models == sorted(models):
        return
    if not ctx.strict and models == sorted(models, key=_collation_key):
        return  # the database's collation decides; compatible strictness accepts a linguistic order
    first = next(i for i in range(1, len(models)) if models[i] < models[i - 1])
    raise OrderingViolation(
        f"models must be sorted ascending: {models[first]!r} comes after {models[first - 1]!r}",
        request=ex.curl,
        path=f"$[{first}]",
    )
