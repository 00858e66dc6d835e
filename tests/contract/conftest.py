"""Fixtures of the contract tests: the mock served over HTTP in-process, plain and with one bug at a time."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from breakage import Breakage
from flask import Flask
from served import served

from aibridge_mock.contract.pytest_suite import options_from_environment
from aibridge_mock.contract.runner import VerifyOptions
from aibridge_mock.server import create_app
from aibridge_mock.server.config import Config
from aibridge_mock.server.extension import mock_of

SEED = 7
INTERCEPTIONS = 2000


@pytest.fixture(scope="session")
def mock_app() -> Flask:
    return create_app(Config(seed=SEED, interceptions=INTERCEPTIONS, access_log=False))


@pytest.fixture(scope="session")
def tokens(mock_app: Flask) -> list[str]:
    """Persona tokens: owner, auditor, then the members."""
    return [p.token for p in mock_of(mock_app).datasets.snapshot.dataset.personas]


@pytest.fixture(scope="session")
def mock_url(mock_app: Flask, tokens: list[str]) -> Iterator[str]:
    """The mock over real HTTP on a free port; ``<url>/bug/<name>`` serves it with one bug."""
    with served(Breakage(mock_app, tokens)) as url:
        yield url


@pytest.fixture(scope="session")
def aibridge_verify_options(mock_url: str, tokens: list[str]) -> VerifyOptions:
    """AIBRIDGE_MOCK_VERIFY_URL/TOKEN when set, else the in-process mock, strictly."""
    return options_from_environment() or VerifyOptions(
        url=mock_url, token=tokens[0], member_token=tokens[2], strictness="strict", max_examples=20, seed=1
    )
