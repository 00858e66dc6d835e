"""Shared fixtures: one seeded mock per test session, its persona tokens and a GET helper.

The data set is built once (seed 7, 3,000 interceptions) and never mutated by these tests, so
sharing it keeps the whole suite fast. Tests that need another configuration build their own app.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from aibridge_mock.server import create_app
from aibridge_mock.server.config import Config
from aibridge_mock.server.dataset.store import Dataset
from aibridge_mock.server.extension import mock_of

API = "/api/v2/aibridge"
SEED = 7
INTERCEPTIONS = 3000
JSON_TYPE = "application/json; charset=utf-8"


# ``get(path, token=owner, **params)``: a GET under /api/v2/aibridge with a session token.
Get = Callable[..., TestResponse]


def build_app(**options: Any) -> Flask:
    """A mock with the suite's seed and size unless ``options`` say otherwise."""
    settings: dict[str, Any] = {"seed": SEED, "interceptions": INTERCEPTIONS, **options}
    return create_app(Config(**settings))


def api_path(path: str) -> str:
    """``/sessions`` -> ``/api/v2/aibridge/sessions``; absolute /api paths are kept."""
    return path if path.startswith("/api") else API + path


def make_get(client: FlaskClient, default_token: str) -> Get:
    """A GET helper bound to a client; ``token=None`` sends no token at all."""
    _unset = object()

    def get(path: str, token: Any = _unset, **params: Any) -> TestResponse:
        token = default_token if token is _unset else token
        headers = {"Coder-Session-Token": token} if token is not None else {}
        kwargs: dict[str, Any] = {"headers": headers}
        if params:
            kwargs["query_string"] = {k: str(v) for k, v in params.items()}
        return client.get(api_path(path), **kwargs)

    return get


@pytest.fixture(scope="session")
def make_app() -> Callable[..., Flask]:
    """``make_app(unlicensed=True)``: another mock, same seed and size unless overridden."""
    return build_app


@pytest.fixture(scope="session")
def app() -> Flask:
    return build_app()


@pytest.fixture(scope="session")
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="session")
def dataset(app: Flask) -> Dataset:
    """Ground truth for assertions that the API cannot express (session membership, roots)."""
    ds: Dataset = mock_of(app).datasets.snapshot.dataset
    return ds


@pytest.fixture(scope="session")
def owner_token(dataset: Dataset) -> str:
    return dataset.personas[0].token


@pytest.fixture(scope="session")
def auditor_token(dataset: Dataset) -> str:
    return dataset.personas[1].token


@pytest.fixture(scope="session")
def member_token(dataset: Dataset) -> str:
    """alice, a plain member."""
    return dataset.personas[2].token


@pytest.fixture(scope="session")
def bob_token(dataset: Dataset) -> str:
    return dataset.personas[3].token


@pytest.fixture(scope="session")
def get(client: FlaskClient, owner_token: str) -> Get:
    return make_get(client, owner_token)


def _walk(get: Get, path: str, key: str) -> list[dict[str, Any]]:
    """Every item of a list endpoint, in list order, fetched with offset pages of 1,000."""
    items: list[dict[str, Any]] = []
    while True:
        page = get(path, limit=1000, offset=len(items)).get_json()[key]
        items.extend(page)
        if len(page) < 1000:
            return items


@pytest.fixture(scope="session")
def all_interceptions(get: Get) -> list[dict[str, Any]]:
    """Every listed interception, newest first."""
    return _walk(get, "/interceptions", "results")


@pytest.fixture(scope="session")
def all_sessions(get: Get) -> list[dict[str, Any]]:
    """Every listed session, in list order."""
    return _walk(get, "/sessions", "sessions")


@pytest.fixture(scope="session")
def session_of(dataset: Dataset) -> Callable[[str], str]:
    """The session id an interception belongs to (the interceptions endpoint does not say)."""

    def lookup(interception_id: str) -> str:
        row = dataset.row_of(interception_id)
        assert row is not None, interception_id
        return str(dataset.tables.session_ids.values[int(dataset.cols.session[row])])

    return lookup


def go_json(value: Any) -> bytes:
    """What Go's json.Encoder (SetEscapeHTML on) writes: compact, <>& escaped, one trailing newline.

    Written independently of app.gocompat so that the tests do not trust the code they check.
    """
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, escaped)
    return text.encode() + b"\n"


ExpectError = Callable[..., None]


@pytest.fixture(scope="session")
def expect_error() -> ExpectError:
    """``expect_error(response, 400, "message", detail=..., validations=[(field, detail), ...])``.

    Compares the whole body byte for byte: message, then detail, then validations, each omitted
    when empty, as codersdk.Response encodes them.
    """

    def check(
        response: TestResponse,
        status: int,
        message: str,
        detail: str = "",
        validations: list[tuple[str, str]] | None = None,
    ) -> None:
        body: dict[str, Any] = {"message": message}
        if detail:
            body["detail"] = detail
        if validations:
            body["validations"] = [{"field": f, "detail": d} for f, d in validations]
        assert (response.status_code, response.content_type) == (status, JSON_TYPE), response.data
        assert response.data.decode() == go_json(body).decode()

    return check


HTML = "<b>Tom & Jerry</b>"

# Edges the seeded data never produces: a session without prompts, HTML characters, null metadata,
# odd credential hints, an interception still in flight.
EDGE_FIXTURE = {
    "interceptions": [
        {  # no prompt at all, null metadata (its session fails to list: test_generations.py), a long hint
            "id": "a9000000-0000-4000-8000-000000000001",
            "initiator": "bob",
            "provider": "anthropic",
            "model": "claude-sonnet-4-5-20250929",
            "metadata": None,
            "credential_kind": "byok",
            "credential_hint": "sk-ant-api03-...-abcdefgh",
            "client_session_id": "quiet-session",
            "started_at": "2026-05-14T11:00:00.120+02:00",
            "ended_at": "2026-05-14T09:00:01Z",
        },
        {  # no prompt at all, metadata left out (so {}), a long credential hint
            "id": "a9000000-0000-4000-8000-000000000005",
            "initiator": "alice",
            "provider": "anthropic",
            "model": "claude-sonnet-4-5-20250929",
            "credential_kind": "byok",
            "credential_hint": "sk-ant-api03-...-abcdefgh",
            "client_session_id": "silent-session",
            "started_at": "2026-05-14T08:00:00Z",
            "ended_at": "2026-05-14T08:00:01Z",
        },
        {  # HTML characters and U+2028 in a prompt, a hint without the mask
            "id": "a9000000-0000-4000-8000-000000000002",
            "initiator": "alice",
            "provider": "openai",
            "model": "gpt-5",
            "client": "Codex",
            "credential_hint": "abcdef",
            "client_session_id": "html-session",
            "started_at": "2026-05-14T10:00:00Z",
            "ended_at": "2026-05-14T10:00:02.5Z",
            "user_prompts": [
                {
                    "id": "c9000000-0000-4000-8000-000000000001",
                    "prompt": HTML + " \u2028",
                    "created_at": "2026-05-14T10:00:00.000100Z",
                }
            ],
        },
        {  # a properly masked BYOK hint
            "id": "a9000000-0000-4000-8000-000000000003",
            "initiator": "alice",
            "provider": "anthropic",
            "model": "claude-sonnet-4-5-20250929",
            "credential_kind": "byok",
            "credential_hint": "sk-a...efgh",
            "client_session_id": "byok-session",
            "started_at": "2026-05-14T12:00:00Z",
            "ended_at": "2026-05-14T12:00:09Z",
        },
        {  # still in flight: its model, client and session must appear nowhere
            "id": "a9000000-0000-4000-8000-000000000004",
            "initiator": "alice",
            "provider": "openai",
            "model": "ghost-model",
            "client": "Ghost",
            "started_at": "2026-05-14T13:00:00Z",
        },
    ]
}


@pytest.fixture(scope="session")
def edge_get(
    tmp_path_factory: pytest.TempPathFactory,
) -> Get:
    """GET helper (owner token) for a mock serving only EDGE_FIXTURE."""
    path = tmp_path_factory.mktemp("fixtures") / "edges.json"
    path.write_text(json.dumps(EDGE_FIXTURE), encoding="utf-8")
    app = build_app(interceptions=0, fixtures=(path,))
    return make_get(app.test_client(), mock_of(app).datasets.snapshot.dataset.personas[0].token)
