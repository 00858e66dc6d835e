"""The five management endpoints under /api/v2/aibridge and the provider catch-all around them.

Each view reads like the data flow: parse pagination, parse ``q``, resolve cursors, query the
indexed data set, serialise. Checks run in the order coderd runs them, so the first error a
request hits is the one coderd would report.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from flask import Request, Response

from aibridge_mock.server.auth import Scope, Viewer, bearer_token
from aibridge_mock.server.dataset.store import Dataset
from aibridge_mock.server.errors import ApiError, PlainTextError
from aibridge_mock.server.generations import Generation
from aibridge_mock.server.gocompat import NIL_UUID, UUIDParseError, go_quote, parse_uuid
from aibridge_mock.server.pagination import Page, check_limit, parse_pagination
from aibridge_mock.server.queryparams import ParamError, parse_go_int32
from aibridge_mock.server.searchquery import (
    SearchContext,
    parse_interceptions_query,
    parse_prefix_query,
    parse_sessions_query,
)
from aibridge_mock.server.state import Snapshot
from aibridge_mock.server.views.responses import check, endpoint, finish, json_response

THREADS_DEFAULT_LIMIT = 50
THREADS_MAX_LIMIT = 200
INTERCEPTIONS = "/aibridge/interceptions"
SESSIONS = "/aibridge/sessions"


@dataclass(frozen=True)
class Caller:
    """The authenticated caller, what they may read, and the API generation being served."""

    viewer: Viewer
    generation: Generation

    @property
    def scope(self) -> Scope:
        return Scope.of(self.viewer, self.generation.members_read_own)


def _values(request: Request) -> dict[str, list[str]]:
    return request.args.to_dict(flat=False)


def _search_context(snap: Snapshot, viewer: Viewer) -> SearchContext:
    ds = snap.dataset
    return SearchContext(viewer.user.id, ds.find_user, ds.provider_names)


def _invalid_cursor(name: str, interception_id: str, reason: str = "not found") -> ApiError:
    return ApiError(
        400,
        "Invalid pagination cursor.",
        f"{name}: interception {interception_id} {reason}: invalid pagination cursor",
    )


def list_interceptions(snap: Snapshot, caller: Caller, request: Request) -> Response:
    """GET /interceptions (spec 1.2)."""
    page = parse_pagination(_values(request))
    if page.after_id is not None and page.offset != 0:
        raise ApiError(
            400,
            "Query parameters have invalid values.",
            "Cannot use both after_id and offset pagination in the same request.",
        )
    page = check_limit(page)
    filter_ = parse_interceptions_query(request.args.get("q", ""), _search_context(snap, caller.viewer))
    ds, scope = snap.dataset, caller.scope
    after_row = None
    if page.after_id is not None:
        after_row = ds.row_of(page.after_id)
        if after_row is None or not scope.sees_user(ds.user_id_of(after_row)):
            raise _invalid_cursor("after_id", page.after_id)
    visible = scope.restrict(filter_)
    count, rows = ds.list_interceptions(visible, after_row, page.offset, page.limit) if visible else (0, [])
    checked = [snap.serializer.interception_checked(r) for r in rows]
    count_key = caller.generation.envelope_renames.get("count", "count")
    breach = check(INTERCEPTIONS, 200, {count_key: count, "results": []})
    breach = breach or next(
        (b.nested(f"$.results[{i}]", endpoint()) for i, (_, b) in enumerate(checked) if b), None
    )
    items = b",".join(item for item, _ in checked)
    return finish(200, b'{"%s":%d,"results":[%s]}\n' % (count_key.encode(), count, items), breach)


def list_sessions(snap: Snapshot, caller: Caller, request: Request) -> Response:
    """GET /sessions (spec 1.3)."""
    page = parse_pagination(_values(request))  # after_id is parsed (and validated) but unused
    after_session_id = request.args.get("after_session_id", "")
    if after_session_id and page.offset != 0:
        raise ApiError(
            400,
            "Query parameters have invalid values.",
            "Cannot use both after_session_id and offset pagination in the same request.",
        )
    page = check_limit(page)
    filter_ = parse_sessions_query(request.args.get("q", ""), _search_context(snap, caller.viewer))
    index, scope = snap.dataset.sessions, caller.scope
    cursor = None
    if after_session_id:
        cursor = None if scope.nothing else index.cursor_key(after_session_id, scope.own_user_id)
        if cursor is None:
            raise ApiError(
                400,
                "Query parameter has invalid value.",
                f"after_session_id: session {go_quote(after_session_id)} not found",
            )
    visible = scope.restrict(filter_)
    count, rows = index.list_sessions(visible, cursor, page.offset, page.limit) if visible else (0, [])
    checked = [snap.serializer.session_checked(r) for r in rows]
    breach = check(SESSIONS, 200, {"count": count, "sessions": []})
    breach = breach or next(
        (b.nested(f"$.sessions[{i}]", endpoint()) for i, (_, b) in enumerate(checked) if b), None
    )
    items = b",".join(item for item, _ in checked)
    return finish(200, b'{"count":%d,"sessions":[%s]}\n' % (count, items), breach)


def _like_prefix(prefix: str) -> re.Pattern[str]:
    """Postgres ``LIKE prefix || '%'``: % and _ are wildcards, backslash escapes (spec 1.5)."""
    out, escaped = [], False
    for ch in prefix:
        if escaped:
            out.append(re.escape(ch))
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "%":
            out.append(".*")
        elif ch == "_":
            out.append(".")
        else:
            out.append(re.escape(ch))
    return re.compile("".join(out) + ".*", re.DOTALL)


def _list_distinct(
    caller: Caller,
    request: Request,
    key: str,
    message: str,
    values: Callable[[str | None], list[str]],
    template: str,
) -> Response:
    page: Page = check_limit(parse_pagination(_values(request)))
    prefix = parse_prefix_query(request.args.get("q", ""), key, message)
    scope = caller.scope
    if scope.nothing:
        return json_response(200, None, template)
    pattern = _like_prefix(prefix)
    matching = [v for v in values(scope.own_user_id) if pattern.fullmatch(v)]
    items = matching[page.offset : page.offset + page.limit]
    return json_response(200, items or None, template)  # coderd builds a nil slice: JSON null when empty


def list_models(snap: Snapshot, caller: Caller, request: Request) -> Response:
    """GET /models: distinct models, ascending, prefix-filtered (spec 1.5)."""
    return _list_distinct(
        caller,
        request,
        "model",
        "Invalid AI Bridge models search query.",
        snap.dataset.distinct_models,
        "/aibridge/models",
    )


def list_clients(snap: Snapshot, caller: Caller, request: Request) -> Response:
    """GET /clients: distinct COALESCE(client, 'Unknown'); the SQL has no ORDER BY, we sort ascending."""
    return _list_distinct(
        caller,
        request,
        "client",
        "Invalid AI Bridge clients search query.",
        snap.dataset.distinct_clients,
        "/aibridge/clients",
    )


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


def get_session_threads(snap: Snapshot, caller: Caller, request: Request, session_id: str) -> Response:
    """GET /sessions/{session_id} (spec 1.4)."""
    after_id = _thread_cursor(request, "after_id")
    before_id = _thread_cursor(request, "before_id")
    if after_id and before_id:
        raise ApiError(400, "Cannot use both after_id and before_id in the same request.")
    limit = _thread_limit(request)
    ds = snap.dataset
    index = ds.sessions
    scope = caller.scope
    key = None if scope.nothing else index.find(session_id, scope.own_user_id)
    if key is None:
        raise ApiError(404, "Session not found.")
    session_code = int(index.key_session[key])
    roots = index.roots(key)
    for name, cursor_id in (("after_id", after_id), ("before_id", before_id)):
        if cursor_id is None:
            continue
        row = ds.row_of(cursor_id)
        if row is None or not scope.sees_user(ds.user_id_of(row)):
            raise _invalid_cursor(name, cursor_id)
        if int(ds.cols.session[row]) != session_code:
            raise _invalid_cursor(name, cursor_id, f"does not belong to session {session_id}")
        key_of = _sort_key(ds, row)
        # Both directions keep ascending order and take the first ``limit`` (spec section 3 notes).
        roots = [
            r
            for r in roots
            if (_sort_key(ds, r) > key_of if name == "after_id" else _sort_key(ds, r) < key_of)
        ]
    body, breach = snap.serializer.threads_checked(key, tuple(roots[:limit]))
    return finish(200, body, breach.nested("$", endpoint()) if breach else None)


def _sort_key(ds: Dataset, row: int) -> tuple[int, int, int]:
    """(started_at, id) of a row, the thread order key."""
    cols = ds.cols
    return int(cols.started[row]), int(cols.id_hi[row]), int(cols.id_lo[row])


def provider_catch_all(snap: Snapshot, request: Request, rest: str) -> PlainTextError:
    """Everything else under /api/v2/aibridge/ is provider traffic for aibridged (spec 1.7)."""
    # aibridged reads only these three headers, never cookies or Coder-Session-Token (AB2).
    token = (
        request.headers.get("X-Coder-AI-Governance-Token", "")
        or bearer_token(request)
        or request.headers.get("X-Api-Key", "")
    )
    if not token:
        return PlainTextError(400, "no authentication key provided")
    if snap.authenticator.persona_for(token) is None:
        return PlainTextError(403, "unauthorized")
    return PlainTextError(404, f"route not supported: {request.method} /{rest}")
