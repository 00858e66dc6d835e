"""Generation detection: route probes without a token tell v1, v2, v3 and v4-or-later apart."""

from __future__ import annotations

import socket

import pytest
from proxy_helpers import run_mock

from aibridge_mock.proxy.detect import detect_generation

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    ("served", "detected"), [("v1", "v1"), ("v2", "v2"), ("v3", "v3"), ("v4", "v5"), ("v5", "v5")]
)
def test_the_generation_a_mock_serves_is_detected_from_its_routes(served: str, detected: str) -> None:
    with run_mock(interceptions=0, generation=served) as mock:
        found = detect_generation(mock.url)
    assert found.generation == detected
    assert found.reason.startswith("detected: GET ")


def test_an_unlicensed_upstream_is_assumed_newest_and_says_why() -> None:
    with run_mock(interceptions=0, unlicensed=True) as mock:
        found = detect_generation(mock.url)
    assert (found.generation, found.reason) == (
        "v5",
        "assumed: no AI Bridge route asked for a token (/api/v2/aibridge/clients 403)",
    )


def test_an_unreachable_upstream_is_assumed_newest_and_says_why() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    found = detect_generation(f"http://127.0.0.1:{port}", timeout=2)
    assert found.generation == "v5" and found.reason.startswith("assumed: the upstream cannot be reached")
