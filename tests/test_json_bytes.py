"""Time format, JSON bytes and headers (spec sections 1, 5): what Go's encoder and coderd write."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from aibridge_mock.server.extension import mock_of

Get = Callable[..., TestResponse]
Item = dict[str, Any]
JSON_TYPE = "application/json; charset=utf-8"
GO_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{0,5}[1-9])?Z")
HTML = "<b>Tom & Jerry</b>"


def _json(response: TestResponse) -> Any:
    assert (response.status_code, response.content_type) == (200, JSON_TYPE), response.data
    return response.get_json()


def _times(value: Any, key: str = "") -> Iterator[tuple[str, Any]]:
    """Every (key, value) whose key ends in ``_at``, at any depth."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _times(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from _times(v, key)
    elif key.endswith("_at"):
        yield key, value


# -- times, bytes, headers ------------------------------------------------------------------------


def test_every_time_is_utc_rfc3339_with_trimmed_fraction(get: Get, all_sessions: list[Item]) -> None:
    bodies = [_json(get("/interceptions", limit="300")), _json(get("/sessions", limit="300"))]
    bodies += [_json(get(f"/sessions/{s['id']}")) for s in all_sessions[:5]]
    times = [t for body in bodies for t in _times(body)]
    assert len(times) > 1000
    bad = [(k, v) for k, v in times if not (isinstance(v, str) and GO_TIME.fullmatch(v))]
    assert bad == []


def test_times_from_other_offsets_are_printed_in_utc_trimmed(edge_get: Get) -> None:
    (quiet,) = _json(edge_get("/interceptions", q="initiator:bob"))["results"]
    assert quiet["started_at"] == "2026-05-14T09:00:00.12Z"
    (html,) = _json(edge_get("/interceptions", q="model:gpt-5"))["results"]
    assert (html["ended_at"], html["user_prompts"][0]["created_at"]) == (
        "2026-05-14T10:00:02.5Z",
        "2026-05-14T10:00:00.0001Z",
    )


def test_html_characters_and_line_separators_are_escaped_like_go(edge_get: Get) -> None:
    raw = edge_get("/sessions", q="session_id:html-session").data
    assert b"\\u003cb\\u003eTom \\u0026 Jerry\\u003c/b\\u003e \\u2028" in raw
    assert not [c for c in (b"<", b">", b"&", "\u2028".encode()) if c in raw]
    assert json.loads(raw)["sessions"][0]["last_prompt"] == HTML + " \u2028"


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/interceptions", {"limit": "50"}),
        ("/sessions", {"limit": "50"}),
        ("/models", {}),
        ("/clients", {}),
        ("/interceptions", {"limit": "abc", "offset": "-1"}),
        ("/interceptions", {"q": "<b>:&"}),
        ("/sessions", {"after_session_id": 'a "quoted" <id>'}),
    ],
)
def test_bodies_are_compact_single_line_json_with_a_trailing_newline(
    get: Get, path: str, params: dict[str, str]
) -> None:
    raw = get(path, **params).data
    assert raw.endswith(b"\n") and b"\n" not in raw[:-1]
    assert raw.decode() == _go_json(json.loads(raw))


def _go_json(value: Any) -> str:
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    for char, escaped in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escaped)
    return text + "\n"


@pytest.mark.parametrize(
    ("path", "token", "status", "content_type"),
    [
        ("/api/v2/aibridge/sessions", "owner", 200, JSON_TYPE),
        ("/api/v2/aibridge/sessions?limit=abc", "owner", 400, JSON_TYPE),
        ("/api/v2/aibridge/sessions/nope", "owner", 404, JSON_TYPE),
        ("/api/v2/aibridge/models", None, 401, JSON_TYPE),
        ("/api/v2/users/me", "owner", 200, JSON_TYPE),
        ("/api/v2/workspaces", "owner", 404, JSON_TYPE),
        ("/api/v2/aibridge/nope", "owner", 400, "text/plain; charset=utf-8"),
    ],
)
def test_every_api_response_carries_coder_headers(
    app: Flask,
    client: FlaskClient,
    owner_token: str,
    path: str,
    token: str | None,
    status: int,
    content_type: str,
) -> None:
    headers = {"Coder-Session-Token": owner_token} if token else {}
    response = client.get(path, headers=headers)
    assert (response.status_code, response.headers["Content-Type"]) == (status, content_type)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Coder-Build-Version"] == mock_of(app).config.build_version
