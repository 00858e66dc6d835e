"""The five management endpoints under /api/v2/aibridge.

Each view reads like the data flow: parse (pagination, ``q``, cursors), query the indexed data
set, render. Checks run in the order coderd runs them, so the first error a request hits is the
one coderd would report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Request, Response

from aibridge_mock.server.auth import Scope, Viewer
from aibridge_mock.server.dataset.store import ThreadCursorError
from aibridge_mock.server.errors import ApiError
from aibridge_mock.server.generations import Generation
from aibridge_mock.server.gocompat import NIL_UUID, UUIDParseError, go_quote, parse_uuid
from aibridge_mock.server.like import LikePattern
from aibridge_mock.server.pagination import Page, check_limit, parse_pagination
from aibridge_mock.server.queryparams import ParamError, parse_go_int32
from aibridge_mock.server.searchquery import (
    SearchContext,
    parse_interceptions_query,
    parse_prefix_query,
    parse_sessions_query,
)
from aibridge_mock.server.state import Snapshot
from aibridge_mock.server.validation import Breach
from aibridge_mock.server.views.responses import check, endpoint, finish, json_response

__all__ = [
    "Caller",
    "get_session_threads",
    "list_clients",
    "list_interceptions",
    "list_models",
    "list_sessions",
]

THREADS_DEFAULT_LIMIT = 50
THREADS_MAX_LIMIT = 200
# database/sql's error when ListAuthorizedAIBridgeSessions scans a NULL ``metadata`` (column 8) into
# json.RawMessage (see generations.py). Read from the code, not seen on a live server: UNCONFIRMED.
NULL_METADATA_SCAN_ERROR = (
    'sql: Scan error on column index 8, name "metadata": '
    "unsupported Scan, storing driver.Value type <nil> into type *json.RawMessage"
)


@dataclass(frozen=True)
class Caller:
    """The authenticated caller, what they may read, and the API generation being served.

    ``now`` is the time a live clock reads for this request: only interceptions ended by then
    exist for the caller (None: every ended interception, a static data set).
    """

    viewer: Viewer
    generation: Generation
    now: int | None = None

    @property
    def scope(self) -> Scope:
        return Scope.of(self.viewer, self.generation.members_read_own)


# -- GET /interceptions and GET /sessions ----------------------------------------------------------


def list_interceptions(snap: Snapshot, caller: Caller, request: Request) -> Response:
    """GET /interceptions (spec 1.2)."""
    page = parse_pagination(_values(request))
    page = _cursor_xor_offset(page, "after_id", page.after_id is not None)
    f = parse_interceptions_query(request.args.get("q", ""), _search_context(snap, caller.viewer))
    ds, scope, now = snap.dataset, caller.scope, caller.now
    after_row = None
    if page.after_id is not None:
        after_row = ds.row_of(page.after_id, now)
        if after_row is None or not scope.sees_user(ds.user_id_of(after_row)):
            raise _invalid_cursor("after_id", page.after_id)
    visible = scope.restrict(f)
    count, rows = (
        ds.list_interceptions(visible, after_row, page.offset, page.limit, now) if visible else (0, [])
    )
    items = [snap.serializer.interception_checked(r) for r in rows]
    count_key = caller.generation.envelope_renames.get("count", "count")
    return _list_response("/aibridge/interceptions", count_key, "results", count, items)


def list_sessions(snap: Snapshot, caller: Caller, request: Request) -> Response:
    """GET /sessions (spec 1.3); ``after_id`` is parsed (and validated) but unused."""
    after_session_id = request.args.get("after_session_id", "")
    page = _cursor_xor_offset(parse_pagination(_values(request)), "after_session_id", after_session_id != "")
    f = parse_sessions_query(request.args.get("q", ""), _search_context(snap, caller.viewer))
    ds, scope, now = snap.dataset, caller.scope, caller.now
    cursor = None
    if after_session_id:
        cursor = None if scope.nothing else ds.session_cursor(after_session_id, scope.own_user_id, now)
        if cursor is None:
            raise ApiError(
                400,
                "Query parameter has invalid value.",
                f"after_session_id: session {go_quote(after_session_id)} not found",
            )
        # coderd looks the cursor up with the list query (Limit 1), which fails like the list does;
        # it logs the error and answers without a detail ("Don't leak database issue to client").
        found = ds.find_session(after_session_id, scope.own_user_id, now)
        if found is not None and _metadata_breaks(snap, caller, [found]):
            raise ApiError(500, "Internal error validating after_session_id cursor.")
    visible = scope.restrict(f)
    count, rows = ds.list_sessions(visible, cursor, page.offset, page.limit, now) if visible else (0, [])
    if _metadata_breaks(snap, caller, [r.key for r in rows]):
        raise ApiError(
            500,
            "Internal error getting AI Bridge sessions.",
            f"list aibridge sessions: {NULL_METADATA_SCAN_ERROR}",
        )
    items = [snap.serializer.session_checked(r) for r in rows]
    return _list_response("/aibridge/sessions", "count", "sessions", count, items)


def _metadata_breaks(snap: Snapshot, caller: Caller, keys: list[int]) -> bool:
    """Whether scanning these sessions fails on a NULL first-interception metadata, as in this generation."""
    if not caller.generation.null_session_metadata_fails:
        return False
    ds = snap.dataset
    return any(ds.detail(ds.session_first_row(key)).metadata is None for key in keys)


def _values(request: Request) -> dict[str, list[str]]:
    return request.args.to_dict(flat=False)


def _cursor_xor_offset(page: Page, cursor_name: str, cursor_set: bool) -> Page:
    """After ParsePagination: a cursor and an offset together are refused, then the limit is checked."""
    if cursor_set and page.offset != 0:
        raise ApiError(
            400,
            "Query parameters have invalid values.",
            f"Cannot use both {cursor_name} and offset pagination in the same request.",
        )
    return check_limit(page)


def _list_response(
    template: str, count_key: str, items_key: str, count: int, items: list[tuple[bytes, Breach | None]]
) -> Response:
    """Splice cached item bytes into the envelope; the envelope and each item are held to the schema."""
    breach = check(template, 200, {count_key: count, items_key: []})
    breach = breach or next(
        (b.nested(f"$.{items_key}[{i}]", endpoint()) for i, (_, b) in enumerate(items) if b), None
    )
    body = b",".join(item for item, _ in items)
    return finish(
        200, b'{"%s":%d,"%s":[%s]}\n' % (count_key.encode(), count, items_key.encode(), body), breach
    )


def _search_context(snap: Snapshot, viewer: Viewer) -> SearchContext:
    ds = snap.dataset
    return SearchContext(viewer.user.id, ds.find_user, ds.provider_names)


def _invalid_cursor(name: str, interception_id: str, reason: str = "not found") -> ApiError:
    return ApiError(
        400,
        "Invalid pagination cursor.",
        f"{name}: interception {interception_id} {reason}: invalid pagination cursor",
    )


# -- GET /models and GET /clients ------------------------------------------------------------------


def list_models(snap: Snapshot, caller: Caller, request: Request) -> Response:
    """GET /models: distinct models, ascending, prefix-filtered (spec 1.5)."""
    message = "Invalid AI Bridge models search query."

    def models(user_id: str | None) -> list[str]:
        return snap.dataset.distinct_models(user_id, caller.now)

    return _list_distinct(caller, request, "model", message, models, "/aibridge/models")


def list_clients(snap: Snapshot, caller: Caller, request: Request) -> Response:
    """GET /clients: COALESCE(client, 'Unknown') per group; the SQL has no ORDER BY, we sort ascending."""
    message = "Invalid AI Bridge clients search query."
    raw = caller.generation.clients_by_raw_column

    def clients(user_id: str | None) -> list[str]:
        return snap.dataset.distinct_clients(user_id, caller.now, by_raw_column=raw)

    return _list_distinct(caller, request, "client", message, clients, "/aibridge/clients")


def _list_distinct(
    caller: Caller,
    request: Request,
    key: str,
    message: str,
    values: Callable[[str | None], list[str]],
    template: str,
) -> Response:
    page = check_limit(parse_pagination(_values(request)))
    prefix = parse_prefix_query(request.args.get("q", ""), key, message)
    scope = caller.scope
    if scope.nothing:
        return json_response(200, None, template)
    # LIKE @prefix || '%': % and _ are wildcards, a backslash escapes (spec 1.5); linear time.
    pattern = LikePattern.prefix(prefix)
    matching = [v for v in values(scope.own_user_id) if pattern.matches(v)]
    items = matching[page.offset : page.offset + page.limit]
    return json_response(200, items or None, template)  # coderd builds a nil slice: JSON null when empty


# -- GET /sessions/{session_id} --------------------------------------------------------------------


def get_session_threads(snap: Snapshot, caller: Caller, request: Request, session_id: str) -> Response:
    """GET /sessions/{session_id} (spec 1.4)."""
    after_id = _thread_cursor(request, "after_id")
    before_id = _thread_cursor(request, "before_id")
    if after_id and before_id:
        raise ApiError(400, "Cannot use both after_id and before_id in the same request.")
    limit = _thread_limit(request)
    ds, scope, now = snap.dataset, caller.scope, caller.now
    key = None if scope.nothing else ds.find_session(session_id, scope.own_user_id, now)
    if key is not None and _metadata_breaks(snap, caller, [key]):
        raise ApiError(500, "Internal error fetching session.", NULL_METADATA_SCAN_ERROR)
    if key is None:
        raise ApiError(404, "Session not found.")
    after = _thread_sort_key(snap, key, "after_id", after_id, caller)
    before = _thread_sort_key(snap, key, "before_id", before_id, caller)
    upto = ds.session_upto(key, now)
    page = ds.thread_page(key, after, before, limit, scope.own_user_id, upto)
    body, breach = snap.serializer.threads_checked(key, page, scope.own_user_id, upto)
    return finish(200, body, breach.nested("$", endpoint()) if breach else None)


def _thread_cursor(request: Request, name: str) -> str | None:
    raw = request.args.get(name, "")
    if not raw:
        return None
    try:
        parsed = parse_uuid(raw)
    except UUIDParseError as exc:
        raise ApiError(400, f"Invalid {name} query parameter.", str(exc)) from None
    return None if parsed == NIL_UUID else parsed  # uuid.Nil means no cursor


def _thread_limit(request: Request) -> int:
    raw = request.args.get("limit", "")
    if not raw:
        return THREADS_DEFAULT_LIMIT
    try:
        limit = parse_go_int32(raw)
    except ParamError:
        limit = 0
    if not 1 <= limit <= THREADS_MAX_LIMIT:
        raise ApiError(400, "Invalid limit query parameter.", "Limit must be between 1 and 200.")
    return limit


def _thread_sort_key(
    snap: Snapshot, key: int, name: str, cursor_id: str | None, caller: Caller
) -> tuple[int, int, int] | None:
    if cursor_id is None:
        return None
    try:
        return snap.dataset.thread_cursor(key, cursor_id, caller.scope.sees_user, caller.now)
    except ThreadCursorError as exc:
        raise _invalid_cursor(name, cursor_id, str(exc)) from None
