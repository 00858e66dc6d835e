"""Liveness and readiness, outside the mocked API."""

from __future__ import annotations

from flask import Blueprint, Response

from aibridge_mock.server.extension import current_mock
from aibridge_mock.server.views.responses import unvalidated_json

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    """200 once a data set is loaded."""
    if current_mock().datasets.snapshot is None:
        return unvalidated_json(503, {"status": "loading"})
    return unvalidated_json(200, {"status": "ok"})


@bp.get("/readyz")
def readyz() -> Response:
    """200 only while a loaded data set is being served and no reload is in progress."""
    state = current_mock().datasets
    if state.snapshot is None:
        return unvalidated_json(503, {"status": "loading"})
    if not state.ready.is_set():
        return unvalidated_json(503, {"status": "reloading"})  # the old data set still answers meanwhile
    ds = state.snapshot.dataset
    return unvalidated_json(200, {"status": "ready", "interceptions": len(ds), "seed": ds.identity.seed})
