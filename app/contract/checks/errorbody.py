"""Coder's error body (``codersdk.Response``, spec 5) and how an expected error is matched."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aibridge_mock.contract.checks.registry import CheckContext
from aibridge_mock.contract.client import Exchange
from aibridge_mock.contract.violations import ErrorBodyViolation, StatusViolation

__all__ = ["ANY", "Expected", "Text", "expect_error", "starts"]

Text = str | Callable[[str], bool] | None  # exact text, a predicate, or None: must be absent
ANY = object()
_FIELDS = {"message", "detail", "validations"}


def starts(prefix: str) -> Callable[[str], bool]:
    return lambda text: text.startswith(prefix)


@dataclass(frozen=True)
class Expected:
    """The error a request must get; ``message`` lists the accepted spellings."""

    status: int
    message: tuple[str, ...]
    detail: Text | object = ANY
    validations: tuple[tuple[str, Text], ...] | None = None


def _text_ok(expected: Text | object, actual: Any) -> bool:
    if expected is ANY:
        return True
    if expected is None:
        return actual is None
    if callable(expected):
        return isinstance(actual, str) and bool(expected(actual))
    return bool(actual == expected)


def _body(ctx: CheckContext, ex: Exchange, want: Expected) -> dict[str, Any]:
    if ex.status != want.status:
        raise StatusViolation(
            f"expected {want.status} {want.message[0]!r}, got {ex.status}: {ex.text()}", request=ex.curl
        )
    if not ex.is_json:
        raise ErrorBodyViolation(
            f"Content-Type is {ex.content_type or 'missing'!r}, not application/json: {ex.text()}",
            request=ex.curl,
        )
    try:
        body = ex.json()
    except ValueError:
        raise ErrorBodyViolation(f"the error body is not JSON: {ex.text()}", request=ex.curl) from None
    if not isinstance(body, dict) or not isinstance(body.get("message"), str):
        raise ErrorBodyViolation(
            f"not Coder's error body {{message, detail?, validations?}}: {ex.text()}",
            request=ex.curl,
            path="$.message",
        )
    extra = sorted(set(body) - _FIELDS)
    if extra and ctx.strict:
        raise ErrorBodyViolation(
            f"unexpected fields {extra} in the error body", request=ex.curl, path=f"$.{extra[0]}"
        )
    return body


def expect_error(ctx: CheckContext, ex: Exchange, want: Expected) -> None:
    """Raise unless ``ex`` is the Coder error ``want`` describes."""
    body = _body(ctx, ex, want)
    if body["message"] not in want.message:
        raise ErrorBodyViolation(
            f"message {body['message']!r}, expected {want.message[0]!r}", request=ex.curl, path="$.message"
        )
    detail = body.get("detail")
    if detail == "" and not ctx.strict:
        detail = None  # Go omits an empty detail (omitempty); compatible strictness tolerates ""
    if not _text_ok(want.detail, detail):
        said = f" ({want.detail!r})" if isinstance(want.detail, str) else ""
        raise ErrorBodyViolation(
            f"detail {detail!r} is not what the spec says{said}", request=ex.curl, path="$.detail"
        )
    _validations(ctx, ex, body.get("validations"), want)


def _validations(ctx: CheckContext, ex: Exchange, got: Any, want: Expected) -> None:
    """Validations match as a set: coderd collects them from a Go map, in random order (spec 2)."""
    if want.validations is None:
        if got not in (None, []) and ctx.strict:
            raise ErrorBodyViolation(f"unexpected validations {got!r}", request=ex.curl, path="$.validations")
        return
    if not isinstance(got, list) or not all(isinstance(v, dict) for v in got):
        raise ErrorBodyViolation(
            f"expected validations for {[f for f, _ in want.validations]}, got {got!r}",
            request=ex.curl,
            path="$.validations",
        )
    pending = list(enumerate(got))
    for field, detail in want.validations:
        match = next(
            (n for n, v in pending if v.get("field") == field and _text_ok(detail, v.get("detail"))), None
        )
        if match is None:
            said = f" with detail {detail!r}" if isinstance(detail, str) else ""
            raise ErrorBodyViolation(
                f"no validation for field {field!r}{said} in {got!r}", request=ex.curl, path="$.validations"
            )
        pending = [(n, v) for n, v in pending if n != match]
    if pending and ctx.strict:
        n, extra = pending[0]
        raise ErrorBodyViolation(
            f"unexpected validation {extra!r}", request=ex.curl, path=f"$.validations[{n}]"
        )
