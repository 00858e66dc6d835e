"""q generators and schemathesis runs: valid q accepted, invalid q rejected, same seed same requests."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings

from aibridge_mock.contract.client import ContractClient
from aibridge_mock.contract.qgrammar import ENDPOINTS, PATTERNS, invalid_q, valid_q
from aibridge_mock.contract.runner import Verifier, VerifyOptions
from aibridge_mock.contract.schemathesis_run import FuzzSettings, run_schemathesis


@pytest.fixture(scope="module")
def verifier(mock_url: str, tokens: list[str]) -> Iterator[Verifier]:
    with Verifier(VerifyOptions(url=mock_url, token=tokens[0])) as v:
        yield v


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_valid_q_strings_match_the_grammar_and_the_mock_accepts_them(
    verifier: Verifier, endpoint: str
) -> None:
    client: ContractClient = verifier.client

    @settings(
        max_examples=25,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(q=valid_q(endpoint, verifier.facts.vocab))
    def accepted(q: str) -> None:
        assert re.fullmatch(PATTERNS[endpoint], q), q
        answer = client.get(f"/aibridge/{endpoint}", {"q": q, "limit": 1})
        assert answer.status == 200, (q, answer.text())

    accepted()


@pytest.mark.parametrize(("endpoint", "n"), [(e, n) for e in ENDPOINTS for n in range(10)])
def test_invalid_q_strings_break_the_grammar_and_the_mock_rejects_them(
    verifier: Verifier, endpoint: str, n: int
) -> None:
    q = invalid_q(endpoint, verifier.facts.vocab, n)
    assert re.fullmatch(PATTERNS[endpoint], q) is None, q
    answer = verifier.client.get(f"/aibridge/{endpoint}", {"q": q})
    assert answer.status == 400, (q, answer.text())


def test_schemathesis_sends_the_same_requests_for_the_same_seed(verifier: Verifier) -> None:
    def requests(seed: int) -> list[str]:
        fuzz = FuzzSettings("strict", max_examples=10, seed=seed)
        return run_schemathesis(verifier.client, verifier.facts, fuzz, ["GET /aibridge/sessions"])[
            "GET /aibridge/sessions"
        ].requests

    first, again, other = requests(5), requests(5), requests(6)
    assert len(first) > 20
    assert first == again
    assert first != other


def test_positive_cases_use_cursors_the_server_knows(verifier: Verifier) -> None:
    fuzz = FuzzSettings("strict", max_examples=15, seed=2)
    sent = run_schemathesis(verifier.client, verifier.facts, fuzz, ["GET /aibridge/interceptions"])[
        "GET /aibridge/interceptions"
    ].requests
    cursors = {m.group(1) for r in sent if (m := re.search(r"after_id=([0-9a-f-]{36})", r))}
    known = {str(i["id"]) for i in verifier.facts.interceptions}
    assert cursors & known, "no positive case paged with a real cursor"
