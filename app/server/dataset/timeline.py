"""When sessions happen: the month before the anchor, growing towards it, and the live hours after it.

The month: usage grows e-fold every ``GROWTH_DAYS`` (a team's adoption), so recent days are busier and
the last 24 hours hold a few pages of sessions; a few sessions are still going at the anchor. The live
hours (``LIVE_HORIZON``) come at a working team's pace, not the month's average, which counts nights
and weekends. Each placement is a pure function of its random draws.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = [
    "DAY",
    "LIVE_HORIZON",
    "SECOND",
    "WINDOW",
    "Placement",
    "future",
    "history",
    "live_interceptions",
]

SECOND = 1_000_000
DAY = 24 * 3600 * SECOND
WINDOW = 30 * DAY  # data covers the 30 days before the anchor
GROWTH_DAYS = 14  # usage grows e-fold every 14 days (doubles in about 10): recent days are busier
LIVE_HORIZON = 12 * 3600 * SECOND  # a live data set goes on for a working day after the anchor
# A working team's pace, not the month's average (which counts nights and weekends): at least
# 20 interceptions a minute, or three times the month's average for large data sets.
LIVE_RATE_FLOOR = 20
LIVE_RATE_FACTOR = 3

# (rng, span, last row's offset, last row's duration) per session -> (start, still open at the anchor)
Placement = Callable[[np.random.Generator, np.ndarray, np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def live_interceptions(count: int) -> int:
    """How many interceptions a live data set adds after the anchor, for ``count`` before it."""
    per_minute = max(LIVE_RATE_FLOOR, LIVE_RATE_FACTOR * count / (WINDOW / (60 * SECOND)))
    return round(per_minute * LIVE_HORIZON / (60 * SECOND))


def history(anchor: int, live: bool) -> Placement:
    def place(
        rng: np.random.Generator, span: np.ndarray, last_offset: np.ndarray, last_dur: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        slack = np.maximum(WINDOW - span, 0)
        start = anchor - span - recent_age(rng.random(len(span)), slack)
        # A few sessions are still going at the anchor: their last interception has not ended.
        in_flight = rng.random(len(span)) < max(0.003, 2 / max(len(span), 1))
        cut = (last_dur * rng.uniform(0.2, 0.8, len(span))).astype(np.int64)
        start = np.where(in_flight, anchor - last_offset - last_dur + cut, start)
        return start, in_flight & (not live)

    return place


def future(anchor: int) -> Placement:
    def place(
        rng: np.random.Generator, span: np.ndarray, last_offset: np.ndarray, last_dur: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        start = anchor + 1 + (rng.random(len(span)) * LIVE_HORIZON).astype(np.int64)
        return start, np.zeros(len(span), dtype=bool)

    return place


def recent_age(u: np.ndarray, slack: np.ndarray) -> np.ndarray:
    """How long before its latest possible start a session starts: truncated exponential in [0, slack].

    Inverse CDF of a density that grows e-fold every GROWTH_DAYS towards the anchor.
    """
    tau = GROWTH_DAYS * DAY
    age = -tau * np.log1p(-u * -np.expm1(-slack / tau))
    clipped: np.ndarray = np.minimum(age, slack).astype(np.int64)
    return clipped
