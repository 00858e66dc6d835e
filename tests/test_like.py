"""PostgreSQL LIKE for /models and /clients (spec 1.5), in linear time (issue 11)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.test import TestResponse

from aibridge_mock.server.like import LikePattern

Get = Callable[..., TestResponse]
API = "/api/v2/aibridge"


def _tokens(pattern: str) -> list[tuple[str, str]]:
    """("lit", c), ("one", ""), ("any", "") with PostgreSQL's backslash escape."""
    out, escaped = [], False
    for ch in pattern:
        if escaped:
            out.append(("lit", ch))
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch in "%_":
            out.append(("any" if ch == "%" else "one", ""))
        else:
            out.append(("lit", ch))
    if escaped:
        out.append(("lit", "\\"))
    return out


def reference_like(value: str, pattern: str) -> bool:
    """LIKE by dynamic programming over (value position, pattern position): obviously right, O(n*m)."""
    tokens = _tokens(pattern)

    @cache
    def match(i: int, j: int) -> bool:
        if j == len(tokens):
            return i == len(value)
        kind, ch = tokens[j]
        if kind == "any":
            return match(i, j + 1) or (i < len(value) and match(i + 1, j))
        if i == len(value):
            return False
        return (kind == "one" or value[i] == ch) and match(i + 1, j + 1)

    return match(0, 0)


@settings(max_examples=600, deadline=None)
@given(st.text(alphabet="ab%_\\", max_size=10), st.text(alphabet="ab%_\\é", max_size=12))
def test_like_agrees_with_a_reference_implementation(pattern: str, value: str) -> None:
    assert LikePattern(pattern).matches(value) == reference_like(value, pattern)


@pytest.mark.parametrize(
    ("prefix", "value", "matches"),
    [
        ("claude", "claude-sonnet-4-5", True),
        ("Claude", "claude-sonnet-4-5", False),  # case-sensitive
        ("c_aude", "claude", True),
        ("%sonnet", "claude-sonnet-4-5", True),
        ("gpt%5", "gpt-5", True),
        ("gpt\\%", "gpt%x", True),  # an escaped % is a literal %
        ("gpt\\%", "gpt-5", False),
        ("gpt\\", "gpt-5", False),  # the backslash escapes the appended %: LIKE 'gpt%' literally
        ("gpt\\", "gpt%", True),
        ("__", "é", False),  # one character per _, not one byte
        ("_", "é", True),
        ("%" * 10_000 + "zzz", "claude-sonnet-4-5", False),
    ],
)
def test_like_prefix_follows_postgres(prefix: str, value: str, matches: bool) -> None:
    assert LikePattern.prefix(prefix).matches(value) is matches


# Run in a child process: a backtracking regex holds the GIL, so a frozen request would freeze the
# test run too; the child can be killed.
_CHILD = """
import json, sys
from aibridge_mock.server import Config, create_app
from aibridge_mock.server.extension import mock_of
app = create_app(Config(seed=3, interceptions=300))
token = mock_of(app).datasets.snapshot.dataset.personas[0].token
client = app.test_client()
for path in json.loads(sys.argv[1]):
    answer = client.get(path, headers={"Coder-Session-Token": token})
    print(answer.status_code, answer.data.decode().strip())
"""


def test_a_q_of_wildcards_answers_instead_of_freezing_the_worker() -> None:
    # A backtracking regex needs minutes for 16 %s before "zzz" and forever for 30; LIKE needs
    # microseconds. The timeout only tells "answered" from "frozen"; figures: benchmarks/like_prefix.py.
    wildcards = ["%" * 30, "%_" * 5_000, "_%" * 20]
    paths = [f"{API}{e}?q={w.replace('%', '%25')}zzz" for e in ("/models", "/clients") for w in wildcards]
    try:
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, json.dumps(paths)], capture_output=True, text=True, timeout=120
        )
    except subprocess.TimeoutExpired:
        pytest.fail("a q of wildcards froze the worker")
    assert done.stdout.splitlines() == ["200 null"] * len(paths), done.stderr


def test_a_q_of_wildcards_still_matches_what_it_should(get: Get) -> None:
    models = get("/models").get_json()
    assert get("/models?q=" + "%25" * 50 + "-").get_json() == [m for m in models if "-" in m]


def test_a_trailing_backslash_escapes_the_appended_percent(get: Get) -> None:
    # LIKE 'gpt\' || '%' is LIKE 'gpt\%': models named "gpt%" exactly, of which there are none.
    assert any(m.startswith("gpt") for m in get("/models").get_json())
    assert get("/models?q=gpt%5C").data == b"null\n"
