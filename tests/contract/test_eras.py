"""The suite holds a server to its own API generation: found by its routes and records, or pinned."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from served import served

from aibridge_mock.contract.era import era_of
from aibridge_mock.contract.runner import Verifier, VerifyOptions
from aibridge_mock.schemas import GENERATIONS
from aibridge_mock.server.app import create_app
from aibridge_mock.server.config import Config
from aibridge_mock.server.extension import mock_of


@pytest.fixture(scope="module", params=GENERATIONS)
def generation_mock(request: pytest.FixtureRequest) -> Iterator[tuple[str, str, list[str]]]:
    """(generation, url, persona tokens) of a mock serving that generation."""
    generation: str = request.param
    app = create_app(Config(seed=11, interceptions=300, generation=generation, access_log=False))
    tokens = [p.token for p in mock_of(app).datasets.snapshot.dataset.personas]
    with served(app) as url:
        yield generation, url, tokens


def test_the_generation_is_read_from_the_routes_and_records_served(
    generation_mock: tuple[str, str, list[str]],
) -> None:
    generation, url, tokens = generation_mock
    with Verifier(VerifyOptions(url=url, token=tokens[0])) as verifier:
        assert verifier.facts.era.generation == generation
        assert verifier.client.api_prefix == era_of(generation).api_prefix
        assert f"generation {generation} (" in verifier.facts.detected


def test_checks_of_operations_a_generation_lacks_skip_naming_the_generation_that_added_them(
    generation_mock: tuple[str, str, list[str]],
) -> None:
    generation, url, tokens = generation_mock
    options = VerifyOptions(url=url, token=tokens[0], checks=("schemathesis-clients", "order-sessions"))
    with Verifier(options) as verifier:
        results = {r.name: r for r in verifier.run().results}
    for name in ("schemathesis-clients", "order-sessions"):
        if generation in ("v4", "v5"):
            assert results[name].status != "skip", results[name]
        else:
            assert results[name].status == "skip"
            assert results[name].reason.startswith(f"generation {generation} does not serve /aibridge/")
            assert results[name].reason.endswith("(added in v4)")


@pytest.mark.parametrize(("served_as", "pinned"), [("v4", "v5"), ("v3", "v2")])
def test_a_pinned_generation_holds_the_server_to_its_document(served_as: str, pinned: str) -> None:
    app = create_app(Config(seed=11, interceptions=300, generation=served_as, access_log=False))
    token = mock_of(app).datasets.snapshot.dataset.personas[0].token
    with served(app) as url:
        options = VerifyOptions(
            url=url,
            token=token,
            generation=pinned,
            strictness="strict",
            checks=("schemathesis-interceptions",),
        )
        with Verifier(options) as verifier:
            (result,) = verifier.run().results
    assert verifier.facts.detected == f"generation {pinned} (as given)"
    assert result.status == "fail"
    assert any(getattr(v, "code", "") == "ST108" for v in result.violations), result.violations


def test_sessions_failing_with_500_are_reported_not_mistaken_for_an_older_generation(tmp_path: Path) -> None:
    """Coder itself answers 500 for a page holding a session whose first metadata is NULL (v4, v5)."""
    interception = {
        "id": "d1000000-0000-4000-8000-000000000001",
        "initiator": "alice",
        "provider": "openai",
        "model": "gpt-5",
        "metadata": None,
        "started_at": "2026-05-14T10:00:00Z",
        "ended_at": "2026-05-14T10:00:05Z",
    }
    path = tmp_path / "null.json"
    path.write_text(json.dumps({"interceptions": [interception]}), encoding="utf-8")
    app = create_app(Config(seed=3, interceptions=40, fixtures=(path,), access_log=False))
    token = mock_of(app).datasets.snapshot.dataset.personas[0].token
    with served(app) as url:
        options = VerifyOptions(url=url, token=token, checks=("schemathesis-sessions",))
        with Verifier(options) as verifier:
            report = verifier.run()
    assert verifier.facts.era.generation == "v5"
    (result,) = report.results
    assert (report.exit_code, result.status) == (1, "fail")
    assert any(getattr(v, "code", "") == "ST101" for v in result.violations), result.violations
