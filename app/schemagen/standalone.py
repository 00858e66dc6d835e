"""Standalone JSON Schemas cut out of the OpenAPI document, and the compatible (relaxed) variant."""

from __future__ import annotations

import copy
import re
from typing import Any

from .infer import Schema

__all__ = ["DIALECT", "component_schema", "relax", "response_schema"]

DIALECT = "https://json-schema.org/draft/2020-12/schema"
_COMPONENT_REF = "#/components/schemas/"
_RESPONSE_REF = "#/components/responses/"


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
