"""GET /api/v2/users/me: who a token belongs to and its site roles, as a client tells owners from members."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from aibridge_mock.server.extension import mock_of

ME = "/api/v2/users/me"


@pytest.mark.parametrize(
    ("persona", "username", "roles"),
    [
        (0, "admin", [{"name": "owner", "display_name": "Owner"}]),
        (1, "auditor", [{"name": "auditor", "display_name": "Auditor"}]),
        (2, "alice", []),  # a member has no site role: coderd lists none
    ],
)
def test_users_me_names_the_tokens_user_and_site_roles(
    app: Flask, client: FlaskClient, persona: int, username: str, roles: list[dict[str, str]]
) -> None:
    user = mock_of(app).datasets.snapshot.dataset.personas[persona]
    response = client.get(ME, headers={"Coder-Session-Token": user.token})
    body = response.get_json()
    assert response.status_code == 200
    assert (body["id"], body["username"], body["roles"]) == (user.user.id, username, roles)


def test_users_me_without_a_token_is_coders_401(client: FlaskClient) -> None:
    response = client.get(ME)
    assert response.status_code == 401
    assert (
        response.get_json()["detail"] == 'Cookie "coder_session_token" or query parameter must be provided.'
    )


@pytest.mark.parametrize("generation", ["v1", "v5"])
def test_users_me_answers_without_the_ai_bridge_licence_in_every_generation(
    make_app: Callable[..., Flask], generation: str
) -> None:
    app = make_app(interceptions=10, generation=generation, unlicensed=True)
    token = mock_of(app).datasets.snapshot.dataset.personas[0].token
    assert app.test_client().get(ME, headers={"Coder-Session-Token": token}).status_code == 200
