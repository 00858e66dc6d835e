"""Every contract check bites: it fails on the mock with one behaviour broken, and passes on the correct mock.

The broken servers come from breakage.py; the suite runs at compatible strictness, the default
against real servers, so the proof holds for what CI pipelines run.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from aibridge_mock.contract.runner import CheckResult, Verifier, VerifyOptions, all_check_names
from aibridge_mock.contract.schemathesis_run import OPERATIONS

BITES = [
    ("drop-field", "schemathesis-sessions", "ST108"),
    ("wrong-type", "schemathesis-interceptions", "ST108"),
    ("unknown-credential-kind", "schemathesis-session-threads", "ST108"),
    ("html-500", "schemathesis-clients", "ST101"),
    ("plain-text-400", "schemathesis-models", "ST105"),
    ("json-as-text-plain", "schemathesis-sessions", "ST105"),
    ("json-as-text-plain", "limit-honoured", "ShapeViolation"),
    ("200-without-token", "schemathesis-models", "ST401"),
    ("refuse-schemathesis", "schemathesis-clients", "ST401"),
    ("limit-clamped", "schemathesis-sessions", "ST201"),
    ("bad-q-accepted", "schemathesis-sessions", "ST201"),
    ("ignore-limit", "limit-honoured", "PaginationViolation"),
    ("count-off-by-one", "count-matches-walk", "PaginationViolation"),
    ("count-minus-offset", "count-ignores-pagination", "PaginationViolation"),
    ("reverse-sessions", "order-sessions", "OrderingViolation"),
    ("swap-interceptions", "order-interceptions", "OrderingViolation"),
    ("reverse-threads", "order-threads", "OrderingViolation"),
    ("reverse-models", "order-models", "OrderingViolation"),
    ("repeat-session-across-pages", "cursor-walk-sessions", "CursorViolation"),
    ("repeat-interception-across-pages", "cursor-walk-interceptions", "CursorViolation"),
    ("repeat-thread-across-pages", "cursor-walk-threads", "CursorViolation"),
    ("nearest-before-id", "cursor-walk-threads", "CursorViolation"),
    ("ignore-session-filter", "filter-sessions", "FilterViolation"),
    ("ignore-interception-filter", "filter-interceptions", "FilterViolation"),
    ("ignore-model-prefix", "filter-models-prefix", "FilterViolation"),
    ("ignore-client-prefix", "filter-clients-prefix", "FilterViolation"),
    ("in-flight-listed", "interceptions-ended-only", "FilterViolation"),
    ("thread-tokens-do-not-sum", "session-threads-agree", "ConsistencyViolation"),
    ("thread-prompt-not-from-interception", "sessions-agree-with-interceptions", "ConsistencyViolation"),
    ("plain-text-400", "error-bad-limit", "ErrorBodyViolation"),
    ("limit-clamped", "error-bad-limit", "StatusViolation"),
    ("cursor-with-offset-accepted", "error-cursor-with-offset", "StatusViolation"),
    ("unknown-cursor-accepted", "error-unknown-cursor", "StatusViolation"),
    ("bad-q-accepted", "error-bad-q", "StatusViolation"),
    ("unknown-session-500", "error-unknown-session", "StatusViolation"),
    ("200-without-token", "error-no-token", "StatusViolation"),
    ("any-token-accepted", "error-bad-token", "StatusViolation"),
    ("member-sees-owner-data", "member-visibility", "PermissionViolation"),
]


def _run(options: VerifyOptions, check: str) -> CheckResult:
    with Verifier(options) as verifier:
        return verifier.run_schemathesis([check])[0] if check in OPERATIONS else verifier.run_check(check)


def _options(url: str, tokens: list[str]) -> VerifyOptions:
    return VerifyOptions(
        url=url, token=tokens[0], member_token=tokens[2], strictness="compatible", max_examples=10, seed=3
    )


def _kinds(result: CheckResult) -> set[str]:
    return {getattr(v, "code", "") or type(v).__name__ for v in result.violations}


@pytest.mark.parametrize(("bug", "check", "kind"), BITES, ids=[f"{b}-{c}" for b, c, _ in BITES])
def test_check_fails_on_a_server_with_the_bug(
    mock_url: str, tokens: list[str], bug: str, check: str, kind: str
) -> None:
    result = _run(_options(f"{mock_url}/bug/{bug}", tokens), check)
    assert result.status == "fail", result
    assert kind in _kinds(result), result.violations
    assert all(v.request.startswith("curl ") and v.path.startswith("$") for v in result.violations)


def test_every_check_is_proven_to_bite() -> None:
    assert {check for _, check, _ in BITES} == set(all_check_names())


@pytest.fixture(scope="module")
def correct_mock(mock_url: str, tokens: list[str]) -> Iterator[Verifier]:
    with Verifier(_options(mock_url, tokens)) as verifier:
        yield verifier


@pytest.mark.parametrize("check", all_check_names())
def test_check_passes_on_the_correct_mock(correct_mock: Verifier, check: str) -> None:
    if check in OPERATIONS:
        result = correct_mock.run_schemathesis([check])[0]
    else:
        result = correct_mock.run_check(check)
    assert result.status == "pass", result


def test_a_server_without_interceptions_skips_their_checks_and_passes_the_rest(
    mock_url: str, tokens: list[str]
) -> None:
    needs = {
        "schemathesis-interceptions",
        "order-interceptions",
        "cursor-walk-interceptions",
        "filter-interceptions",
        "interceptions-ended-only",
        "sessions-agree-with-interceptions",
    }
    others = {
        "schemathesis-sessions",
        "limit-honoured",
        "count-matches-walk",
        "error-bad-limit",
        "error-no-token",
    }
    options = replace(
        _options(f"{mock_url}/bug/no-interceptions", tokens),
        max_examples=5,
        checks=tuple(sorted(needs | others)),
    )
    with Verifier(options) as verifier:
        report = verifier.run()
    skipped = {r.name for r in report.results if r.status == "skip"}
    assert skipped == needs
    assert report.exit_code == 0, [r for r in report.results if r.status == "fail"]
