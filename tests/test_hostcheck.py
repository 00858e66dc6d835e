"""The Host check on loopback (issue 11): a DNS-rebinding page gets a 403, not the mock's data."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from aibridge_mock.server.extension import mock_of
from aibridge_mock.server.hostcheck import is_loopback
from aibridge_mock.server.views.admin import admin_token

SESSIONS = "/api/v2/aibridge/sessions?limit=1"


@pytest.fixture(scope="module")
def loopback(make_app: Callable[..., Flask]) -> Flask:
    return make_app(interceptions=50)


def _get(app: Flask, path: str, host: str, **headers: str) -> tuple[int, dict[str, str]]:
    owner = mock_of(app).datasets.snapshot.dataset.personas[0].token
    admin = admin_token(mock_of(app).config)
    token = (
        {"Authorization": f"Bearer {admin}"}
        if path.startswith("/__admin")
        else {"Coder-Session-Token": owner}
    )
    client: FlaskClient = app.test_client()
    response = client.get(path, base_url=f"http://{host}", headers={**token, **headers})
    return response.status_code, response.get_json()


@pytest.mark.parametrize(
    "path", [SESSIONS, "/healthz", "/__admin/state", "/api/v2/aibridge/nope", "/openapi.json"]
)
@pytest.mark.parametrize(
    "host", ["evil.example", "evil.example:8080", "192.168.1.20:8080", "localhost.evil.example"]
)
def test_a_mock_on_loopback_refuses_foreign_host_names_everywhere(
    loopback: Flask, path: str, host: str
) -> None:
    status, body = _get(loopback, path, host)
    assert status == 403
    assert body["message"] == "Host not allowed."
    assert "--allowed-hosts" in body["detail"]
    assert "DNS rebinding" in body["detail"]


@pytest.mark.parametrize(
    "host", ["localhost", "localhost:8080", "127.0.0.1:8080", "127.4.5.6", "[::1]:8080", "app.localhost:5173"]
)
def test_a_mock_on_loopback_serves_loopback_names(loopback: Flask, host: str) -> None:
    assert _get(loopback, SESSIONS, host)[0] == 200


def test_the_401_challenge_on_loopback_names_only_a_loopback_url(loopback: Flask) -> None:
    response = loopback.test_client().get(SESSIONS, base_url="http://localhost:8080")
    assert response.status_code == 401
    assert (
        'resource_metadata="http://localhost:8080/.well-known/oauth-protected-resource"'
        in (response.headers["WWW-Authenticate"])
    )


def test_allowed_hosts_adds_names_to_the_loopback_ones(make_app: Callable[..., Flask]) -> None:
    app = make_app(interceptions=50, allowed_hosts=("mock.internal", "*.corp.example"))
    assert _get(app, SESSIONS, "mock.internal:8080")[0] == 200
    assert _get(app, SESSIONS, "ui.corp.example")[0] == 200
    assert _get(app, SESSIONS, "localhost")[0] == 200
    assert _get(app, SESSIONS, "evil.example")[0] == 403


@pytest.mark.parametrize("bind", ["0.0.0.0", "::", "192.168.1.20"])
def test_a_mock_on_other_interfaces_serves_any_host(make_app: Callable[..., Flask], bind: str) -> None:
    app = make_app(interceptions=50, host=bind)
    assert _get(app, SESSIONS, "aibridge-mock:8080")[0] == 200  # a compose service name
    assert _get(app, SESSIONS, "evil.example")[0] == 200


@pytest.mark.parametrize(
    ("address", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("::1", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("", False),
        ("10.0.0.5", False),
        ("mock.example", False),
    ],
)
def test_which_listening_addresses_are_loopback(address: str, loopback: bool) -> None:
    assert is_loopback(address) is loopback
