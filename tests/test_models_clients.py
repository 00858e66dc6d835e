"""GET /models and GET /clients (spec 1.5): distinct values, prefix search, paging and null when empty."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from werkzeug.test import TestResponse

Get = Callable[..., TestResponse]
Item = dict[str, Any]


def _values(response: TestResponse) -> list[str] | None:
    assert response.status_code == 200, response.get_json()
    found: list[str] | None = response.get_json()
    return found


@pytest.fixture(scope="module")
def models(all_interceptions: list[Item]) -> list[str]:
    return sorted({i["model"] for i in all_interceptions})


@pytest.fixture(scope="module")
def clients(all_interceptions: list[Item]) -> list[str]:
    return sorted({i["client"] if i["client"] is not None else "Unknown" for i in all_interceptions})


def like_prefix(pattern: str) -> re.Pattern[str]:
    """Postgres ``LIKE pattern || '%'`` (no escapes in these tests)."""
    return re.compile(
        "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern) + ".*"
    )


def test_models_are_the_distinct_models_of_ended_interceptions_ascending(get: Get, models: list[str]) -> None:
    assert _values(get("/models")) == models


def test_clients_are_the_distinct_clients_with_null_as_unknown(get: Get, clients: list[str]) -> None:
    found = _values(get("/clients"))
    assert found is not None and "Unknown" in found
    # The target-era SQL has no ORDER BY, so only the set (and distinctness) is specified.
    assert sorted(found) == clients and len(found) == len(set(found))


@pytest.mark.parametrize(
    "q",
    ["gpt", "model:gpt-5", "claude-", "model:claude-sonnet-4", "gpt_5", "%codex", "o", "model:gpt-5.1-codex"],
)
def test_models_query_is_a_case_sensitive_like_prefix(get: Get, models: list[str], q: str) -> None:
    prefix = q.split(":", 1)[1] if ":" in q else q
    expected = [m for m in models if like_prefix(prefix).fullmatch(m)]
    assert expected, "the prefix should match something"
    assert _values(get("/models", q=q)) == expected


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("Unknown", ["Unknown"]),
        ("client:Unknown", ["Unknown"]),
        ('client:"Claude Code"', ["Claude Code"]),
        ("Claude Code", ["Claude Code"]),  # bare words are joined with one space
        ("client:GitHub", ["GitHub Copilot (CLI)", "GitHub Copilot (VS Code)"]),
        ('client:"GitHub Copilot (V"', ["GitHub Copilot (VS Code)"]),
        ("C_d", ["Coder Agents", "Codex"]),
    ],
)
def test_clients_query_is_a_like_prefix(get: Get, q: str, expected: list[str]) -> None:
    found = _values(get("/clients", q=q))
    assert found is not None and sorted(found) == expected


@pytest.mark.parametrize(
    ("path", "q"),
    [
        ("/models", "GPT"),
        ("/models", "nothing-like-this"),
        ("/models", "gpt 5"),
        ("/models", '"gpt'),  # a bare term keeps its quotes
        ("/clients", "claude"),
        ("/clients", '"Claude Code"'),
        ("/clients", "client:Zzz"),
    ],
)
def test_a_prefix_matching_nothing_gives_json_null(get: Get, path: str, q: str) -> None:
    response = get(path, q=q)
    assert (response.status_code, response.data) == (200, b"null\n")


@pytest.mark.parametrize(
    ("params", "window"),
    [
        ({"limit": "2"}, slice(0, 2)),
        ({"limit": "3", "offset": "2"}, slice(2, 5)),
        ({"offset": "4"}, slice(4, None)),
        ({"limit": "1000", "offset": "1"}, slice(1, None)),
    ],
)
def test_models_page_with_limit_and_offset(
    get: Get, models: list[str], params: dict[str, str], window: slice
) -> None:
    assert _values(get("/models", **params)) == models[window]


@pytest.mark.parametrize("path", ["/models", "/clients"])
def test_an_offset_past_the_end_gives_json_null(get: Get, path: str) -> None:
    assert get(path, offset="500").data == b"null\n"


def test_models_prefix_and_paging_combine(get: Get, models: list[str]) -> None:
    gpt = [m for m in models if m.startswith("gpt")]
    assert _values(get("/models", q="gpt", limit="2", offset="1")) == gpt[1:3]


def test_clients_page_with_limit_and_offset(get: Get, clients: list[str]) -> None:
    first = _values(get("/clients", limit="4"))
    rest = _values(get("/clients", offset="4", limit="1000"))
    assert first is not None and rest is not None
    assert len(first) == 4 and sorted(first + rest) == clients
