"""The official anthropic and openai SDKs, pointed at the mock as at Coder's AI Bridge (slow: HTTP).

Clients nobody here wrote parse every byte of the emulated provider routes; what they did must
then read back through the management API as Coder records it, and ``verify`` still passes.
"""

from __future__ import annotations

import subprocess
import sys
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anthropic
import openai
import pytest
from providers_helpers import CLAUDE_UA, READ_TOOL

from aibridge_mock.server.config import Config
from aibridge_mock.testing import MockServer, start_mock

pytestmark = pytest.mark.slow
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@pytest.fixture(scope="module")
def mock() -> Iterator[MockServer]:
    with start_mock(Config(seed=5, interceptions=2_000)) as server:
        yield server


def _get(mock: MockServer, path: str) -> Any:
    import json

    request = urllib.request.Request(f"{mock.api_url}/aibridge{path}", headers=mock.headers("owner"))
    with OPENER.open(request, timeout=30) as response:
        return json.loads(response.read())


def _claude(mock: MockServer, **headers: str) -> anthropic.Anthropic:
    return anthropic.Anthropic(
        base_url=f"{mock.api_url}/aibridge/anthropic",
        api_key=mock.tokens["member"],
        max_retries=0,
        default_headers=headers,
    )


def _openai(mock: MockServer, **headers: str) -> openai.OpenAI:
    return openai.OpenAI(
        base_url=f"{mock.api_url}/aibridge/openai/v1",
        api_key=mock.tokens["member"],
        max_retries=0,
        default_headers=headers,
    )


def test_messages_blocking_and_streaming_parse_and_are_recorded(mock: MockServer) -> None:
    client = _claude(mock)
    message = client.messages.create(
        model="claude-sonnet-4-5", max_tokens=256, messages=[{"role": "user", "content": "hello"}]
    )
    assert message.content[0].type == "text" and message.stop_reason == "end_turn"
    with client.messages.stream(
        model="claude-sonnet-4-5",
        max_tokens=2048,
        thinking={"type": "enabled", "budget_tokens": 1024},
        messages=[{"role": "user", "content": "think first"}],
    ) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text and [b.type for b in final.content] == ["thinking", "text"]
    item = _get(mock, "/interceptions?q=initiator:alice&limit=1")["results"][0]
    assert item["id"] == final.id and len(item["token_usages"]) == 2
    thread = _get(mock, f"/sessions/{final.id}")["threads"][0]
    assert thread["prompt"] == "think first"


def test_chat_completions_blocking_and_streaming(mock: MockServer) -> None:
    client = _openai(mock)
    completion = client.chat.completions.create(model="gpt-5", messages=[{"role": "user", "content": "hi"}])
    assert completion.choices[0].message.content and completion.usage and completion.usage.total_tokens > 0
    chunks = list(
        client.chat.completions.create(
            model="gpt-5",
            messages=[{"role": "user", "content": "stream"}],
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert (
        chunks[-1].usage is not None
        and chunks[-1].id == _get(mock, "/interceptions?limit=1")["results"][0]["id"]
    )


def test_responses_blocking_and_streaming(mock: MockServer) -> None:
    client = _openai(mock)
    response = client.responses.create(model="gpt-5", input="summarise", reasoning={"summary": "auto"})
    assert response.output_text and response.id.startswith("resp_")
    with client.responses.stream(model="gpt-5", input="stream it") as stream:
        final = stream.get_final_response()
    assert final.output_text
    recorded = _get(mock, "/interceptions?limit=1")["results"][0]
    assert recorded["token_usages"][0]["provider_response_id"] == final.id


def test_a_claude_code_tool_loop_ends_and_is_one_session_with_one_thread(mock: MockServer) -> None:
    client = _claude(mock, **{"User-Agent": CLAUDE_UA, "X-Claude-Code-Session-Id": "sdk-loop-session"})
    messages: list[dict[str, Any]] = [{"role": "user", "content": "read the README and fix the typo"}]
    turns = 0
    while True:
        turns += 1
        answer = client.messages.create(
            model="claude-sonnet-4-5", max_tokens=512, tools=[READ_TOOL], messages=messages
        )  # type: ignore[list-item]  # the SDK's TypedDicts
        if answer.stop_reason != "tool_use":
            break
        messages.append(
            {"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in answer.content]}
        )
        results = [
            {"type": "tool_result", "tool_use_id": b.id, "content": "ok"}
            for b in answer.content
            if b.type == "tool_use"
        ]
        messages.append({"role": "user", "content": results})
        assert turns < 6, "the built-in model should end the loop within three tool calls"
    assert turns >= 2
    session = _get(mock, "/sessions?q=session_id:sdk-loop-session")["sessions"][0]
    assert (session["threads"], session["client"], session["last_prompt"]) == (
        1,
        "Claude Code",
        messages[0]["content"],
    )
    (thread,) = _get(mock, "/sessions/sdk-loop-session")["threads"]
    assert len(thread["agentic_actions"]) == turns - 1
    assert all(a["tool_calls"][0]["tool"] == "Read" for a in thread["agentic_actions"])


def test_a_codex_responses_loop_is_grouped_by_thread_roots_as_that_era_does(mock: MockServer) -> None:
    client = _openai(
        mock,
        **{
            "User-Agent": "codex_exec/0.171.0 (Ubuntu 24.4; x86_64)",
            "originator": "codex_exec",
            "session-id": "codex-1",
        },
    )
    tool = {
        "type": "function",
        "name": "shell",
        "parameters": {
            "type": "object",
            "properties": {"command": {"type": "string"}},
            "required": ["command"],
        },
    }
    items: list[Any] = [{"role": "user", "content": [{"type": "input_text", "text": "run the tests"}]}]
    first = None
    for _ in range(6):
        response = client.responses.create(model="gpt-5-codex", input=items, tools=[tool], store=False)  # type: ignore[list-item]  # the SDK's TypedDicts
        first = first or response
        calls = [o for o in response.output if o.type == "function_call"]
        if not calls:
            break
        items += [c.model_dump(exclude_none=True) for c in calls]
        items += [{"type": "function_call_output", "call_id": c.call_id, "output": "ok"} for c in calls]
    # Current Codex sends session-id (hyphen); the target era reads session_id, so the thread root
    # is the session (reference 8).
    recent = urllib.parse.quote(
        'client:Codex started_after:"2026-06-01T00:00:00Z"'
    )  # after the generated data
    recorded = _get(mock, f"/interceptions?q={recent}&limit=10")["results"]
    assert len(recorded) >= 2
    root = recorded[-1]["id"]
    session = _get(mock, f"/sessions/{root}")
    assert session["client"] == "Codex" and len(session["threads"]) == 1


def test_a_scripted_529_reaches_the_sdk_as_an_overloaded_error(mock: MockServer) -> None:
    mock.admin.answers([{"error": {"status": 529}}], route="*/anthropic/v1/messages")
    with pytest.raises(anthropic.APIStatusError) as raised:
        _claude(mock).messages.create(
            model="claude-sonnet-4-5", max_tokens=10, messages=[{"role": "user", "content": "x"}]
        )
    assert raised.value.status_code == 529 and "Overloaded" in str(raised.value)
    mock.admin.clear_answers()


def test_verify_still_passes_against_the_mock_after_the_traffic(mock: MockServer) -> None:
    script = Path(sys.executable).with_name("aibridge-mock")
    done = subprocess.run(
        [str(script), "verify", "--url", mock.url, "--token", mock.tokens["owner"], "--ci"],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
