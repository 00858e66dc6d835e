"""The interceptions table: rows in list order, with an index for every filter and cursor.

Rows are sorted once at build time into the interceptions list order (started_at DESC, id DESC),
ended rows first, so a position is a rank in that order. Every filter the API offers has a grouped
position index, time ranges are binary searches on the sorted start times, and cursors are
binary searches too: a request costs the page it returns, not the size of the data set.

A live data set holds rows that end after the anchor; a query given ``now`` sees only those that
have ended by then. Rows that start after ``now`` are a prefix of the order, cut by the time bound;
rows that started more than the longest duration before ``now`` have all ended; only the few in
between are checked one by one (:meth:`InterceptionTable.match`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from functools import cached_property

import numpy as np
import numpy.typing as npt

from aibridge_mock.server.dataset.columns import Columns, Tables, uuid_parts, uuid_text
from aibridge_mock.server.dataset.filters import Filter
from aibridge_mock.server.dataset.indexes import (
    Grouped,
    Matches,
    Positions,
    Spliced,
    first_at_or_after,
    intersect,
    page_of,
)

__all__ = ["InterceptionTable", "RowOrder", "SortKey"]

SortKey = tuple[int, int, int]  # (started_at, id high half, id low half): the thread order


class InterceptionTable:
    """Interception rows (in-flight ones after the ended ones) and their indexes."""

    def __init__(self, columns: Columns, tables: Tables, user_index: Mapping[str, int]) -> None:
        self.tables = tables
        self._user_index = user_index
        ended = columns.ended >= 0
        order = np.lexsort((columns.id_lo, columns.id_hi, columns.started, ended))[::-1].copy()
        self.cols = columns.take(order.astype(np.int64))
        self.n_ended = int(ended.sum())
        self._neg_started = -self.cols.started[: self.n_ended]
        self._id_order = np.argsort(self.cols.id_hi, kind="stable")
        self._id_hi_sorted = self.cols.id_hi[self._id_order]
        self.providers = sorted({p for p, _ in tables.instances})
        provider_of_instance = np.array(
            [self.providers.index(p) for p, _ in tables.instances] or [0], dtype=np.int32
        )
        self.provider_col = provider_of_instance[self.cols.instance] if len(self.cols) else self.cols.instance
        self.provider_names = frozenset(name for _, name in tables.instances)
        e, n_users = self.n_ended, len(user_index)
        self.by_user = Grouped.build(self.cols.user[:e], n_users)
        self.by_column = {
            "user": self.by_user,
            "provider": Grouped.build(self.provider_col[:e], len(self.providers)),
            "instance": Grouped.build(self.cols.instance[:e], len(tables.instances)),
            "model": Grouped.build(self.cols.model[:e], len(tables.models.values)),
            "client": Grouped.build(self.cols.client[:e], len(tables.clients.values)),
            "session": Grouped.build(self.cols.session[:e], len(tables.session_ids.values)),
        }
        self._first_ends: dict[str, npt.NDArray[np.int64]] = {}

    def __len__(self) -> int:
        return len(self.cols)

    # -- one row -----------------------------------------------------------------------------------

    def row_of(self, interception_id: str) -> int | None:
        """The row of an interception (ended or in flight), or None."""
        hi, lo = uuid_parts(interception_id)
        start = int(np.searchsorted(self._id_hi_sorted, np.uint64(hi), side="left"))
        while start < len(self._id_hi_sorted) and int(self._id_hi_sorted[start]) == hi:
            row = int(self._id_order[start])
            if int(self.cols.id_lo[row]) == lo:
                return row
            start += 1
        return None

    def id_of(self, row: int) -> str:
        return uuid_text(self.cols.id_hi[row], self.cols.id_lo[row])

    def sort_key(self, row: int) -> SortKey:
        """(started_at, id) of a row: the order of threads within a session."""
        c = self.cols
        return int(c.started[row]), int(c.id_hi[row]), int(c.id_lo[row])

    def exists(self, row: int, now: int | None) -> bool:
        """Whether a row has started by ``now`` (in flight or ended; None: every row exists)."""
        return now is None or int(self.cols.started[row]) <= now

    @cached_property
    def max_duration(self) -> int:
        """The longest ended_at - started_at: rows that started this long before ``now`` have ended."""
        e = self.n_ended
        return int((self.cols.ended[:e] - self.cols.started[:e]).max()) if e else 0

    @cached_property
    def last_end(self) -> int:
        """When the last row ends: from then on a live clock sees the whole data set."""
        return int(self.cols.ended[: self.n_ended].max()) if self.n_ended else -1

    def session_id_of(self, row: int) -> str:
        """COALESCE(client_session_id, thread_root_id, id) of a row."""
        return str(self.tables.session_ids.values[int(self.cols.session[row])])

    # -- filters -----------------------------------------------------------------------------------

    def column_codes(self, f: Filter) -> dict[str, list[int]]:
        """For each equality filter in ``f``, its column and the codes that match (none: no row matches)."""
        wanted: dict[str, list[int]] = {}
        if f.initiator_id is not None:
            wanted["user"] = _known(self._user_index.get(f.initiator_id))
        if f.provider:
            wanted["provider"] = [self.providers.index(f.provider)] if f.provider in self.providers else []
        if f.provider_name:
            wanted["instance"] = [
                i for i, (_, name) in enumerate(self.tables.instances) if name == f.provider_name
            ]
        if f.model:
            wanted["model"] = _known(self.tables.models.codes.get(f.model))
        if f.client:
            # COALESCE(client, 'Unknown'): NULL clients match "Unknown" as well as a stored "Unknown".
            null = [0] if f.client == "Unknown" else []
            wanted["client"] = _known(self.tables.clients.codes.get(f.client)) + null
        if f.session_id:
            wanted["session"] = _known(self.tables.session_ids.codes.get(f.session_id))
        return wanted

    def match(self, f: Filter, now: int | None = None) -> Matches:
        """Ascending positions of interceptions matching the filter that have ended (by ``now``)."""
        if now is not None and now < self.last_end:
            before = now if f.started_before is None else min(f.started_before, now)
            return self._ended_by(self._match(replace(f, started_before=before)), now)
        return self._match(f)

    def _match(self, f: Filter) -> Positions | range:
        lo, hi = self._time_bounds(f.started_after, f.started_before)
        lists = [self.by_column[name].union(codes) for name, codes in self.column_codes(f).items()]
        return intersect(lists, lo, hi)

    def _ended_by(self, started: Positions | range, now: int) -> Spliced:
        """Of positions that started by ``now``, those that have also ended by then."""
        settled = int(np.searchsorted(self._neg_started, -(now - self.max_duration), side="left"))
        k = first_at_or_after(started, settled)
        window = np.asarray(page_of(started, 0, k), dtype=np.int64)
        return Spliced(window[self.cols.ended[window] <= now], started[k:])

    def _time_bounds(self, after: int | None, before: int | None) -> tuple[int, int]:
        """Positions [lo, hi) whose started_at lies within the inclusive bounds."""
        lo, hi = 0, self.n_ended
        if before is not None:
            lo = int(np.searchsorted(self._neg_started, -before, side="left"))
        if after is not None:
            hi = int(np.searchsorted(self._neg_started, -after, side="right"))
        return lo, max(lo, hi)

    def _boundary_after(self, row: int) -> int:
        """First position strictly after ``row`` in (started_at DESC, id DESC) order."""
        return self.position_after(self.sort_key(row))

    def position_after(self, sort_key: SortKey) -> int:
        """First ended position whose (started_at, id) sorts strictly after ``sort_key`` (DESC order).

        ``sort_key`` need not be a row of this table: the composed data set (recorded traffic on
        top of generated data) places one table's rows among the other's with it.
        """
        c = self.cols
        started, key = sort_key[0], (sort_key[1], sort_key[2])
        p = int(np.searchsorted(self._neg_started, -started, side="left"))
        end = int(np.searchsorted(self._neg_started, -started, side="right"))
        while p < end and (int(c.id_hi[p]), int(c.id_lo[p])) >= key:
            p += 1
        return p

    def list_interceptions(
        self, f: Filter, after_row: int | None, offset: int, limit: int, now: int | None = None
    ) -> tuple[int, list[int]]:
        """(count ignoring pagination, rows of the page) for GET /interceptions."""
        matches = self.match(f, now)
        start = first_at_or_after(matches, self._boundary_after(after_row)) if after_row is not None else 0
        return len(matches), page_of(matches, start + offset, limit)

    def ordered(self, f: Filter, now: int | None = None) -> RowOrder:
        """The rows matching ``f`` ended (by ``now``), in list order, for merging with another table's."""
        return RowOrder(self, self.match(f, now))

    # -- models and clients ------------------------------------------------------------------------

    def _codes_present(
        self, column: str, values: npt.NDArray[np.int32], user: int | None, now: int | None
    ) -> list[int]:
        """Codes of ``column`` among ended rows (by ``now``), optionally of one initiator's rows only."""
        if now is not None and now >= self.last_end:
            now = None
        if user is not None:
            rows = self.by_user.get(user)
            if now is not None:
                rows = rows[self.cols.ended[rows] <= now]
            found: list[int] = np.unique(values[rows]).tolist()
            return found
        if now is not None:
            first: list[int] = np.flatnonzero(self._first_end(column, values) <= now).tolist()
            return first
        present: list[int] = np.flatnonzero(np.diff(self.by_column[column].offsets)).tolist()
        return present

    def _first_end(self, column: str, values: npt.NDArray[np.int32]) -> npt.NDArray[np.int64]:
        """For each code of ``column``, when its first row ends (live mode; computed once)."""
        cached = self._first_ends.get(column)
        if cached is None:
            e = self.n_ended
            cached = np.full(len(self.by_column[column].offsets) - 1, np.iinfo(np.int64).max)
            np.minimum.at(cached, values[:e], self.cols.ended[:e])
            self._first_ends[column] = cached
        return cached

    def distinct_models(self, user: int | None = None, now: int | None = None) -> list[str]:
        """Models of ended interceptions, ascending (GROUP BY model ORDER BY model)."""
        codes = self._codes_present("model", self.cols.model, user, now)
        return sorted(str(self.tables.models.values[c]) for c in codes)

    def distinct_clients(
        self, user: int | None = None, now: int | None = None, *, by_raw_column: bool = False
    ) -> list[str]:
        """COALESCE(client, 'Unknown') of ended interceptions, ascending (the SQL has no ORDER BY).

        ``by_raw_column``: grouped by the stored column, as ``GROUP BY client`` does, so a NULL
        client and a stored "Unknown" are two rows that both read "Unknown" (spec 1.5).
        """
        return coalesce_clients(self.raw_clients(user, now), by_raw_column=by_raw_column)

    def raw_clients(self, user: int | None = None, now: int | None = None) -> set[str | None]:
        """The stored client values of ended interceptions (None for NULL)."""
        return {
            self.tables.clients.values[c] for c in self._codes_present("client", self.cols.client, user, now)
        }


def coalesce_clients(raw: set[str | None], *, by_raw_column: bool) -> list[str]:
    """``SELECT COALESCE(client, 'Unknown') ... GROUP BY`` the coalesced value, or the raw column."""
    shown = [value or "Unknown" for value in raw]
    return sorted(shown if by_raw_column else set(shown))


def _known(code: int | None) -> list[int]:
    return [] if code is None else [code]


class RowOrder:
    """Matching rows of one table in list order, addressed by index (see ``composed``)."""

    def __init__(self, table: InterceptionTable, matches: Matches) -> None:
        self.table = table
        self.matches = matches

    def __len__(self) -> int:
        return len(self.matches)

    def key(self, index: int) -> SortKey:
        return self.table.sort_key(page_of(self.matches, index, 1)[0])

    def keys(self, start: int, count: int) -> list[SortKey]:
        rows = page_of(self.matches, start, count)
        c = self.table.cols
        started, id_hi, id_lo = c.started[rows].tolist(), c.id_hi[rows].tolist(), c.id_lo[rows].tolist()
        return list(zip(started, id_hi, id_lo, strict=True))

    def count_before(self, sort_key: SortKey) -> int:
        """How many matching rows sort at or before ``sort_key`` ((started_at, id) >= it)."""
        return first_at_or_after(self.matches, self.table.position_after(sort_key))

    def rows(self, start: int, count: int) -> list[int]:
        return page_of(self.matches, start, count)
