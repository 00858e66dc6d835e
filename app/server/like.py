"""PostgreSQL's ``LIKE``, in time linear in the pattern: no regular expression over the whole pattern.

``/models`` and ``/clients`` filter with ``value LIKE @q || '%'`` (spec 1.5): ``%`` matches any run
of characters, ``_`` exactly one, a backslash makes the next character literal, and the whole value
must match (case-sensitive, character by character). A translation to a backtracking regex
(``%`` -> ``.*``) takes exponential time on ``q=%%%%%%%%%%zzz``; this matcher cannot.

The pattern splits at each unescaped ``%`` into segments of literal characters and ``_``. The first
segment is anchored at the start, the last (when the pattern does not end with ``%``) at the end,
and each one in between is matched at its leftmost position after the previous one: taking the
leftmost match never loses a match, so nothing is retried. A segment is matched by a regex without
quantifiers (literals and ``.``), which cannot backtrack. Matching a value of n characters costs
O(n x pattern length) at worst, and O(1) when the value is shorter than the characters the
pattern requires (a ``q`` of 10,000 ``%`` and ``_`` is refused at once).
"""

from __future__ import annotations

import re
from functools import cached_property

__all__ = ["LikePattern"]


class _Segment:
    """Literal characters and ``_`` (None) between two ``%``."""

    def __init__(self, tokens: list[str | None]) -> None:
        self.tokens = tokens
        self.length = len(tokens)  # characters it matches: one per token

    @cached_property
    def regex(self) -> re.Pattern[str]:
        # Compiled on first use: a pattern the length check refuses compiles nothing.
        return re.compile("".join("." if t is None else re.escape(t) for t in self.tokens), re.DOTALL)


_PERCENT_RUNS = re.compile("%+")


def _segments(pattern: str) -> list[list[str | None]]:
    """The pattern's segments between unescaped ``%`` (a run of ``%`` is one); None stands for ``_``."""
    if "\\" not in pattern:  # the usual case, split in C
        return [[None if ch == "_" else ch for ch in part] for part in _PERCENT_RUNS.split(pattern)]
    segments: list[list[str | None]] = [[]]
    escaped = False
    for ch in pattern:
        if escaped:
            segments[-1].append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "%":
            if segments[-1] or len(segments) == 1:
                segments.append([])  # the first segment stays anchored at the start, even when empty
        else:
            segments[-1].append(None if ch == "_" else ch)
    if escaped:
        segments[-1].append("\\")  # PostgreSQL would refuse a trailing escape; prefix + "%" has none
    return segments


def _min_length(pattern: str) -> int:
    """Characters a value needs to match: one per literal or ``_``."""
    if "\\" not in pattern:
        return len(pattern) - pattern.count("%")
    return sum(len(segment) for segment in _segments(pattern))


class LikePattern:
    """A compiled LIKE pattern: ``LikePattern(prefix + "%").matches(value)``.

    Segments are built on the first value long enough to match: a hostile pattern that no value
    can match (more ``_`` than any value has characters) costs one count of its ``%``.
    """

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.min_length = _min_length(pattern)

    @classmethod
    def prefix(cls, prefix: str) -> LikePattern:
        """The pattern of ``LIKE @prefix || '%'``."""
        return cls(prefix + "%")

    @cached_property
    def _parts(self) -> tuple[_Segment, _Segment | None, list[_Segment]]:
        """(first segment, last segment or None when the pattern ends with %, the ones between)."""
        segments = _segments(self.pattern)
        if len(segments) == 1:
            return _Segment(segments[0]), None, []
        middle = [_Segment(s) for s in segments[1:-1] if s]
        return _Segment(segments[0]), _Segment(segments[-1]), middle

    def matches(self, value: str) -> bool:
        if len(value) < self.min_length:
            return False
        first, last, middle = self._parts
        if last is None:
            return first.regex.fullmatch(value) is not None
        if first.length and first.regex.match(value) is None:
            return False
        position, end = first.length, len(value)
        if last.length:
            end -= last.length
            if end < position or last.regex.match(value, end) is None:
                return False
        for segment in middle:
            found = segment.regex.search(value, position, end)
            if found is None:
                return False
            position = found.end()
        return True
