"""Which session and thread each recorded interception belongs to, read back from the answers.

The management API never shows an interception's ``client_session_id`` or ``thread_root_id``;
the mock re-derives sessions and threads from them (session = COALESCE(client_session_id,
thread_root_id, id), thread = a root and the interceptions naming it; spec section 4). What the
answers do show:

- a thread's id is its root interception's id, and the session answer it came in names its session;
- an agentic action names, through its tool calls, an interception of that thread;
- a thread's ``started_at``/``ended_at`` span all its interceptions, and (for the oldest 50
  threads of a session, spec section 4.2) its ``token_usage`` sums all of their token usages.

An interception that is neither a root nor has tool calls (the model's final answer of an agentic
loop, typically) appears in no thread answer. It is placed by the constraints it must satisfy: the
same initiator, inside the thread's span, token sums that add up exactly, and the thread's end
(or start) reached by some member when its known members fall short of it. Unit propagation
settles almost every case; the rest is a small bounded search per group of threads that compete
for the same interceptions. Where the answers cannot decide, the tightest thread is chosen.

Two readings cannot be told apart and both re-derive the same sessions: a session id equal to
its thread root's id may be a client session id or none; the recording says none.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from aibridge_mock.proxy.observations import Snapshot, ThreadSeen, Tokens, ended_at, micros, tokens_of

__all__ = ["Link", "link_interceptions"]

THREADS_WITH_TOKENS = 50  # coderd loads token usages for a session's oldest 50 threads only (spec 4.2)
SEARCH_BUDGET = 100_000  # steps per group of competing threads before the tightest-thread fallback
MAX_SEARCH_DEPTH = 400  # one recursion level per interception of a group; Python allows 1,000


@dataclass(frozen=True)
class Link:
    """What a fixture interception needs beyond its record."""

    thread_root_id: str | None = None
    client_session_id: str | None = None
    credential_kind: str = ""
    credential_hint: str = ""
    thoughts: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Item:
    id: str
    initiator: str
    started: int
    ended: int
    tokens: Tokens


@dataclass
class _Thread:
    seen: ThreadSeen
    residual: list[int] | None  # tokens the hidden members must add up to; None: unknown
    needs_end: bool  # no known member ends when the thread does
    needs_start: bool
    members: list[str] = field(default_factory=list)


def _item(record: dict[str, Any]) -> _Item:
    usages = record.get("token_usages") or []
    sums = [sum(t) for t in zip(*(tokens_of(u) for u in usages), strict=True)] if usages else [0, 0, 0, 0]
    a, b, c, d = sums
    return _Item(
        record["id"],
        record["initiator"]["id"],
        micros(record["started_at"]),
        micros(ended_at(record)),
        (a, b, c, d),
    )


def link_interceptions(snap: Snapshot) -> dict[str, Link]:
    """A link for every recorded interception that belongs to a thread the answers showed."""
    items = {i: _item(r) for i, r in snap.interceptions.items()}
    threads = {root: t for root, t in snap.threads.items() if root in items}
    thread_of: dict[str, str] = {}
    thoughts: dict[str, tuple[str, ...]] = {}
    for root, seen in threads.items():
        thread_of[root] = root
        for interception_id, texts in seen.actions:
            if interception_id not in items:
                continue
            thoughts[interception_id] = texts
            if interception_id not in threads:
                thread_of[interception_id] = root
    hidden = sorted((items[i] for i in items if i not in thread_of), key=lambda x: (x.started, x.id))
    state = _thread_states(threads, thread_of, items)
    thread_of.update(_place(hidden, state))
    links = {}
    for interception_id, root in thread_of.items():
        seen = threads[root]
        member = interception_id != root
        links[interception_id] = Link(
            thread_root_id=root if member else None,
            # A session named after its root is what COALESCE gives without a client session id.
            client_session_id=None if seen.session_id == root else seen.session_id,
            credential_kind=seen.credential_kind,
            credential_hint=seen.credential_hint,
            thoughts=thoughts.get(interception_id, ()),
        )
    return links


def _thread_states(
    threads: dict[str, ThreadSeen], thread_of: dict[str, str], items: dict[str, _Item]
) -> dict[str, _Thread]:
    members: dict[str, list[_Item]] = defaultdict(list)
    for interception_id, root in thread_of.items():
        members[root].append(items[interception_id])
    # A thread's place in its session (started_at, id of the root) tells whether its tokens are shown.
    by_session: dict[tuple[str, str], list[str]] = defaultdict(list)
    for root, seen in threads.items():
        by_session[(seen.session_id, seen.initiator_id)].append(root)
    capped = {
        root
        for roots in by_session.values()
        for root in sorted(roots, key=lambda r: (items[r].started, r))[THREADS_WITH_TOKENS:]
    }
    state = {}
    for root, seen in threads.items():
        known = members[root]
        left = [shown - sum(m.tokens[k] for m in known) for k, shown in enumerate(seen.tokens)]
        # Zeros past the cap, or sums below the known members' (a partial walk): the sums say nothing.
        residual = None if root in capped or min(left) < 0 else left
        end = max(m.ended for m in known)
        start = min(m.started for m in known)
        state[root] = _Thread(
            seen,
            residual,
            needs_end=seen.ended is not None and seen.ended > end,
            needs_start=seen.started < start,
        )
    return state


def _fits(x: _Item, t: _Thread) -> bool:
    seen = t.seen
    if seen.initiator_id != x.initiator or seen.ended is None:
        return False
    if not seen.started <= x.started <= x.ended <= seen.ended:
        return False
    return t.residual is None or all(r >= v for r, v in zip(t.residual, x.tokens, strict=True))


def _place(hidden: list[_Item], state: dict[str, _Thread]) -> dict[str, str]:
    """Thread root of each hidden interception that fits some thread."""
    by_initiator: dict[str, list[str]] = defaultdict(list)
    for root, t in state.items():
        by_initiator[t.seen.initiator_id].append(root)
    candidates = {x.id: [r for r in by_initiator[x.initiator] if _fits(x, state[r])] for x in hidden}
    placeable = [x for x in hidden if candidates[x.id]]
    placed: dict[str, str] = {}
    for group in _groups(placeable, candidates):
        placed.update(_solve(group, candidates, state))
    return placed


def _groups(items: list[_Item], candidates: dict[str, list[str]]) -> list[list[_Item]]:
    """Interceptions that compete for the same threads, grouped (union-find over threads)."""
    parent: dict[str, str] = {}

    def find(a: str) -> str:
        while parent.setdefault(a, a) != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for x in items:
        first = candidates[x.id][0]
        for other in candidates[x.id][1:]:
            parent[find(other)] = find(first)
    groups: dict[str, list[_Item]] = defaultdict(list)
    for x in items:
        groups[find(candidates[x.id][0])].append(x)
    return list(groups.values())


def _solve(group: list[_Item], candidates: dict[str, list[str]], state: dict[str, _Thread]) -> dict[str, str]:
    """Assign a group so that every thread's sums, end and start come out exactly; bounded search."""
    roots = sorted({r for x in group for r in candidates[x.id]})
    order = sorted(group, key=lambda x: (len(candidates[x.id]), x.started, x.id))
    residual: dict[str, list[int] | None] = {}
    for r in roots:
        known = state[r].residual
        residual[r] = None if known is None else list(known)
    ends = {r: 0 for r in roots}
    starts = {r: 0 for r in roots}
    chosen: dict[str, str] = {}
    budget = [SEARCH_BUDGET]

    def complete() -> bool:
        return all(
            (residual[r] is None or not any(residual[r] or ()))
            and (not state[r].needs_end or ends[r])
            and (not state[r].needs_start or starts[r])
            for r in roots
        )

    def search(i: int) -> bool:
        if i == len(order):
            return complete()
        budget[0] -= 1
        if budget[0] < 0:
            return False
        x = order[i]
        for r in candidates[x.id]:
            left = residual[r]
            if left is not None and any(v > have for v, have in zip(x.tokens, left, strict=True)):
                continue
            _apply(x, r, +1, residual, ends, starts, state)
            chosen[x.id] = r
            if search(i + 1):
                return True
            _apply(x, r, -1, residual, ends, starts, state)
            del chosen[x.id]
        return False

    if len(order) <= MAX_SEARCH_DEPTH and search(0):
        return chosen
    # Nothing satisfies every sum (a partial walk, or answers that changed while walking): the
    # thread whose span is tightest around the interception is the likeliest home.
    return {x.id: min(candidates[x.id], key=lambda r: (_span(state[r]), r)) for x in group}


def _span(t: _Thread) -> int:
    return (t.seen.ended or t.seen.started) - t.seen.started


def _apply(
    x: _Item,
    root: str,
    sign: int,
    residual: dict[str, list[int] | None],
    ends: dict[str, int],
    starts: dict[str, int],
    state: dict[str, _Thread],
) -> None:
    left = residual[root]
    if left is not None:
        for k, v in enumerate(x.tokens):
            left[k] -= sign * v
    seen = state[root].seen
    ends[root] += sign * (x.ended == seen.ended)
    starts[root] += sign * (x.started == seen.started)
