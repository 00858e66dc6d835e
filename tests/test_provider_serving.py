"""Provider traffic through real servers: several granian workers, and a relay to a fake provider."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from providers_helpers import CLAUDE_UA, messages_body, post, provider_app, read, sse_events, tokens
from running import API, Mock, request

pytestmark = pytest.mark.slow


def test_traffic_recorded_through_any_worker_is_listed_by_every_worker(tmp_path: Path) -> None:
    mock = Mock(tmp_path, "--workers", "3", "--interceptions", "500")
    try:
        member = next(p["token"] for p in mock.admin("GET", "/state")["personas"] if p["role"] == "member")
        headers = {
            "Authorization": f"Bearer {member}",
            "Content-Type": "application/json",
            "User-Agent": CLAUDE_UA,
        }
        base = json.loads(request(mock.url + API + "/interceptions?limit=1", headers=mock.owner())[2])[
            "count"
        ]
        for n in range(12):
            status, _, _ = request(
                mock.url + API + "/anthropic/v1/messages", "POST", headers, messages_body(f"p{n}")
            )
            assert status == 200
            # Every read, whichever worker serves it, already lists what was just recorded.
            listed = json.loads(request(mock.url + API + "/interceptions?limit=1", headers=mock.owner())[2])
            assert listed["count"] == base + n + 1
        assert (
            len(
                {
                    w
                    for w in mock.admin("GET", "/journal")["requests"]
                    and [e["worker"] for e in mock.admin("GET", "/journal")["requests"]]
                }
            )
            > 1
        )
    finally:
        assert mock.stop() == 0


class _FakeAnthropic(BaseHTTPRequestHandler):
    seen: ClassVar[list[tuple[str, dict[str, str], Any]]] = []

    def do_POST(self) -> None:  # http.server's naming
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _FakeAnthropic.seen.append((self.path, dict(self.headers.items()), body))
        answer = {
            "id": "msg_01FAKEUPSTREAM",
            "type": "message",
            "role": "assistant",
            "model": "claude-sonnet-4-20250514",
            "content": [{"type": "text", "text": "from the fake upstream"}],
            "stop_reason": "end_turn",
            "stop_sequence": None,
            "usage": {
                "input_tokens": 7,
                "output_tokens": 5,
                "cache_read_input_tokens": 3,
                "cache_creation_input_tokens": 2,
            },
        }
        if body.get("stream"):
            self._stream(answer)
            return
        raw = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def _stream(self, answer: dict[str, Any]) -> None:
        start = {**answer, "content": [], "usage": {**answer["usage"], "output_tokens": 1}}
        events = [
            ("message_start", {"type": "message_start", "message": start}),
            (
                "content_block_start",
                {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
            ),
            (
                "content_block_delta",
                {
                    "type": "content_block_delta",
                    "index": 0,
                    "delta": {"type": "text_delta", "text": "streamed"},
                },
            ),
            ("content_block_stop", {"type": "content_block_stop", "index": 0}),
            (
                "message_delta",
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": "end_turn"},
                    "usage": {"output_tokens": 5},
                },
            ),
            ("message_stop", {"type": "message_stop"}),
        ]
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        for name, data in events:  # one write per event, as a provider flushes them
            self.wfile.write(f"event: {name}\ndata: {json.dumps(data)}\n\n".encode())
            self.wfile.flush()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def fake_upstream() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeAnthropic)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


def test_an_instance_with_a_base_url_relays_as_coder_does_and_records_the_upstreams_answer(
    fake_upstream: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIBRIDGE_MOCK_PROVIDER_0_TYPE", "anthropic")
    monkeypatch.setenv("AIBRIDGE_MOCK_PROVIDER_0_KEY", "sk-ant-api03-centralizedkey1234")
    monkeypatch.setenv("AIBRIDGE_MOCK_PROVIDER_0_BASE_URL", fake_upstream)
    app = provider_app()
    client, tok = app.test_client(), tokens(app)
    _FakeAnthropic.seen.clear()
    answer = post(
        client, "/anthropic/v1/messages", messages_body("relay me"), tok["alice"], **{"Anthropic-Beta": "x"}
    ).get_json()
    path, headers, body = _FakeAnthropic.seen[-1]
    assert path == "/v1/messages" and body["messages"][0]["content"][0]["text"] == "relay me"
    assert headers["X-Api-Key"] == "sk-ant-api03-centralizedkey1234" and "Authorization" not in headers
    assert headers["Anthropic-Beta"] == "x"
    assert answer["content"][0]["text"] == "from the fake upstream"
    item = read(client, "/interceptions", tok["admin"], limit=1)["results"][0]
    assert answer["id"] == item["id"]
    (usage,) = item["token_usages"]
    assert (usage["provider_response_id"], usage["input_tokens"], usage["cache_read_input_tokens"]) == (
        "msg_01FAKEUPSTREAM",
        7,
        3,
    )
    thread = read(client, f"/sessions/{item['id']}", tok["admin"])["threads"][0]
    assert thread["credential_hint"] == "sk-a...1234"


def test_an_unreachable_upstream_is_coders_internal_error_and_the_interception_still_ends(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AIBRIDGE_MOCK_PROVIDER_0_TYPE", "anthropic")
    monkeypatch.setenv(
        "AIBRIDGE_MOCK_PROVIDER_0_BASE_URL", "http://127.0.0.1:9/"
    )  # the discard port: refused
    app = provider_app()
    client, tok = app.test_client(), tokens(app)
    response = post(client, "/anthropic/v1/messages", messages_body("nobody home"), tok["alice"])
    assert (response.status_code, response.data) == (500, b"internal error\n")
    item = read(client, "/interceptions", tok["admin"], limit=1)["results"][0]
    assert item["ended_at"] and item["token_usages"] == []


def test_a_relayed_stream_reaches_the_client_with_coders_rewrites_and_is_recorded(
    fake_upstream: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIBRIDGE_MOCK_PROVIDER_0_TYPE", "anthropic")
    monkeypatch.setenv("AIBRIDGE_MOCK_PROVIDER_0_BASE_URL", fake_upstream)
    app = provider_app()
    client, tok = app.test_client(), tokens(app)
    events = sse_events(
        post(client, "/anthropic/v1/messages", messages_body("s", stream=True), tok["alice"]).data
    )
    item = read(client, "/interceptions", tok["admin"], limit=1)["results"][0]
    assert (events[0][0], events[-1][0]) == ("message_start", "message_stop")
    assert all(d["message"]["id"] == item["id"] for _, d in events)
    assert [(u["output_tokens"], u["provider_response_id"]) for u in item["token_usages"]] == [
        (1, "msg_01FAKEUPSTREAM"),
        (5, "msg_01FAKEUPSTREAM"),
    ]
