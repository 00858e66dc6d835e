"""Building responses with coderd's headers and Go's JSON bytes, validated before they leave."""

from __future__ import annotations

from typing import Any

from flask import Response, request

from aibridge_mock.server.errors import ApiError, PlainTextError
from aibridge_mock.server.extension import current_mock
from aibridge_mock.server.gocompat import encode_json
from aibridge_mock.server.gostrings import go_bytes
from aibridge_mock.server.validation import VIOLATION_HEADER, Breach, ResponseValidator, report

JSON_TYPE = "application/json; charset=utf-8"


def coder_headers() -> dict[str, str]:
    """Headers every coderd response carries (spec section 1)."""
    return {
        "X-Content-Type-Options": "nosniff",
        "X-Coder-Build-Version": current_mock().config.build_version,
    }


def endpoint() -> str:
    """The request as a breach names it."""
    return f"{request.method} {request.path}"


def validator() -> ResponseValidator | None:
    """The response validator, or None when validation is off."""
    return current_mock().validator


def check(template: str, status: int, body: Any) -> Breach | None:
    """Validate a whole body against the documented response of ``template``."""
    found = validator()
    return found.check(endpoint(), template, status, body) if found else None


def _plain_json(status: int, body: bytes) -> Response:
    return Response(body, status=status, content_type=JSON_TYPE, headers=coder_headers())


def finish(status: int, body: bytes, breach: Breach | None) -> Response:
    """Send ``body`` unless it broke the contract: then 500 (strict) or a warning header (lenient)."""
    if breach is None:
        return _plain_json(status, body)
    report(breach)
    if current_mock().config.validation == "strict":
        error = ApiError(500, "The mock's response violates the AI Bridge contract.", breach.describe())
        return _plain_json(500, encode_json(error.body()))
    response = _plain_json(status, body)
    response.headers[VIOLATION_HEADER] = breach.describe()[:1000]
    return response


def json_response(status: int, body: Any, template: str) -> Response:
    """Encode and validate a whole body."""
    return finish(status, encode_json(body), check(template, status, body))


def error_response(error: ApiError) -> Response:
    """Coder's error body; it is held against the shared error schema like every other body."""
    body = error.body()
    found = validator()
    breach = found.check_component("Response", body) if found else None
    response = finish(error.status, encode_json(body), breach.nested("$", endpoint()) if breach else None)
    response.headers.update(error.headers)
    return response


def text_response(error: PlainTextError) -> Response:
    """Go's http.Error: text/plain, nosniff, and the message plus a newline (Go's bytes, UTF-8 or not)."""
    return Response(
        go_bytes(error.text + "\n"),
        status=error.status,
        content_type="text/plain; charset=utf-8",
        headers=coder_headers(),
    )


def unvalidated_json(status: int, body: Any) -> Response:
    """JSON outside the mocked API (health, admin): not part of Coder's contract."""
    return _plain_json(status, encode_json(body))
