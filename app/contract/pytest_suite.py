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

from collections.abc import Iterator

import pytest

from aibridge_mock import settings
from aibridge_mock.contract.options import CI_PRESET, ENV_PREFIX, VerifyOptions
from aibridge_mock.contract.report import summary
from aibridge_mock.contract.runner import Report, Verifier, all_check_names
from aibridge_mock.contract.schemathesis_run import OPERATIONS
from aibridge_mock.contract.violations import CannotRunError

__all__ = ["aibridge_verifier", "aibridge_verify_options", "test_server_honours_the_contract"]


def options_from_environment() -> VerifyOptions | None:
    """Options from ``AIBRIDGE_MOCK_VERIFY_*`` (20 examples by default), or None without a URL."""
    try:
        values = settings.env_values(VerifyOptions, ENV_PREFIX)
    except settings.SettingsError as exc:
        raise pytest.UsageError(str(exc)) from None
    if not values.get("url"):
        return None
    if not values.get("token"):
        raise pytest.UsageError(f"{ENV_PREFIX}URL is set but {ENV_PREFIX}TOKEN is not")
    return VerifyOptions(**(CI_PRESET | values))


@pytest.fixture(scope="session")
def aibridge_verify_options() -> VerifyOptions:
    """The server to verify, from the environment."""
    options = options_from_environment()
    if options is None:
        pytest.skip(f"set {ENV_PREFIX}URL and {ENV_PREFIX}TOKEN to verify a server")
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
