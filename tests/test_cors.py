"""CORS for browser development: preflights, allowed origins, credentials and the token header."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from aibridge_mock.server import create_app
from aibridge_mock.server.config import Config
from aibridge_mock.server.cors import origin_allowed
from aibridge_mock.server.extension import mock_of
from aibridge_mock.server.serialize import Serializer
from aibridge_mock.server.validation import VIOLATION_HEADER

SESSIONS = "/api/v2/aibridge/sessions"


@pytest.fixture(scope="module")
def client() -> FlaskClient:
    return create_app(Config(interceptions=100)).test_client()


def _preflight(client: FlaskClient, origin: str, path: str = SESSIONS) -> tuple[int, dict[str, str]]:
    response = client.open(
        path,
        method="OPTIONS",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "coder-session-token",
        },
    )
    return response.status_code, dict(response.headers)


@pytest.mark.parametrize(
    "origin",
    [
        "http://localhost:5173",
        "http://127.0.0.1:3000",
        "http://localhost",
        "https://localhost:8443",
        "http://[::1]:4200",
    ],
)
def test_preflight_from_a_local_origin_is_allowed_with_credentials_and_the_token_header(
    client: FlaskClient, origin: str
) -> None:
    status, headers = _preflight(client, origin)
    assert status == 204
    assert headers["Access-Control-Allow-Origin"] == origin
    assert headers["Access-Control-Allow-Credentials"] == "true"
    assert "Coder-Session-Token" in headers["Access-Control-Allow-Headers"].split(", ")
    assert "GET" in headers["Access-Control-Allow-Methods"].split(", ")
    assert headers["Vary"] == "Origin"


@pytest.mark.parametrize(
    "origin",
    ["http://evil.example", "http://localhost.evil.example", "null", "http://localhost:5173.evil.example"],
)
def test_preflight_from_another_origin_is_refused_with_a_coder_error(
    client: FlaskClient, origin: str
) -> None:
    status, headers = _preflight(client, origin)
    assert status == 403
    assert "Access-Control-Allow-Origin" not in headers
    preflight = {"Origin": origin, "Access-Control-Request-Method": "GET"}
    body = client.open(SESSIONS, method="OPTIONS", headers=preflight).get_json()
    assert body["message"] == "Origin not allowed by the mock's CORS settings."


def test_options_without_preflight_headers_still_reaches_the_provider_catch_all(client: FlaskClient) -> None:
    response = client.open(SESSIONS, method="OPTIONS")
    assert response.status_code == 400
    assert response.get_data() == b"no authentication key provided\n"


def test_responses_to_an_allowed_origin_are_readable_by_the_browser_errors_included(
    client: FlaskClient,
) -> None:
    response = client.get(SESSIONS, headers={"Origin": "http://localhost:5173"})
    assert response.status_code == 401
    assert response.headers["Access-Control-Allow-Origin"] == "http://localhost:5173"
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert "WWW-Authenticate" in response.headers["Access-Control-Expose-Headers"]


def test_browser_code_can_read_the_lenient_modes_violation_header(monkeypatch: pytest.MonkeyPatch) -> None:
    app = create_app(Config(interceptions=100, validation="lenient"))
    original = Serializer.interception
    monkeypatch.setattr(Serializer, "interception", lambda self, row: {**original(self, row), "client": 5})
    token = mock_of(app).datasets.snapshot.dataset.personas[0].token
    response = app.test_client().get(
        "/api/v2/aibridge/interceptions?offset=80&limit=1",  # past the records validated at load
        headers={"Origin": "http://localhost:5173", "Coder-Session-Token": token},
    )
    assert response.status_code == 200
    assert "$.results[0].client" in response.headers[VIOLATION_HEADER]
    exposed = [h.strip() for h in response.headers["Access-Control-Expose-Headers"].split(",")]
    assert VIOLATION_HEADER in exposed


def test_responses_without_an_origin_carry_no_cors_grant_but_vary_on_origin(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert "Access-Control-Allow-Origin" not in response.headers
    assert response.headers["Vary"] == "Origin"


def test_configured_origins_replace_the_local_default() -> None:
    client = create_app(Config(interceptions=50, cors_origins=("https://*.example.test",))).test_client()
    assert _preflight(client, "https://ui.example.test")[0] == 204
    assert _preflight(client, "http://localhost:5173")[0] == 403


@pytest.mark.parametrize(
    ("origin", "patterns", "allowed"),
    [
        ("http://localhost:5173", (), True),
        ("", (), False),
        ("http://192.168.1.4:5173", (), False),
        ("https://app.example.test", ("*",), True),
        ("https://app.example.test", ("https://app.example.test",), True),
        ("https://other.example.test", ("https://app.example.test",), False),
    ],
)
def test_origin_is_allowed_by_the_local_default_or_by_a_configured_pattern(
    origin: str, patterns: tuple[str, ...], allowed: bool
) -> None:
    assert origin_allowed(origin, patterns) is allowed
