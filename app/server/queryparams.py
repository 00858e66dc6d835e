"""Coder's ``httpapi.QueryParamParser``: collect every parameter error, then answer once.

Used both for URL query parameters (``limit``, ``after_id``, ...) and for the ``key:value`` pairs
of a ``q`` search string, exactly as coderd reuses one parser for both.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

from aibridge_mock.server.errors import Validation
from aibridge_mock.server.gocompat import (
    RFC3339_NANO,
    TimeParseError,
    UUIDParseError,
    go_quote,
    parse_rfc3339_nano,
    parse_uuid,
)
from aibridge_mock.server.gostrings import go_upper

T = TypeVar("T")
Values = Mapping[str, Sequence[str]]

_INT32_MAX = 2**31 - 1


class ParamError(ValueError):
    """A parse failure whose text goes into a validation detail."""


class QueryParamParser:
    """Parses typed values out of multi-valued parameters and records Go's validation errors."""

    def __init__(self, values: Values) -> None:
        self.values = values
        self.errors: list[Validation] = []
        self.parsed: set[str] = set()

    def _single(self, name: str) -> str | None:
        """The one value of ``name``; None when absent or empty (coderd treats both as unset)."""
        self.parsed.add(name)
        found = self.values.get(name, ())
        # Go checks "absent or first value empty" before counting values: ?limit=&limit=5 is unset.
        if not found or found[0] == "":
            return None
        if len(found) > 1:
            self.errors.append(
                Validation(
                    name,
                    f"Query param {go_quote(name)} provided more than once, found {len(found)} times. "
                    "Only provide 1 instance of this query param.",
                )
            )
            return None
        return found[0]

    def string(self, name: str) -> str:
        """A string value, "" when unset."""
        return self._single(name) or ""

    def uuid(self, name: str) -> str | None:
        """A UUID in canonical form, or None."""
        raw = self._single(name)
        if raw is None:
            return None
        try:
            return parse_uuid(raw)
        except UUIDParseError:
            self.errors.append(Validation(name, f"Query param {go_quote(name)} must be a valid uuid"))
            return None

    def positive_int32(self, name: str) -> int:
        """A non-negative 32-bit integer (strconv.ParseInt(v, 10, 32)), 0 when unset."""
        raw = self._single(name)
        if raw is None:
            return 0
        try:
            value = parse_go_int32(raw)
            if value < 0:
                raise ParamError("value is negative")
        except ParamError as exc:
            self.errors.append(
                Validation(
                    name, f"Query param {go_quote(name)} must be a valid 32-bit positive integer: {exc}"
                )
            )
            return 0
        return value

    def time3339(self, name: str) -> int | None:
        """An RFC 3339 instant in UTC microseconds; the value is upper-cased first, as coderd does."""
        raw = self._single(name)
        if raw is None:
            return None
        try:
            return parse_rfc3339_nano(go_upper(raw))
        except TimeParseError as exc:
            self.errors.append(
                Validation(
                    name, f"Query param {go_quote(name)} must be a valid date format ({RFC3339_NANO}): {exc}"
                )
            )
            return None

    def custom(self, name: str, parse: Callable[[str], T]) -> T | None:
        """A value through ``parse``; a ParamError becomes "has invalid value: ..."."""
        raw = self._single(name)
        if raw is None:
            return None
        try:
            return parse(raw)
        except ParamError as exc:
            self.errors.append(Validation(name, f"Query param {go_quote(name)} has invalid value: {exc}"))
            return None

    def error_excess_params(self) -> None:
        """Reject keys nobody asked for (ErrorExcessParams); Go's map order is random, ours is sorted."""
        for name in sorted(self.values):
            if name not in self.parsed:
                self.errors.append(Validation(name, f"{go_quote(name)} is not a valid query param"))


def parse_go_int32(text: str) -> int:
    """strconv.ParseInt(text, 10, 32) with Go's error texts."""
    quoted = go_quote(text)
    body = text[1:] if text[:1] in "+-" else text
    if not body or not all("0" <= c <= "9" for c in body):
        raise ParamError(f"strconv.ParseInt: parsing {quoted}: invalid syntax")
    value = int(text)
    if not -(2**31) <= value <= _INT32_MAX:
        raise ParamError(f"strconv.ParseInt: parsing {quoted}: value out of range")
    return value
