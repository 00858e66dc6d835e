"""Small index structures over numpy columns: grouped position lists and range helpers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

# Row positions: int32 where a data set allows (under 2**31 rows), which halves the indexes' memory.
Positions = npt.NDArray[np.signedinteger[Any]]
Side = Literal["left", "right"]


def compact(positions: npt.NDArray[np.integer[Any]]) -> Positions:
    """``positions`` in the smallest signed integer type that holds every position."""
    small = len(positions) == 0 or int(positions.max()) < 2**31
    found: Positions = positions.astype(np.int32 if small else np.int64, copy=False)
    return found


_INT32 = np.iinfo(np.int32)


def search(positions: Positions, value: int, side: Side = "left") -> int:
    """``np.searchsorted`` of one value, in the positions' own dtype.

    Given a wider value (a Python int is an int64), numpy first converts all of int32 ``positions``
    to int64: a copy of the whole list per search, which would make a page cost the data set.
    """
    if positions.dtype == np.int32:
        if value > _INT32.max:
            return len(positions)
        if value < _INT32.min:
            return 0
        return int(positions.searchsorted(np.int32(value), side))
    return int(positions.searchsorted(value, side))


def search_many(positions: Positions, values: npt.ArrayLike, side: Side = "left") -> Positions:
    """``np.searchsorted`` of many values, cast to the positions' dtype (see :func:`search`)."""
    values = np.asarray(values)
    if positions.dtype == np.int32 and values.dtype != np.int32:
        values = np.clip(values, _INT32.min, _INT32.max).astype(np.int32)
    found: Positions = positions.searchsorted(values, side)
    return found


@dataclass(frozen=True)
class Spliced:
    """Ascending positions: a few listed one by one (``head``), then every one of ``tail``.

    What a live clock leaves of a list: the newest rows, checked one by one for having ended, and
    the older ones, which have all ended, untouched (a range stays a range).
    """

    head: Positions
    tail: Positions | range

    def __len__(self) -> int:
        return len(self.head) + len(self.tail)


Matches = Positions | range | Spliced


@dataclass(frozen=True)
class Grouped:
    """For each code of a column, the ascending positions that hold it (a CSR layout)."""

    order: Positions
    offsets: Positions

    @staticmethod
    def build(codes: npt.NDArray[np.integer], n_codes: int) -> Grouped:
        order = compact(np.argsort(codes, kind="stable"))
        counts = np.bincount(codes, minlength=n_codes) if len(codes) else np.zeros(n_codes, dtype=np.int64)
        offsets = np.zeros(n_codes + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        return Grouped(order, offsets)

    def get(self, code: int) -> Positions:
        if not 0 <= code < len(self.offsets) - 1:
            return self.order[:0]
        return self.order[self.offsets[code] : self.offsets[code + 1]]

    def union(self, codes: list[int]) -> Positions:
        """Ascending positions holding any of ``codes`` (none: an empty list)."""
        if len(codes) == 1:
            return self.get(codes[0])
        found = [self.get(code) for code in codes]
        return np.sort(np.concatenate(found)) if found else np.empty(0, dtype=np.int64)


def intersect(candidates: list[Positions], lo: int, hi: int) -> Positions | range:
    """Ascending positions in [lo, hi) present in every candidate list (each ascending).

    Costs the smallest list, not the data set: the others are probed with binary search.
    """
    if not candidates:
        return range(lo, hi)
    lists = [c[search(c, lo) : search(c, hi)] for c in candidates]
    lists.sort(key=len)
    result = lists[0]
    for other in lists[1:]:
        if not len(result):
            break
        where = search_many(other, result)
        where[where >= len(other)] = len(other) - 1 if len(other) else 0
        result = result[other[where] == result] if len(other) else result[:0]
    return result


def first_at_or_after(matches: Matches, boundary: int) -> int:
    """Index in ``matches`` of the first position >= boundary."""
    if isinstance(matches, Spliced):
        found = search(matches.head, boundary)
        if found < len(matches.head):
            return found
        return len(matches.head) + first_at_or_after(matches.tail, boundary)
    if isinstance(matches, range):
        return min(max(boundary - matches.start, 0), len(matches))
    return search(matches, boundary)


def page_of(matches: Matches, start: int, limit: int) -> list[int]:
    """``limit`` positions from index ``start`` of ``matches``, as Python ints."""
    if isinstance(matches, Spliced):
        head: list[int] = matches.head[start : start + limit].tolist()
        rest = max(start - len(matches.head), 0)
        return head + page_of(matches.tail, rest, limit - len(head))
    chunk = matches[start : start + limit]
    return list(chunk) if isinstance(chunk, range) else chunk.tolist()


def as_array(matches: Matches) -> Positions:
    """Every position of ``matches`` as one array (costs the matches: for per-row aggregation)."""
    if isinstance(matches, Spliced):
        return np.concatenate([matches.head, as_array(matches.tail)])
    if isinstance(matches, range):
        return np.arange(matches.start, matches.stop, dtype=np.int64)
    return matches
