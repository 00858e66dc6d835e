"""Derive JSON Schemas and an OpenAPI 3.1 document from Coder's generated AI Bridge API docs.

Pipeline: :mod:`.markdown` parses one generation of ``docs/reference/api/aibridge.md`` into
operations, :mod:`.infer` turns the example bodies into schemas, :mod:`.overlay` adds what the
docs cannot say (nullability, absent fields, parameter bounds), :mod:`.openapi` assembles the
document; :mod:`aibridge_mock.schemas` (shared with the mock and the contract suite) cuts out
standalone schemas. Nothing here imports the mock server.
"""

from __future__ import annotations

from .cli import cli_derive
from .derivation import STRICTNESS, Derived, default_overlay, derive, generation_name, write
from .infer import ShapeConflictError
from .markdown import DocsFormatError
from .overlay import Overlay, OverlayError, check_coverage, load_overlay

__all__ = [
    "STRICTNESS",
    "Derived",
    "DocsFormatError",
    "Overlay",
    "OverlayError",
    "ShapeConflictError",
    "check_coverage",
    "cli_derive",
    "default_overlay",
    "derive",
    "generation_name",
    "load_overlay",
    "write",
]
