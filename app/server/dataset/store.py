"""The immutable data set every request reads: the queries the views make, and the rows they render.

``Dataset`` composes the interceptions table (:mod:`.interceptions`), the session index derived
from it (:mod:`.sessions`), the users and personas, and the record details (materialised on demand,
cached). Views and the serializer go through the methods here and never index a column.

Every query takes ``now``: the time of a live clock, so that only interceptions ended by then are
seen (None: every ended interception, as a static data set shows them). A session going on at
``now`` is rendered over its rows ended by then; its rows carry that bound as ``upto``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

from aibridge_mock.server.dataset.columns import Columns, Tables
from aibridge_mock.server.dataset.filters import Filter
from aibridge_mock.server.dataset.interceptions import InterceptionTable, RowOrder, SortKey, coalesce_clients
from aibridge_mock.server.dataset.records import Detail, InterceptionRow, RowFacts, SessionSummary
from aibridge_mock.server.dataset.session_order import LAST_ACTIVE_AT
from aibridge_mock.server.dataset.sessions import SessionIndex, SessionRow
from aibridge_mock.server.dataset.users import Persona, User

if TYPE_CHECKING:
    from aibridge_mock.server.dataset.ordering import SessionOrder

__all__ = ["Dataset", "DetailLoader", "Identity", "SessionCursor", "ThreadCursorError"]

DetailLoader = Callable[[RowFacts], Detail]
SessionCursor = tuple[int, str]  # an after_session_id cursor: (its last_active_at, the session id)
DETAIL_CACHE_SIZE = 8_192  # details feed the byte caches; keep few objects for the GC to scan


@dataclass(frozen=True)
class Identity:
    """Who the data set was built from: enough to rebuild it byte for byte."""

    seed: int
    anchor: int
    interceptions: int
    fixtures: tuple[str, ...]
    live: bool = False  # the rows go on after the anchor, for a clock to reveal


class ThreadCursorError(LookupError):
    """A thread cursor that names no visible interception of the session: why, in coderd's words."""


class Dataset:
    """Interceptions, sessions, users and personas, indexed for every filter and cursor the API offers."""

    def __init__(
        self,
        columns: Columns,
        tables: Tables,
        users: list[User],
        personas: list[Persona],
        load_detail: DetailLoader,
        small_models: frozenset[str],
        identity: Identity,
        progress: Callable[[str], None] = lambda stage: None,
        session_order: str = LAST_ACTIVE_AT,
    ) -> None:
        self.identity = identity
        self.users = users
        self.personas = personas
        self.small_models = small_models
        self._load_detail = load_detail
        self.user_index = {u.id: i for i, u in enumerate(users)}
        self._by_username = {u.username.lower(): u.id for u in users}
        self.table = InterceptionTable(columns, tables, self.user_index)
        self.detail = lru_cache(maxsize=DETAIL_CACHE_SIZE)(self._detail)
        progress("deriving sessions")
        self.sessions = SessionIndex(self.table, len(users), session_order)
        progress("ready")

    # -- pickling: a data set built by one worker is mapped by the others (server/shared) ----------

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        del state["detail"]  # a per-process cache (and an lru_cache wrapper does not pickle)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.detail = lru_cache(maxsize=DETAIL_CACHE_SIZE)(self._detail)

    # -- the table's shape (tests and the admin API read these) ------------------------------------

    def __len__(self) -> int:
        return len(self.table)

    @property
    def cols(self) -> Columns:
        return self.table.cols

    @property
    def tables(self) -> Tables:
        return self.table.tables

    @property
    def n_ended(self) -> int:
        return self.table.n_ended

    @property
    def provider_names(self) -> frozenset[str]:
        return self.table.provider_names

    # -- users -------------------------------------------------------------------------------------

    def find_user(self, username: str) -> str | None:
        """GetUserByEmailOrUsername with only the username: case-insensitive (spec section 2)."""
        return self._by_username.get(username.lower())

    def _user(self, user_id: str | None) -> int | None:
        """The index of a user id; -1 for an id nobody has (it matches no row)."""
        return None if user_id is None else self.user_index.get(user_id, -1)

    # -- one interception --------------------------------------------------------------------------

    def row_of(self, interception_id: str, now: int | None = None) -> int | None:
        """The row of an interception that has started (by ``now``): ended or in flight; or None."""
        row = self.table.row_of(interception_id)
        return row if row is not None and self.table.exists(row, now) else None

    def id_of(self, row: int) -> str:
        return self.table.id_of(row)

    def user_id_of(self, row: int) -> str:
        """The initiator of a row."""
        return self.users[int(self.table.cols.user[row])].id

    def interception(self, row: int) -> InterceptionRow:
        """The columns of one interception."""
        c, tables = self.table.cols, self.table.tables
        provider, provider_name = tables.instances[int(c.instance[row])]
        return InterceptionRow(
            id=self.table.id_of(row),
            initiator=self.users[int(c.user[row])],
            provider=provider,
            provider_name=provider_name,
            model=tables.models.values[int(c.model[row])],
            client=tables.clients.values[int(c.client[row])],
            started=int(c.started[row]),
            ended=int(c.ended[row]),
        )

    def facts(self, row: int) -> RowFacts:
        """What the columns know about a row: the input of its details."""
        c = self.table.cols
        provider, provider_name = self.table.tables.instances[int(c.instance[row])]
        model = self.table.tables.models.values[int(c.model[row])] or ""
        return RowFacts(
            id=self.table.id_of(row),
            username=self.users[int(c.user[row])].username,
            provider=provider,
            provider_name=provider_name,
            model=model,
            started=int(c.started[row]),
            ended=int(c.ended[row]),
            is_root=int(c.root[row]) == row,
            prompt_at=int(c.prompt_at[row]),
            tokens=(
                int(c.tok_in[row]),
                int(c.tok_out[row]),
                int(c.tok_cache_read[row]),
                int(c.tok_cache_write[row]),
            ),
            n_tools=int(c.n_tools[row]),
            small_model=model in self.small_models,
            detail_ref=int(c.detail_ref[row]),
        )

    def _detail(self, row: int) -> Detail:
        return self._load_detail(self.facts(row))

    # -- lists -------------------------------------------------------------------------------------

    def list_interceptions(
        self, f: Filter, after_row: int | None, offset: int, limit: int, now: int | None = None
    ) -> tuple[int, list[int]]:
        """(count ignoring pagination, rows of the page) for GET /interceptions."""
        return self.table.list_interceptions(f, after_row, offset, limit, now)

    def session_cursor(
        self, session_id: str, own_user_id: str | None, now: int | None = None
    ) -> SessionCursor | None:
        """The sort key of an ``after_session_id`` cursor the caller may see, or None."""
        key = self.sessions.cursor_key(session_id, self._user(own_user_id), now)
        return None if key is None else (key[0], session_id)

    def list_sessions(
        self, f: Filter, cursor: SessionCursor | None, offset: int, limit: int, now: int | None = None
    ) -> tuple[int, list[SessionRow]]:
        """(count, page) for GET /sessions."""
        rank = None if cursor is None else self.sessions.rank_of(cursor[1])
        if cursor is not None and rank is None:  # a session id of another part (composed data sets)
            order = self.ordered_sessions(f, now)
            return len(order), order.rows(order.count_before(cursor) + offset, limit)
        internal = None if cursor is None or rank is None else (cursor[0], rank)
        return self.sessions.list_sessions(f, internal, offset, limit, now)

    def ordered_interceptions(self, f: Filter, now: int | None = None) -> RowOrder:
        """Matching ended interceptions (by ``now``) in list order, addressable by index (composition)."""
        return self.table.ordered(f, now)

    def ordered_sessions(self, f: Filter, now: int | None = None) -> SessionOrder:
        """Matching sessions (at ``now``) in list order, addressable by index (composition)."""
        return self.sessions.ordered(f, now)

    @property
    def session_keys(self) -> int:
        """How many (session, initiator) keys there are: the range of a session key."""
        return len(self.sessions.key_session)

    def distinct_models(self, user_id: str | None = None, now: int | None = None) -> list[str]:
        """Models of ended interceptions, ascending (GROUP BY model ORDER BY model)."""
        return self.table.distinct_models(self._user(user_id), now)

    def distinct_clients(
        self, user_id: str | None = None, now: int | None = None, *, by_raw_column: bool = False
    ) -> list[str]:
        """COALESCE(client, 'Unknown') of ended interceptions, grouped by itself or by the raw column."""
        return coalesce_clients(self.raw_clients(user_id, now), by_raw_column=by_raw_column)

    def raw_clients(self, user_id: str | None = None, now: int | None = None) -> set[str | None]:
        """The stored client values of ended interceptions (None for NULL)."""
        return self.table.raw_clients(self._user(user_id), now)

    # -- one session -------------------------------------------------------------------------------

    def find_session(self, session_id: str, own_user_id: str | None, now: int | None = None) -> int | None:
        """The session key ``GET /sessions/{id}`` shows (the first in list order), or None."""
        return self.sessions.find(session_id, self._user(own_user_id), now)

    def session_upto(self, key: int, now: int | None) -> int | None:
        """The bound on a session's rows at ``now``: None when all of them have ended."""
        return self.sessions.upto(key, now)

    def session_first_row(self, key: int) -> int:
        """The row of a session's earliest interception (its client and metadata), without a summary."""
        return int(self.sessions.first_row[key])

    def session(self, key: int, upto: int | None = None) -> SessionSummary:
        """The parts of a session's rows that no filter changes (over its rows ended by ``upto``)."""
        if upto is not None:
            return self._partial_session(key, upto)
        idx = self.sessions
        return SessionSummary(
            id=str(self.table.tables.session_ids.values[int(idx.key_session[key])]),
            initiator=self.users[int(idx.key_user[key])],
            providers=idx.providers[key],
            models=idx.models[key],
            first_row=int(idx.first_row[key]),
            tokens=(
                int(idx.tokens[0][key]),
                int(idx.tokens[1][key]),
                int(idx.tokens[2][key]),
                int(idx.tokens[3][key]),
            ),
            last_prompt_row=int(idx.last_prompt_row[key]),
        )

    def _partial_session(self, key: int, upto: int) -> SessionSummary:
        """A session going on at a live clock's now: aggregates over its rows ended by ``upto``."""
        idx, c, tables = self.sessions, self.table.cols, self.table.tables
        rows = idx.key_rows.get(key)
        rows = rows[c.ended[rows] <= upto]  # started_at ASC, id ASC
        providers = {self.table.providers[int(p)] for p in self.table.provider_col[rows]}
        models = {tables.models.values[int(m)] or "" for m in c.model[rows]}
        prompted = rows[c.prompt_at[rows] >= 0]
        # The latest prompt; on a tie the last row, as the precomputed aggregate picks it.
        latest = int(prompted[np.lexsort((prompted, c.prompt_at[prompted]))[-1]]) if len(prompted) else -1
        sums = [int(col[rows].sum()) for col in (c.tok_in, c.tok_out, c.tok_cache_read, c.tok_cache_write)]
        return SessionSummary(
            id=str(tables.session_ids.values[int(idx.key_session[key])]),
            initiator=self.users[int(idx.key_user[key])],
            providers=tuple(sorted(providers)),
            models=tuple(sorted(models)),
            first_row=int(rows[0]),
            tokens=(sums[0], sums[1], sums[2], sums[3]),
            last_prompt_row=latest,
        )

    def unfiltered_session_row(self, key: int, now: int | None = None) -> SessionRow:
        """A session's list row with the aggregates over all of its interceptions (ended by ``now``)."""
        return self.sessions.row_at(key, now)

    def thread_cursor(
        self, key: int, interception_id: str, may_see: Callable[[str], bool], now: int | None = None
    ) -> SortKey:
        """The sort key of a thread cursor; :class:`ThreadCursorError` says why it is refused."""
        row = self.row_of(interception_id, now)
        if row is None or not may_see(self.user_id_of(row)):
            raise ThreadCursorError("not found")
        if int(self.table.cols.session[row]) != int(self.sessions.key_session[key]):
            raise ThreadCursorError(f"does not belong to session {self.session(key).id}")
        return self.table.sort_key(row)

    def thread_page(
        self,
        key: int,
        after: SortKey | None,
        before: SortKey | None,
        limit: int,
        own_user_id: str | None = None,
        upto: int | None = None,
    ) -> tuple[int, ...]:
        """Root rows of one page of a session's threads (by session id, any initiator; ended by ``upto``)."""
        return self.sessions.thread_page(key, after, before, limit, self._user(own_user_id), upto)

    def roots(self, key: int, own_user_id: str | None = None, upto: int | None = None) -> list[int]:
        """Thread roots with the session id of ``key`` (ended by ``upto``); only ``own_user_id``'s if set."""
        return self.sessions.roots(key, self._user(own_user_id), upto)

    def thread(self, root: int, key: int | None = None, upto: int | None = None) -> list[int]:
        """Ended interceptions (by ``upto``) of the thread rooted at ``root`` (with ``key``'s session id)."""
        return self.sessions.thread(root, key, upto)

    def ranked_sessions(self, count: int) -> list[int]:
        """The keys of the first ``count`` sessions in list order."""
        return [int(k) for k in self.sessions.ranked[:count]]

    @property
    def session_count(self) -> int:
        return len(self.sessions.ranked)
