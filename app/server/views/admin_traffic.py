"""The admin API's provider-traffic calls, under /__admin/: scripted answers and recorded traffic.

``POST /__admin/answers`` scripts the next answers of provider requests (:mod:`..providers.scripts`);
``DELETE /__admin/traffic`` forgets the recorded provider traffic on every worker
(:mod:`..traffic`). Same admin token and error bodies as the rest of the admin API.
"""

from __future__ import annotations

from flask import Blueprint, Response

from aibridge_mock.server.errors import ApiError, Validation
from aibridge_mock.server.extension import current_mock
from aibridge_mock.server.providers.scripts import ScriptBook, ScriptError, parse_script
from aibridge_mock.server.views.admin import request_body, require_admin_token, runtime
from aibridge_mock.server.views.responses import unvalidated_json

bp = Blueprint("admin_traffic", __name__, url_prefix="/__admin")
bp.before_request(require_admin_token)


def _book() -> ScriptBook:
    book = current_mock().scripts
    if book is None:
        raise ApiError(404, "Provider routes are not served by this mock.")
    return book


@bp.get("/answers")
def list_answers() -> Response:
    return unvalidated_json(200, _book().describe(runtime()))


@bp.post("/answers")
def add_answers() -> Response:
    """``{"route"?, "model"?, "answers": [...]}``: the next answers of matching provider requests."""
    body = request_body()
    try:
        parse_script(body, "new")
    except ScriptError as exc:
        raise ApiError(
            400, "Invalid admin request.", validations=[Validation(exc.path, exc.problem)]
        ) from None
    runtime().add_script(body)
    return unvalidated_json(200, _book().describe(runtime()))


@bp.delete("/answers")
def clear_answers() -> Response:
    runtime().clear_scripts()
    return Response(status=204)


@bp.get("/traffic")
def describe_traffic() -> Response:
    """How much provider traffic this worker has read back (the same on every worker)."""
    traffic = current_mock().traffic
    return unvalidated_json(200, traffic.describe() if traffic is not None else {"interceptions": 0})


@bp.delete("/traffic")
def clear_traffic() -> Response:
    """Forget the recorded provider traffic, on every worker."""
    runtime().clear_traffic()
    return Response(status=204)
