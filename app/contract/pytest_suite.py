"""The contract suite as pytest tests, for a team's own pytest session against its own server.

Put this in a test module and point the environment at the server::

    # tests/test_aibridge_contract.py
    from aibridge_mock.contract.pytest_suite import *  # noqa: F403  (the contract tests and their fixtures)

    AIBRIDGE_MOCK_VERIFY_URL=https://coder.example.com AIBRIDGE_MOCK_VERIFY_TOKEN=... pytest tests/

One test per check (``test_server_honours_the_contract[filter-sessions]``...); a skipped check is
a skipped test. Optional: ``AIBRIDGE_MOCK_VERIFY_MEMBER_TOKEN``, ``..._STRICTNESS`` (compatible),
``..._MAX_EXAMPLES`` (20), ``..._SEED`` (1), ``..._RATE_LIMIT`` (e.g. 400/m). Override the
``aibridge_verify_options`` fixture to build the options another way.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from aibridge_mock.contract.report import summary
from aibridge_mock.contract.runner import Report, Verifier, VerifyOptions, all_check_names
from aibridge_mock.contract.schemathesis_run import OPERATIONS
from aibridge_mock.contract.violations import CannotRunError

__all__ = ["aibridge_verifier", "aibridge_verify_options", "test_server_honours_the_contract"]

ENV = "AIBRIDGE_MOCK_VERIFY_"


def options_from_environment() -> VerifyOptions | None:
    """Options from ``AIBRIDGE_MOCK_VERIFY_*``, or None when no URL is set."""
    url, token = os.environ.get(ENV + "URL"), os.environ.get(ENV + "TOKEN")
    if not url:
        return None
    if not token:
        raise pytest.UsageError(f"{ENV}URL is set but {ENV}TOKEN is not")
    return VerifyOptions(
        url=url,
        token=token,
        member_token=os.environ.get(ENV + "MEMBER_TOKEN") or None,
        strictness=os.environ.get(ENV + "STRICTNESS", "compatible"),
        max_examples=int(os.environ.get(ENV + "MAX_EXAMPLES", "20")),
        seed=int(os.environ.get(ENV + "SEED", "1")),
        rate_limit=os.environ.get(ENV + "RATE_LIMIT") or None,
    )


@pytest.fixture(scope="session")
def aibridge_verify_options() -> VerifyOptions:
    """The server to verify, from the environment."""
    options = options_from_environment()
    if options is None:
        pytest.skip(f"set {ENV}URL and {ENV}TOKEN to verify a server")
    return options


@pytest.fixture(scope="session")
def aibridge_verifier(aibridge_verify_options: VerifyOptions) -> Iterator[Verifier]:
    """One verifier per session: preflight and discovery run once; a server that cannot be verified fails."""
    with Verifier(aibridge_verify_options) as verifier:
        try:
            _ = verifier.facts
        except CannotRunError as exc:
            pytest.fail(f"cannot verify {aibridge_verify_options.url}: {exc}", pytrace=False)
        yield verifier


@pytest.mark.parametrize("check", all_check_names())
def test_server_honours_the_contract(aibridge_verifier: Verifier, check: str) -> None:
    """One contract check against the configured server."""
    if check in OPERATIONS:
        results = aibridge_verifier.run_schemathesis([check])
    else:
        results = [aibridge_verifier.run_check(check)]
    result = results[0]
    if result.status == "skip":
        pytest.skip(result.reason)
    if result.status != "pass":
        report = Report(aibridge_verifier.options, results, result.seconds, 0)
        pytest.fail(summary(report), pytrace=False)
