"""Two data sets served as one: recorded provider traffic on top of the generated (or fixture) data.

:class:`ComposedDataset` has the query interface of :class:`~.store.Dataset`, so views and the
serializer use it unchanged. Rows of the base come first in the row space, then the extra part's
(``+ len(base)``); session keys likewise (``+ base.session_keys``). A session or a thread lives
entirely in one part: recorded ids are derived from the stream and never collide with generated
ones, and a follow-up is only linked to a recorded parent. (A client that sends a generated
session's id as its own session id gets a second session row with that id: UNCONFIRMED edge,
documented.)

Lists merge the two ordered sequences without materialising them: the merged position of the
extra part's ``j``-th element is ``j`` plus the number of base elements sorting before it (one
binary search), which finds where a page starts in ``O(log n log N)``; the page itself is an
ordinary two-way merge of ``limit`` steps, whatever the sizes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import lru_cache
from typing import Any, Protocol

from aibridge_mock.server.dataset.filters import Filter
from aibridge_mock.server.dataset.interceptions import SortKey
from aibridge_mock.server.dataset.records import Detail, InterceptionRow, RowFacts, SessionSummary
from aibridge_mock.server.dataset.sessions import SessionRow
from aibridge_mock.server.dataset.store import Dataset, SessionCursor, ThreadCursorError

__all__ = ["ComposedDataset", "merge_page", "with_key"]


def with_key(row: SessionRow, key: int) -> SessionRow:
    """The same session row under another key (dataclasses.replace costs 20 times more)."""
    return SessionRow(key, row.started, row.ended, row.threads, row.last_active, row.upto)


class Ordered(Protocol):
    def __len__(self) -> int: ...

    def key(self, index: int) -> Any: ...

    def keys(self, start: int, count: int) -> list[Any]:
        """The keys of elements ``start`` to ``start + count`` (fewer at the end), in one batch."""
        ...

    def count_before(self, key: Any) -> int: ...


def merge_page(a: Ordered, b: Ordered, cursor: Any, offset: int, limit: int) -> list[tuple[int, int]]:
    """(part, index) of the merged page: elements after ``cursor``, from ``offset``, ``limit`` of them.

    Both sequences are sorted descending by key; on equal keys ``a``'s come first.
    """
    start_a = a.count_before(cursor) if cursor is not None else 0
    start_b = b.count_before(cursor) if cursor is not None else 0

    def position(j: int) -> int:  # merged position (from the cursor) of b's element start_b + j
        return j + a.count_before(b.key(start_b + j)) - start_a

    # b's first element on the page: the first whose merged position is at least ``offset``. A
    # position is at least its index in b, so it lies within the first ``offset`` (none for page 1).
    lo, hi = 0, min(len(b) - start_b, offset)
    while lo < hi:
        mid = (lo + hi) // 2
        if position(mid) < offset:
            lo = mid + 1
        else:
            hi = mid
    # From there on an ordinary two-way merge over at most ``limit`` keys of each side, fetched at once:
    # the next element is the larger key (a's on a tie).
    first_b, first_a = start_b + lo, start_a + offset - lo
    keys_a, keys_b = a.keys(first_a, limit), b.keys(first_b, limit)
    i = j = 0
    page: list[tuple[int, int]] = []
    while len(page) < limit:
        if j < len(keys_b) and (i >= len(keys_a) or keys_b[j] > keys_a[i]):
            page.append((1, first_b + j))
            j += 1
        elif i < len(keys_a):
            page.append((0, first_a + i))
            i += 1
        else:
            break
    return page


class ComposedDataset(Dataset):
    """``base`` and ``extra`` as one data set (see the module docstring)."""

    def __init__(self, base: Dataset, extra: Dataset, provider_names: frozenset[str] = frozenset()) -> None:
        # The parts hold the tables and indexes: Dataset.__init__ would build them again.
        self.base, self.extra = base, extra
        self.identity, self.users, self.personas = base.identity, base.users, base.personas
        self.small_models = base.small_models
        self.user_index, self._by_username = base.user_index, base._by_username
        self._rows, self._keys = len(base), base.session_keys
        self._names = base.provider_names | extra.provider_names | provider_names
        self.detail = lru_cache(maxsize=0)(self._composed_detail)

    # -- shape ---------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.base) + len(self.extra)

    @property
    def n_ended(self) -> int:
        return self.base.n_ended + self.extra.n_ended

    @property
    def provider_names(self) -> frozenset[str]:
        return self._names

    @property
    def session_count(self) -> int:
        return self.base.session_count + self.extra.session_count

    @property
    def session_keys(self) -> int:
        return self._keys + self.extra.session_keys

    # -- rows ----------------------------------------------------------------------------------

    def part(self, row: int) -> tuple[Dataset, int]:
        """The part a composed row lives in, and its row there."""
        return (self.base, row) if row < self._rows else (self.extra, row - self._rows)

    def part_of_key(self, key: int) -> tuple[Dataset, int, int]:
        """(part, its session key, the part's row offset) of a composed session key."""
        return (self.base, key, 0) if key < self._keys else (self.extra, key - self._keys, self._rows)

    def row_of(self, interception_id: str, now: int | None = None) -> int | None:
        row = self.base.row_of(interception_id, now)
        if row is not None:
            return row
        row = self.extra.row_of(interception_id, now)
        return None if row is None else row + self._rows

    def id_of(self, row: int) -> str:
        ds, local = self.part(row)
        return ds.id_of(local)

    def user_id_of(self, row: int) -> str:
        ds, local = self.part(row)
        return ds.user_id_of(local)

    def interception(self, row: int) -> InterceptionRow:
        ds, local = self.part(row)
        return ds.interception(local)

    def facts(self, row: int) -> RowFacts:
        ds, local = self.part(row)
        return ds.facts(local)

    def _composed_detail(self, row: int) -> Detail:
        ds, local = self.part(row)
        return ds.detail(local)

    def _sort_key(self, row: int) -> SortKey:
        ds, local = self.part(row)
        return ds.table.sort_key(local)

    # -- lists ---------------------------------------------------------------------------------

    def list_interceptions(
        self, f: Filter, after_row: int | None, offset: int, limit: int, now: int | None = None
    ) -> tuple[int, list[int]]:
        a, b = self.base.ordered_interceptions(f, now), self.extra.ordered_interceptions(f, now)
        cursor = None if after_row is None else self._sort_key(after_row)
        page = merge_page(a, b, cursor, offset, limit)
        return len(a) + len(b), self._rows_of(page, a.rows, b.rows)

    def _rows_of(
        self,
        page: list[tuple[int, int]],
        rows_a: Callable[[int, int], list[Any]],
        rows_b: Callable[[int, int], list[Any]],
    ) -> list[Any]:
        """The items of a merged page, fetched in one contiguous batch per part."""
        from_a = [i for part, i in page if part == 0]
        from_b = [i for part, i in page if part == 1]
        got_a = iter(rows_a(from_a[0], len(from_a)) if from_a else [])
        got_b = iter(rows_b(from_b[0], len(from_b)) if from_b else [])
        return [next(got_a) if part == 0 else self._shift(next(got_b)) for part, _ in page]

    def _shift(self, item: Any) -> Any:
        if isinstance(item, SessionRow):
            return with_key(item, item.key + self._keys)
        return int(item) + self._rows

    def session_cursor(
        self, session_id: str, own_user_id: str | None, now: int | None = None
    ) -> SessionCursor | None:
        return self.base.session_cursor(session_id, own_user_id, now) or self.extra.session_cursor(
            session_id, own_user_id, now
        )

    def list_sessions(
        self, f: Filter, cursor: SessionCursor | None, offset: int, limit: int, now: int | None = None
    ) -> tuple[int, list[SessionRow]]:
        a, b = self.base.ordered_sessions(f, now), self.extra.ordered_sessions(f, now)
        page = merge_page(a, b, cursor, offset, limit)
        return len(a) + len(b), self._rows_of(page, a.rows, b.rows)

    def distinct_models(self, user_id: str | None = None, now: int | None = None) -> list[str]:
        found = set(self.base.distinct_models(user_id, now)) | set(self.extra.distinct_models(user_id, now))
        return sorted(found)

    def raw_clients(self, user_id: str | None = None, now: int | None = None) -> set[str | None]:
        return self.base.raw_clients(user_id, now) | self.extra.raw_clients(user_id, now)

    def ranked_sessions(self, count: int) -> list[int]:
        return [row.key for row in self.list_sessions(Filter(), None, 0, count)[1]]

    # -- one session ---------------------------------------------------------------------------

    def find_session(self, session_id: str, own_user_id: str | None, now: int | None = None) -> int | None:
        """The first key in list order: the base's, unless the extra part's is more recently active."""
        in_base = self.base.find_session(session_id, own_user_id, now)
        in_extra = self.extra.find_session(session_id, own_user_id, now)
        if in_extra is None:
            return in_base
        if in_base is not None:
            base_active = self.base.unfiltered_session_row(in_base, now).last_active
            if base_active >= self.extra.unfiltered_session_row(in_extra, now).last_active:
                return in_base
        return in_extra + self._keys

    def session_upto(self, key: int, now: int | None) -> int | None:
        ds, local, _ = self.part_of_key(key)
        return ds.session_upto(local, now)

    def session_first_row(self, key: int) -> int:
        ds, local, offset = self.part_of_key(key)
        return ds.session_first_row(local) + offset

    def session(self, key: int, upto: int | None = None) -> SessionSummary:
        ds, local, offset = self.part_of_key(key)
        summary = ds.session(local, upto)
        if not offset:
            return summary  # the base part's rows keep their numbers (replace costs microseconds)
        last = summary.last_prompt_row
        return replace(
            summary, first_row=summary.first_row + offset, last_prompt_row=last + offset if last >= 0 else -1
        )

    def unfiltered_session_row(self, key: int, now: int | None = None) -> SessionRow:
        ds, local, _ = self.part_of_key(key)
        return with_key(ds.unfiltered_session_row(local, now), key)

    def thread_cursor(
        self, key: int, interception_id: str, may_see: Callable[[str], bool], now: int | None = None
    ) -> SortKey:
        ds, local, _ = self.part_of_key(key)
        try:
            return ds.thread_cursor(local, interception_id, may_see, now)
        except ThreadCursorError as exc:
            row = self.row_of(interception_id, now)
            if str(exc) == "not found" and row is not None and may_see(self.user_id_of(row)):
                raise ThreadCursorError(f"does not belong to session {self.session(key).id}") from None
            raise

    def thread_page(
        self,
        key: int,
        after: SortKey | None,
        before: SortKey | None,
        limit: int,
        own_user_id: str | None = None,
        upto: int | None = None,
    ) -> tuple[int, ...]:
        ds, local, offset = self.part_of_key(key)
        return tuple(r + offset for r in ds.thread_page(local, after, before, limit, own_user_id, upto))

    def roots(self, key: int, own_user_id: str | None = None, upto: int | None = None) -> list[int]:
        ds, local, offset = self.part_of_key(key)
        return [r + offset for r in ds.roots(local, own_user_id, upto)]

    def thread(self, root: int, key: int | None = None, upto: int | None = None) -> list[int]:
        ds, local = self.part(root)
        offset = 0 if ds is self.base else self._rows
        local_key = None if key is None else self.part_of_key(key)[1]
        return [r + offset for r in ds.thread(local, local_key, upto)]
