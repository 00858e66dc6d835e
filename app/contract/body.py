"""Reading response bodies for the semantic checks: every accessor names the JSON path it failed at.

A check that reads a field never crashes on a malformed answer; it raises a :class:`ShapeViolation`
(or :class:`StatusViolation`) pointing at the request and the path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from aibridge_mock.contract.client import Exchange
from aibridge_mock.contract.violations import ShapeViolation, StatusViolation

__all__ = [
    "Page",
    "expect_json",
    "expect_status",
    "format_rfc3339",
    "int_field",
    "list_page",
    "object_field",
    "optional_string",
    "parse_rfc3339",
    "str_field",
    "string_list",
    "time_field",
    "user_field",
]

_RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$"
)


def parse_rfc3339(value: str) -> int | None:
    """An RFC 3339 timestamp as nanoseconds since the epoch (offsets honoured), or None."""
    import calendar

    match = _RFC3339.match(value)
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
    if not (1 <= month <= 12 and 1 <= day <= 31 and hour < 24 and minute < 60 and second < 61):
        return None
    seconds = calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0))
    if match.group(9):
        offset = int(match.group(10)) * 3600 + int(match.group(11)) * 60
        seconds -= offset if match.group(9) == "+" else -offset
    nanos = int((match.group(7) or "0").ljust(9, "0"))
    return seconds * 1_000_000_000 + nanos


def format_rfc3339(nanos: int) -> str:
    """Nanoseconds as UTC RFC 3339 with trimmed fraction, as Go's RFC3339Nano prints it."""
    import datetime as dt

    seconds, frac = divmod(nanos, 1_000_000_000)
    stamp = dt.datetime.fromtimestamp(seconds, tz=dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")
    fraction = f"{frac:09d}".rstrip("0")
    return stamp + (f".{fraction}" if fraction else "") + "Z"


def expect_status(ex: Exchange, *statuses: int) -> None:
    if ex.status not in statuses:
        wanted = " or ".join(str(s) for s in statuses)
        raise StatusViolation(f"expected {wanted}, got {ex.status}: {ex.text()}", request=ex.curl)


def expect_json(ex: Exchange) -> Any:
    """The JSON body of an answer that must be JSON."""
    if not ex.is_json:
        raise ShapeViolation(
            f"Content-Type is {ex.content_type or 'missing'!r}, not application/json: {ex.text()}",
            request=ex.curl,
        )
    try:
        return ex.json()
    except ValueError as exc:
        raise ShapeViolation(f"body is not JSON ({exc}): {ex.text()}", request=ex.curl) from None


def _get(obj: Any, key: str, path: str, ex: Exchange) -> Any:
    if not isinstance(obj, dict):
        raise ShapeViolation(f"expected an object, got {type(obj).__name__}", request=ex.curl, path=path)
    if key not in obj:
        raise ShapeViolation(f"field {key!r} is missing", request=ex.curl, path=f"{path}.{key}")
    return obj[key]


def str_field(obj: Any, key: str, path: str, ex: Exchange) -> str:
    value = _get(obj, key, path, ex)
    if not isinstance(value, str):
        raise ShapeViolation(f"expected a string, got {value!r}", request=ex.curl, path=f"{path}.{key}")
    return value


def optional_string(obj: Any, key: str, path: str, ex: Exchange) -> str | None:
    """A string field that may be absent or null."""
    if isinstance(obj, dict) and obj.get(key) is None:
        return None
    return str_field(obj, key, path, ex)


def int_field(obj: Any, key: str, path: str, ex: Exchange) -> int:
    value = _get(obj, key, path, ex)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ShapeViolation(f"expected an integer, got {value!r}", request=ex.curl, path=f"{path}.{key}")
    return value


def object_field(obj: Any, key: str, path: str, ex: Exchange) -> dict[str, Any]:
    value = _get(obj, key, path, ex)
    if not isinstance(value, dict):
        raise ShapeViolation(f"expected an object, got {value!r}", request=ex.curl, path=f"{path}.{key}")
    return value


def string_list(obj: Any, key: str, path: str, ex: Exchange) -> list[str]:
    value = _get(obj, key, path, ex)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ShapeViolation(
            f"expected a list of strings, got {value!r}", request=ex.curl, path=f"{path}.{key}"
        )
    return value


def time_field(obj: Any, key: str, path: str, ex: Exchange) -> int:
    """An RFC 3339 field as nanoseconds."""
    raw = str_field(obj, key, path, ex)
    nanos = parse_rfc3339(raw)
    if nanos is None:
        raise ShapeViolation(f"{raw!r} is not an RFC 3339 timestamp", request=ex.curl, path=f"{path}.{key}")
    return nanos


def user_field(obj: Any, path: str, ex: Exchange) -> tuple[str, str]:
    """The ``initiator`` of an item: (id, username)."""
    user = object_field(obj, "initiator", path, ex)
    where = f"{path}.initiator"
    return str_field(user, "id", where, ex), str_field(user, "username", where, ex)


@dataclass(frozen=True)
class Page:
    """One page of a ``{count, <items>}`` list."""

    count: int
    items: list[dict[str, Any]]
    exchange: Exchange
    items_key: str

    def path(self, index: int) -> str:
        return f"$.{self.items_key}[{index}]"

    def ids(self) -> list[str]:
        return [str_field(item, "id", self.path(i), self.exchange) for i, item in enumerate(self.items)]


def list_page(ex: Exchange, items_key: str, count_key: str = "count") -> Page:
    """A 200 ``{count, <items_key>: [...]}`` answer (``total`` instead of ``count`` in v1)."""
    expect_status(ex, 200)
    body = expect_json(ex)
    count = int_field(body, count_key, "$", ex)
    items = _get(body, items_key, "$", ex)
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ShapeViolation(
            f"expected a list of objects, got {str(items)[:80]}", request=ex.curl, path=f"$.{items_key}"
        )
    return Page(count, items, ex, items_key)
