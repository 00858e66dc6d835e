"""Routing of everything under /api, in Flask's URL map, as coderd's chi router does it.

The five management operations the served generation has are GET-only rules; every other method
and path under the generation's prefix reaches the provider catch-all (never a 405: chi falls
through to its catch-all, spec 1.7), and any other /api path answers coderd's JSON 404. Before any
of them: the admin API's latency and failures, then the licence check (which precedes auth).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, Flask, Request, Response, g, request
from werkzeug.routing import Rule

from aibridge_mock.server.auth import Viewer
from aibridge_mock.server.errors import ApiError, route_not_found
from aibridge_mock.server.extension import current_mock
from aibridge_mock.server.generations import Generation
from aibridge_mock.server.state import Snapshot
from aibridge_mock.server.validation import VIOLATION_HEADER
from aibridge_mock.server.views import aibridge, users
from aibridge_mock.server.views.catchall import provider_catch_all

__all__ = ["bp", "init_app"]

bp = Blueprint("api", __name__)
ManagementView = Callable[..., Response]
# The management operations: path below the generation's prefix -> view.
OPERATIONS: dict[str, tuple[str, ManagementView]] = {
    "interceptions": ("/interceptions", aibridge.list_interceptions),
    "sessions": ("/sessions", aibridge.list_sessions),
    "sessions/{session_id}": ("/sessions/<session_id>", aibridge.get_session_threads),
    "models": ("/models", aibridge.list_models),
    "clients": ("/clients", aibridge.list_clients),
}


def init_app(app: Flask, generation: Generation) -> None:
    """Add the /api rules of ``generation`` to the app's URL map."""
    app.url_map.merge_slashes = False  # chi routes "//" as it comes; werkzeug would redirect it
    prefix = generation.prefix
    for operation, (path, view) in OPERATIONS.items():
        if operation in generation.operations:
            _add(
                app, Rule(prefix + path, endpoint=f"api.{view.__name__}", methods=["GET"]), _management(view)
            )
    for path in (prefix, prefix + "/", prefix + "/<path:rest>"):
        _add(app, Rule(path, endpoint="api.provider_catch_all"), _catch_all)
    _add(app, Rule(users.PATH, endpoint="api.users_me", methods=["GET"]), _users_me)
    for path in ("/api", "/api/", "/api/<path:rest>"):
        _add(app, Rule(path, endpoint="api.route_not_found"), _route_not_found)
    app.register_blueprint(bp)


def _add(app: Flask, rule: Rule, view: Callable[..., Response]) -> None:
    if rule.methods is not None:
        rule.methods.discard("HEAD")  # chi's GET routes do not match HEAD: it reaches the catch-all
    app.url_map.add(rule)
    app.view_functions[rule.endpoint] = view


@bp.before_request
def _gateway() -> None:
    """Admin-injected latency and failures first (as on a slow or broken server), then the licence."""
    mock = current_mock()
    plan = mock.runtime.plan(request.method, request.path)
    if plan.latency_ms:
        time.sleep(plan.latency_ms / 1000)
    if plan.error is not None:
        raise plan.error
    if request.endpoint == "api.route_not_found":
        return
    licensed_only = request.endpoint != "api.users_me"  # /users/me is not an AI Bridge route
    if licensed_only and (mock.config.unlicensed or plan.unlicensed):
        # RequireFeatureMW runs before authentication (spec 1.6).
        raise ApiError(403, f"{mock.generation.licence_feature} is a Premium feature. Contact sales!")
    snap = mock.datasets.empty() if plan.empty else mock.datasets.snapshot
    if snap is None:
        raise ApiError(503, "The data set is still loading.")
    g.snapshot = snap
    g.empty_scenario = plan.empty


def _route_not_found(**_: Any) -> Response:
    raise route_not_found()


def _catch_all(rest: str = "") -> Response:
    raise provider_catch_all(request, _below_prefix())


def _users_me() -> Response:
    snap: Snapshot = g.snapshot
    return users.users_me(_viewer(snap, current_mock().config.no_auth, request._get_current_object()))  # type: ignore[attr-defined]  # werkzeug LocalProxy


def _below_prefix() -> str:
    """The path below the generation's prefix, as the catch-all's text quotes it: Go's decoded r.URL.Path."""
    path: str = getattr(request, "url_path", request.path)
    return path[len(current_mock().generation.prefix) + 1 :]


def _management(view: ManagementView) -> Callable[..., Response]:
    """A management view, called with the snapshot, the authenticated caller and the request."""

    @wraps(view)
    def run(**path_params: str) -> Response:
        mock = current_mock()
        snap: Snapshot = g.snapshot
        if mock.traffic is not None and not g.empty_scenario:
            snap = mock.traffic.overlay(snap)  # recorded provider traffic, as every worker recorded it
        # The request object itself, not Flask's proxy: views read it dozens of times.
        current: Request = request._get_current_object()  # type: ignore[attr-defined]  # werkzeug LocalProxy
        viewer = _viewer(snap, mock.config.no_auth, current)
        now = mock.now()
        caller = aibridge.Caller(viewer, mock.generation, now)
        if now is not None:  # live mode: an answer depends on the clock too, so none is kept
            return view(snap, caller, current, **path_params)
        # Everything an answer depends on, given the (immutable) snapshot: see pagecache.py.
        key = (view.__name__, tuple(path_params.items()), current.query_string, viewer.user.id, viewer.role)
        cached = snap.pages.get(key)
        if cached is not None:
            return cached
        response = view(snap, caller, current, **path_params)
        snap.pages.put(key, response, VIOLATION_HEADER)
        return response

    return run


def _viewer(snap: Snapshot, no_auth: bool, req: Request) -> Viewer:
    if no_auth:
        owner = snap.dataset.personas[0].user
        return Viewer(owner, owner.role)
    return snap.authenticator.authenticate(req)
