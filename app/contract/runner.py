"""Runs the suite: preflight, discovery, the semantic checks and schemathesis, one result per check."""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from aibridge_mock.contract.checks import REGISTRY, CheckContext
from aibridge_mock.contract.checks.registry import REMOVED_INTERCEPTIONS
from aibridge_mock.contract.client import (
    MEMBER_TOKEN_PLACEHOLDER,
    TOKEN_PLACEHOLDER,
    ContractClient,
    RateLimiter,
    UnreachableError,
)
from aibridge_mock.contract.facts import Facts, discover, preflight
from aibridge_mock.contract.options import STRICTNESS, VerifyOptions
from aibridge_mock.contract.rejections import OPERATIONS as LABEL_OPERATIONS
from aibridge_mock.contract.schemathesis_run import OPERATIONS, FuzzSettings, run_schemathesis
from aibridge_mock.contract.violations import (
    CannotRunError,
    CheckSkipped,
    ContractViolation,
    ServerUnreachableError,
)
from aibridge_mock.schemas import GENERATIONS, load_openapi

__all__ = [
    "STRICTNESS",
    "CheckResult",
    "Progress",
    "Report",
    "Verifier",
    "VerifyOptions",
    "all_check_names",
    "parse_rate",
]

GROUP_ORDER = (
    "schema",
    "pagination",
    "ordering",
    "cursors",
    "filters",
    "consistency",
    "errors",
    "permissions",
)


@dataclass
class CheckResult:
    name: str
    group: str
    description: str
    status: str  # pass, fail, skip, error
    violations: list[ContractViolation] = field(default_factory=list)
    reason: str = ""
    seconds: float = 0.0


@dataclass
class Report:
    options: VerifyOptions
    results: list[CheckResult]
    seconds: float
    requests: int
    generation: str = ""  # how the server's generation was told ("generation v5 (detected: ...)")
    cannot_run: str = ""  # why the suite could not run at all (exit status 2)

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def exit_code(self) -> int:
        """0 conforms, 1 violates the contract, 2 the suite (or a check) could not run."""
        if self.cannot_run:
            return 2
        if self.count("fail"):
            return 1
        return 2 if self.count("error") else 0


class Progress(Protocol):
    """Told what the run is doing, so a terminal can show it while it runs."""

    def begin(self, generation: str) -> None:
        """The server was found; ``generation`` says which API it speaks and how that was told."""

    def status(self, text: str) -> None:
        """What the run is doing now (replaced by the next status)."""

    def finished(self, result: CheckResult) -> None:
        """A check has its result."""


def parse_rate(rate: str | None) -> int:
    """``400/m`` -> requests per minute (also ``/s`` and ``/h``); None or empty -> 0 (unlimited)."""
    if not rate:
        return 0
    match = re.fullmatch(r"\s*(\d+)\s*/\s*([smh])\s*", rate)
    if match is None:
        raise CannotRunError(f"--rate-limit {rate!r}: expected N/s, N/m or N/h, e.g. 400/m")
    per = {"s": 60.0, "m": 1.0, "h": 1 / 60}[match.group(2)]
    return max(1, int(int(match.group(1)) * per))


def all_check_names() -> list[str]:
    """Every check, in report order."""
    semantic = sorted(REGISTRY.values(), key=lambda c: GROUP_ORDER.index(c.group))
    return [*OPERATIONS, *(c.name for c in semantic)]


def _describe(name: str) -> tuple[str, str]:
    if name in OPERATIONS:
        return "schema", f"{OPERATIONS[name]} under schemathesis"
    check = REGISTRY[name]
    return check.group, check.description


class Verifier:
    """One verification run; checks can also be run one by one (the pytest form does)."""

    def __init__(self, options: VerifyOptions) -> None:
        if options.strictness not in STRICTNESS:
            raise CannotRunError(
                f"--strictness must be one of {', '.join(STRICTNESS)}, not {options.strictness!r}"
            )
        if options.generation not in ("auto", *GENERATIONS):
            raise CannotRunError(
                f"--generation must be auto or one of {', '.join(GENERATIONS)}, not {options.generation!r}"
            )
        unknown = sorted(set(options.checks) - set(all_check_names()))
        if unknown:
            raise CannotRunError(f"unknown checks {unknown}; see --list-checks")
        try:
            for generation in GENERATIONS:  # fail now, not after the semantic checks ran
                load_openapi(generation, options.strictness)
        except FileNotFoundError as exc:
            raise CannotRunError(str(exc)) from None
        self.options = options
        secrets = {options.token: TOKEN_PLACEHOLDER}
        if options.member_token:
            secrets[options.member_token] = MEMBER_TOKEN_PLACEHOLDER
        limiter = RateLimiter(parse_rate(options.rate_limit))
        try:
            self.client = ContractClient(
                options.url, options.token, secrets=secrets, limiter=limiter, timeout=options.timeout
            )
        except ValueError as exc:
            raise CannotRunError(f"--url: {exc}") from None
        self.member = self.client.with_token(options.member_token) if options.member_token else None
        self._facts: Facts | None = None
        self.fuzz_requests = 0  # sent by schemathesis, which has its own HTTP session

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Verifier:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def facts(self) -> Facts:
        """Preflight and discovery, once; raises CannotRunError when the suite cannot run."""
        if self._facts is None:
            pinned = None if self.options.generation == "auto" else self.options.generation
            try:
                probe = preflight(self.client, self.member, pinned)
                self._facts = discover(probe)
            except UnreachableError as exc:
                raise ServerUnreachableError(f"the server stopped answering: {exc}") from None
            # Every later request goes to the generation's API prefix (/api/experimental for v1).
            self.client = probe.client
            if self.member is not None:
                self.member = self.member.with_prefix(probe.client.api_prefix)
        return self._facts

    def context(self) -> CheckContext:
        return CheckContext(
            self.client,
            self.member,
            self.facts,
            self.options.strictness,
            self.options.seed,
            self.options.samples,
        )

    def selected(self) -> list[str]:
        return [n for n in all_check_names() if not self.options.checks or n in self.options.checks]

    def run_check(self, name: str) -> CheckResult:
        """One semantic check."""
        group, description = _describe(name)
        result = CheckResult(name, group, description, "pass")
        started = time.monotonic()
        try:
            REGISTRY[name].run(self.context())
        except ContractViolation as violation:
            violation.check = name
            result.status, result.violations = "fail", [violation]
        except CheckSkipped as skipped:
            result.status, result.reason = "skip", str(skipped)
        except UnreachableError as exc:
            raise ServerUnreachableError(f"the server stopped answering during {name}: {exc}") from None
        except CannotRunError:
            raise
        except Exception as exc:  # a bug in the check itself: reported, never counted as a pass
            result.status, result.reason = "error", f"the check crashed: {type(exc).__name__}: {exc}"
        result.seconds = time.monotonic() - started
        return result

    def _unserved(self, name: str) -> str | None:
        """Why a schemathesis check does not apply to this server, or None."""
        operation = LABEL_OPERATIONS[OPERATIONS[name]]
        if not self.facts.era.serves(operation):
            return self.facts.era.lacks(operation)
        return None if self.facts.serves(operation) else REMOVED_INTERCEPTIONS

    def run_schemathesis(self, names: Iterable[str], progress: Progress | None = None) -> list[CheckResult]:
        """Schemathesis on the named operations (``schemathesis-sessions``...), in one engine run."""
        names = list(names)
        served = [n for n in names if self._unserved(n) is None]
        settings = FuzzSettings(
            self.options.strictness, self.options.max_examples, self.options.seed, self.options.rate_limit
        )
        started = time.monotonic()
        labels = [OPERATIONS[n] for n in served]
        notify = progress.status if progress is not None else None
        outcomes = run_schemathesis(self.client, self.facts, settings, labels, notify) if served else {}
        elapsed = time.monotonic() - started
        self.fuzz_requests += sum(len(o.requests) for o in outcomes.values())
        results = []
        for name in names:
            group, description = _describe(name)
            outcome = outcomes.get(OPERATIONS[name])
            if outcome is None:
                reason = self._unserved(name) or "not run"
                results.append(CheckResult(name, group, description, "skip", reason=reason))
                continue
            for violation in outcome.violations:
                violation.check = name
            status = "fail" if outcome.violations else "pass"
            results.append(
                CheckResult(
                    name,
                    group,
                    f"{description}: {outcome.cases} cases",
                    status,
                    list(outcome.violations),
                    seconds=elapsed / max(1, len(served)),
                )
            )
        return results

    def run(self, progress: Progress | None = None) -> Report:
        """Everything selected; raises CannotRunError when the suite cannot run at all."""
        started = time.monotonic()
        if progress is not None:
            progress.status("finding the AI Bridge API and its data")
        facts = self.facts
        if progress is not None:
            progress.begin(facts.detected)
        names = self.selected()
        results = self.run_schemathesis([n for n in names if n in OPERATIONS], progress)
        if progress is not None:
            for result in results:
                progress.finished(result)
        for name in (n for n in names if n not in OPERATIONS):
            if progress is not None:
                progress.status(f"running {name}")
            results.append(self.run_check(name))
            if progress is not None:
                progress.finished(results[-1])
        requests = self.client.requests_sent + self.fuzz_requests
        return Report(self.options, results, time.monotonic() - started, requests, facts.detected)
