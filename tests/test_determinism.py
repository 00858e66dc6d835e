"""Same seed, same bytes: two builds agree, another seed differs, and seed 7 matches its golden digests."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from regen_golden import CONFIG, GOLDEN, REQUESTS, bodies, digests, read_golden

from aibridge_mock.server.extension import mock_of

REGENERATE = (
    "If the data generator or the serialiser changed on purpose, regenerate the digests with "
    "`python tests/regen_golden.py` and commit tests/golden/seed7.sha256."
)


@pytest.fixture(scope="module")
def golden_bodies(app: Flask) -> dict[str, bytes]:
    assert (mock_of(app).config.seed, mock_of(app).config.interceptions) == (
        CONFIG.seed,
        CONFIG.interceptions,
    )
    return bodies(app)


def test_the_golden_file_lists_every_golden_request() -> None:
    assert read_golden().keys() == {f"{persona} {path}" for persona, path in REQUESTS}, (
        f"{GOLDEN} does not list the requests of regen_golden.REQUESTS. {REGENERATE}"
    )


def test_seed_7_responses_match_the_golden_digests(app: Flask) -> None:
    expected = read_golden()
    found = digests(app)
    changed = sorted(key for key in expected if found.get(key) != expected[key])
    assert not changed, f"responses changed for: {changed}. {REGENERATE}"


def test_two_builds_from_the_same_seed_answer_byte_identically(
    golden_bodies: dict[str, bytes], make_app: Callable[..., Flask]
) -> None:
    again = bodies(make_app())
    assert [k for k in golden_bodies if again[k] != golden_bodies[k]] == []


def test_another_seed_answers_differently(
    golden_bodies: dict[str, bytes], make_app: Callable[..., Flask]
) -> None:
    other = bodies(make_app(seed=CONFIG.seed + 1))
    for key in ("owner /interceptions", "owner /sessions", "owner /sessions/{session}"):
        assert other[key] != golden_bodies[key], key
    # Error bodies do not depend on the data.
    assert other["owner /sessions?q=bare"] == golden_bodies["owner /sessions?q=bare"]


def test_golden_requests_exercise_distinct_responses(golden_bodies: dict[str, bytes]) -> None:
    assert len(set(golden_bodies.values())) == len(golden_bodies)
