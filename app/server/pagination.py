"""Coder's ``ParsePagination`` and the limit rules every list endpoint applies after it."""

from __future__ import annotations

from dataclasses import dataclass

from aibridge_mock.server.errors import ApiError, invalid_query
from aibridge_mock.server.gocompat import NIL_UUID
from aibridge_mock.server.queryparams import QueryParamParser, Values

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


@dataclass(frozen=True)
class Page:
    """The parsed pagination parameters, with limit defaulted and range-checked."""

    after_id: str | None
    limit: int
    offset: int


def parse_pagination(values: Values) -> Page:
    """Parse after_id, limit and offset; raise the 400 coderd would send (spec section 1.1)."""
    parser = QueryParamParser(values)
    after_id = parser.uuid("after_id")
    after_id = None if after_id == NIL_UUID else after_id  # uuid.Nil means no cursor
    limit = parser.positive_int32("limit")
    offset = parser.positive_int32("offset")
    if parser.errors:
        raise invalid_query(parser.errors)
    return Page(after_id=after_id, limit=limit, offset=offset)


def check_limit(page: Page) -> Page:
    """Default a zero limit to 100 and reject anything outside (0, 1000]."""
    limit = page.limit or DEFAULT_LIMIT
    if not 0 < limit <= MAX_LIMIT:
        raise ApiError(400, "Invalid pagination limit value.", "Pagination limit must be in range (0, 1000]")
    return Page(after_id=page.after_id, limit=limit, offset=page.offset)
