"""JSON shapes and nullability (spec sections 4.2, 5).

Edges the seeded data never produces come from the small fixture behind ``edge_get`` (conftest).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from werkzeug.test import TestResponse

Get = Callable[..., TestResponse]
Item = dict[str, Any]
JSON_TYPE = "application/json; charset=utf-8"
INTERCEPTION_KEYS = {
    "id",
    "api_key_id",
    "initiator",
    "provider",
    "provider_name",
    "model",
    "client",
    "metadata",
    "started_at",
    "ended_at",
    "token_usages",
    "user_prompts",
    "tool_usages",
}
SESSION_KEYS = {
    "id",
    "initiator",
    "providers",
    "models",
    "client",
    "metadata",
    "started_at",
    "ended_at",
    "threads",
    "token_usage_summary",
    "last_active_at",
}
DETAIL_KEYS = {
    "id",
    "initiator",
    "providers",
    "models",
    "metadata",
    "started_at",
    "ended_at",
    "token_usage_summary",
    "threads",
    "page_started_at",
    "page_ended_at",
}
THREAD_KEYS = {
    "id",
    "model",
    "provider",
    "credential_kind",
    "credential_hint",
    "started_at",
    "ended_at",
    "token_usage",
    "agentic_actions",
}
TOOL_CALL_KEYS = {
    "id",
    "interception_id",
    "provider_response_id",
    "server_url",
    "tool",
    "injected",
    "input",
    "metadata",
    "created_at",
}


def _json(response: TestResponse) -> Any:
    assert (response.status_code, response.content_type) == (200, JSON_TYPE), response.data
    return response.get_json()


# -- interceptions --------------------------------------------------------------------------------


def test_interception_nullable_keys_are_always_present(all_interceptions: list[Item]) -> None:
    assert all(set(i) == INTERCEPTION_KEYS for i in all_interceptions)
    assert {i["api_key_id"] is None for i in all_interceptions} == {True, False}
    assert {i["client"] is None for i in all_interceptions} == {True, False}


def test_interception_metadata_null_stays_null(edge_get: Get) -> None:
    results = _json(edge_get("/interceptions", q="initiator:bob"))["results"]
    assert [(r["metadata"], r["api_key_id"], r["client"]) for r in results] == [(None, None, None)]


def test_empty_sub_record_lists_are_arrays(edge_get: Get) -> None:
    (bare,) = _json(edge_get("/interceptions", q="initiator:bob"))["results"]
    assert (bare["token_usages"], bare["user_prompts"], bare["tool_usages"]) == ([], [], [])


@pytest.mark.parametrize(
    ("username", "keys"),
    [
        ("bob", ["id", "username"]),
        ("alice", ["id", "username", "name", "avatar_url"]),
    ],
)
def test_minimal_user_omits_empty_name_and_avatar(get: Get, username: str, keys: list[str]) -> None:
    interception = _json(get("/interceptions", q=f"initiator:{username}", limit="1"))["results"][0]
    session = _json(get("/sessions", q=f"initiator:{username}", limit="1"))["sessions"][0]
    detail = _json(get(f"/sessions/{session['id']}", limit="1"))
    for user in (interception["initiator"], session["initiator"], detail["initiator"]):
        assert list(user) == keys and user["username"] == username


def test_in_flight_interceptions_leave_no_trace(edge_get: Get) -> None:
    assert _json(edge_get("/interceptions"))["count"] == 4
    assert "ghost-model" not in _json(edge_get("/models"))
    assert "Ghost" not in _json(edge_get("/clients"))
    assert _json(edge_get("/models", q="ghost")) is None
    assert edge_get("/sessions/a9000000-0000-4000-8000-000000000004").status_code == 404


# -- sessions and threads -------------------------------------------------------------------------


def test_session_keys_with_last_prompt_only_when_there_is_one(
    all_sessions: list[Item], edge_get: Get
) -> None:
    assert all(set(s) == SESSION_KEYS | {"last_prompt"} for s in all_sessions)
    (silent,) = _json(edge_get("/sessions", q="session_id:silent-session"))["sessions"]
    assert set(silent) == SESSION_KEYS
    assert silent["last_active_at"] == silent["started_at"]
    assert (silent["client"], silent["metadata"]) == (None, {})


def test_thread_response_omits_a_null_client(get: Get, all_sessions: list[Item]) -> None:
    without = next(s for s in all_sessions if s["client"] is None)
    with_client = next(s for s in all_sessions if s["client"] is not None)
    assert set(_json(get(f"/sessions/{without['id']}"))) == DETAIL_KEYS
    assert set(_json(get(f"/sessions/{with_client['id']}"))) == DETAIL_KEYS | {"client"}


def test_thread_and_tool_call_keys(get: Get, all_sessions: list[Item]) -> None:
    threads = [t for s in all_sessions[:15] for t in _json(get(f"/sessions/{s['id']}"))["threads"]]
    assert all(set(t) in (THREAD_KEYS, THREAD_KEYS | {"prompt"}) for t in threads)
    actions = [a for t in threads for a in t["agentic_actions"]]
    assert actions, "the newest sessions should hold agentic actions"
    assert all(list(a) == ["model", "token_usage", "thinking", "tool_calls"] for a in actions)
    assert all(set(c) == TOOL_CALL_KEYS for a in actions for c in a["tool_calls"])
    assert all(
        set(t["token_usage"])
        == {
            "input_tokens",
            "output_tokens",
            "cache_read_input_tokens",
            "cache_write_input_tokens",
            "metadata",
        }
        for t in threads
    )


def test_a_thread_without_prompt_omits_it(edge_get: Get) -> None:
    (thread,) = _json(edge_get("/sessions/silent-session"))["threads"]
    assert "prompt" not in thread and thread["agentic_actions"] == []


@pytest.mark.parametrize(
    ("session_id", "kind", "hint"),
    [
        ("silent-session", "byok", "..."),  # longer than 15 characters
        ("html-session", "centralized", "..."),  # no "..." mask
        ("byok-session", "byok", "sk-a...efgh"),
    ],
)
def test_credential_hints_are_shown_only_when_short_and_masked(
    edge_get: Get, session_id: str, kind: str, hint: str
) -> None:
    (thread,) = _json(edge_get(f"/sessions/{session_id}"))["threads"]
    assert (thread["credential_kind"], thread["credential_hint"]) == (kind, hint)


@pytest.mark.parametrize(
    ("path", "params", "body"),
    [
        ("/interceptions", {"q": "provider:none"}, b'{"count":0,"results":[]}\n'),
        ("/sessions", {"q": "provider:none"}, b'{"count":0,"sessions":[]}\n'),
        ("/models", {"q": "none"}, b"null\n"),
        ("/clients", {"q": "none"}, b"null\n"),
    ],
)
def test_empty_lists_are_arrays_but_empty_models_and_clients_are_null(
    get: Get, path: str, params: dict[str, str], body: bytes
) -> None:
    assert get(path, **params).data == body
