"""Walking the paginated lists: offset walks, cursor walks, and windows small enough to walk.

A real deployment can hold millions of interceptions, so every full walk runs inside a ``q``
window whose ``count`` is at most a cap; the window always ends in the past (``started_before``)
so that live traffic does not shift pages while the suite walks them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import quote

from aibridge_mock.contract.body import (
    Page,
    expect_json,
    expect_status,
    format_rfc3339,
    list_page,
    str_field,
    time_field,
)
from aibridge_mock.contract.client import ContractClient, Exchange, Params
from aibridge_mock.contract.era import Era
from aibridge_mock.contract.violations import CheckSkipped, ShapeViolation

__all__ = [
    "INTERCEPTIONS",
    "MAX_LIMIT",
    "SESSIONS",
    "ListEndpoint",
    "Threads",
    "Walk",
    "bounded_window",
    "cursor_walk",
    "fetch",
    "fetch_threads",
    "full_walk",
    "join_q",
    "list_endpoint",
    "offset_walk",
    "session_path",
]

MAX_LIMIT = 1000


@dataclass(frozen=True)
class ListEndpoint:
    """A ``{count, <items>}`` list endpoint and its cursor parameter, as one generation serves it."""

    name: str
    path: str
    items_key: str
    cursor: str
    order_key: str  # the timestamp the list is ordered by, newest first
    count_key: str = "count"  # "total" in v1's docs
    offset: bool = True  # offset pages it (not in v1, spec 1.2)


INTERCEPTIONS = ListEndpoint("interceptions", "/aibridge/interceptions", "results", "after_id", "started_at")
SESSIONS = ListEndpoint("sessions", "/aibridge/sessions", "sessions", "after_session_id", "last_active_at")


def list_endpoint(era: Era, name: str) -> ListEndpoint:
    """``interceptions`` or ``sessions`` as ``era`` serves it: envelope, order and offset paging."""
    base = INTERCEPTIONS if name == "interceptions" else SESSIONS
    order = era.session_order_key if name == "sessions" else base.order_key
    return replace(base, order_key=order, count_key=era.count_key, offset=era.offset_honoured)


def session_path(session_id: str) -> str:
    """The path of one session's threads; client session ids may need escaping."""
    return "/aibridge/sessions/" + quote(session_id, safe="")


def join_q(*terms: str) -> str:
    return " ".join(t for t in terms if t)


def fetch(client: ContractClient, ep: ListEndpoint, q: str = "", **params: str | int) -> Page:
    """One page; a non-200 or malformed answer raises the matching violation."""
    query: Params = dict(params)
    if q:
        query["q"] = q
    return list_page(client.get(ep.path, query), ep.items_key, ep.count_key)


@dataclass
class Walk:
    """Items of consecutive pages, each with the page it came from."""

    pages: list[Page] = field(default_factory=list)
    located: list[tuple[dict[str, Any], Page, int]] = field(default_factory=list)

    def add(self, page: Page) -> None:
        self.pages.append(page)
        self.located.extend((item, page, i) for i, item in enumerate(page.items))

    @property
    def items(self) -> list[dict[str, Any]]:
        return [item for item, _, _ in self.located]

    def ids(self) -> list[str]:
        out: list[str] = []
        for page in self.pages:
            out.extend(page.ids())
        return out


def offset_walk(
    client: ContractClient, ep: ListEndpoint, q: str, page_size: int, max_pages: int = 50
) -> Walk:
    """Pages ``offset = 0, n, 2n, ...`` until a short page."""
    walk = Walk()
    for number in range(max_pages):
        page = fetch(client, ep, q, limit=page_size, offset=number * page_size)
        walk.add(page)
        if len(page.items) < page_size:
            return walk
    raise CheckSkipped(f"{ep.path} q={q!r}: more than {max_pages} pages of {page_size}")


def full_walk(client: ContractClient, ep: ListEndpoint, q: str, page_size: int, max_pages: int = 50) -> Walk:
    """Every item of ``q``: by offset, or by cursor where the server ignores offsets (v1)."""
    walk = offset_walk if ep.offset else cursor_walk
    return walk(client, ep, q, page_size, max_pages)


def cursor_walk(
    client: ContractClient,
    ep: ListEndpoint,
    q: str,
    page_size: int,
    max_pages: int = 50,
    *,
    whole: bool = True,
) -> Walk:
    """Pages following the cursor (the last id of each page) until an empty or short page.

    ``whole=False`` stops quietly after ``max_pages``; otherwise a longer list skips the check.
    """
    walk = Walk()
    cursor = ""
    for _ in range(max_pages):
        params: dict[str, str | int] = {"limit": page_size}
        if cursor:
            params[ep.cursor] = cursor
        page = fetch(client, ep, q, **params)
        walk.add(page)
        if len(page.items) < page_size or not page.items:
            return walk
        cursor = page.ids()[-1]
    if not whole:
        return walk
    raise CheckSkipped(f"{ep.path} q={q!r}: more than {max_pages} cursor pages of {page_size}")


def _item_at(client: ContractClient, ep: ListEndpoint, q: str, position: int) -> tuple[Page, int] | None:
    """The page holding the item at ``position`` of ``q`` and its index there (None past the end)."""
    if ep.offset:
        page = fetch(client, ep, q, limit=1, offset=position)
        return (page, 0) if page.items else None
    size = min(MAX_LIMIT, position + 1)
    walk = cursor_walk(client, ep, q, size, max_pages=position // size + 1, whole=False)
    if len(walk.located) <= position:
        return None
    _, page, index = walk.located[position]
    return page, index


def bounded_window(client: ContractClient, ep: ListEndpoint, base_q: str, cap: int) -> tuple[str, int]:
    """A ``q`` (``base_q``, maybe plus ``started_after``) matching 1 to ``cap`` items, and its count."""
    count = fetch(client, ep, base_q, limit=1).count
    if count <= cap:
        return base_q, count
    for offset in (cap - 1, cap // 2, cap // 4, cap // 10, 0):
        found = _item_at(client, ep, base_q, offset)
        if found is None:
            continue
        page, index = found
        since = time_field(page.items[index], "started_at", page.path(index), page.exchange)
        candidate = join_q(base_q, f'started_after:"{format_rfc3339(since)}"')
        narrowed = fetch(client, ep, candidate, limit=1).count
        if 0 < narrowed <= cap:
            return candidate, narrowed
    raise CheckSkipped(f"{ep.path}: no window with at most {cap} items found (count {count})")


@dataclass(frozen=True)
class Threads:
    """A 200 answer of ``GET /sessions/{id}``: the session and one page of its threads."""

    body: dict[str, Any]
    threads: list[dict[str, Any]]
    exchange: Exchange

    def ids(self) -> list[str]:
        return [str_field(t, "id", f"$.threads[{i}]", self.exchange) for i, t in enumerate(self.threads)]


def fetch_threads(client: ContractClient, session_id: str, **params: str | int) -> Threads:
    """One page of a session's threads; anything but a well-formed 200 raises a violation."""
    ex = client.get(session_path(session_id), dict(params))
    expect_status(ex, 200)
    body = expect_json(ex)
    threads = body.get("threads") if isinstance(body, dict) else None
    if not isinstance(threads, list) or not all(isinstance(t, dict) for t in threads):
        raise ShapeViolation(
            f"expected a list of thread objects, got {str(threads)[:80]}", request=ex.curl, path="$.threads"
        )
    assert isinstance(body, dict)  # for the type checker: threads came from it
    return Threads(body, threads, ex)
