"""The contract files every tool reads: derived schemas, Coder's docs, the overlay, fixture files.

They ship inside the package (``aibridge_mock/package-data/``; in a source checkout those are links
to the repository's ``schemas/`` and ``fixtures/``) and are found with :mod:`importlib.resources`,
so an installed wheel works from any directory. This module also holds what the mock, the contract
suite and the derivation share about the documents: loading one generation strict or relaxed
(``compatible``), and cutting standalone schemas out of an OpenAPI document.

Nothing here imports Flask, numpy or Faker: the contract suite depends on this module.
"""

from __future__ import annotations

import copy
import json
import re
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any

__all__ = [
    "DIALECT",
    "GENERATIONS",
    "STRICTNESS",
    "Schema",
    "component_schema",
    "docs_file",
    "example_fixtures",
    "fixture_schema",
    "fixtures_dir",
    "load_openapi",
    "overlay_file",
    "relax",
    "response_schema",
    "schemas_dir",
]

Schema = dict[str, Any]
GENERATIONS = ("v1", "v2", "v3", "v4", "v5")
STRICTNESS = ("strict", "compatible")
DIALECT = "https://json-schema.org/draft/2020-12/schema"
OPENAPI_FILE = "openapi.json"
_DATA = "package-data"
_COMPONENT_REF = "#/components/schemas/"
_RESPONSE_REF = "#/components/responses/"


def schemas_dir() -> Traversable:
    """The shipped ``schemas/``: ``<generation>/openapi.json``, component schemas, ``docs/``, the overlay."""
    return files("aibridge_mock") / _DATA / "schemas"


def fixtures_dir() -> Traversable:
    """The shipped ``fixtures/``: the fixture schema and the example fixtures."""
    return files("aibridge_mock") / _DATA / "fixtures"


def overlay_file() -> Traversable:
    """``schemas/overlay.json``: what the docs cannot say, each entry citing the behaviour spec."""
    return schemas_dir() / "overlay.json"


def docs_file(generation: str) -> Traversable:
    """Coder's API reference of one generation (``schemas/docs/v5-latest.md``...)."""
    _check_generation(generation)
    found = [f for f in (schemas_dir() / "docs").iterdir() if f.name.startswith(f"{generation}-")]
    if len(found) != 1:
        raise FileNotFoundError(f"no shipped docs for generation {generation!r}")
    return found[0]


def example_fixtures() -> list[Traversable]:
    """The example fixture files that ship with the package (``small.json``...)."""
    return sorted(
        (f for f in fixtures_dir().iterdir() if f.name.endswith(".json") and ".schema." not in f.name),
        key=lambda f: f.name,
    )


@cache
def _fixture_schema_text() -> str:
    return (fixtures_dir() / "fixture.schema.json").read_text(encoding="utf-8")


def fixture_schema() -> Schema:
    """The JSON Schema of a fixture file (a fresh copy)."""
    schema: Schema = json.loads(_fixture_schema_text())
    return schema


def _check_generation(generation: str) -> None:
    if generation not in GENERATIONS:
        raise ValueError(f"unknown API generation {generation!r}; choose one of {', '.join(GENERATIONS)}")


@cache
def _openapi_text(generation: str) -> str:
    return (schemas_dir() / generation / OPENAPI_FILE).read_text(encoding="utf-8")


def load_openapi(generation: str = "v5", strictness: str = "strict") -> Schema:
    """The derived OpenAPI document of a generation, strict or relaxed (a fresh copy each call)."""
    if strictness not in STRICTNESS:
        raise ValueError(f"strictness must be one of {STRICTNESS}, not {strictness!r}")
    if generation not in GENERATIONS:
        raise FileNotFoundError(f"no derived OpenAPI document for generation {generation!r}")
    document: Schema = json.loads(_openapi_text(generation))
    return relax(document) if strictness == "compatible" else document


def relax(schema: Schema) -> Schema:
    """Compatible strictness: a deep copy without ``additionalProperties: false``.

    Newer Coder versions add fields; the strict schema (committed, used against the mock) would
    reject them, the relaxed one tolerates them (schemathesis notes, section 8).
    """

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: walk(v) for k, v in node.items() if not (k == "additionalProperties" and v is False)}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    result: Schema = walk(copy.deepcopy(schema))
    return result


def component_schema(components: dict[str, Schema], name: str) -> Schema:
    """One component as a file that validates alone: referenced components under ``$defs``."""
    root = _rewrite(components[name])
    return _standalone(components, root) | {"title": name}


def response_schema(openapi: Schema, path: str, status: int) -> Schema:
    """Schema of one response body, standalone, for ``jsonschema.Draft202012Validator``.

    ``path`` may be templated (``/aibridge/sessions/{session_id}``), concrete
    (``/aibridge/sessions/abc``) or carry the server prefix (``/api/v2/aibridge/sessions``).
    """
    item = _path_item(openapi, path)
    operation = item.get("get") or next(iter(item.values()))
    responses = operation["responses"]
    response = responses.get(str(status)) or responses.get(f"{str(status)[0]}XX") or responses.get("default")
    if response is None:
        raise KeyError(f"{path}: status {status} is not documented")
    if "$ref" in response:
        response = openapi["components"]["responses"][response["$ref"].removeprefix(_RESPONSE_REF)]
    schema = response.get("content", {}).get("application/json", {}).get("schema")
    if schema is None:
        raise KeyError(f"{path}: status {status} has no application/json body")
    return _standalone(openapi["components"]["schemas"], _rewrite(schema))


def _path_item(openapi: Schema, path: str) -> Schema:
    paths: dict[str, Schema] = openapi["paths"]
    server = openapi.get("servers", [{}])[0].get("url", "")
    candidates = [path, path.removeprefix(server)] if server else [path]
    for candidate in candidates:
        if candidate in paths:
            return paths[candidate]
        for template, item in paths.items():
            pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
            if re.match(pattern, candidate):
                return item
    raise KeyError(f"{path}: not in the document")


def _standalone(components: dict[str, Schema], root: Schema) -> Schema:
    defs: dict[str, Schema] = {}
    pending = sorted(_refs(root))
    while pending:
        name = pending.pop()
        if name not in defs:
            defs[name] = _rewrite(components[name])
            pending.extend(sorted(_refs(defs[name]) - set(defs)))
    out = {"$schema": DIALECT, **root}
    if defs:
        out["$defs"] = defs
    return out


def _rewrite(node: Any) -> Any:
    """Deep copy with ``#/components/schemas/X`` refs pointed at ``#/$defs/X``."""
    if isinstance(node, dict):
        return {
            k: (
                v.replace(_COMPONENT_REF, "#/$defs/", 1)
                if k == "$ref" and isinstance(v, str)
                else _rewrite(v)
            )
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_rewrite(v) for v in node]
    return node


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"].rsplit("/", 1)[1]} if isinstance(node.get("$ref"), str) else set()
        for value in node.values():
            found |= _refs(value)
        return found
    if isinstance(node, list):
        return set().union(*map(_refs, node)) if node else set()
    return set()
