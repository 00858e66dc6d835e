"""Assemble the OpenAPI 3.1 document of one generation.

The 200 bodies come from the docs (via :mod:`.infer`); the error responses, security scheme and
links are the same in every generation and are facts of the server, not of the docs page
(section numbers refer to the behaviour spec).
"""

from __future__ import annotations

from .infer import Schema, ref
from .markdown import ApiDoc, Operation
from .overlay import Overlay

__all__ = ["ERROR_COMPONENTS", "SECURITY_SCHEME", "assemble"]

OPENAPI_VERSION = "3.1.0"
SECURITY_SCHEME = "CoderSessionToken"
_JSON = "application/json"

# codersdk.Response / codersdk.ValidationError (C1): detail and validations are omitempty.
ERROR_COMPONENTS: dict[str, Schema] = {
    "Response": {
        "additionalProperties": False,
        "properties": {
            "detail": {"type": "string"},
            "message": {"type": "string"},
            "validations": {"items": ref("ValidationError"), "type": "array"},
        },
        "required": ["message"],
        "type": "object",
    },
    "ValidationError": {
        "additionalProperties": False,
        "properties": {"detail": {"type": "string"}, "field": {"type": "string"}},
        "required": ["detail", "field"],
        "type": "object",
    },
}

# Every operation can answer these (§1.1-1.6, §6); they share Coder's error body.
_ERRORS: dict[str, tuple[str, str]] = {
    "400": ("BadRequest", "Invalid query parameters, pagination cursor or search query (§1.1-§1.5)."),
    "401": ("Unauthorized", "Missing, malformed, unknown or expired session token (§6)."),
    "403": ("Forbidden", "AI Bridge is not licensed or not enabled on this deployment (§1.6)."),
    "404": ("NotFound", "Session not found (§1.4), or no AI Bridge routes in an open-source build (§1.6)."),
    "429": ("TooManyRequests", "Over the global API rate limit, 512 requests per minute by default (§1.6)."),
}

# Stateful testing: a session id from the list feeds the threads endpoint (§1.4).
_LINKS: dict[str, dict[str, Schema]] = {
    "listSessions": {
        "GetSessionThreads": {
            "operationId": "getSessionThreads",
            "parameters": {"session_id": "$response.body#/sessions/0/id"},
        }
    }
}


def response_component_name(operation: Operation, table_schema: str) -> str:
    """Coder's type name where the docs give one, else ``AIBridge<OperationId>Response``."""
    if table_schema and not table_schema.startswith("array of ") and "." in table_schema:
        return table_schema.rsplit(".", 1)[1]
    op_id = operation.operation_id
    return f"AIBridge{op_id[:1].upper()}{op_id[1:]}Response"


def assemble(
    doc: ApiDoc,
    generation: str,
    bodies: dict[str, dict[int, Schema]],
    components: dict[str, Schema],
    overlay: Overlay,
) -> tuple[Schema, set[str]]:
    """Build the document; return it with the JSON paths of the parameter rules that matched."""
    applied: set[str] = set()
    op_ids = {op.operation_id for op in doc.operations}
    paths: dict[str, Schema] = {}
    for op in doc.operations:
        item = paths.setdefault(op.path, {})
        item[op.method.lower()] = _operation(doc, op, bodies[op.operation_id], overlay, op_ids, applied)
    source = f"generation {generation}" + (f", upstream commit: {doc.commit}" if doc.commit else "")
    document: Schema = {
        "components": {
            "responses": {
                name: {"content": {_JSON: {"schema": ref("Response")}}, "description": text}
                for name, text in _ERRORS.values()
            },
            "schemas": components | ERROR_COMPONENTS,
            "securitySchemes": {
                SECURITY_SCHEME: {"in": "header", "name": "Coder-Session-Token", "type": "apiKey"}
            },
        },
        "info": {
            "description": (
                f"Derived by `aibridge-mock schemas derive` from Coder's docs/reference/api/aibridge.md "
                f"({source}) plus schemas/overlay.json. Do not edit by hand."
            ),
            "title": f"Coder {doc.title} API",
            "version": generation,
        },
        "openapi": OPENAPI_VERSION,
        "paths": paths,
        "security": [{SECURITY_SCHEME: []}],
        "servers": [{"url": doc.server_url}],
        "tags": [{"name": doc.title}],
    }
    return document, applied


def _operation(
    doc: ApiDoc,
    op: Operation,
    bodies: dict[int, Schema],
    overlay: Overlay,
    op_ids: set[str],
    applied: set[str],
) -> Schema:
    params = [_parameter(p.name, p.location, p.type, p.required, p.description) for p in op.parameters]
    by_name = {p["name"]: p for p in params}
    for rule in overlay.params_for(op.operation_id):
        if rule.name not in by_name and rule.add is not None:
            add = rule.add
            by_name[rule.name] = _parameter(rule.name, add["in"], add["type"], False, add["description"])
            params.append(by_name[rule.name])
        if rule.name in by_name:
            rule.apply(by_name[rule.name])
            applied.add(rule.json_path)
    responses: Schema = {}
    for resp in op.responses:
        entry: Schema = {"description": resp.description or "OK"}
        if resp.status in bodies:
            entry["content"] = {_JSON: {"schema": bodies[resp.status]}}
        links = {
            name: link
            for name, link in _LINKS.get(op.operation_id, {}).items()
            if link["operationId"] in op_ids
        }
        if links and 200 <= resp.status < 300:
            entry["links"] = links
        responses[str(resp.status)] = entry
    for status, (name, _) in _ERRORS.items():
        responses.setdefault(status, {"$ref": f"#/components/responses/{name}"})
    operation: Schema = {
        "operationId": op.operation_id,
        "responses": responses,
        "summary": op.title,
        "tags": [doc.title],
    }
    if params:
        operation["parameters"] = params
    return operation


def _parameter(name: str, location: str, type_: str, required: bool, description: str) -> Schema:
    param: Schema = {"description": description, "in": location, "name": name, "schema": {"type": type_}}
    if required or location == "path":  # OpenAPI requires path parameters to say so
        param["required"] = True
    return param
