"""Pieces the checks rely on: timestamps as instants, base URLs, curl lines without tokens, rate limits."""

from __future__ import annotations

import pytest

from aibridge_mock.contract.body import format_rfc3339, parse_rfc3339
from aibridge_mock.contract.client import curl_command, normalise_base_url
from aibridge_mock.contract.runner import parse_rate
from aibridge_mock.contract.violations import CannotRunError


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("2026-05-04T09:12:33.123456Z", "2026-05-04T06:42:33.123456-02:30"),
        ("2026-05-04T09:12:33Z", "2026-05-04t11:12:33.000000000+02:00"),
    ],
)
def test_timestamps_compare_as_instants_whatever_their_offset(left: str, right: str) -> None:
    assert parse_rfc3339(left) == parse_rfc3339(right) is not None


@pytest.mark.parametrize("text", ["2026-05-04", "2026-05-04T09:12:33", "2026-13-04T09:12:33Z", "yesterday"])
def test_text_that_is_not_rfc3339_is_rejected(text: str) -> None:
    assert parse_rfc3339(text) is None


@pytest.mark.parametrize(
    "text", ["2026-05-04T09:12:33.1234Z", "2026-05-04T09:12:33Z", "2026-05-04T09:12:33.000000001Z"]
)
def test_formatted_timestamps_read_back_to_the_same_instant(text: str) -> None:
    nanos = parse_rfc3339(text)
    assert nanos is not None and format_rfc3339(nanos) == text


@pytest.mark.parametrize(
    ("url", "base"),
    [
        ("https://coder.example.com", "https://coder.example.com"),
        ("https://coder.example.com/api/v2/", "https://coder.example.com"),
        ("http://127.0.0.1:8080/prefix/api/v2", "http://127.0.0.1:8080/prefix"),
        ("http://127.0.0.1:8080/api/v2/aibridge", "http://127.0.0.1:8080"),
        ("http://127.0.0.1:8080/api/v2/aibridge/", "http://127.0.0.1:8080"),
        ("https://coder.example.com/api/experimental/aibridge", "https://coder.example.com"),
        ("https://coder.example.com/api/v2/ai-gateway", "https://coder.example.com"),
        ("https://coder.example.com/aibridge", "https://coder.example.com/aibridge"),
    ],
)
def test_the_base_url_may_be_given_with_or_without_api_v2_or_the_ai_bridge_routes(
    url: str, base: str
) -> None:
    assert normalise_base_url(url) == base


def test_curl_lines_name_the_token_variable_instead_of_the_token() -> None:
    line = curl_command(
        "GET",
        "http://h/api/v2/aibridge/models?q=a%20b",
        {"Coder-Session-Token": "sekrit-123"},
        {"sekrit-123": "$AIBRIDGE_MOCK_VERIFY_TOKEN"},
    )
    assert (
        line
        == "curl -sS -H \"Coder-Session-Token: $AIBRIDGE_MOCK_VERIFY_TOKEN\" 'http://h/api/v2/aibridge/models?q=a%20b'"
    )


@pytest.mark.parametrize(("rate", "per_minute"), [("400/m", 400), ("10/s", 600), ("600/h", 10), (None, 0)])
def test_rate_limits_are_read_as_requests_per_minute(rate: str | None, per_minute: int) -> None:
    assert parse_rate(rate) == per_minute


def test_a_malformed_rate_limit_cannot_run() -> None:
    with pytest.raises(CannotRunError, match="400/m"):
        parse_rate("fast")
