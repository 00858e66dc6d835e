"""The ``aibridge-mock`` console script: serve, personas, schemas, verify.

Every ``serve`` option can also be set as ``AIBRIDGE_MOCK_<NAME>`` (flags win over the environment).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

from aibridge_mock.server.config import VALIDATION_MODES, Config, env_defaults, env_name

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _coerce(name: str, raw: str) -> Any:
    """An environment string as the type of Config field ``name``."""
    default = getattr(Config(), name)
    if isinstance(default, bool):
        lowered = raw.strip().lower()
        if lowered not in _TRUE | _FALSE:
            raise SystemExit(f"aibridge-mock: {env_name(name)}={raw!r} is not a boolean (use true or false)")
        return lowered in _TRUE
    if isinstance(default, int):
        try:
            return int(raw)
        except ValueError:
            raise SystemExit(f"aibridge-mock: {env_name(name)}={raw!r} is not an integer") from None
    if isinstance(default, tuple):
        items = [item.strip() for item in raw.replace(",", " ").split() if item.strip()]
        return tuple(Path(i) for i in items) if name == "fixtures" else tuple(items)
    return raw


def config_from(args: argparse.Namespace) -> Config:
    """Defaults, overridden by the environment, overridden by flags."""
    config = Config()
    env = {name: _coerce(name, raw) for name, raw in env_defaults().items()}
    config = replace(config, **env)
    flags = {f.name: getattr(args, f.name) for f in fields(Config) if getattr(args, f.name, None) is not None}
    if "fixtures" in flags:
        flags["fixtures"] = tuple(Path(p) for p in flags["fixtures"])
    if "cors_origins" in flags:
        flags["cors_origins"] = tuple(flags["cors_origins"])
    return replace(config, **flags)


def _add_dataset_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seed", type=int, help="seed of the generated data set and tokens (default 1)")
    parser.add_argument("--interceptions", type=int, help="how many interceptions to generate (default 5000)")
    parser.add_argument("--anchor", help="RFC 3339 time the data set ends at (default 2026-05-15T12:00:00Z)")
    parser.add_argument(
        "--fixtures", nargs="+", metavar="PATH", help="fixture JSON files loaded on top of the data"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="aibridge-mock", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve the mock API")
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default 8080)")
    _add_dataset_flags(serve)
    serve.add_argument(
        "--unlicensed", action="store_true", default=None, help="answer like a server without the licence"
    )
    serve.add_argument(
        "--no-auth",
        dest="no_auth",
        action="store_true",
        default=None,
        help="treat every request as the owner",
    )
    serve.add_argument("--validation", choices=VALIDATION_MODES, help="response validation (default strict)")
    serve.add_argument(
        "--generation",
        choices=("v1", "v2", "v3", "v4", "v5"),
        help="API generation to emulate (default v5, the newest)",
    )
    serve.add_argument("--workers", type=int, help="worker processes (default 1)")
    serve.add_argument("--threads", type=int, help="threads per worker (default 8)")
    serve.add_argument("--cors-origins", dest="cors_origins", nargs="+", help="allowed browser origins")
    serve.add_argument(
        "--admin-token", dest="admin_token", help="token of the admin API (default: generated)"
    )

    personas = sub.add_parser("personas", help="print the personas and their tokens")
    personas.add_argument("--seed", type=int, help="seed (default 1)")
    personas.add_argument("--json", action="store_true", help="print a JSON list")

    schemas = sub.add_parser("schemas", help="derive JSON Schemas and OpenAPI from Coder's API docs")
    schemas.add_argument("rest", nargs=argparse.REMAINDER, help="derive DOCS.md --out schemas/")

    verify = sub.add_parser("verify", help="run the contract suite against a server", add_help=False)
    verify.add_argument("rest", nargs=argparse.REMAINDER)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["verify"]:
        # verify has its own parser: argparse's REMAINDER would refuse a first argument like --url.
        from aibridge_mock.contract.cli import cli_verify

        return cli_verify(argv[1:])
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        from aibridge_mock.server.serving import serve

        return serve(config_from(args))
    if args.command == "personas":
        return _print_personas(config_from(args), as_json=args.json)
    if args.command == "schemas":
        from aibridge_mock.schemagen import cli_derive

        rest = list(args.rest)
        if not rest or rest[0] != "derive":
            print("usage: aibridge-mock schemas derive DOCS.md [--out DIR]", file=sys.stderr)
            return 2
        return cli_derive(rest[1:])
    return 2


def _print_personas(config: Config, *, as_json: bool) -> int:
    from aibridge_mock.server.dataset.users import build_personas

    personas = build_personas(config.seed)
    rows = [
        {"username": p.user.username, "role": p.user.role, "user_id": p.user.id, "token": p.token}
        for p in personas
    ]
    if as_json:
        print(json.dumps(rows, indent=2))
    else:
        for row in rows:
            print(f"{row['role']:<8} {row['username']:<10} {row['token']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
