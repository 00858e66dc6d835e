"""``aibridge-mock schemas derive DOCS.md... --out schemas/``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .derivation import Derived, default_overlay, derive, generation_name, write
from .infer import ShapeConflictError
from .markdown import DocsFormatError
from .overlay import OverlayError, check_coverage, load_overlay

__all__ = ["cli_derive", "register"]

DESCRIPTION = "Derive JSON Schemas and an OpenAPI 3.1 document from Coder's AI Bridge API docs."


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``schemas derive`` to the console script."""
    schemas = sub.add_parser("schemas", help="derive JSON Schemas and OpenAPI from Coder's API docs")
    actions = schemas.add_subparsers(dest="action", required=True, metavar="ACTION")
    derive_cmd = actions.add_parser("derive", help=DESCRIPTION, description=DESCRIPTION)
    _add_arguments(derive_cmd)
    derive_cmd.set_defaults(run=_run)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="aibridge-mock schemas derive", description=DESCRIPTION)
    _add_arguments(parser)
    return parser


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "docs",
        nargs="+",
        type=Path,
        metavar="DOCS",
        help="docs/reference/api/aibridge.md of one generation (several: one output each)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("schemas"),
        metavar="DIR",
        help="parent directory; files go to DIR/<generation>/ (default: schemas/)",
    )
    parser.add_argument(
        "--generation",
        metavar="NAME",
        help="label of the output directory (default: the file name prefix, e.g. v5)",
    )
    parser.add_argument(
        "--overlay",
        type=Path,
        metavar="FILE",
        help="overlay file (default: the overlay that ships with the package, schemas/overlay.json)",
    )


def cli_derive(argv: list[str]) -> int:
    """``schemas derive ARGS``; returns the exit code."""
    return _run(_parser().parse_args(argv))


def _run(args: argparse.Namespace) -> int:
    if args.generation and len(args.docs) > 1:
        print("error: --generation needs exactly one DOCS file", file=sys.stderr)
        return 2
    try:
        overlay = load_overlay(args.overlay) if args.overlay else default_overlay()
        results: list[Derived] = []
        for docs in args.docs:
            name = args.generation or generation_name(docs)
            results.append(derive(docs.read_text(encoding="utf-8"), name, overlay))
        if len(results) > 1:
            # With several generations at once, an entry that matches none of them is a typo.
            check_coverage(overlay, (r.applied for r in results))
    except (OSError, DocsFormatError, OverlayError, ShapeConflictError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for result in results:
        for path in write(result, args.out):
            kind = "OpenAPI 3.1" if path.name == "openapi.json" else "JSON Schema"
            print(f"wrote {path} ({kind}, generation {result.generation})")
    return 0
