"""Sessions and threads, derived from the interceptions exactly as coderd's SQL derives them.

A session is the group (session_id, initiator) over ended interceptions; ``session_id`` is
COALESCE(client_session_id, thread_root_id, id). Unfiltered aggregates are computed once at load;
a filter that splits sessions (model, time range, or any column that varies inside a session) is
aggregated from the matching interceptions only, as the SQL does.

Queries given ``now`` (a live clock) see only the interceptions ended by then. A session whose
interceptions have all ended keeps its precomputed aggregates and rank; the few sessions going on
at ``now`` are aggregated from their ended rows and merged into that order (:mod:`.live_sessions`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from aibridge_mock.server.dataset.filters import Filter
from aibridge_mock.server.dataset.indexes import (
    Grouped,
    Positions,
    as_array,
    compact,
    first_at_or_after,
    intersect,
    page_of,
)
from aibridge_mock.server.dataset.interceptions import InterceptionTable, SortKey
from aibridge_mock.server.dataset.session_order import LAST_ACTIVE_AT, SESSION_ORDERS, STARTED_AT

if TYPE_CHECKING:
    from aibridge_mock.server.dataset.live_sessions import LiveSessions
    from aibridge_mock.server.dataset.ordering import SessionOrder

THREADS_ALL_ROWS_CAP = 50  # coderd's "all rows" thread query runs with LIMIT COALESCE(NULLIF(0,0),50)


@dataclass(frozen=True)
class SessionRow:
    """One row of GET /sessions: a (session, initiator) key and its aggregates over matching rows."""

    key: int
    started: int
    ended: int
    threads: int
    last_active: int
    upto: int | None = None  # a session going on at the clock's now: only its rows ended by then


class Aggregated(NamedTuple):
    """Sessions aggregated over matching interceptions; ``ranked`` orders them for the list."""

    group: np.ndarray
    started: np.ndarray
    ended: np.ndarray
    threads: np.ndarray
    active: np.ndarray
    sid: np.ndarray
    ranked: np.ndarray
    now: int | None
    sort: np.ndarray  # what the list is ordered and cursored by: ``active``, or ``started`` (v4's SQL3)


def _reduce(op: np.ufunc, values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    return op.reduceat(values, starts) if len(values) else values[:0]


class SessionIndex:
    """Per-key aggregates, the global session order and the thread layout of every session.

    ``sort_by`` is what sessions are listed and cursored by: ``last_active_at`` (PR #24440) or, as
    before it, ``started_at`` (SQL3: the cursor is MIN(started_at) of the cursor's session id).
    """

    def __init__(self, table: InterceptionTable, n_users: int, sort_by: str = LAST_ACTIVE_AT) -> None:
        if sort_by not in SESSION_ORDERS:
            raise ValueError(f"sessions are listed by one of {SESSION_ORDERS}, not {sort_by!r}")
        self.sort_by = sort_by
        self.table = table
        ds = table
        c, e = ds.cols, ds.n_ended
        self.n_users = n_users
        n_users = max(n_users, 1)
        combo = c.session[:e].astype(np.int64) * n_users + c.user[:e]
        keys, self.key_of_row = np.unique(combo, return_inverse=True)
        self.key_session = (keys // n_users).astype(np.int64)
        self.key_user = (keys % n_users).astype(np.int64)
        n_keys = len(keys)
        self.is_root = c.root[:e] == np.arange(e)
        order = np.lexsort((c.id_lo[:e], c.id_hi[:e], c.started[:e], self.key_of_row)).astype(np.int64)
        self.key_rows = Grouped(compact(order), _offsets(self.key_of_row, n_keys))
        starts = self.key_rows.offsets[:-1]
        self.started_min = c.started[order][starts] if n_keys else np.empty(0, dtype=np.int64)
        self.ended_max = _reduce(np.maximum, c.ended[order], starts)
        self.threads = _reduce(np.add, self.is_root[order].astype(np.int64), starts)
        prompt_max = _reduce(np.maximum, c.prompt_at[order], starts)
        self.prompt_max = prompt_max
        self.last_active = np.where(prompt_max >= 0, prompt_max, self.started_min)
        self.tokens = [
            _reduce(np.add, col[:e][order], starts)
            for col in (c.tok_in, c.tok_out, c.tok_cache_read, c.tok_cache_write)
        ]
        self.first_row = order[starts]
        by_prompt = np.lexsort((c.prompt_at[:e], self.key_of_row))
        self.last_prompt_row = np.where(
            prompt_max >= 0, by_prompt[self.key_rows.offsets[1:] - 1] if n_keys else 0, -1
        )
        self.providers = self._distinct(ds.provider_col[:e], ds.providers)
        self.models = self._distinct(c.model[:e], [m or "" for m in ds.tables.models.values])
        self._order_sessions(ds, n_keys)
        self._index_constant_columns(ds, order, starts)
        # GET /sessions/{id} lists the threads of the session id, whoever started them: coderd's
        # ListAIBridgeSessionThreads filters on session_id alone (fixtures may share a session id
        # between users), while the session row above it is one (session id, initiator) key.
        roots = np.flatnonzero(self.is_root).astype(np.int64)
        roots = roots[np.lexsort((c.id_lo[roots], c.id_hi[roots], c.started[roots], c.session[roots]))]
        sid_offsets = _offsets(c.session[roots], len(ds.tables.session_ids.values))
        self.sid_roots = Grouped(compact(roots), sid_offsets)
        thread_order = np.lexsort((c.id_lo[:e], c.id_hi[:e], c.started[:e], c.root[:e])).astype(np.int64)
        self.thread_rows = Grouped(compact(thread_order), _offsets(c.root[:e], len(c)))

    def _distinct(self, codes: np.ndarray, names: list[str]) -> list[tuple[str, ...]]:
        """ARRAY_AGG(DISTINCT ... ORDER BY ...) per key over all of its ended interceptions."""
        width = max(len(names), 1)
        pairs = np.unique(self.key_of_row.astype(np.int64) * width + codes)
        grouped: list[list[str]] = [[] for _ in range(len(self.key_session))]
        for key, code in zip((pairs // width).tolist(), (pairs % width).tolist(), strict=True):
            grouped[key].append(names[code])
        return [tuple(sorted(g)) for g in grouped]

    def _order_sessions(self, ds: InterceptionTable, n_keys: int) -> None:
        """Sessions are listed by (last_active_at or started_at) DESC, session_id DESC."""
        ids = ds.tables.session_ids.values
        self.sid_rank = np.empty(len(ids), dtype=np.int64)
        self.sid_rank[np.array(sorted(range(len(ids)), key=lambda i: str(ids[i])), dtype=np.int64)] = (
            np.arange(len(ids))
        )
        # The cursor's key is computed over every ended interception of the session id, any initiator.
        prompt = np.full(len(ids), -1, dtype=np.int64)
        first = np.full(len(ids), np.iinfo(np.int64).max, dtype=np.int64)
        np.maximum.at(prompt, self.key_session, self.prompt_max)
        np.minimum.at(first, self.key_session, self.started_min)
        by_started = self.sort_by == STARTED_AT
        self.cursor_sort = first if by_started else np.where(prompt >= 0, prompt, first)
        sort_value = self.started_min if by_started else self.last_active
        key_sid_rank = self.sid_rank[self.key_session]
        self.ranked = np.lexsort((np.arange(n_keys), key_sid_rank, sort_value))[::-1].copy()
        self.ranked_sort = sort_value[self.ranked]
        self.neg_ranked_sort = -self.ranked_sort  # ascending, for binary search
        self.ranked_sid = key_sid_rank[self.ranked]
        self.by_user = Grouped.build(self.key_user[self.ranked], self.n_users)
        self.by_sid = Grouped.build(self.key_session[self.ranked], len(ids))

    def _index_constant_columns(self, ds: InterceptionTable, order: np.ndarray, starts: np.ndarray) -> None:
        """A column that never varies inside a session can be filtered per session, not per row.

        Initiator and session id are part of the session key, so they never vary.
        """
        self.per_session: dict[str, Grouped] = {"user": self.by_user, "session": self.by_sid}
        c = ds.cols
        columns = {
            "client": (c.client, len(ds.tables.clients.values)),
            "provider": (ds.provider_col, len(ds.providers)),
            "instance": (c.instance, len(ds.tables.instances)),
            "model": (c.model, len(ds.tables.models.values)),
        }
        for name, (column, n_codes) in columns.items():
            values = column[: ds.n_ended][order]
            if len(values) and np.array_equal(
                _reduce(np.minimum, values, starts), _reduce(np.maximum, values, starts)
            ):
                self.per_session[name] = Grouped.build(values[starts][self.ranked], n_codes)

    # -- queries ---------------------------------------------------------------------------------

    @cached_property
    def live(self) -> LiveSessions:
        """What changes with a live clock's ``now`` (built on first use: static data sets never do)."""
        from aibridge_mock.server.dataset.live_sessions import LiveSessions

        return LiveSessions(self)

    def _settled(self, now: int | None) -> int | None:
        """``now``, or None once every interception has ended (the static answers apply)."""
        return None if now is None or now >= self.table.last_end else now

    def sort_time(self, row: SessionRow) -> int:
        """The time a session row is listed by: its last activity, or its start before PR #24440."""
        return row.started if self.sort_by == STARTED_AT else row.last_active

    def cursor_key(
        self, session_id: str, user: int | None = None, now: int | None = None
    ) -> tuple[int, int] | None:
        """(sort time, session id rank) of a visible session id, or None if there is none."""
        now = self._settled(now)
        code = self.table.tables.session_ids.codes.get(session_id)
        if code is None or self.find(session_id, user, now) is None:
            return None
        at = int(self.cursor_sort[code]) if now is None else self.live.cursor_sort(code, now)
        return at, int(self.sid_rank[code])

    def list_sessions(
        self, f: Filter, cursor: tuple[int, int] | None, offset: int, limit: int, now: int | None = None
    ) -> tuple[int, list[SessionRow]]:
        """(count, page) for GET /sessions."""
        now = self._settled(now)
        fast = self._per_session_candidates(f)
        if fast is None:
            return self._aggregate_matching(f, cursor, offset, limit, now)
        if now is not None:
            return self.live.list_sessions(fast, cursor, offset, limit, now)
        start = first_at_or_after(fast, self.rank_boundary(cursor)) if cursor else 0
        ranks = page_of(fast, start + offset, limit)
        return len(fast), [self.unfiltered_row(int(self.ranked[r])) for r in ranks]

    def unfiltered_row(self, key: int) -> SessionRow:
        """A session's list row with the aggregates over all of its interceptions."""
        return SessionRow(
            key,
            int(self.started_min[key]),
            int(self.ended_max[key]),
            int(self.threads[key]),
            int(self.last_active[key]),
        )

    def row_at(self, key: int, now: int | None) -> SessionRow:
        """A session's list row over its interceptions ended by ``now`` (all of them: None)."""
        now = self._settled(now)
        if now is None or int(self.ended_max[key]) <= now:
            return self.unfiltered_row(key)
        return self.live.partial_row(key, now)

    def upto(self, key: int, now: int | None) -> int | None:
        """The ``upto`` of a session's rows at ``now``: None when all of them have ended."""
        return self.row_at(key, now).upto

    def _per_session_candidates(self, f: Filter) -> Positions | range | None:
        """Ranks of matching sessions when no filter splits a session; None otherwise."""
        if f.started_after is not None or f.started_before is not None:
            return None
        lists = []
        for name, codes in self.table.column_codes(f).items():
            grouped = self.per_session.get(name)
            if grouped is None:
                return None  # the column varies inside some session: aggregate matching rows instead
            lists.append(grouped.union(codes))
        return intersect(lists, 0, len(self.ranked))

    def rank_boundary(self, cursor: tuple[int, int]) -> int:
        """First rank whose (sort time, session id) sorts strictly after the cursor."""
        at, sid = cursor
        lo = int(np.searchsorted(self.neg_ranked_sort, -at, side="left"))
        hi = int(np.searchsorted(self.neg_ranked_sort, -at, side="right"))
        while lo < hi and self.ranked_sid[lo] >= sid:
            lo += 1
        return lo

    def _aggregate(self, f: Filter, now: int | None) -> Aggregated | None:
        """Sessions aggregated over the interceptions matching ``f`` (a filter that splits sessions)."""
        c = self.table.cols
        rows = as_array(self.table.match(f, now))
        if not len(rows):
            return None
        keys = self.key_of_row[rows]
        order = np.argsort(keys, kind="stable")
        rows, keys = rows[order], keys[order]
        starts = np.r_[0, np.flatnonzero(np.diff(keys)) + 1]
        group = keys[starts]
        started = np.minimum.reduceat(c.started[rows], starts)
        ended = np.maximum.reduceat(c.ended[rows], starts)
        threads = np.add.reduceat(self.is_root[rows].astype(np.int64), starts)
        prompt = np.maximum.reduceat(c.prompt_at[rows], starts)
        active = np.where(prompt >= 0, prompt, started)
        sort = started if self.sort_by == STARTED_AT else active
        sid = self.sid_rank[self.key_session[group]]
        ranked = np.lexsort((group, sid, sort))[::-1]
        return Aggregated(group, started, ended, threads, active, sid, ranked, now, sort)

    def aggregated_row(self, agg: Aggregated, i: int) -> SessionRow:
        """The list row of the ``i``-th group of an aggregation."""
        key = int(agg.group[i])
        upto = None if agg.now is None else self.upto(key, agg.now)
        return SessionRow(
            key, int(agg.started[i]), int(agg.ended[i]), int(agg.threads[i]), int(agg.active[i]), upto
        )

    def _aggregate_matching(
        self, f: Filter, cursor: tuple[int, int] | None, offset: int, limit: int, now: int | None
    ) -> tuple[int, list[SessionRow]]:
        agg = self._aggregate(f, now)
        if agg is None:
            return 0, []
        sort, sid, ranked = agg.sort, agg.sid, agg.ranked
        if cursor is not None:
            ca, cs = cursor
            ranked = ranked[(sort[ranked] < ca) | ((sort[ranked] == ca) & (sid[ranked] < cs))]
        page = ranked[offset : offset + limit].tolist()
        return len(agg.group), [self.aggregated_row(agg, i) for i in page]

    # -- merging with another index (recorded traffic on top of generated data) ----------------

    def session_id(self, key: int) -> str:
        return str(self.table.tables.session_ids.values[int(self.key_session[key])])

    def rank_of(self, session_id: str) -> int | None:
        """The rank of one of this index's own session ids among them (None: not one of them)."""
        code = self.table.tables.session_ids.codes.get(session_id)
        return None if code is None else int(self.sid_rank[code])

    def ordered(self, f: Filter, now: int | None = None) -> SessionOrder:
        """The sessions matching ``f`` (at ``now``) in list order, for merging with another index's."""
        from aibridge_mock.server.dataset.ordering import AggregatedOrder, LiveOrder, RankedOrder

        now = self._settled(now)
        fast = self._per_session_candidates(f)
        if fast is None:
            return AggregatedOrder(self, self._aggregate(f, now))
        if now is not None:
            return LiveOrder(self, fast, now)
        return RankedOrder(self, fast)

    # -- threads ---------------------------------------------------------------------------------

    def find(self, session_id: str, user: int | None = None, now: int | None = None) -> int | None:
        """The first visible key (in list order) with this id, as ListAIBridgeSessions(Limit=1) finds it.

        ``user`` restricts the search to one initiator's sessions (members of early generations).
        """
        now = self._settled(now)
        code = self.table.tables.session_ids.codes.get(session_id)
        if code is None:
            return None
        keys = [int(self.ranked[r]) for r in self.by_sid.get(code)]
        if user is not None:
            keys = [k for k in keys if int(self.key_user[k]) == user]
        if now is not None:
            return self.live.first_in_order(keys, now)
        return keys[0] if keys else None

    def thread_page(
        self,
        key: int,
        after: SortKey | None,
        before: SortKey | None,
        limit: int,
        user: int | None = None,
        upto: int | None = None,
    ) -> tuple[int, ...]:
        """Root rows of one page of a session's threads, oldest first.

        Both cursors keep ascending order and take the first ``limit`` (spec section 3 notes): a
        ``before`` page holds the oldest threads before the cursor, not the ones just before it.
        """
        sort_key = self.table.sort_key
        roots = self.roots(key, user, upto)
        if after is not None:
            roots = [r for r in roots if sort_key(r) > after]
        if before is not None:
            roots = [r for r in roots if sort_key(r) < before]
        return tuple(roots[:limit])

    def roots(self, key: int, user: int | None = None, upto: int | None = None) -> list[int]:
        """Root interceptions with the session id of ``key`` (ended by ``upto``), started_at ASC, id ASC.

        Any initiator's, or only ``user``'s (a member of the generations where members read their own).
        """
        roots = self.sid_roots.get(int(self.key_session[key]))
        if user is not None:
            roots = roots[self.table.cols.user[roots] == user]
        return self._ended(roots, upto)

    def thread(self, root: int, key: int | None = None, upto: int | None = None) -> list[int]:
        """Ended interceptions (by ``upto``) of the thread rooted at ``root``, started_at ASC, id ASC.

        With ``key``: only those with that session's id, as the thread query joins on session_id too
        (a fixture may give an interception of the thread its own client session id).
        """
        rows = self.thread_rows.get(root)
        if key is not None:
            rows = rows[self.table.cols.session[rows] == self.key_session[key]]
        return self._ended(rows, upto)

    def _ended(self, rows: Positions, upto: int | None) -> list[int]:
        if upto is not None:
            rows = rows[self.table.cols.ended[rows] <= upto]
        found: list[int] = rows.tolist()
        return found


def _offsets(codes: np.ndarray, n_codes: int) -> np.ndarray:
    offsets = np.zeros(n_codes + 1, dtype=np.int64)
    if len(codes):
        np.cumsum(np.bincount(codes, minlength=n_codes), out=offsets[1:])
    return offsets
