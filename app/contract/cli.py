"""``aibridge-mock verify``: run the contract suite against any AI Bridge server.

Exit status: 0 the server conforms, 1 it violates the contract, 2 the suite could not run
(unreachable URL, rejected token, a member's token where an owner's or auditor's is needed, no AI
Bridge there, bad arguments, the ``contract`` extra not installed); the reason is one line, and
--junit and --report are written with it.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from aibridge_mock import settings
from aibridge_mock.contract.options import CI_PRESET, ENV_PREFIX, VerifyOptions

if TYPE_CHECKING:
    from aibridge_mock.contract.runner import CheckResult, Report

__all__ = ["EXTRA_MISSING", "cli_verify", "options_from", "register"]

EXTRA_MODULES = ("schemathesis", "hypothesis", "requests")
EXTRA_MISSING = (
    "the contract suite needs the 'contract' extra, which is not installed: "
    "pip install 'aibridge-mock[contract]'"
)


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]  # raise instead of sys.exit(2)
        raise _UsageError(message)


def missing_extra() -> str | None:
    """The first module of the contract extra that is not installed, or None."""
    return next((m for m in EXTRA_MODULES if importlib.util.find_spec(m) is None), None)


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    settings.add_arguments(parser, VerifyOptions, ENV_PREFIX)
    add = parser.add_argument
    add("--ci", action="store_true", help="the CI preset: max-examples 20, seed 1 (explicit values win)")
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


class _HelpOrMissingExtra(argparse.Action):
    """``verify --help`` without the extra installed says which extra to install, and exits 2."""

    def __call__(self, parser: argparse.ArgumentParser, *args: object, **kwargs: object) -> None:
        if missing_extra():
            print(f"aibridge-mock verify: {EXTRA_MISSING}", file=sys.stderr)
            parser.exit(2)
        parser.print_help()
        parser.exit(0)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``verify`` to the console script."""
    verify = sub.add_parser(
        "verify",
        help="run the contract suite against an AI Bridge server",
        description=__doc__,
        add_help=False,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    verify.add_argument("-h", "--help", action=_HelpOrMissingExtra, nargs=0, help="show this help and exit")
    _add_arguments(verify)
    verify.set_defaults(run=_run)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="aibridge-mock verify", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    _add_arguments(parser)
    return parser


def options_from(argv: list[str]) -> tuple[VerifyOptions, argparse.Namespace]:
    """Flags, falling back to AIBRIDGE_MOCK_VERIFY_* variables, then the (CI) defaults."""
    args = _parser().parse_args(argv)
    return _options(args), args


def _options(args: argparse.Namespace) -> VerifyOptions:
    if getattr(args, "list_checks", False):
        return VerifyOptions(url="", token="")
    try:
        given = settings.env_values(VerifyOptions, ENV_PREFIX)
        preset = {k: v for k, v in CI_PRESET.items() if getattr(args, k) is None and k not in given}
        overrides = {"checks": tuple(args.check), **(preset if args.ci else {})}
        options = settings.resolve(VerifyOptions, args, ENV_PREFIX, overrides=overrides)
    except settings.SettingsError as exc:
        raise _UsageError(str(exc)) from None
    if not options.url:
        raise _UsageError(f"--url (or {ENV_PREFIX}URL) is required")
    if not options.token:
        raise _UsageError(f"--token (or {ENV_PREFIX}TOKEN) is required")
    return options


def cli_verify(argv: list[str]) -> int:
    """``aibridge-mock verify ARGS``: run the suite, print the summary, write the reports."""
    if argv[:1] == ["--"]:
        argv = argv[1:]
    try:
        args = _parser().parse_args(argv)
    except _UsageError as exc:
        print(f"aibridge-mock verify: {exc}", file=sys.stderr)
        return 2
    return _run(args)


def _run(args: argparse.Namespace) -> int:
    missing = missing_extra()
    if missing:
        print(f"aibridge-mock verify: {EXTRA_MISSING}", file=sys.stderr)
        return 2
    from aibridge_mock.contract.report import summary, totals
    from aibridge_mock.contract.runner import Report, Verifier, all_check_names
    from aibridge_mock.contract.violations import CannotRunError

    started = time.monotonic()
    try:
        options = _options(args)
    except _UsageError as exc:
        print(f"aibridge-mock verify: {exc}", file=sys.stderr)
        fallback = VerifyOptions(url=getattr(args, "url", None) or "", token="")
        _write_reports(args, Report(fallback, [], 0.0, 0, cannot_run=str(exc)))
        return 2
    if args.list_checks:
        print("\n".join(all_check_names()))
        return 0
    progress = TerminalProgress(sys.stdout, options) if sys.stdout.isatty() else None
    try:
        with Verifier(options) as verifier:
            report = verifier.run(progress)
    except CannotRunError as exc:
        if progress is not None:
            progress.clear()
        print(f"aibridge-mock verify: cannot run: {exc}", file=sys.stderr)
        _write_reports(args, Report(options, [], time.monotonic() - started, 0, cannot_run=str(exc)))
        return 2
    print(totals(report) if progress is not None else summary(report))
    _write_reports(args, report)
    return report.exit_code


def _write_reports(args: argparse.Namespace, report: Report) -> None:
    from aibridge_mock.contract.report import write_junit, write_markdown

    if getattr(args, "junit", None):
        write_junit(report, args.junit)
    if getattr(args, "report", None):
        write_markdown(report, args.report)


class TerminalProgress:
    """On a terminal: the headline, then each check's line as it finishes, and what runs now."""

    def __init__(self, stream: TextIO, options: VerifyOptions) -> None:
        self.stream = stream
        self.options = options
        self._transient = False

    def clear(self) -> None:
        if self._transient:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._transient = False

    def begin(self, generation: str) -> None:
        from aibridge_mock.contract.report import headline

        self.clear()
        print(headline(self.options, generation), file=self.stream, flush=True)

    def status(self, text: str) -> None:
        self.clear()
        self.stream.write(f"  ...   {text}"[:120])
        self.stream.flush()
        self._transient = True

    def finished(self, result: CheckResult) -> None:
        from aibridge_mock.contract.report import result_lines

        self.clear()
        print("\n".join(result_lines(result)), file=self.stream, flush=True)
