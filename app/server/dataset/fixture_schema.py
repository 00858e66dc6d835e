"""Read fixture files and check each against the fixture schema (``fixtures/fixture.schema.json``).

Every problem becomes a :class:`FixtureError` that names the file and the JSON path of the problem,
so that a person editing a fixture by hand can find it (spec: "Bad fixture or configuration files
are rejected with a message naming the file and the JSON path").
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from aibridge_mock.schemas import fixture_schema
from aibridge_mock.server.dataset.sources import FixtureSource, SourceError, read_source


class FixtureError(ValueError):
    """A fixture the mock refuses, as ``<file>: <JSON path>: <what is wrong>``."""

    def __init__(self, file: FixtureSource | str, path: str, problem: str) -> None:
        super().__init__(f"{file}: {path}: {problem}")
        self.file = str(file)
        self.path = path
        self.problem = problem


class _NotJSONError(ValueError):
    """Python's json module accepts NaN and Infinity; JSON (and Go) do not."""


def _reject_constant(name: str) -> Any:
    raise _NotJSONError(f"{name} is not a JSON value")


@lru_cache(maxsize=1)
def fixture_validator() -> Draft202012Validator:
    """The validator of the committed fixture schema, with ``date-time`` and ``uuid`` formats checked."""
    schema = fixture_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def read_fixture(file: FixtureSource) -> dict[str, Any]:
    """The document in one fixture file (or inline document), valid against the fixture schema."""
    try:
        raw = read_source(file)
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError as exc:
        raise FixtureError(file, "$", f"not UTF-8 text (byte {exc.start})") from None
    except SourceError as exc:
        raise FixtureError(file, "$", str(exc)) from None
    except OSError as exc:
        raise FixtureError(file, "$", f"cannot read the file: {exc.strerror or type(exc).__name__}") from None
    try:
        document = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        raise FixtureError(file, "$", f"invalid JSON at {where}: {exc.msg}") from None
    except _NotJSONError as exc:
        raise FixtureError(file, "$", f"invalid JSON: {exc}") from None
    try:
        validator = fixture_validator()
    except OSError as exc:
        raise FixtureError(
            file,
            "$",
            "cannot check it: the shipped fixture schema (fixtures/fixture.schema.json) is unreadable "
            f"({exc.strerror or type(exc).__name__})",
        ) from None
    error = best_match(validator.iter_errors(document))
    if error is not None:
        raise FixtureError(file, error.json_path, error.message)
    result: dict[str, Any] = document  # the schema's top level is an object
    return result
