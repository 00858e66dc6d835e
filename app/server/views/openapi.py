"""GET /openapi.json: the derived contract of the generation being served (schemathesis loads it)."""

from __future__ import annotations

from flask import Blueprint, Response

from aibridge_mock.schemas import load_openapi
from aibridge_mock.server.extension import current_mock
from aibridge_mock.server.views.responses import unvalidated_json

bp = Blueprint("openapi", __name__)


@bp.get("/openapi.json")
def openapi_document() -> Response:
    """The strict OpenAPI 3.1 document derived from Coder's docs."""
    return unvalidated_json(200, load_openapi(current_mock().config.generation, "strict"))
