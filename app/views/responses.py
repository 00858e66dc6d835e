"""Building responses with coderd's headers and Go's JSON bytes."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app

from app.errors import ApiError, PlainTextError
from app.gocompat import encode_json

JSON_TYPE = "application/json; charset=utf-8"


def coder_headers() -> dict[str, str]:
    """Headers every coderd response carries (spec section 1)."""
    return {"X-Content-Type-Options": "nosniff", "X-Coder-Build-Version": current_app.config["MOCK"].build_version}


def json_bytes_response(status: int, body: bytes) -> Response:
    return Response(body, status=status, content_type=JSON_TYPE, headers=coder_headers())


def json_response(status: int, body: Any) -> Response:
    return json_bytes_response(status, encode_json(body))


def error_response(error: ApiError) -> Response:
    response = json_response(error.status, error.body())
    response.headers.update(error.headers)
    return response


def text_response(error: PlainTextError) -> Response:
    """Go's http.Error: text/plain, nosniff, and the message plus a newline."""
    headers = coder_headers()
    return Response(error.text + "\n", status=error.status, content_type="text/plain; charset=utf-8", headers=headers)
