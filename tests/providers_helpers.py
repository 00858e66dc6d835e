"""Helpers for the provider-route tests: an app with a manual clock, request bodies, API reads."""

from __future__ import annotations

import json
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from aibridge_mock.server import create_app
from aibridge_mock.server.config import Config
from aibridge_mock.server.extension import mock_of

API = "/api/v2/aibridge"
CLAUDE_UA = "claude-cli/2.1.90 (external, cli)"
CODEX_UA = "codex_cli_rs/0.87.0 (Mac OS 26.2.0; arm64) ghostty/1.3.0-main_250877ef"
READ_TOOL = {
    "name": "Read",
    "description": "Read a file",
    "input_schema": {
        "type": "object",
        "properties": {"file_path": {"type": "string"}},
        "required": ["file_path"],
    },
}


class Clock:
    """A clock that moves 1 ms every time it is read: distinct, increasing, reproducible times."""

    def __init__(self, start: int = 1_780_000_000_000_000) -> None:
        self.now = start

    def __call__(self) -> int:
        self.now += 1_000
        return self.now


def provider_app(**options: Any) -> Flask:
    settings: dict[str, Any] = {"seed": 3, "interceptions": 300, **options}
    return create_app(Config(**settings), traffic_clock=Clock())


def tokens(app: Flask) -> dict[str, str]:
    """Token by username of the personas (admin, auditor, alice, bob)."""
    snap = mock_of(app).datasets.snapshot
    assert snap is not None
    return {p.user.username: p.token for p in snap.dataset.personas}


def post(client: FlaskClient, path: str, body: Any, token: str | None, **headers: str) -> TestResponse:
    sent = dict(headers)
    if token is not None:
        sent.setdefault("Authorization", f"Bearer {token}")
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.post(API + path, data=data, headers=sent, content_type="application/json")


def read(client: FlaskClient, path: str, token: str, **params: Any) -> Any:
    response = client.get(API + path, headers={"Coder-Session-Token": token}, query_string=params)
    assert response.status_code == 200, response.data
    return response.get_json()


def messages_body(
    text: str | list[Any], *, stream: bool = False, tools: bool = False, **extra: Any
) -> dict[str, Any]:
    content = text if isinstance(text, list) else [{"type": "text", "text": text}]
    body: dict[str, Any] = {
        "model": "claude-sonnet-4-5",
        "max_tokens": 512,
        "messages": [{"role": "user", "content": content}],
        **extra,
    }
    if stream:
        body["stream"] = True
    if tools:
        body["tools"] = [READ_TOOL]
    return body


def sse_events(data: bytes) -> list[tuple[str | None, Any]]:
    """(event name, parsed data) of an SSE body; [DONE] kept as a string."""
    found = []
    for block in data.decode().split("\n\n"):
        if not block.strip():
            continue
        name, payload = None, ""
        for line in block.splitlines():
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                payload += line[6:]
        found.append((name, payload if payload == "[DONE]" else json.loads(payload)))
    return found
