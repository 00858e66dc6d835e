"""The matching sessions of one index as an ordered sequence, to merge with another index's.

Used by :mod:`.composed` (recorded traffic on top of generated data): keys are
``(last_active_at, session id)``, comparable across indexes (the ranks of session ids inside one
index are not). Three shapes, as ``SessionIndex.list_sessions`` has three paths: the precomputed
ranks when no filter splits a session, the same merged with the sessions going on at a live
clock's ``now`` (:mod:`.live_sessions`), and an aggregation over matching interceptions.
"""

from __future__ import annotations

import numpy as np

from aibridge_mock.server.dataset.indexes import Positions, first_at_or_after, page_of
from aibridge_mock.server.dataset.live_sessions import split_candidates
from aibridge_mock.server.dataset.sessions import Aggregated, SessionIndex, SessionRow

__all__ = ["AggregatedOrder", "LiveOrder", "RankedOrder", "SessionOrder"]

Key = tuple[int, str]


class SessionOrder:
    """Sessions in list order (last_active_at DESC, session id DESC), addressed by index."""

    index: SessionIndex

    def __len__(self) -> int:
        raise NotImplementedError

    def key(self, i: int) -> Key:
        raise NotImplementedError

    def keys(self, start: int, count: int) -> list[Key]:
        return [self.key(i) for i in range(start, min(start + count, len(self)))]

    def count_before(self, key: Key) -> int:
        """How many sessions sort at or before ``key`` ((last_active_at, session id) >= it)."""
        raise NotImplementedError

    def rows(self, start: int, count: int) -> list[SessionRow]:
        raise NotImplementedError

    def _rank_key(self, rank: int) -> Key:
        idx = self.index
        return int(idx.ranked_sort[rank]), idx.session_id(int(idx.ranked[rank]))

    def _rank_boundary(self, key: Key) -> int:
        """First precomputed rank that sorts strictly after ``key``."""
        active, sid = key
        neg = self.index.neg_ranked_sort
        lo = int(np.searchsorted(neg, -active, side="left"))
        hi = int(np.searchsorted(neg, -active, side="right"))
        while lo < hi and self._rank_key(lo)[1] >= sid:
            lo += 1
        return lo


class RankedOrder(SessionOrder):
    """No filter splits a session and every session has ended: the precomputed ranks."""

    def __init__(self, index: SessionIndex, candidates: Positions | range) -> None:
        self.index, self.candidates = index, candidates

    def __len__(self) -> int:
        return len(self.candidates)

    def key(self, i: int) -> Key:
        return self._rank_key(int(self.candidates[i]))

    def keys(self, start: int, count: int) -> list[Key]:
        idx = self.index
        ranks = page_of(self.candidates, start, count)
        sids = [idx.session_id(key) for key in idx.ranked[ranks].tolist()]
        return list(zip(idx.ranked_sort[ranks].tolist(), sids, strict=True))

    def count_before(self, key: Key) -> int:
        return first_at_or_after(self.candidates, self._rank_boundary(key))

    def rows(self, start: int, count: int) -> list[SessionRow]:
        idx = self.index
        return [idx.unfiltered_row(int(idx.ranked[r])) for r in page_of(self.candidates, start, count)]


class LiveOrder(SessionOrder):
    """The precomputed ranks of complete sessions merged with those going on at ``now``."""

    def __init__(self, index: SessionIndex, candidates: Positions | range, now: int) -> None:
        self.index = index
        moving = index.live.moving(now)
        self.settled, self.going, matching = split_candidates(candidates, moving)
        boundaries = moving.boundaries[matching]
        self.placed = self.settled.count_before(boundaries) + np.arange(len(self.going), dtype=np.int64)
        self.going_keys = [(row.last_active, index.session_id(row.key)) for row in self.going]

    def __len__(self) -> int:
        return len(self.settled) + len(self.going)

    def _where(self, i: int) -> tuple[bool, int]:
        """(going on, index among those or among the settled) of merged index ``i``."""
        g = int(np.searchsorted(self.placed, i))
        if g < len(self.placed) and int(self.placed[g]) == i:
            return True, g
        return False, i - g

    def key(self, i: int) -> Key:
        going, j = self._where(i)
        return self.going_keys[j] if going else self._rank_key(self.settled.at([j])[0])

    def count_before(self, key: Key) -> int:
        settled = int(self.settled.count_before(np.array([self._rank_boundary(key)]))[0])
        return settled + sum(1 for k in self.going_keys if k >= key)

    def rows(self, start: int, count: int) -> list[SessionRow]:
        idx = self.index
        found = []
        for i in range(start, min(start + count, len(self))):
            going, j = self._where(i)
            found.append(
                self.going[j] if going else idx.unfiltered_row(int(idx.ranked[self.settled.at([j])[0]]))
            )
        return found


class AggregatedOrder(SessionOrder):
    """A filter that splits sessions: sessions aggregated over the matching interceptions."""

    def __init__(self, index: SessionIndex, agg: Aggregated | None) -> None:
        self.index, self.agg = index, agg
        self._neg_active = -agg.sort[agg.ranked] if agg is not None else np.empty(0, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.agg.ranked) if self.agg is not None else 0

    def key(self, i: int) -> Key:
        assert self.agg is not None
        j = int(self.agg.ranked[i])
        return int(self.agg.sort[j]), self.index.session_id(int(self.agg.group[j]))

    def count_before(self, key: Key) -> int:
        active, sid = key
        lo = int(np.searchsorted(self._neg_active, -active, side="left"))
        hi = int(np.searchsorted(self._neg_active, -active, side="right"))
        while lo < hi and self.key(lo)[1] >= sid:
            lo += 1
        return lo

    def rows(self, start: int, count: int) -> list[SessionRow]:
        if self.agg is None:
            return []
        agg = self.agg
        return [self.index.aggregated_row(agg, int(j)) for j in agg.ranked[start : start + count]]
