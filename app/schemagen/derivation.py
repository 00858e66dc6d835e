"""Derive one generation's OpenAPI document and JSON Schemas, and write them to disk."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aibridge_mock.schemas import STRICTNESS, component_schema, overlay_file

from .infer import ComponentBuilder, Schema
from .markdown import parse
from .openapi import assemble, response_component_name
from .overlay import Overlay, load_overlay

__all__ = [
    "STRICTNESS",
    "Derived",
    "default_overlay",
    "derive",
    "dumps",
    "generation_name",
    "write",
]

OPENAPI_FILE = "openapi.json"


@dataclass(frozen=True)
class Derived:
    """One generation's output: the OpenAPI document and a standalone schema per component."""

    generation: str
    openapi: Schema
    schemas: dict[str, Schema]
    applied: frozenset[str] = field(default_factory=frozenset)  # overlay JSON paths that matched


def default_overlay() -> Overlay:
    """The shipped ``schemas/overlay.json``."""
    return load_overlay(overlay_file())


def generation_name(docs_path: Path) -> str:
    """``v5-latest.md`` -> ``v5``; any other file name -> its stem."""
    match = re.match(r"^(v\d+)\b", docs_path.name)
    return match.group(1) if match else docs_path.stem


def derive(markdown: str, generation: str, overlay: Overlay | None = None) -> Derived:
    """Derive the strict OpenAPI document and component schemas from one generation's docs."""
    overlay = overlay or default_overlay()
    doc = parse(markdown)
    builder = ComponentBuilder()
    bodies: dict[str, dict[int, Schema]] = {}
    for op in doc.operations:
        for resp in op.responses:
            if resp.schema and resp.schema not in {"Inline", "none"}:
                name = response_component_name(op, resp.schema)
                schema = builder.top_level(name, resp.schema, resp.example, resp.has_example)
                bodies.setdefault(op.operation_id, {})[resp.status] = schema
    applied = overlay.apply_to_components(builder.components)
    document, param_paths = assemble(doc, generation, bodies, builder.components, overlay)
    components: dict[str, Schema] = document["components"]["schemas"]
    schemas = {name: component_schema(components, name) for name in components}
    return Derived(generation, document, schemas, frozenset(applied | param_paths))


def dumps(value: Any) -> str:
    """The committed file format: sorted keys, 2-space indent, trailing newline."""
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write(derived: Derived, out_dir: Path) -> list[Path]:
    """Write ``out_dir/<generation>/openapi.json`` and ``<Component>.schema.json`` files.

    Stale ``*.schema.json`` files of components the docs no longer describe are removed, so a
    docs change shows up as a complete diff.
    """
    target = out_dir / derived.generation
    target.mkdir(parents=True, exist_ok=True)
    files = {target / OPENAPI_FILE: derived.openapi}
    files |= {target / f"{name}.schema.json": schema for name, schema in sorted(derived.schemas.items())}
    for stale in sorted(set(target.glob("*.schema.json")) - set(files)):
        stale.unlink()
    for path, content in files.items():
        text = dumps(content)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
    return list(files)
