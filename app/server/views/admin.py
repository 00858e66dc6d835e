"""The admin API for test suites, under /__admin/: data set, scenario, faults and the journal.

Every route needs ``Authorization: Bearer <admin token>``: ``AIBRIDGE_MOCK_ADMIN_TOKEN``
(``--admin-token``), else one the mock makes and prints in the startup banner (derived from the seed
on a loopback address, random per start elsewhere; :mod:`aibridge_mock.server.adminaccess`, which
also says which fixture files a reload may read). Errors use Coder's body,
``{message, detail?, validations?}``.
"""

from __future__ import annotations

import hmac
import json
from typing import Any

from flask import Blueprint, Response, request

from aibridge_mock.server.adminaccess import (
    MAX_FIXTURE_BYTES,
    FixtureFileError,
    admin_token,
    checked_fixture_file,
)
from aibridge_mock.server.auth import bearer_token
from aibridge_mock.server.dataset.clock import ANCHOR_FORMS, AnchorError, parse_anchor
from aibridge_mock.server.dataset.fixture_schema import FixtureError
from aibridge_mock.server.dataset.loader import DatasetOptions
from aibridge_mock.server.dataset.sources import FixtureSource, InlineFixture
from aibridge_mock.server.errors import ApiError, Validation
from aibridge_mock.server.extension import current_mock
from aibridge_mock.server.gocompat import format_time
from aibridge_mock.server.gostrings import go_bytes
from aibridge_mock.server.runtime import DEFAULT_SLOW_MS, SCENARIOS, Fault, Runtime
from aibridge_mock.server.state import Datasets
from aibridge_mock.server.views.responses import unvalidated_json

__all__ = ["admin_token", "bp", "describe"]

bp = Blueprint("admin", __name__, url_prefix="/__admin")
MAX_INTERCEPTIONS = 5_000_000
NOT_RELOADED = "The data set was not reloaded; the previous one is still served."
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "*")
_TOKEN_HELP = (
    "Send 'Authorization: Bearer <admin token>'; the token is set with AIBRIDGE_MOCK_ADMIN_TOKEN, or "
    "printed in the startup banner (derived from the seed on a loopback address, random at every "
    "start elsewhere)."
)


def _state() -> Datasets:
    return current_mock().datasets


def runtime() -> Runtime:
    return current_mock().runtime


def _invalid(name: str, detail: str) -> ApiError:
    return ApiError(400, "Invalid admin request.", validations=[Validation(name, detail)])


@bp.before_request
def require_admin_token() -> Response | None:
    """Every admin route needs the admin token (the provider-traffic routes too: admin_traffic)."""
    given = bearer_token(request)
    if not given:
        raise ApiError(401, "Admin token required.", _TOKEN_HELP)
    if not hmac.compare_digest(go_bytes(given), go_bytes(admin_token(current_mock().config))):
        raise ApiError(401, "Admin token is invalid.", _TOKEN_HELP)
    return None


# -- reading the request body ---------------------------------------------------------------------


def request_body() -> dict[str, Any]:
    too_large = ApiError(
        413, "Request body too large.", f"The admin API reads at most {MAX_FIXTURE_BYTES:,} bytes."
    )
    length = request.content_length
    if length is not None and length > MAX_FIXTURE_BYTES:
        raise too_large
    data = request.stream.read(MAX_FIXTURE_BYTES + 1)  # a chunked body has no Content-Length to check
    if len(data) > MAX_FIXTURE_BYTES:
        raise too_large
    if not data:
        return {}
    try:
        body = json.loads(data)
    except ValueError as exc:
        raise ApiError(400, "Request body must be valid JSON.", str(exc)) from None
    if not isinstance(body, dict):
        raise ApiError(400, "Request body must be a JSON object.")
    return body


def _int(body: dict[str, Any], name: str, default: int, low: int, high: int) -> int:
    value = body.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise _invalid(name, f"must be an integer, got {json.dumps(value)}")
    if not low <= value <= high:
        raise _invalid(name, f"must be between {low} and {high}, got {value}")
    return value


def _rate(body: dict[str, Any]) -> float:
    value = body.get("error_rate", 0.0)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 <= value <= 1.0:
        raise _invalid("error_rate", f"must be a number between 0 and 1, got {json.dumps(value)}")
    return float(value)


# -- state ----------------------------------------------------------------------------------------


def describe(state: Datasets) -> dict[str, Any]:
    """The served data set, its personas and the runtime settings."""
    snap = state.snapshot
    dataset: dict[str, Any] | None = None
    personas: list[dict[str, str]] = []
    if snap is not None:
        ds, identity = snap.dataset, snap.dataset.identity
        dataset = {
            "seed": identity.seed,
            "interceptions": identity.interceptions,
            "rows": len(ds),
            "sessions": ds.session_count,
            "anchor": format_time(identity.anchor),
            "fixtures": list(identity.fixtures),
            "live": identity.live,
        }
        personas = [
            {"username": p.user.username, "role": p.user.role, "user_id": p.user.id, "token": p.token}
            for p in ds.personas
        ]
    now = current_mock().now()
    return {
        "ready": state.ready.is_set(),
        "clock": None if now is None else format_time(now),  # what a live data set shows as "now"
        "dataset": dataset,
        "personas": personas,
        "runtime": runtime().describe(),
    }


@bp.get("/state")
def get_state() -> Response:
    return unvalidated_json(200, describe(_state()))


@bp.post("/reset")
def reset() -> Response:
    """Normal scenario, no faults, empty journal; the data set stays."""
    runtime().reset()
    return unvalidated_json(200, describe(_state()))


# -- data set -------------------------------------------------------------------------------------


@bp.post("/dataset")
def reload_dataset() -> Response:
    """Rebuild the data set; omitted fields keep their current value. A bad fixture changes nothing."""
    state = _state()
    body = request_body()
    current = state.options
    options = DatasetOptions(
        seed=_int(body, "seed", current.seed, 0, 2**63 - 1),
        interceptions=_int(body, "interceptions", current.interceptions, 0, MAX_INTERCEPTIONS),
        anchor=_anchor(body, current.anchor),
        fixtures=_fixtures(body, current.fixtures),
    )
    seed_changed = options.seed != current.seed
    try:
        state.reload(options)
    except FixtureError as exc:
        where = Validation(exc.path, f"{exc.file}: {exc.problem}")  # the JSON path inside the named file
        raise ApiError(400, NOT_RELOADED, str(exc), [where]) from None
    except (OSError, ValueError) as exc:
        raise ApiError(400, NOT_RELOADED, f"{type(exc).__name__}: {exc}") from None
    if seed_changed:  # the personas that made the recorded traffic (and their tokens) are gone
        runtime().clear_traffic()
    return unvalidated_json(200, describe(state))


def _anchor(body: dict[str, Any], current: int) -> int:
    if "anchor" not in body:
        return current
    value = body["anchor"]
    if value in ("", None):
        return 0
    if not isinstance(value, str):
        raise _invalid("anchor", f"must be a string: {ANCHOR_FORMS}")
    try:
        return parse_anchor(value)
    except AnchorError as exc:
        raise _invalid("anchor", f"{exc}, got {json.dumps(value)}") from None


def _fixtures(body: dict[str, Any], current: tuple[FixtureSource, ...]) -> tuple[FixtureSource, ...]:
    """Fixture files the operator allowed (see adminaccess), or fixture documents kept in memory."""
    if "fixtures" not in body:
        return current
    value = body["fixtures"]
    if not isinstance(value, list):
        raise _invalid("fixtures", "must be a list of file paths or fixture documents")
    sources: list[FixtureSource] = []
    for index, item in enumerate(value):
        if isinstance(item, str) and item:
            try:
                sources.append(checked_fixture_file(item, current_mock().config))
            except FixtureFileError as exc:
                raise _invalid(f"fixtures[{index}]", str(exc)) from None
        elif isinstance(item, dict | list):
            sources.append(InlineFixture(f"inline-fixtures[{index}]", json.dumps(item)))
        else:
            raise _invalid(f"fixtures[{index}]", "must be a file path or a fixture document")
    return tuple(sources)


# -- scenario, faults, journal --------------------------------------------------------------------


@bp.post("/scenario")
def set_scenario() -> Response:
    """``{"name": "normal|empty|unlicensed|slow|failing", "latency_ms"?: N}`` (latency for "slow")."""
    body = request_body()
    name = body.get("name")
    if name not in SCENARIOS:
        raise _invalid("name", f"must be one of {', '.join(SCENARIOS)}, got {json.dumps(name)}")
    latency = _int(body, "latency_ms", DEFAULT_SLOW_MS, 0, 600_000) if "latency_ms" in body else None
    if name == "empty":
        _state().empty()  # build it now, not on the first request of the test
    runtime().set_scenario(name, latency)
    return unvalidated_json(200, runtime().describe())


@bp.get("/faults")
def list_faults() -> Response:
    return unvalidated_json(200, runtime().describe()["faults"])


@bp.post("/faults")
def add_fault() -> Response:
    """``{"route": "GET /api/v2/aibridge/sessions", "latency_ms"?, "error_rate"?, "status"?, "seed"?}``."""
    body = request_body()
    route = body.get("route")
    parts = route.split(" ") if isinstance(route, str) else []
    if len(parts) != 2 or parts[0].upper() not in _METHODS or not parts[1].startswith("/"):
        raise _invalid("route", f'must look like "GET /api/v2/aibridge/sessions", got {json.dumps(route)}')
    fault = Fault(
        method=parts[0].upper(),
        path=parts[1],
        latency_ms=_int(body, "latency_ms", 0, 0, 600_000),
        error_rate=_rate(body),
        status=_int(body, "status", 500, 400, 599),
        seed=_int(body, "seed", _state().options.seed, 0, 2**63 - 1),
    )
    runtime().add_fault(fault)
    return unvalidated_json(200, runtime().describe()["faults"])


@bp.delete("/faults")
def clear_faults() -> Response:
    runtime().clear_faults()
    return Response(status=204)


@bp.get("/journal")
def read_journal() -> Response:
    entries = runtime().journal()
    return unvalidated_json(200, {"count": len(entries), "requests": entries})


@bp.delete("/journal")
def clear_journal() -> Response:
    runtime().clear_journal()
    return Response(status=204)
