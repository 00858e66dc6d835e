"""The data set's clock: where the data ends (the anchor) and, in live mode, what time it is now.

The anchor is written as ``now``, ``now-<duration>`` (``now-2h``, ``now-1d12h``, ``now+30m``) or an
RFC 3339 time with a zone. ``now`` is read once, when the data set is built, and cut to the whole
second so that it can be typed back (``--anchor 2026-06-02T09:14:05Z`` rebuilds the same bytes).

In live mode the data set also holds what happens after the anchor, and each request sees it as of
``clock.now()``: the anchor plus the (monotonic) time elapsed since the mock started. Tests inject
a :class:`ManualClock` and move it by hand, so that what a request sees is a function of seed,
anchor and elapsed time only.
"""

from __future__ import annotations

import re
import time
from typing import Protocol

__all__ = [
    "ANCHOR_FORMS",
    "FIXED_ANCHOR",
    "AnchorError",
    "Clock",
    "LiveClock",
    "ManualClock",
    "parse_anchor",
    "wall_now",
]

FIXED_ANCHOR = "2026-05-15T12:00:00Z"  # inside the target era (spec §8: 2026-04-16 .. 2026-06-10)
SECOND = 1_000_000  # the data set counts microseconds since the epoch
_UNITS = {"d": 86_400 * SECOND, "h": 3_600 * SECOND, "m": 60 * SECOND, "s": SECOND}
_RELATIVE = re.compile(r"now(?:([+-])((?:\d+[dhms])+))?", re.IGNORECASE)
_PART = re.compile(r"(\d+)([dhms])", re.IGNORECASE)
ANCHOR_FORMS = (
    "now, now-<duration> such as now-2h or now-1d12h (units d, h, m, s), "
    "or an RFC 3339 time with a zone such as 2026-05-15T12:00:00Z"
)


class AnchorError(ValueError):
    """An anchor in none of the accepted forms; the message names them."""


def wall_now() -> int:
    """The wall clock, in whole seconds, as microseconds since the epoch."""
    return time.time_ns() // 1_000_000_000 * SECOND


def parse_anchor(text: str, now: int | None = None) -> int:
    """An anchor in microseconds since the epoch; ``now-2h`` counts from ``now`` (default: wall clock)."""
    from aibridge_mock.server.gocompat import TimeParseError, parse_rfc3339_nano

    value = text.strip()
    relative = _RELATIVE.fullmatch(value)
    if relative is not None:
        base = wall_now() if now is None else now
        sign, duration = relative.groups()
        if not duration:
            return base
        offset = sum(int(n) * _UNITS[unit.lower()] for n, unit in _PART.findall(duration))
        return base + offset if sign == "+" else base - offset
    try:
        return parse_rfc3339_nano(value.upper())
    except TimeParseError:
        raise AnchorError(f"must be {ANCHOR_FORMS}") from None


class Clock(Protocol):
    """What a live data set reads at each request: the current time of the data, in microseconds."""

    def now(self) -> int: ...


class LiveClock:
    """``start`` plus the monotonic time elapsed since this object was made (wall-clock jumps ignored).

    Made before gunicorn forks its workers, so every worker reads the same clock.
    """

    def __init__(self, start: int) -> None:
        self.start = start
        self._origin = time.monotonic_ns()

    def now(self) -> int:
        return self.start + (time.monotonic_ns() - self._origin) // 1_000


class ManualClock:
    """A clock that moves only when told to: for tests and reproducible demonstrations."""

    def __init__(self, start: int) -> None:
        self.start = start
        self._now = start

    def now(self) -> int:
        return self._now

    def set(self, moment: int) -> None:
        """Put the clock at ``moment`` (microseconds since the epoch)."""
        self._now = moment

    def advance(self, seconds: float) -> int:
        """Move forward by ``seconds``; the new time."""
        self._now += round(seconds * SECOND)
        return self._now

    def set_elapsed(self, seconds: float) -> int:
        """Put the clock ``seconds`` after its start; the new time."""
        self._now = self.start + round(seconds * SECOND)
        return self._now
