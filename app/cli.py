"""The ``aibridge-mock`` console script: one parser, a subcommand per tool.

Each tool adds its own subcommands and arguments (``register``) and imports its dependencies only
when a subcommand runs, so ``aibridge-mock verify`` works without the server's dependencies
loaded, and says which extra to install when the contract suite's are missing.
"""

from __future__ import annotations

import argparse
import sys

from aibridge_mock import __version__
from aibridge_mock.settings import SettingsError

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The console script's parser, with every tool's subcommands."""
    from aibridge_mock.contract import cli as contract_cli
    from aibridge_mock.proxy import cli as proxy_cli
    from aibridge_mock.schemagen import cli as schemagen_cli
    from aibridge_mock.server import cli as server_cli

    parser = argparse.ArgumentParser(
        prog="aibridge-mock",
        description="A mock and contract-testing server for the AI Bridge API of Coder.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    server_cli.register(sub)
    contract_cli.register(sub)
    proxy_cli.register(sub)
    schemagen_cli.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one subcommand; its exit status. Bad option values are one line and status 2."""
    parser = build_parser()
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    try:
        status: int = args.run(args)
    except SettingsError as exc:
        print(f"aibridge-mock {args.command}: {exc}", file=sys.stderr)
        return 2
    return status


if __name__ == "__main__":
    sys.exit(main())
