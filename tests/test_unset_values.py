"""Values coderd reads as "not set": uuid.Nil cursors and initiators, Go's zero time, and an empty
first value of a repeated parameter (review of the Go source beyond the spec's wording)."""

from __future__ import annotations

import json

import pytest
from flask import Flask

from aibridge_mock.server import create_app
from aibridge_mock.server.config import Config
from aibridge_mock.server.extension import mock_of

NIL = "00000000-0000-0000-0000-000000000000"
ZERO = '"0001-01-01T00:00:00Z"'


@pytest.fixture(scope="module")
def app() -> Flask:
    return create_app(Config(seed=13, interceptions=800))


def _get(app: Flask, path: str) -> tuple[int, dict]:
    token = mock_of(app).datasets.snapshot.dataset.personas[0].token
    response = app.test_client().get("/api/v2/aibridge" + path, headers={"Coder-Session-Token": token})
    return response.status_code, json.loads(response.data)


@pytest.mark.parametrize(
    ("path", "same_as"),
    [
        (f"/interceptions?after_id={NIL}&limit=5", "/interceptions?limit=5"),
        (f"/interceptions?after_id={NIL}&offset=3&limit=5", "/interceptions?offset=3&limit=5"),
        (f"/interceptions?q=initiator:{NIL}&limit=5", "/interceptions?limit=5"),
        (f"/sessions?q=initiator:{NIL}&limit=5", "/sessions?limit=5"),
        (f"/interceptions?q=started_before:{ZERO}&limit=5", "/interceptions?limit=5"),
        ("/interceptions?limit=&limit=7", "/interceptions"),
        (
            '/interceptions?q=started_after:"2026-05-01T00:00:00Z" started_before:' + ZERO,
            '/interceptions?q=started_after:"2026-05-01T00:00:00Z"',
        ),
    ],
)
def test_unset_values_answer_like_no_value(app: Flask, path: str, same_as: str) -> None:
    status, body = _get(app, path)
    assert status == 200, body
    assert body == _get(app, same_as)[1]


def test_a_nil_thread_cursor_is_no_cursor(app: Flask) -> None:
    _, sessions = _get(app, "/sessions?limit=1")
    session_id = sessions["sessions"][0]["id"]
    status, body = _get(app, f"/sessions/{session_id}?after_id={NIL}")
    assert status == 200
    assert body == _get(app, f"/sessions/{session_id}")[1]


def test_a_repeated_parameter_with_a_value_first_is_still_rejected(app: Flask) -> None:
    status, body = _get(app, "/interceptions?limit=5&limit=")
    assert status == 400
    assert "provided more than once" in body["validations"][0]["detail"]
