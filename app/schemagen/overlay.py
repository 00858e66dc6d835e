"""The overlay: facts about the API that the generated docs cannot express.

``schemas/overlay.json`` looks like::

    {
      "schemas": {
        "<Component>": {"nullable": true, "reason": "§1.5 ...",          # the whole body may be null
                        "properties": {"<field>": {"nullable": true,    # type array with "null"
                                                   "optional": true,    # dropped from "required"
                                                   "enum": [...],
                                                   "reason": "§5 ..."}}}
      },
      "parameters": {
        "<operationId>": {"<param>": {"schema": {...},   # merged into the parameter's schema
                                      "example": 5,
                                      "add": {"in": "query", "type": "string", "description": "..."},
                                      "reason": "§1.1 ..."}}
      }
    }

Each entry is identified by its JSON path (``$.schemas.MinimalUser.properties.name``). An entry
whose target is missing in one generation is skipped there (old docs lack newer fields), but an
entry that matches in no generation is a typo: :func:`check_coverage` reports it.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from typing import Any

__all__ = ["FieldRule", "Overlay", "OverlayError", "ParamRule", "check_coverage", "load_overlay"]

Schema = dict[str, Any]
_MISSING: Any = object()
_FIELD_KEYS = {"$comment", "nullable", "optional", "enum", "reason"}
_COMPONENT_KEYS = {"$comment", "nullable", "reason", "properties"}
_PARAM_KEYS = {"$comment", "schema", "example", "add", "reason"}
_ADD_KEYS = {"in", "type", "description"}


class OverlayError(ValueError):
    """An overlay entry is malformed or matches nothing; names the file and the entry's JSON path."""

    def __init__(self, source: Traversable | str, json_path: str, problem: str) -> None:
        super().__init__(f"{source}: {json_path}: {problem}")
        self.source = str(source)
        self.json_path = json_path
        self.problem = problem


@dataclass(frozen=True)
class FieldRule:
    """Nullability, optionality or enum of one property (or, with ``field=None``, a whole component)."""

    json_path: str
    component: str
    field: str | None
    reason: str
    nullable: bool = False
    optional: bool = False
    enum: tuple[Any, ...] | None = None


@dataclass(frozen=True)
class ParamRule:
    """Schema constraints, example, or the existence of an undocumented parameter."""

    json_path: str
    operation_id: str
    name: str
    reason: str
    schema: Schema
    example: Any = _MISSING
    add: dict[str, str] | None = None

    def apply(self, parameter: Schema) -> None:
        """Merge this rule into an OpenAPI parameter object (in place)."""
        parameter["schema"].update(copy.deepcopy(self.schema))
        parameter["schema"]["$comment"] = f"overlay: {self.reason}"
        if self.example is not _MISSING:
            parameter["example"] = self.example


@dataclass(frozen=True)
class Overlay:
    """A loaded overlay file."""

    source: Traversable
    fields: tuple[FieldRule, ...]
    params: tuple[ParamRule, ...]

    @property
    def json_paths(self) -> set[str]:
        return {r.json_path for r in self.fields} | {r.json_path for r in self.params}

    def apply_to_components(self, components: dict[str, Schema]) -> set[str]:
        """Apply field/component rules in place; return the JSON paths of the rules that matched."""
        applied: set[str] = set()
        for rule in self.fields:
            target = components.get(rule.component)
            if target is None:
                continue
            if rule.field is None:
                components[rule.component] = _with_null(target) | {"$comment": f"overlay: {rule.reason}"}
                applied.add(rule.json_path)
                continue
            props = target.get("properties", {})
            if rule.field not in props:
                continue
            prop = props[rule.field]
            if rule.enum is not None:
                prop["enum"] = list(rule.enum)
            if rule.nullable:
                prop = _with_null(prop)
            props[rule.field] = prop | {"$comment": f"overlay: {rule.reason}"}
            if rule.optional:
                target["required"] = [name for name in target["required"] if name != rule.field]
            applied.add(rule.json_path)
        return applied

    def params_for(self, operation_id: str) -> list[ParamRule]:
        return [rule for rule in self.params if rule.operation_id == operation_id]


def _with_null(schema: Schema) -> Schema:
    """Allow JSON null: a type array keeps ``format`` working for the non-null case."""
    out = dict(schema)
    if "$ref" in out:
        return {"anyOf": [out, {"type": "null"}]}
    if isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    if "enum" in out and None not in out["enum"]:
        out["enum"] = [*out["enum"], None]
    return out


def check_coverage(overlay: Overlay, applied: Iterable[AbstractSet[str]]) -> None:
    """Raise for the first entry that matched in none of the derived generations (a typo guard)."""
    used = set().union(*applied)
    for path in sorted(overlay.json_paths - used):
        raise OverlayError(overlay.source, path, "matches nothing in any generation (typo?)")


def load_overlay(path: Traversable) -> Overlay:
    """Read and validate an overlay file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise OverlayError(path, "$", f"not valid JSON: {exc}") from exc
    check = _Checker(path)
    check.keys(data, "$", {"$comment", "schemas", "parameters"})
    fields: list[FieldRule] = []
    for component, entry in check.mapping(data.get("schemas", {}), "$.schemas").items():
        where = f"$.schemas.{component}"
        check.keys(entry, where, _COMPONENT_KEYS)
        if "nullable" in entry:
            fields.append(
                FieldRule(
                    where, component, None, check.reason(entry, where), check.flag(entry, where, "nullable")
                )
            )
        for name, rule in check.mapping(entry.get("properties", {}), f"{where}.properties").items():
            at = f"{where}.properties.{name}"
            check.keys(rule, at, _FIELD_KEYS)
            enum = rule.get("enum")
            if enum is not None and not isinstance(enum, list):
                raise OverlayError(path, f"{at}.enum", "must be an array")
            if not {"nullable", "optional", "enum"} & set(rule):
                raise OverlayError(path, at, "says nothing: give nullable, optional or enum")
            fields.append(
                FieldRule(
                    at,
                    component,
                    name,
                    check.reason(rule, at),
                    check.flag(rule, at, "nullable"),
                    check.flag(rule, at, "optional"),
                    tuple(enum) if enum is not None else None,
                )
            )
    params: list[ParamRule] = []
    for op_id, entries in check.mapping(data.get("parameters", {}), "$.parameters").items():
        for name, rule in check.mapping(entries, f"$.parameters.{op_id}").items():
            at = f"$.parameters.{op_id}.{name}"
            check.keys(rule, at, _PARAM_KEYS)
            add = rule.get("add")
            if add is not None:
                check.keys(add, f"{at}.add", _ADD_KEYS)
                if set(add) != _ADD_KEYS or not all(isinstance(v, str) for v in add.values()):
                    raise OverlayError(path, f"{at}.add", f"needs string values for {sorted(_ADD_KEYS)}")
            schema = check.mapping(rule.get("schema", {}), f"{at}.schema")
            params.append(
                ParamRule(at, op_id, name, check.reason(rule, at), schema, rule.get("example", _MISSING), add)
            )
    return Overlay(path, tuple(fields), tuple(params))


class _Checker:
    """Shape checks that name the file and JSON path of the offending entry."""

    def __init__(self, source: Traversable) -> None:
        self.source = source

    def mapping(self, value: Any, at: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise OverlayError(self.source, at, "must be an object")
        return value

    def keys(self, value: Any, at: str, allowed: set[str]) -> None:
        unknown = sorted(set(self.mapping(value, at)) - allowed)
        if unknown:
            raise OverlayError(self.source, f"{at}.{unknown[0]}", f"unknown key (allowed: {sorted(allowed)})")

    def flag(self, entry: dict[str, Any], at: str, key: str) -> bool:
        value = entry.get(key, False)
        if not isinstance(value, bool):
            raise OverlayError(self.source, f"{at}.{key}", "must be true or false")
        return value

    def reason(self, entry: dict[str, Any], at: str) -> str:
        # Every fact must say where it comes from, so a reviewer can check it against the spec.
        reason = entry.get("reason")
        if not isinstance(reason, str) or "§" not in reason:
            raise OverlayError(
                self.source, f"{at}.reason", "needs a reason citing a behaviour-spec section (§)"
            )
        return reason
