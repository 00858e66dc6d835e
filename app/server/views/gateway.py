"""Everything under /api: the licence check, auth, the five views and the routing fallbacks.

It runs as a before_request hook so that coderd's routing is reproduced exactly: any method on any
path under /api/v2/aibridge/ reaches either a management view or the provider catch-all (never a
405), and any other /api path answers coderd's JSON 404.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask, Request, Response, current_app, request

from aibridge_mock.server.auth import Viewer
from aibridge_mock.server.config import Config
from aibridge_mock.server.errors import ApiError, route_not_found
from aibridge_mock.server.generations import Generation
from aibridge_mock.server.runtime import apply_plan
from aibridge_mock.server.state import MockState, Snapshot
from aibridge_mock.server.views import aibridge
from aibridge_mock.server.views.responses import error_response, text_response

View = Callable[[Snapshot, aibridge.Caller, Request], Response]
VIEWS: dict[str, View] = {
    "interceptions": aibridge.list_interceptions,
    "sessions": aibridge.list_sessions,
    "models": aibridge.list_models,
    "clients": aibridge.list_clients,
}
_SESSION = re.compile(r"sessions/([^/]+)")
_SESSION_OPERATION = "sessions/{session_id}"


def init_app(app: Flask) -> None:
    app.before_request(_gateway)


def _gateway() -> Response | None:
    path = request.path
    if not (path == "/api" or path.startswith("/api/")):
        return None
    config: Config = current_app.config["MOCK"]
    state: MockState = current_app.config["STATE"]
    generation: Generation = current_app.config["GENERATION"]
    prefix = generation.prefix
    try:
        plan = apply_plan()  # admin-injected latency and failures come first, as on a slow or broken server
        if path != prefix and not path.startswith(prefix + "/"):
            raise route_not_found()
        if config.unlicensed or plan.unlicensed:
            # RequireFeatureMW runs before authentication (spec 1.6).
            raise ApiError(403, f"{generation.licence_feature} is a Premium feature. Contact sales!")
        snap = state.empty() if plan.empty else state.snapshot
        if snap is None:
            raise ApiError(503, "The data set is still loading.")
        # The request object itself, not Flask's proxy: views read it dozens of times.
        current: Request = request._get_current_object()  # type: ignore[attr-defined]  # werkzeug LocalProxy
        return _aibridge(snap, config, generation, current, path[len(prefix) + 1 :])
    except ApiError as error:
        return error_response(error)


def _aibridge(snap: Snapshot, config: Config, generation: Generation, req: Request, rest: str) -> Response:
    """A management view for GET on an operation this generation serves, else the catch-all."""
    match = _SESSION.fullmatch(rest)
    operation = _SESSION_OPERATION if match is not None else rest
    if req.method != "GET" or operation not in generation.operations:
        return text_response(aibridge.provider_catch_all(snap, req, rest))
    caller = aibridge.Caller(_viewer(snap, config, req), generation)
    if match is not None:
        return aibridge.get_session_threads(snap, caller, req, match.group(1))
    return VIEWS[rest](snap, caller, req)


def _viewer(snap: Snapshot, config: Config, req: Request) -> Viewer:
    if config.no_auth:
        owner = snap.dataset.personas[0].user
        return Viewer(owner, owner.role)
    return snap.authenticator.authenticate(req)
