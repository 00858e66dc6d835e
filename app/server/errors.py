"""Coder's error bodies (``codersdk.Response``) and the exceptions that carry them.

Hierarchy::

    ApiError                  a JSON error body with a status: {message, detail?, validations?}
    PlainTextError            the provider catch-all's text/plain answers (spec section 1.7)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Validation:
    """One entry of ``validations``: the field and what is wrong with it."""

    field: str
    detail: str


@dataclass
class ApiError(Exception):
    """An error the API answers with Coder's JSON error body."""

    status: int
    message: str
    detail: str = ""
    validations: list[Validation] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        """The JSON body; ``detail`` and ``validations`` are omitted when empty (Go omitempty)."""
        body: dict[str, Any] = {"message": self.message}
        if self.detail:
            body["detail"] = self.detail
        if self.validations:
            body["validations"] = [{"field": v.field, "detail": v.detail} for v in self.validations]
        return body


@dataclass
class PlainTextError(Exception):
    """A plain-text answer from the provider catch-all (Go's http.Error)."""

    status: int
    text: str


def invalid_query(validations: list[Validation]) -> ApiError:
    """ParsePagination's 400 for parameters that failed to parse."""
    return ApiError(400, "Query parameters have invalid values.", validations=validations)


def route_not_found() -> ApiError:
    """What coderd's /api/v2 router answers for a path it does not know."""
    return ApiError(404, "Route not found.")
