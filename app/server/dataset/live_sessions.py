"""Sessions as a live clock sees them at ``now``: precomputed where settled, aggregated where moving.

At any ``now`` the session keys fall in three groups. *Complete*: every interception has ended; the
key keeps the aggregates and rank computed at load. *Going on*: some interceptions have ended, some
have not; the key is aggregated from its ended rows and merged into the ranked order. *Not started*:
nothing has ended yet; the key is skipped. Only the last two groups need work, and they are the
keys whose last interception ends after ``now``: a suffix of the keys sorted by that time.

What a request sees depends only on which rows have ended, so the moving keys are computed once per
"epoch" (the number of interceptions ended by ``now``) and cached: polls between two ends share it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from aibridge_mock.server.dataset.indexes import Positions, search_many

if TYPE_CHECKING:
    from aibridge_mock.server.dataset.sessions import SessionIndex, SessionRow

__all__ = ["LiveSessions", "Moving", "Without", "member", "split_candidates"]

EPOCH_CACHE_SIZE = 16
OrderKey = tuple[int, int, int]  # (sort time, session id rank, key): the list order, descending


class Moving(NamedTuple):
    """The keys that are not complete at one epoch."""

    changing_ranks: Positions  # ascending ranks of keys going on or not started yet
    rows: list[SessionRow]  # keys going on, aggregated over their ended rows, in list order
    ranks: Positions  # their precomputed ranks (a filter that splits no session matches them there)
    boundaries: Positions  # for each: the first precomputed rank that sorts after it
    times: Positions  # their sort time (last_active_at, or started_at before v5) at this epoch
    sids: Positions  # their session id ranks


class LiveSessions:
    """The per-key facts a live clock needs, derived once from a :class:`SessionIndex`."""

    def __init__(self, index: SessionIndex) -> None:
        self.index = index
        cols, e = index.table.cols, index.table.n_ended
        order, starts = index.key_rows.order, index.key_rows.offsets[:-1]
        ended = cols.ended[order]
        self.first_end = np.minimum.reduceat(ended, starts) if len(ended) else ended[:0]
        self.by_last_end = np.argsort(index.ended_max, kind="stable")
        self.last_end_sorted = index.ended_max[self.by_last_end]
        self.ends = np.sort(cols.ended[:e])
        self.rank_of_key = np.empty(len(index.ranked), dtype=np.int64)
        self.rank_of_key[index.ranked] = np.arange(len(index.ranked), dtype=np.int64)
        self._at_epoch = lru_cache(maxsize=EPOCH_CACHE_SIZE)(self._moving)

    # -- one key ---------------------------------------------------------------------------------

    def partial_row(self, key: int, now: int) -> SessionRow:
        """A key's list row over its interceptions ended by ``now`` (it must have one)."""
        from aibridge_mock.server.dataset.sessions import SessionRow

        idx, cols = self.index, self.index.table.cols
        rows = idx.key_rows.get(key)
        rows = rows[cols.ended[rows] <= now]
        started, ended = int(cols.started[rows].min()), int(cols.ended[rows].max())
        prompt = int(cols.prompt_at[rows].max())
        threads = int(idx.is_root[rows].sum())
        return SessionRow(key, started, ended, threads, prompt if prompt >= 0 else started, upto=ended)

    def order_key(self, row: SessionRow) -> OrderKey:
        idx = self.index
        return idx.sort_time(row), int(idx.sid_rank[idx.key_session[row.key]]), row.key

    def first_in_order(self, keys: list[int], now: int) -> int | None:
        """Of ``keys`` (one session id), the first in list order among those with a row ended by ``now``."""
        seen = [k for k in keys if int(self.first_end[k]) <= now]
        return max(seen, key=lambda k: self.order_key(self.index.row_at(k, now)), default=None)

    def cursor_sort(self, code: int, now: int) -> int:
        """A session id's ``after_session_id`` sort key over its rows ended by ``now``, any initiator."""
        from aibridge_mock.server.dataset.session_order import STARTED_AT

        idx, cols = self.index, self.index.table.cols
        keys = idx.ranked[idx.by_sid.get(code)]
        rows = np.concatenate([idx.key_rows.get(int(k)) for k in keys])
        rows = rows[cols.ended[rows] <= now]
        first = int(cols.started[rows].min())
        prompt = int(cols.prompt_at[rows].max())
        return first if idx.sort_by == STARTED_AT or prompt < 0 else prompt

    # -- the moving keys -------------------------------------------------------------------------

    def moving(self, now: int) -> Moving:
        return self._at_epoch(int(np.searchsorted(self.ends, now, side="right")))

    def _moving(self, epoch: int) -> Moving:
        # The last end at or before ``now`` sees exactly the rows ``now`` sees.
        now = int(self.ends[epoch - 1]) if epoch else int(np.iinfo(np.int64).min)
        changing = self.by_last_end[int(np.searchsorted(self.last_end_sorted, now, side="right")) :]
        going_on = changing[self.first_end[changing] <= now]
        rows = [self.partial_row(int(k), now) for k in going_on]
        keyed = sorted(((self.order_key(r), r) for r in rows), key=lambda pair: pair[0], reverse=True)
        keys = np.array([r.key for _, r in keyed], dtype=np.int64)
        return Moving(
            np.sort(self.rank_of_key[changing]),
            [r for _, r in keyed],
            self.rank_of_key[keys],
            np.array([self._boundary(k) for k, _ in keyed], dtype=np.int64),
            np.array([k[0] for k, _ in keyed], dtype=np.int64),
            np.array([k[1] for k, _ in keyed], dtype=np.int64),
        )

    # -- GET /sessions ---------------------------------------------------------------------------

    def list_sessions(
        self,
        candidates: Positions | range,
        cursor: tuple[int, int] | None,
        offset: int,
        limit: int,
        now: int,
    ) -> tuple[int, list[SessionRow]]:
        """(count, page) when no filter splits a session: ``candidates`` are the ranks that match.

        The answer is the merge of two descending sequences: the complete candidates (ranks minus
        the changing ones) and the going-on candidates with their aggregates at ``now``.
        """
        moving = self.moving(now)
        settled, going, matching = split_candidates(candidates, moving)
        placed = settled.count_before(moving.boundaries[matching]) + np.arange(len(going))
        total = len(settled) + len(going)
        start = 0
        if cursor is not None:
            at, sid = cursor
            start = int(settled.count_before(np.array([self.index.rank_boundary(cursor)]))[0])
            times, sids = moving.times[matching], moving.sids[matching]
            start += int(((times > at) | ((times == at) & (sids >= sid))).sum())
        lo, hi = start + offset, min(start + offset + limit, total)
        page: list[tuple[bool, int]] = []  # (going on, index among those or among the settled)
        g = int(np.searchsorted(placed, lo))
        for i in range(lo, hi):
            if g < len(placed) and placed[g] == i:
                page.append((True, g))
                g += 1
            else:
                page.append((False, i - g))
        ranks = iter(settled.at([i for on, i in page if not on]))
        ranked = self.index.ranked
        return total, [
            going[i] if on else self.index.unfiltered_row(int(ranked[next(ranks)])) for on, i in page
        ]

    def _boundary(self, key: OrderKey) -> int:
        """First rank that sorts after ``key`` in list order (sort time, session id, key: descending)."""
        idx = self.index
        at, sid, k = key
        lo = int(np.searchsorted(idx.neg_ranked_sort, -at, side="left"))
        hi = int(np.searchsorted(idx.neg_ranked_sort, -at, side="right"))
        while lo < hi and (int(idx.ranked_sid[lo]), int(idx.ranked[lo])) > (sid, k):
            lo += 1
        return lo


def split_candidates(
    candidates: Positions | range, moving: Moving
) -> tuple[Without, list[SessionRow], np.ndarray]:
    """The candidate ranks whose sessions are complete, the going-on rows among the candidates, and
    which of ``moving``'s going-on sessions are candidates."""
    excluded = moving.changing_ranks[member(candidates, moving.changing_ranks)]
    matching = member(candidates, moving.ranks)
    going = [row for row, keep in zip(moving.rows, matching.tolist(), strict=True) if keep]
    return Without(candidates, excluded), going, matching


class Without:
    """Ascending ``positions`` without ``excluded`` (a sorted subset), indexed without copying."""

    def __init__(self, positions: Positions | range, excluded: Positions) -> None:
        self.positions = positions
        self.excluded = excluded
        found = _index_in(positions, excluded)
        self._shift = found - np.arange(len(found), dtype=np.int64)  # non-decreasing

    def __len__(self) -> int:
        return len(self.positions) - len(self.excluded)

    def count_before(self, boundaries: Positions) -> Positions:
        """For each boundary, how many kept positions are below it."""
        if isinstance(self.positions, range):
            below = np.clip(boundaries - self.positions.start, 0, len(self.positions))
        else:
            below = search_many(self.positions, boundaries)
        counted: Positions = (below - search_many(self.excluded, boundaries)).astype(np.int64)
        return counted

    def at(self, indexes: list[int]) -> list[int]:
        """The kept positions at these indexes."""
        wanted = np.asarray(indexes, dtype=np.int64)
        where = wanted + np.searchsorted(self._shift, wanted, side="right")
        kept = where + self.positions.start if isinstance(self.positions, range) else self.positions[where]
        found: list[int] = kept.tolist()
        return found


def _index_in(positions: Positions | range, values: Positions) -> Positions:
    if isinstance(positions, range):
        return values - positions.start
    return search_many(positions, values).astype(np.int64)


def member(positions: Positions | range, values: Positions) -> np.ndarray:
    """For each of ``values``, whether ``positions`` (ascending) holds it."""
    if isinstance(positions, range):
        return (values >= positions.start) & (values < positions.stop)
    where = search_many(positions, values)
    inside = where < len(positions)
    found = np.zeros(len(values), dtype=bool)
    found[inside] = positions[where[inside]] == values[inside]
    return found
