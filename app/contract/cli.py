"""``aibridge-mock verify``: run the contract suite against any AI Bridge server.

Exit status: 0 the server conforms, 1 it violates the contract, 2 the suite could not run
(unreachable URL, rejected token, no AI Bridge there, bad arguments); the reason is one line.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from aibridge_mock.contract.runner import STRICTNESS, Verifier, VerifyOptions, all_check_names
from aibridge_mock.contract.violations import CannotRunError

__all__ = ["CI_PRESET", "cli_verify"]

ENV = "AIBRIDGE_MOCK_VERIFY_"
CI_PRESET = {"max_examples": 20, "seed": 1}
DEFAULT_MAX_EXAMPLES = 50


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]  # raise instead of sys.exit(2)
        raise _UsageError(message)


def _env(name: str) -> str | None:
    return os.environ.get(ENV + name.upper()) or None


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="aibridge-mock verify", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add = parser.add_argument
    add(
        "--url",
        default=_env("url"),
        help="the deployment, e.g. https://coder.example.com (/api/v2 optional); "
        "env AIBRIDGE_MOCK_VERIFY_URL",
    )
    add(
        "--token",
        default=_env("token"),
        help="an owner or auditor session token (used read-only); env AIBRIDGE_MOCK_VERIFY_TOKEN",
    )
    add(
        "--member-token",
        default=_env("member_token"),
        help="a member's token, to check what members may see; env AIBRIDGE_MOCK_VERIFY_MEMBER_TOKEN",
    )
    add(
        "--strictness",
        choices=STRICTNESS,
        default=_env("strictness") or "compatible",
        help="compatible (default: tolerates newer servers' extra fields and wording) or strict",
    )
    add(
        "--max-examples",
        type=int,
        default=None,
        help=f"schemathesis examples per operation and phase (default {DEFAULT_MAX_EXAMPLES}, "
        f"{CI_PRESET['max_examples']} with --ci)",
    )
    add("--seed", type=int, default=None, help="seed of generation and sampling (default 1)")
    add("--ci", action="store_true", help="the CI preset: max-examples 20, seed 1")
    add(
        "--rate-limit",
        default=_env("rate_limit"),
        help="request budget such as 400/m (Coder allows 512 per minute and user); default unlimited; "
        "env AIBRIDGE_MOCK_VERIFY_RATE_LIMIT",
    )
    add(
        "--check",
        action="append",
        default=[],
        metavar="NAME",
        help="run only this check (repeatable); see --list-checks",
    )
    add("--list-checks", action="store_true", help="print the checks and exit")
    add("--junit", type=Path, help="write a JUnit XML report")
    add("--report", type=Path, help="write a markdown report")
    add("--timeout", type=float, default=30.0, help="seconds per request (default 30)")
    return parser


def _int_env(name: str) -> int | None:
    raw = _env(name)
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        raise _UsageError(f"{ENV}{name.upper()}={raw!r} is not an integer") from None


def options_from(argv: list[str]) -> tuple[VerifyOptions, argparse.Namespace]:
    """Flags, falling back to AIBRIDGE_MOCK_VERIFY_* variables, then the (CI) defaults."""
    args = build_parser().parse_args(argv)
    if args.list_checks:
        return VerifyOptions(url="", token=""), args
    if not args.url:
        raise _UsageError("--url (or AIBRIDGE_MOCK_VERIFY_URL) is required")
    if not args.token:
        raise _UsageError("--token (or AIBRIDGE_MOCK_VERIFY_TOKEN) is required")
    preset = CI_PRESET if args.ci else {"max_examples": DEFAULT_MAX_EXAMPLES, "seed": 1}
    max_examples = args.max_examples or _int_env("max_examples") or preset["max_examples"]
    seed = args.seed if args.seed is not None else _int_env("seed")
    if max_examples < 1:
        raise _UsageError("--max-examples must be at least 1")
    options = VerifyOptions(
        url=args.url,
        token=args.token,
        member_token=args.member_token,
        strictness=args.strictness,
        max_examples=max_examples,
        seed=preset["seed"] if seed is None else seed,
        rate_limit=args.rate_limit,
        checks=tuple(args.check),
        timeout=args.timeout,
    )
    return options, args


def cli_verify(argv: list[str]) -> int:
    """Run the suite, print the summary, write the reports; returns the exit status."""
    from aibridge_mock.contract.report import summary, write_junit, write_markdown

    if argv[:1] == ["--"]:
        argv = argv[1:]  # `aibridge-mock verify -- --url ...`: the top-level parser keeps the separator
    try:
        options, args = options_from(argv)
        if args.list_checks:
            print("\n".join(all_check_names()))
            return 0
        with Verifier(options) as verifier:
            report = verifier.run()
    except _UsageError as exc:
        print(f"aibridge-mock verify: {exc}", file=sys.stderr)
        return 2
    except CannotRunError as exc:
        print(f"aibridge-mock verify: cannot run: {exc}", file=sys.stderr)
        return 2
    print(summary(report))
    if args.junit:
        write_junit(report, args.junit)
    if args.report:
        write_markdown(report, args.report)
    return report.exit_code
