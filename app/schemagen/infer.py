"""Turn the docs' example values into JSON Schemas and named components.

Swagger's example generator writes one placeholder per type (``"string"``, ``0``, ``true``,
``"2019-08-24T14:15:22Z"``, a fixed UUID, ``"http://example.com"``, ``{"property1": null,
"property2": null}`` for maps), so the type of every field can be read back from its example.
Go always emits struct fields, so every example key is ``required`` until the overlay says
otherwise; every object the docs describe is closed (``additionalProperties: false``).
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["COMPONENT_NAMES", "ComponentBuilder", "Schema", "ShapeConflictError", "infer_scalar"]

Schema = dict[str, Any]

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
_URI = re.compile(r"^[a-z][a-z0-9+.-]*://\S+$")
# Swagger renders a Go map (map[string]any, json.RawMessage objects) as these two keys.
_FREE_FORM_KEYS = {"property1", "property2"}
_TABLE_TYPES = {"string": "string", "integer": "integer", "number": "number", "boolean": "boolean"}

# Coder's Go type names for nested objects, which the generated page does not print (they live in
# schemas.md). Keyed by field name, or "Parent.field" where one field name maps to two types.
COMPONENT_NAMES: dict[str, str] = {
    "results": "AIBridgeInterception",
    "initiator": "MinimalUser",
    "token_usages": "AIBridgeTokenUsage",
    "user_prompts": "AIBridgeUserPrompt",
    "tool_usages": "AIBridgeToolUsage",
    "sessions": "AIBridgeSession",
    "AIBridgeSession.token_usage_summary": "AIBridgeSessionTokenUsageSummary",
    "AIBridgeSessionThreadsResponse.token_usage_summary": "AIBridgeSessionThreadsTokenSummary",
    "threads": "AIBridgeThread",
    "agentic_actions": "AIBridgeAgenticAction",
    "thinking": "AIBridgeModelThought",
    "tool_calls": "AIBridgeToolCall",
    "token_usage": "AIBridgeTokenUsageSummary",
}


class ShapeConflictError(ValueError):
    """Two places the naming table gives one component name have different shapes."""


def infer_scalar(value: Any) -> Schema:
    """Schema of one example leaf (or ``{}`` for ``null``: the docs then give no type)."""
    if isinstance(value, bool):  # before int: bool is an int subclass
        return {"type": "boolean"}
    if isinstance(value, int):
        return {"type": "integer"}
    if isinstance(value, float):
        return {"type": "number"}
    if isinstance(value, str):
        for pattern, fmt in ((_DATE_TIME, "date-time"), (_UUID, "uuid"), (_URI, "uri")):
            if pattern.match(value):
                return {"format": fmt, "type": "string"}
        return {"type": "string"}
    if value is None:
        return {}
    raise TypeError(f"not a JSON scalar: {value!r}")


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


class ComponentBuilder:
    """Collects named object schemas while walking example bodies."""

    def __init__(self) -> None:
        self.components: dict[str, Schema] = {}

    def top_level(self, name: str, table_schema: str, example: Any, has_example: bool) -> Schema:
        """Schema of a 200 body: a named component, returned as a ``$ref``."""
        if table_schema.startswith("array of "):
            if has_example and not isinstance(example, list):
                raise ShapeConflictError(
                    f"{name}: table says {table_schema!r} but the example is not an array"
                )
            item_type = table_schema.removeprefix("array of ")
            items: Schema = (
                {"type": _TABLE_TYPES[item_type]}
                if item_type in _TABLE_TYPES
                else self._infer(example[0] if has_example and example else None, name, "items")
            )
            return self._add(name, {"items": items, "type": "array"}, derived=False)
        if not isinstance(example, dict):
            raise ShapeConflictError(f"{name}: expected an object example for {table_schema!r}")
        return self._add(name, self._object(name, example), derived=False)

    def _infer(self, value: Any, parent: str, field: str) -> Schema:
        if isinstance(value, list):
            return {"items": self._infer(value[0], parent, field) if value else {}, "type": "array"}
        if isinstance(value, dict):
            if not value or set(value) == _FREE_FORM_KEYS:
                return {"type": "object"}  # free-form map: any keys, any values
            name, derived = self._name_for(parent, field)
            return self._add(name, self._object(name, value), derived=derived)
        return infer_scalar(value)

    def _object(self, name: str, example: dict[str, Any]) -> Schema:
        return {
            "additionalProperties": False,
            "properties": {key: self._infer(value, name, key) for key, value in example.items()},
            "required": sorted(example),
            "type": "object",
        }

    def _name_for(self, parent: str, field: str) -> tuple[str, bool]:
        for key in (f"{parent}.{field}", field):
            if key in COMPONENT_NAMES:
                return COMPONENT_NAMES[key], False
        # Unknown nested object (a field newer than this table): AIBridge + singular field name.
        stem = field[:-1] if field.endswith("s") and not field.endswith("ss") else field
        return "AIBridge" + "".join(part.capitalize() for part in stem.split("_")), True

    def _add(self, name: str, schema: Schema, *, derived: bool) -> Schema:
        if derived:
            # A made-up name reuses any component of identical shape instead of duplicating it.
            same = next((n for n, s in sorted(self.components.items()) if s == schema), None)
            if same is not None:
                return ref(same)
            while name in self.components and self.components[name] != schema:
                name += "Item"
        elif name in self.components and self.components[name] != schema:
            raise ShapeConflictError(f"component {name} appears with two different shapes")
        self.components[name] = schema
        return ref(name)
