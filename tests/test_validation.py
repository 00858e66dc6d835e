"""Every response the mock sends is held against the schemas derived from Coder's docs: a response
broken on purpose becomes a 500 naming the endpoint, the JSON path and the rule (strict), or goes out
flagged (lenient)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from aibridge_mock.server import create_app
from aibridge_mock.server.config import Config
from aibridge_mock.server.extension import mock_of
from aibridge_mock.server.serialize import Serializer
from aibridge_mock.server.validation import VIOLATION_HEADER

JSON = dict[str, Any]
Break = Callable[[JSON], JSON]


def _app(validation: str = "strict") -> Flask:
    return create_app(Config(seed=5, interceptions=2000, validation=validation))


def _get(app: Flask, path: str) -> Any:
    token = mock_of(app).datasets.snapshot.dataset.personas[0].token
    return app.test_client().get(path, headers={"Coder-Session-Token": token})


def _without(key: str) -> Break:
    return lambda body: {k: v for k, v in body.items() if k != key}


def _with(key: str, value: Any) -> Break:
    return lambda body: {**body, key: value}


INTERCEPTION_BREAKS = [
    ("a missing field", _without("model"), "$.results[0]", "required"),
    ("a wrong type", _with("client", 5), "$.results[0].client", "type"),
    ("an unexpected null", _with("provider", None), "$.results[0].provider", "type"),
    ("a bad format", _with("started_at", "yesterday"), "$.results[0].started_at", "format"),
    ("an unknown field", _with("secret", "x"), "$.results[0]", "additionalProperties"),
]


@pytest.mark.parametrize(
    ("what", "damage", "path", "rule"), INTERCEPTION_BREAKS, ids=[b[0] for b in INTERCEPTION_BREAKS]
)
def test_a_broken_interception_becomes_a_500_naming_the_json_path_in_strict_mode(
    monkeypatch: pytest.MonkeyPatch, what: str, damage: Break, path: str, rule: str
) -> None:
    app = _app()  # records outside the sample validated at load are rendered on first request
    original = Serializer.interception
    monkeypatch.setattr(Serializer, "interception", lambda self, row: damage(original(self, row)))
    response = _get(app, "/api/v2/aibridge/interceptions?offset=200&limit=3")
    assert response.status_code == 500
    body = json.loads(response.data)
    assert body["message"] == "The mock's response violates the AI Bridge contract."
    assert body["detail"].startswith(f"GET /api/v2/aibridge/interceptions: {path}")
    assert f"(rule: {rule})" in body["detail"]


def test_a_broken_session_names_its_place_in_the_list(monkeypatch: pytest.MonkeyPatch) -> None:
    app = _app()
    original = Serializer.session
    monkeypatch.setattr(Serializer, "session", lambda self, row: _without("threads")(original(self, row)))
    body = json.loads(_get(app, "/api/v2/aibridge/sessions?offset=20&limit=2").data)
    assert body["detail"].startswith("GET /api/v2/aibridge/sessions: $.sessions[0]")
    assert "'threads' is a required property" in body["detail"]


def test_a_broken_thread_page_names_the_thread_field(monkeypatch: pytest.MonkeyPatch) -> None:
    original = Serializer.session_threads

    def damage(
        self: Serializer, key: int, roots: list[int], own_user_id: str | None = None, upto: int | None = None
    ) -> JSON:
        body = original(self, key, roots, own_user_id, upto)
        body["threads"][0]["token_usage"]["input_tokens"] = "many"
        return body

    app = _app()
    monkeypatch.setattr(Serializer, "session_threads", damage)
    session_id = json.loads(_get(app, "/api/v2/aibridge/sessions?offset=20&limit=1").data)["sessions"][0][
        "id"
    ]
    response = _get(app, f"/api/v2/aibridge/sessions/{session_id}")
    assert response.status_code == 500
    assert "$.threads[0].token_usage.input_tokens" in json.loads(response.data)["detail"]


def test_lenient_mode_sends_the_response_and_flags_the_violation(monkeypatch: pytest.MonkeyPatch) -> None:
    app = _app("lenient")
    original = Serializer.interception
    monkeypatch.setattr(Serializer, "interception", lambda self, row: _with("client", 5)(original(self, row)))
    response = _get(app, "/api/v2/aibridge/interceptions?offset=200&limit=1")
    assert response.status_code == 200
    assert json.loads(response.data)["results"][0]["client"] == 5
    assert "$.results[0].client" in response.headers[VIOLATION_HEADER]


def test_a_data_set_that_breaks_the_contract_is_refused_at_load(monkeypatch: pytest.MonkeyPatch) -> None:
    original = Serializer.interception
    monkeypatch.setattr(Serializer, "interception", lambda self, row: _without("model")(original(self, row)))
    with pytest.raises(ValueError, match=r"breaks the AI Bridge contract: AIBridgeInterception: \$: 'model'"):
        _app()


def test_validation_off_sends_the_response_unflagged(monkeypatch: pytest.MonkeyPatch) -> None:
    original = Serializer.interception
    monkeypatch.setattr(Serializer, "interception", lambda self, row: _with("client", 5)(original(self, row)))
    response = _get(_app("off"), "/api/v2/aibridge/interceptions?limit=1")
    assert response.status_code == 200
    assert VIOLATION_HEADER not in response.headers


def test_error_bodies_are_validated_too(monkeypatch: pytest.MonkeyPatch) -> None:
    from aibridge_mock.server.errors import ApiError

    original = ApiError.body
    monkeypatch.setattr(ApiError, "body", lambda self: {**original(self), "validations": "not a list"})
    response = _get(_app(), "/api/v2/aibridge/interceptions?limit=5000")
    assert response.status_code == 500
    assert "$.validations" in json.loads(response.data)["detail"]


@pytest.mark.parametrize("path", ["/api/v2/aibridge/models", "/api/v2/aibridge/clients?q=nothing-matches"])
def test_string_lists_and_their_null_pass_validation(path: str) -> None:
    response = _get(_app(), path)
    assert response.status_code == 200
    assert VIOLATION_HEADER not in response.headers


def test_every_generated_record_fits_its_schema() -> None:
    app = create_app(Config(seed=9, interceptions=3000))
    snap = mock_of(app).datasets.snapshot
    breaches = [b for r in range(snap.dataset.n_ended) if (b := snap.serializer.interception_checked(r)[1])]
    assert breaches == []


def test_the_openapi_document_is_served_for_schemathesis() -> None:
    document = json.loads(_app().test_client().get("/openapi.json").data)
    assert document["openapi"].startswith("3.1")
    assert set(document["paths"]) == {
        "/aibridge/interceptions",
        "/aibridge/sessions",
        "/aibridge/sessions/{session_id}",
        "/aibridge/models",
        "/aibridge/clients",
    }
    assert document["components"]["securitySchemes"]["CoderSessionToken"]["name"] == "Coder-Session-Token"
