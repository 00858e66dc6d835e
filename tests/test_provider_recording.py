"""What a bridged request records, read back through the management API (reference 4 and 5)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from providers_helpers import (
    CLAUDE_UA,
    CODEX_UA,
    messages_body,
    post,
    provider_app,
    read,
    sse_events,
    tokens,
)
from werkzeug.datastructures import Headers

from aibridge_mock.server.providers.clients import guess_client, guess_session_id
from aibridge_mock.server.providers.credentials import mask_secret
from aibridge_mock.server.providers.instances import InstanceError, instances_from


@pytest.mark.parametrize(
    ("user_agent", "headers", "client"),
    [
        ("claude-cli/2.0.67 (external, cli)", {}, "Claude Code"),
        (CODEX_UA, {}, "Codex"),
        ("Zed/0.219.4+stable.119.abc123 (macos; aarch64)", {}, "Zed"),
        ("GitHubCopilotChat/0.37.2026011603", {}, "GitHub Copilot (VS Code)"),
        ("copilot/0.0.403 (client/cli linux v24.11.1)", {}, "GitHub Copilot (CLI)"),
        ("kilo-code/5.1.0 (darwin 25.2.0; arm64) node/22.21.1", {}, "Kilo Code"),
        ("something/1.0", {"originator": "roo-code"}, "Roo Code"),
        ("coder-agents/v2.24.0 (linux/amd64)", {}, "Coder Agents"),
        ("Charm Crush/0.1.11", {}, "Charm Crush"),
        ("mux/0.19.0-next.2.gcceff159 ai-sdk/openai/3.0.36", {}, "Mux"),
        ("connect-es/1.6.1", {"X-Cursor-Client-Version": "0.50.0"}, "Cursor"),
        ("opencode/1.0.0", {}, "OpenCode"),
        ("ccclaude-cli/1.0", {}, "Unknown"),
        ("", {}, "Unknown"),
    ],
)
def test_guess_client_follows_the_libraries_rules_in_order(
    user_agent: str, headers: dict[str, str], client: str
) -> None:
    assert guess_client(user_agent, Headers(headers)) == client


@pytest.mark.parametrize(
    ("client", "headers", "body", "session"),
    [
        ("Claude Code", {"X-Claude-Code-Session-Id": " s-1 "}, {}, "s-1"),
        (
            "Claude Code",
            {},
            {"metadata": {"user_id": json.dumps({"device_id": "d", "session_id": "54c1eb09"})}},
            "54c1eb09",
        ),
        (
            "Claude Code",
            {},
            {"metadata": {"user_id": "user_abc_account_456_session_f47ac10b-58cc"}},
            "f47ac10b-58cc",
        ),
        ("Claude Code", {}, {"metadata": {"user_id": json.dumps({"session_id": ""})}}, None),
        ("GitHub Copilot (CLI)", {"X-Client-Session-Id": "cli-sess-456"}, {}, "cli-sess-456"),
        ("Kilo Code", {"X-KILOCODE-TASKID": "task-789"}, {}, "task-789"),
        ("Zed", {"X-Client-Session-Id": "ignored"}, {}, None),  # only the detected client's source
        ("Codex", {"session-id": "current-codex"}, {}, None),  # the era reads session_id (reference 8)
    ],
)
def test_client_session_ids_come_from_the_detected_clients_source_only(
    client: str, headers: dict[str, str], body: dict[str, Any], session: str | None
) -> None:
    assert guess_session_id(client, Headers(headers), body) == session


@pytest.mark.parametrize(
    ("secret", "hint"),
    [
        ("sk-ant-api03-abcdefgh", "sk-a...efgh"),
        ("thisisquitelong", "th...ng"),
        ("veryshort", "v...t"),
        ("abcd", "..."),
        ("", ""),
    ],
)
def test_credential_hints_are_masked_like_the_library_masks_them(secret: str, hint: str) -> None:
    assert mask_secret(secret) == hint


def test_indexed_provider_variables_configure_instances_with_coders_errors() -> None:
    env = {"AIBRIDGE_MOCK_PROVIDER_0_TYPE": "openai", "AIBRIDGE_MOCK_PROVIDER_0_NAME": "chatgpt"}
    (only,) = instances_from(("anthropic",), 1, env)
    assert (only.type, only.name, only.route_prefix) == ("openai", "chatgpt", "/chatgpt/v1")
    with pytest.raises(InstanceError, match=r'provider 0: unknown TYPE "gemini"'):
        instances_from((), 1, {"AIBRIDGE_MOCK_PROVIDER_0_TYPE": "gemini"})
    with pytest.raises(InstanceError, match="provider 1: TYPE is required"):
        instances_from((), 1, {**env, "AIBRIDGE_MOCK_PROVIDER_1_NAME": "x"})


@pytest.fixture
def app() -> Flask:
    return provider_app()


def _latest(client: FlaskClient, owner: str, **params: Any) -> dict[str, Any]:
    item: dict[str, Any] = read(client, "/interceptions", owner, limit=1, **params)["results"][0]
    return item


def test_a_blocking_message_records_one_interception_as_coder_does(app: Flask) -> None:
    client, tok = app.test_client(), tokens(app)
    response = post(
        client,
        "/anthropic/v1/messages",
        messages_body("read main.go", tools=True),
        tok["alice"],
        **{"User-Agent": CLAUDE_UA},
    )
    answer = response.get_json()
    item = _latest(client, tok["admin"])
    assert answer["id"] == item["id"]  # the client sees the interception id (reference 3.3)
    assert item["initiator"]["username"] == "alice"
    assert item["api_key_id"] == tok["alice"].split("-")[0]
    assert (item["provider"], item["provider_name"], item["model"], item["client"]) == (
        "anthropic", "anthropic", "claude-sonnet-4-5", "Claude Code",
    )  # fmt: skip
    assert item["metadata"] == {"Username": "alice", "request_user_agent": CLAUDE_UA}
    (usage,) = item["token_usages"]
    assert usage["provider_response_id"].startswith("msg_01")
    assert usage["input_tokens"] == answer["usage"]["input_tokens"]
    assert set(usage["metadata"]) == {
        "web_search_requests",
        "cache_creation_input",
        "cache_read_input",
        "cache_ephemeral_1h_input",
        "cache_ephemeral_5m_input",
    }
    assert [p["prompt"] for p in item["user_prompts"]] == ["read main.go"]
    (tool,) = item["tool_usages"]
    (block,) = [b for b in answer["content"] if b["type"] == "tool_use"]
    assert (tool["tool"], json.loads(tool["input"]), tool["injected"]) == ("Read", block["input"], False)


def test_a_streamed_message_records_two_token_rows_and_relays_the_interception_id(app: Flask) -> None:
    client, tok = app.test_client(), tokens(app)
    response = post(client, "/anthropic/v1/messages", messages_body("explain", stream=True), tok["alice"])
    assert response.headers["Content-Type"] == "text/event-stream"
    events = sse_events(response.data)
    item = _latest(client, tok["admin"])
    assert all(data["message"]["id"] == item["id"] for _, data in events)  # set on every event
    start, delta = item["token_usages"]
    delta_output = next(d for n, d in events if n == "message_delta")["usage"]["output_tokens"]
    assert (start["output_tokens"], delta["output_tokens"], delta["metadata"]) == (1, delta_output - 1, {})


def test_a_tool_result_follow_up_joins_the_thread_of_the_call_it_answers(app: Flask) -> None:
    client, tok = app.test_client(), tokens(app)
    first = post(
        client, "/anthropic/v1/messages", messages_body("fix the bug", tools=True), tok["alice"]
    ).get_json()
    (call,) = [b for b in first["content"] if b["type"] == "tool_use"]
    follow = messages_body(
        [{"type": "tool_result", "tool_use_id": call["id"], "content": "package main"}], tools=True
    )
    follow["messages"] = [
        {"role": "user", "content": "fix the bug"},
        {"role": "assistant", "content": first["content"]},
        *follow["messages"],
    ]
    post(client, "/anthropic/v1/messages", follow, tok["alice"])
    session = read(client, "/sessions", tok["admin"], limit=1)["sessions"][0]
    assert session["id"] == first["id"]  # no client session id: the thread root names the session
    threads = read(client, f"/sessions/{session['id']}", tok["admin"])
    (thread,) = threads["threads"]
    assert thread["id"] == first["id"] and thread["prompt"] == "fix the bug"
    assert len(thread["agentic_actions"]) >= 1


def test_the_references_worked_example_groups_claude_code_traffic_into_one_session(app: Flask) -> None:
    client, tok = app.test_client(), tokens(app)
    headers = {"User-Agent": CLAUDE_UA, "X-Claude-Code-Session-Id": "3f2c-session"}
    step1 = post(
        client,
        "/anthropic/v1/messages",
        messages_body("read main.go", stream=True, tools=True),
        tok["alice"],
        **headers,
    )
    tool_id = next(
        d["content_block"]["id"]
        for n, d in sse_events(step1.data)
        if n == "content_block_start" and d["content_block"]["type"] == "tool_use"
    )
    step2 = messages_body(
        [{"type": "tool_result", "tool_use_id": tool_id, "content": "x"}], stream=True, tools=True
    )
    post(client, "/anthropic/v1/messages", step2, tok["alice"], **headers)
    title = messages_body("Please write a 5-10 word title", stream=True, model="claude-haiku-4-5")
    post(client, "/anthropic/v1/messages", title, tok["alice"], **headers)
    (session,) = [
        s for s in read(client, "/sessions", tok["admin"], limit=10)["sessions"] if s["id"] == "3f2c-session"
    ]
    assert (session["threads"], session["client"], session["last_prompt"]) == (
        2,
        "Claude Code",
        "Please write a 5-10 word title",
    )
    threads = read(client, "/sessions/3f2c-session", tok["admin"])["threads"]
    assert [t["prompt"] for t in threads] == ["read main.go", "Please write a 5-10 word title"]
    assert threads[0]["agentic_actions"][0]["tool_calls"][0]["tool"] == "Read"
    found = read(client, "/interceptions", tok["admin"], q='client:"Claude Code"', limit=3)["results"]
    assert {r["id"] for r in found[:3]} >= {threads[0]["id"], threads[1]["id"]}
    assert "Claude Code" in read(client, "/clients", tok["admin"])
    assert "claude-haiku-4-5" in read(client, "/models", tok["admin"])


def test_chat_input_is_recorded_net_of_cached_tokens(app: Flask) -> None:
    client, tok = app.test_client(), tokens(app)
    history = [{"role": "user" if i % 2 == 0 else "assistant", "content": "context " * 300} for i in range(4)]
    body = {"model": "gpt-5", "messages": [*history, {"role": "user", "content": "now answer"}]}
    usage = post(client, "/openai/v1/chat/completions", body, tok["alice"]).get_json()["usage"]
    cached = usage["prompt_tokens_details"]["cached_tokens"]
    assert cached >= 1024 and cached % 128 == 0  # OpenAI caches long prefixes in 128-token steps
    (row,) = _latest(client, tok["admin"])["token_usages"]
    assert (row["input_tokens"], row["cache_read_input_tokens"]) == (usage["prompt_tokens"] - cached, cached)
    assert row["metadata"]["prompt_cached"] == cached


def test_responses_are_forwarded_unchanged_and_recorded_from_the_final_response(app: Flask) -> None:
    client, tok = app.test_client(), tokens(app)
    body = {"model": "gpt-5", "input": "summarise", "reasoning": {"summary": "auto"}, "stream": True}
    response = post(client, "/openai/v1/responses", body, tok["alice"], **{"User-Agent": CODEX_UA})
    completed = next(d for n, d in sse_events(response.data) if n == "response.completed")["response"]
    item = _latest(client, tok["admin"])
    assert completed["id"].startswith("resp_") and completed["id"] != item["id"]
    assert item["client"] == "Codex"
    (row,) = item["token_usages"]
    assert set(row["metadata"]) == {"input_cached", "output_reasoning", "total_tokens"}
    assert row["provider_response_id"] == completed["id"]
    assert item["user_prompts"][0]["prompt"] == "summarise"


def test_background_responses_are_refused_after_being_recorded(app: Flask) -> None:
    client, tok = app.test_client(), tokens(app)
    response = post(
        client, "/openai/v1/responses", {"model": "gpt-5", "input": "x", "background": True}, tok["alice"]
    )
    assert response.status_code == 501
    assert response.get_json() == {
        "code": "501",
        "message": "background requests are currently not supported by AI Bridge",
    }
    assert _latest(client, tok["admin"])["token_usages"] == []


def test_the_same_request_gets_the_same_answer(app: Flask) -> None:
    client, tok = app.test_client(), tokens(app)
    first = post(client, "/anthropic/v1/messages", messages_body("same"), tok["alice"]).get_json()
    second = post(client, "/anthropic/v1/messages", messages_body("same"), tok["alice"]).get_json()
    assert first["id"] != second["id"]  # two interceptions
    assert {k: v for k, v in first.items() if k != "id"} == {k: v for k, v in second.items() if k != "id"}


def test_a_byok_request_records_the_users_key_hint(app: Flask) -> None:
    client, tok = app.test_client(), tokens(app)
    headers = {"X-Coder-AI-Governance-Token": tok["alice"], "X-Api-Key": "sk-ant-api03-abcdefgh"}
    post(client, "/anthropic/v1/messages", messages_body("byok"), None, **headers)
    thread = read(client, "/sessions", tok["admin"], limit=1)["sessions"][0]
    detail = read(client, f"/sessions/{thread['id']}", tok["admin"])["threads"][0]
    assert (detail["credential_kind"], detail["credential_hint"]) == ("byok", "sk-a...efgh")
