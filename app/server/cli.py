"""The server's subcommands: ``serve``, ``personas``, ``fixtures`` and ``export``."""

from __future__ import annotations

import argparse
import json
import sys

from aibridge_mock import settings
from aibridge_mock.server.config import ENV_PREFIX, Config, ServeConfig
from aibridge_mock.server.export.options import ENV_PREFIX as EXPORT_ENV_PREFIX
from aibridge_mock.server.export.options import ExportOptions

__all__ = ["register"]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the server's subcommands to the console script."""
    serve = sub.add_parser(
        "serve",
        help="serve the mock API",
        description="Serve Coder's AI Bridge API over a seeded data set. Every option can also be set "
        f"as an environment variable {ENV_PREFIX}<NAME>; flags win.",
    )
    settings.add_arguments(serve, ServeConfig, ENV_PREFIX)
    serve.set_defaults(run=_serve)

    personas = sub.add_parser("personas", help="print the personas and their tokens")
    personas.add_argument("--seed", type=int, help=f"seed (env {ENV_PREFIX}SEED, default 1)")
    personas.add_argument("--json", action="store_true", help="print a JSON list")
    personas.set_defaults(run=_personas)

    fixtures = sub.add_parser(
        "fixtures", help="print the paths of the example fixtures that ship with the mock"
    )
    fixtures.set_defaults(run=_fixtures)

    export = sub.add_parser(
        "export",
        help="write the mock's answers as a HAR file and MSW handlers, for tests without a server",
        description="Write the mock's answers to a set of requests (by default, for every persona: the "
        "first page of every list, the thread pages of each session on it, models and clients) as "
        "aibridge-mock.har and as an MSW handlers module (handlers.js, handlers.d.ts). Every option can "
        f"also be set as an environment variable {EXPORT_ENV_PREFIX}<NAME>; flags win.",
    )
    settings.add_arguments(export, ExportOptions, EXPORT_ENV_PREFIX)
    export.add_argument(
        "--request",
        action="append",
        default=[],
        metavar="PATH",
        help="also export this request for every persona: a path below the API prefix such as "
        "'/sessions?limit=25' (quote it), or a full /api/... path; repeatable",
    )
    export.set_defaults(run=_export)


def config_from(args: argparse.Namespace) -> Config:
    """Defaults (the data ending now), overridden by AIBRIDGE_MOCK_* variables, overridden by flags."""
    return settings.resolve(ServeConfig, args, ENV_PREFIX)


def _serve(args: argparse.Namespace) -> int:
    from aibridge_mock.server.serving import serve

    return serve(config_from(args))


def _personas(args: argparse.Namespace) -> int:
    from aibridge_mock.server.dataset.users import build_personas

    config = config_from(args)
    rows = [
        {"username": p.user.username, "role": p.user.role, "user_id": p.user.id, "token": p.token}
        for p in build_personas(config.seed)
    ]
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        for row in rows:
            print(f"{row['role']:<8} {row['username']:<10} {row['token']}")
    return 0


def _fixtures(args: argparse.Namespace) -> int:
    from aibridge_mock.schemas import example_fixtures, fixtures_dir

    for path in example_fixtures():
        print(path)
    print(
        f"(format: {fixtures_dir() / 'README.md'}, schema: {fixtures_dir() / 'fixture.schema.json'})",
        file=sys.stderr,
    )
    return 0


def _export(args: argparse.Namespace) -> int:
    from aibridge_mock.server.export import export

    overrides = {"requests": tuple(args.request)} if args.request else None
    result = export(settings.resolve(ExportOptions, args, EXPORT_ENV_PREFIX, overrides=overrides))
    print(f"exported {result.requests:,} requests as {', '.join(result.personas)} ({result.description}):")
    for path in result.files:
        print(f"  {path}  {path.stat().st_size / 1_000_000:.1f} MB")
    return 0
