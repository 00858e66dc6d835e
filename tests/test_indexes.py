"""The index helpers cost the page, not the data set: no search copies a whole position list.

Positions are int32 where a data set allows. numpy's searchsorted, given a wider value (any Python
int), first converts the whole int32 array to int64; these tests count the bytes allocated during a
search instead of timing it, so they hold on any machine.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from aibridge_mock.server.dataset.indexes import (
    Grouped,
    Spliced,
    first_at_or_after,
    intersect,
    search,
    search_many,
)

N = 1_000_000
POSITIONS = np.arange(0, 2 * N, 2, dtype=np.int32)  # 4 MB; a copy to int64 would allocate 8 MB
SMALL_ALLOCATION = 64 * 1024


def allocated(call: Callable[[], Any]) -> int:
    """Peak bytes allocated while ``call`` runs (numpy reports its buffers to tracemalloc)."""
    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize(
    "search_once",
    [
        lambda: search(POSITIONS, 123_457),
        lambda: search(POSITIONS, 123_457, "right"),
        lambda: first_at_or_after(POSITIONS, 123_457),
        lambda: first_at_or_after(Spliced(POSITIONS[:10], POSITIONS[10:]), 1_500_001),
        lambda: intersect([POSITIONS, POSITIONS[5:50]], 1_000, 1_900_000),
        lambda: search_many(POSITIONS, np.array([5, 77, 1_999_999], dtype=np.int64)),
    ],
    ids=["search", "search right", "first_at_or_after", "spliced", "intersect", "search_many int64"],
)
def test_searching_int32_positions_copies_nothing(search_once: Callable[[], Any]) -> None:
    assert allocated(search_once) < SMALL_ALLOCATION


def test_search_matches_numpy_over_the_whole_range() -> None:
    wide = POSITIONS.astype(np.int64)
    for value in (-(2**40), -1, 0, 1, 2, 1_999_998, 1_999_999, 2 * N, 2**31, 2**40):
        for side in ("left", "right"):
            assert search(POSITIONS, value, side) == int(np.searchsorted(wide, value, side)), (value, side)
    values = np.array([-(2**40), -1, 3, 2**31 + 5], dtype=np.int64)
    assert search_many(POSITIONS, values).tolist() == np.searchsorted(wide, values).tolist()


def test_an_unknown_code_is_an_empty_list_of_the_same_dtype() -> None:
    grouped = Grouped.build(np.array([0, 1, 1, 0], dtype=np.int64), 2)
    assert grouped.get(1).tolist() == [1, 2]
    assert grouped.get(7).dtype == grouped.order.dtype == np.int32
    assert len(grouped.get(7)) == 0
