"""Hold every response the mock sends against the schemas derived from Coder's API docs.

A violation is a bug in the mock. In strict mode the client gets a 500 in Coder's error body whose
``detail`` names the endpoint, the JSON path and the rule broken; in lenient mode the response goes
out unchanged with an ``X-Aibridge-Mock-Violation`` header; both modes log it. Immutable records are
validated once (their result is cached with their bytes), so a page pays for its envelope only.

Validation is compiled (jsonschema-rs, microseconds per body); only a body that fails is validated
again with python-jsonschema, whose ``best_match`` and ``json_path`` name the broken rule precisely.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from aibridge_mock.schemas import component_schema, response_schema

log = logging.getLogger("aibridge_mock.validation")
VIOLATION_HEADER = "X-Aibridge-Mock-Violation"


@dataclass(frozen=True)
class Breach:
    """One way a response body broke its schema."""

    endpoint: str
    json_path: str
    rule: str
    message: str

    def describe(self) -> str:
        return f"{self.endpoint}: {self.json_path}: {self.message} (rule: {self.rule})"

    def nested(self, prefix: str, endpoint: str) -> Breach:
        """The same breach seen from an enclosing body, with the item's path prefixed."""
        return Breach(endpoint, prefix + self.json_path.removeprefix("$"), self.rule, self.message)


class ResponseValidator:
    """Compiled validators for one OpenAPI document, per (path, status) and per component."""

    def __init__(self, openapi: dict[str, Any]) -> None:
        self.openapi = openapi
        self.server = openapi.get("servers", [{}])[0].get("url", "")
        self._for_response = lru_cache(maxsize=64)(self._compile_response)
        self._for_component = lru_cache(maxsize=64)(self._compile_component)

    def _compile_response(self, template: str, status: int) -> _Compiled | None:
        try:
            return _Compiled(response_schema(self.openapi, template, status))
        except KeyError:
            return None

    def _compile_component(self, name: str) -> _Compiled:
        return _Compiled(component_schema(self.openapi["components"]["schemas"], name))

    def check(self, endpoint: str, template: str, status: int, body: Any) -> Breach | None:
        """The most relevant breach of ``body`` as the response of ``template`` with ``status``."""
        validator = self._for_response(template, status)
        if validator is None:
            return Breach(endpoint, "$", "status", f"status {status} is not documented for {template}")
        return _first(validator, body, endpoint)

    def check_component(self, name: str, instance: Any) -> Breach | None:
        """The most relevant breach of one record against a component schema.

        A component the served generation does not have (sessions before v4) is never sent.
        """
        if name not in self.openapi["components"]["schemas"]:
            return None
        return _first(self._for_component(name), instance, name)


class _Compiled:
    """A schema compiled twice: jsonschema-rs answers "valid?" fast, python-jsonschema explains "why not"."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self.fast = jsonschema_rs.validator_for(schema, validate_formats=True)
        self.precise = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _first(validator: _Compiled, instance: Any, endpoint: str) -> Breach | None:
    if validator.fast.is_valid(instance):
        return None
    error = best_match(validator.precise.iter_errors(instance))
    if error is None:  # the two validators disagree: trust the one that explains itself
        return None
    return Breach(endpoint, error.json_path, str(error.validator), error.message)


def report(breach: Breach) -> None:
    log.error("response violates the contract: %s", breach.describe())
