"""Recorded traffic composed with the generated data set; scripted answers; clearing (admin API)."""

from __future__ import annotations

import random
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from providers_helpers import CLAUDE_UA, messages_body, post, provider_app, read, sse_events, tokens

from aibridge_mock.server.dataset.composed import merge_page


class _Seq:
    """A descending sequence of keys, as the data set's ordered views expose it."""

    def __init__(self, keys: list[Any]) -> None:
        self.sorted = sorted(keys, reverse=True)

    def __len__(self) -> int:
        return len(self.sorted)

    def key(self, index: int) -> Any:
        return self.sorted[index]

    def keys(self, start: int, count: int) -> list[Any]:
        return self.sorted[start : start + count]

    def count_before(self, key: Any) -> int:
        return sum(1 for k in self.sorted if k >= key)


@pytest.mark.parametrize("seed", range(40))
def test_merging_two_ordered_parts_pages_like_one_sorted_list(seed: int) -> None:
    rnd = random.Random(seed)
    a = _Seq(rnd.sample(range(0, 400, 2), rnd.randint(0, 60)))
    b = _Seq(rnd.sample(range(1, 400, 2), rnd.randint(0, 20)))
    merged = sorted([(k, 0) for k in a.sorted] + [(k, 1) for k in b.sorted], reverse=True)
    cursor = rnd.choice([None, *(k for k, _ in merged)]) if merged else None
    after = [m for m in merged if cursor is None or m[0] < cursor]
    offset, limit = rnd.randint(0, 30), rnd.randint(1, 25)
    page = merge_page(a, b, cursor, offset, limit)
    assert [(a if part == 0 else b).key(i) for part, i in page] == [
        k for k, _ in after[offset : offset + limit]
    ]


@pytest.fixture
def busy() -> tuple[Flask, dict[str, str]]:
    """Recorded traffic in the middle of the generated data's 30 days (the test clock reads 2026-05-28)."""
    app = provider_app(anchor="2026-06-10T00:00:00Z", interceptions=400)
    tok = tokens(app)
    client = app.test_client()
    for n in range(7):
        headers = {"User-Agent": CLAUDE_UA, "X-Claude-Code-Session-Id": f"s-{n % 3}"}
        post(client, "/anthropic/v1/messages", messages_body(f"prompt {n}"), tok["alice"], **headers)
    return app, tok


def _walk(
    client: FlaskClient, owner: str, path: str, key: str, cursor: str, page: int, **params: Any
) -> list[str]:
    seen: list[str] = []
    query: dict[str, Any] = dict(params, limit=page)
    for _ in range(1_000):  # a cursor that never moves on would loop forever
        items = read(client, path, owner, **query)[key]
        if not items:
            return seen
        seen += [i["id"] for i in items]
        query[cursor] = items[-1]["id"]
    raise AssertionError(f"the {cursor} walk did not end: {len(seen)} items seen")


@pytest.mark.parametrize(
    ("path", "key", "cursor"),
    [("/interceptions", "results", "after_id"), ("/sessions", "sessions", "after_session_id")],
)
def test_cursor_and_offset_walks_list_recorded_and_generated_rows_once_in_order(
    busy: tuple[Flask, dict[str, str]], path: str, key: str, cursor: str
) -> None:
    app, tok = busy
    client = app.test_client()
    everything = read(client, path, tok["admin"], limit=1000)
    ids = [i["id"] for i in everything[key]]
    recorded = read(client, "/interceptions", tok["admin"], q="model:claude-sonnet-4-5", limit=1)["results"][
        0
    ]
    assert (
        0
        < [i["id"] for i in read(client, "/interceptions", tok["admin"], limit=1000)["results"]].index(
            recorded["id"]
        )
        < 300
    )
    assert everything["count"] == len(ids) == len(set(ids))
    assert _walk(client, tok["admin"], path, key, cursor, 13) == ids
    by_offset = [
        i["id"]
        for o in range(0, len(ids), 17)
        for i in read(client, path, tok["admin"], limit=17, offset=o)[key]
    ]
    assert by_offset == ids


def test_filters_counts_and_lists_include_recorded_rows(busy: tuple[Flask, dict[str, str]]) -> None:
    app, tok = busy
    client = app.test_client()
    claude = read(
        client, "/interceptions", tok["admin"], q='client:"Claude Code" initiator:alice', limit=1000
    )
    recorded = [r for r in claude["results"] if r["model"] == "claude-sonnet-4-5"]
    assert len(recorded) == 7 and claude["count"] == len(claude["results"])
    sessions = read(client, "/sessions", tok["admin"], q="session_id:s-1")
    assert sessions["count"] == 1 and sessions["sessions"][0]["threads"] == 2
    assert "claude-sonnet-4-5" in read(client, "/models", tok["admin"], q="claude-sonnet-4-5")
    assert read(client, "/interceptions", tok["alice"])["count"] == 0  # members read nothing (v5)


def test_recorded_traffic_shows_on_an_older_generation_with_its_fields() -> None:
    app = provider_app(generation="v3")
    tok = tokens(app)
    post(app.test_client(), "/anthropic/v1/messages", messages_body("old era"), tok["alice"])
    item = read(app.test_client(), "/interceptions", tok["admin"], limit=1)["results"][0]
    assert item["model"] == "claude-sonnet-4-5" and "provider_name" not in item


def test_scripted_answers_come_in_order_then_the_built_in_model_answers_again(
    app: Flask | None = None,
) -> None:
    app = provider_app()
    client, tok = app.test_client(), tokens(app)
    admin = {"Authorization": f"Bearer {_admin_token(app)}"}
    script = {
        "route": "*/anthropic/v1/messages",
        "answers": [
            {"error": {"status": 529}},
            {"text": "scripted reply"},
            {"tool_call": {"name": "Bash", "input": {"command": "make test"}}},
        ],
    }
    assert client.post("/__admin/answers", json=script, headers=admin).status_code == 200
    overloaded = post(client, "/anthropic/v1/messages", messages_body("a"), tok["alice"])
    assert overloaded.status_code == 529
    assert overloaded.get_json() == {
        "error": {"message": "Overloaded", "type": "overloaded_error"}, "request_id": "", "type": "error",
    }  # fmt: skip
    assert (
        post(client, "/anthropic/v1/messages", messages_body("b"), tok["alice"]).get_json()["content"][0][
            "text"
        ]
        == "scripted reply"
    )
    tool = post(client, "/anthropic/v1/messages", messages_body("c"), tok["alice"]).get_json()["content"][0]
    assert (tool["name"], tool["input"]) == ("Bash", {"command": "make test"})
    assert post(client, "/anthropic/v1/messages", messages_body("d"), tok["alice"]).status_code == 200
    listed = client.get("/__admin/answers", headers=admin).get_json()
    assert listed[0]["used"] == 3
    failed = read(client, "/interceptions", tok["admin"], limit=4)["results"][-1]
    assert failed["token_usages"] == [] and failed["ended_at"]  # a failed call is recorded and ended


def test_a_mid_stream_error_is_relayed_as_coder_relays_it() -> None:
    app = provider_app()
    client, tok = app.test_client(), tokens(app)
    admin = {"Authorization": f"Bearer {_admin_token(app)}"}
    body = {"model": "gpt-5*", "answers": [{"error": {"status": 500, "message": "boom", "mid_stream": True}}]}
    client.post("/__admin/answers", json=body, headers=admin)
    chat = {"model": "gpt-5", "stream": True, "messages": [{"role": "user", "content": "x"}]}
    events = sse_events(post(client, "/openai/v1/chat/completions", chat, tok["alice"]).data)
    assert events[-1] == (None, "[DONE]")
    assert "boom" in events[-2][1]["error"]["message"]


def test_a_bad_script_is_refused_with_the_json_path_of_the_problem() -> None:
    app = provider_app()
    admin = {"Authorization": f"Bearer {_admin_token(app)}"}
    response = app.test_client().post(
        "/__admin/answers", json={"answers": [{"text": "a"}, {"colour": 1}]}, headers=admin
    )
    assert response.status_code == 400
    assert response.get_json()["validations"][0]["field"] == "$.answers[1].colour"


def test_clearing_traffic_empties_it_reset_keeps_it_and_a_new_seed_drops_it() -> None:
    app = provider_app()
    client, tok = app.test_client(), tokens(app)
    admin = {"Authorization": f"Bearer {_admin_token(app)}"}
    base = read(client, "/interceptions", tok["admin"], limit=1)["count"]
    post(client, "/anthropic/v1/messages", messages_body("kept"), tok["alice"])
    client.post("/__admin/reset", headers=admin)
    assert read(client, "/interceptions", tok["admin"], limit=1)["count"] == base + 1
    assert client.get("/__admin/traffic", headers=admin).get_json()["interceptions"] == 1
    client.delete("/__admin/traffic", headers=admin)
    assert read(client, "/interceptions", tok["admin"], limit=1)["count"] == base
    post(client, "/anthropic/v1/messages", messages_body("again"), tok["alice"])
    client.post("/__admin/dataset", json={"seed": 4}, headers=admin)
    assert client.get("/__admin/traffic", headers=admin).get_json()["interceptions"] == 0


def _admin_token(app: Flask) -> str:
    from aibridge_mock.server.extension import mock_of
    from aibridge_mock.server.views.admin import admin_token

    return admin_token(mock_of(app).config)


def test_a_slow_stream_waits_as_scripted_and_gets_anthropics_ping_every_10_seconds() -> None:
    from dataclasses import replace

    from aibridge_mock.server.extension import mock_of

    app = provider_app()
    slept: list[float] = []
    mock = mock_of(app)
    assert mock.providers is not None
    mock.providers = replace(mock.providers, sleep=slept.append)
    admin = {"Authorization": f"Bearer {_admin_token(app)}"}
    script = {"answers": [{"text": "slow", "delay_ms": 25_000, "chunk_delay_ms": 3}]}
    app.test_client().post("/__admin/answers", json=script, headers=admin)
    body = post(
        app.test_client(), "/anthropic/v1/messages", messages_body("x", stream=True), tokens(app)["alice"]
    ).data
    events = sse_events(body)
    assert [name for name, _ in events[:2]] == [
        "ping",
        "ping",
    ]  # two silent 10 s stretches before the first event
    assert events[0][1] == {"type": "ping"}
    assert slept[:3] == [10.0, 10.0, 5.0] and set(slept[3:]) == {0.003}


def test_a_stream_the_client_abandons_before_its_first_byte_still_ends_its_interception() -> None:
    import json

    from werkzeug.test import EnvironBuilder

    app = provider_app()
    client, tok = app.test_client(), tokens(app)
    base = read(client, "/interceptions", tok["admin"], limit=1)["count"]
    environ = EnvironBuilder(
        path="/api/v2/aibridge/anthropic/v1/messages",
        method="POST",
        data=json.dumps(messages_body("x", stream=True)),
        headers={"Authorization": f"Bearer {tok['alice']}", "Content-Type": "application/json"},
    ).get_environ()
    body = app(environ, lambda status, headers, exc_info=None: lambda data: None)
    body.close()  # what a WSGI server does when the client is gone before the first byte
    assert read(client, "/interceptions", tok["admin"], limit=1)["count"] == base + 1  # ended, so listed


@pytest.mark.parametrize(
    ("path", "key", "cursor", "q"),
    [
        ("/interceptions", "results", "after_id", 'started_after:"2026-05-15T10:00:00Z"'),
        ("/sessions", "sessions", "after_session_id", "initiator:alice"),
        ("/sessions", "sessions", "after_session_id", 'started_after:"2026-05-15T10:00:00Z"'),
    ],
)
def test_with_a_live_clock_recorded_traffic_merges_with_the_sessions_going_on(
    path: str, key: str, cursor: str, q: str
) -> None:
    from aibridge_mock.server import create_app
    from aibridge_mock.server.config import Config
    from aibridge_mock.server.dataset.clock import ManualClock, parse_anchor

    anchor = "2026-05-15T12:00:00Z"
    clock = ManualClock(parse_anchor(anchor))
    app = create_app(Config(seed=3, interceptions=300, live=True, anchor=anchor), clock=clock)
    client, tok = app.test_client(), tokens(app)
    for n in range(6):
        clock.advance(60)  # a minute of live data between requests: sessions go on meanwhile
        headers = {"X-Claude-Code-Session-Id": f"live-{n % 2}", "User-Agent": CLAUDE_UA}
        post(client, "/anthropic/v1/messages", messages_body(f"live {n}"), tok["alice"], **headers)
    everything = read(client, path, tok["admin"], limit=1000, q=q)
    ids = [i["id"] for i in everything[key]]
    assert everything["count"] == len(ids) == len(set(ids)) > 6
    recorded = read(client, "/sessions", tok["admin"], q="session_id:live-1")["sessions"][0]
    assert (recorded["threads"], recorded["last_prompt"]) == (3, "live 5")
    assert _walk(client, tok["admin"], path, key, cursor, 11, q=q) == ids
    pages = [read(client, path, tok["admin"], limit=13, offset=o, q=q)[key] for o in range(0, len(ids), 13)]
    assert [i["id"] for page in pages for i in page] == ids
