"""Provider traffic before a provider route (reference 1.2, 2.4; spec 1.7): routes, auth, errors."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from providers_helpers import API, messages_body, post, provider_app, read, tokens

TEXT = "text/plain; charset=utf-8"


@pytest.fixture(scope="module")
def app() -> Flask:
    return provider_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def _count(client: FlaskClient, token: str) -> int:
    count: int = read(client, "/interceptions", token, limit=1)["count"]
    return count


@pytest.mark.parametrize(
    ("headers", "status", "body"),
    [
        ({}, 400, b"no authentication key provided\n"),
        ({"Coder-Session-Token": "x"}, 400, b"no authentication key provided\n"),
        ({"Authorization": "Bearer a b"}, 400, b"no authentication key provided\n"),  # exactly two fields
        ({"Authorization": "Token abc"}, 400, b"no authentication key provided\n"),
        ({"Authorization": "Bearer zzzzzzzzzz-" + "s" * 22}, 403, b"unauthorized\n"),
        ({"X-Api-Key": "not-a-coder-key"}, 403, b"unauthorized\n"),
    ],
)
def test_a_bridged_route_refuses_requests_without_a_good_coder_token_in_plain_text(
    client: FlaskClient, headers: dict[str, str], status: int, body: bytes
) -> None:
    response = post(client, "/anthropic/v1/messages", messages_body("hi"), None, **headers)
    assert (response.status_code, response.content_type, response.data) == (status, TEXT, body)


@pytest.mark.parametrize("header", ["Authorization", "X-Api-Key", "X-Coder-AI-Governance-Token"])
def test_each_of_aibridgeds_token_headers_is_accepted(app: Flask, client: FlaskClient, header: str) -> None:
    token = tokens(app)["alice"]
    value = f"Bearer {token}" if header == "Authorization" else token
    response = post(client, "/anthropic/v1/messages", messages_body("hi"), None, **{header: value})
    assert response.status_code == 200


def test_byok_requests_are_refused_in_json_when_the_deployment_does_not_allow_them() -> None:
    app = provider_app(allow_byok=False)
    token = tokens(app)["alice"]
    response = post(
        app.test_client(),
        "/anthropic/v1/messages",
        messages_body("hi"),
        None,
        **{"X-Coder-AI-Governance-Token": token},
    )
    assert response.status_code == 403
    assert response.get_json() == {
        "message": "Bring Your Own Key (BYOK) mode is not enabled.",
        "detail": "Contact your administrator to enable it with --aibridge-allow-byok.",
    }


def test_the_licence_check_comes_before_anything_else() -> None:
    app = provider_app(unlicensed=True)
    response = post(app.test_client(), "/openai/v1/chat/completions", {}, None)
    assert response.status_code == 403
    assert response.get_json() == {"message": "AI Gateway is a Premium feature. Contact sales!"}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/anthropic/v1/messages/"),  # a trailing slash is another route
        ("POST", "/openai/chat/completions"),  # OpenAI routes include /v1
        ("POST", "/copilot-business/chat/completions"),  # not configured
        ("POST", "/foo/v1/messages"),
        ("POST", "/openai/v1/completions"),  # legacy completions are deliberately not passed through
    ],
)
def test_paths_no_instance_serves_reach_the_library_catch_all(
    app: Flask, client: FlaskClient, method: str, path: str
) -> None:
    token = tokens(app)["alice"]
    response = client.open(API + path, method=method, headers={"Authorization": f"Bearer {token}"})
    assert (response.status_code, response.data) == (404, f"route not supported: {method} {path}\n".encode())


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/anthropic/v1/messages", b""),
        ("/anthropic/v1/messages", b"{not json"),
        ("/openai/v1/chat/completions", b"[]"),
        ("/openai/v1/responses", b""),
    ],
)
def test_a_body_the_interceptor_cannot_read_is_a_500_and_records_nothing(
    app: Flask, client: FlaskClient, path: str, body: bytes
) -> None:
    owner = tokens(app)["admin"]
    before = _count(client, owner)
    response = post(client, path, body, tokens(app)["alice"])
    assert (response.status_code, response.content_type) == (500, TEXT)
    assert response.data == f'failed to create "{path}" interceptor\n'.encode()
    assert _count(client, owner) == before


def test_a_get_on_a_bridged_route_is_bridged_and_fails_on_its_empty_body(
    app: Flask, client: FlaskClient
) -> None:
    response = client.get(
        API + "/anthropic/v1/messages", headers={"Authorization": f"Bearer {tokens(app)['alice']}"}
    )
    assert (response.status_code, response.data) == (
        500,
        b'failed to create "/anthropic/v1/messages" interceptor\n',
    )


@pytest.mark.parametrize(
    ("path", "key"),
    [
        ("/anthropic/v1/models", "data"),
        ("/openai/v1/models", "data"),
        ("/anthropic/v1/models/claude-sonnet-4-5-20250929", "id"),
    ],
)
def test_passthrough_routes_answer_but_are_never_recorded(
    app: Flask, client: FlaskClient, path: str, key: str
) -> None:
    owner = tokens(app)["admin"]
    before = _count(client, owner)
    response = client.get(API + path, headers={"Authorization": f"Bearer {tokens(app)['alice']}"})
    assert response.status_code == 200 and key in response.get_json()
    assert _count(client, owner) == before


def test_count_tokens_is_a_passthrough_that_counts_the_prompt(app: Flask, client: FlaskClient) -> None:
    response = post(
        client, "/anthropic/v1/messages/count_tokens", messages_body("count me"), tokens(app)["alice"]
    )
    assert response.status_code == 200 and response.get_json()["input_tokens"] > 0


def test_copilot_requests_need_the_users_own_bearer_token() -> None:
    app = provider_app(providers=("copilot:copilot-business",))
    client, token = app.test_client(), tokens(app)["alice"]
    body = {"model": "gpt-5", "messages": [{"role": "user", "content": "hi"}]}
    # Centralized mode: aibridged strips Authorization, so the Copilot interceptor has no token.
    centralized = post(client, "/copilot-business/chat/completions", body, token)
    assert centralized.data == b'failed to create "/copilot-business/chat/completions" interceptor\n'
    byok = post(
        client, "/copilot-business/chat/completions", body, None,
        **{"X-Coder-AI-Governance-Token": token, "Authorization": "Bearer ghu_ABCDEFGHIJKLMNOPQRSTUVWX"},
    )  # fmt: skip
    assert byok.status_code == 200
    item = read(client, "/interceptions", tokens(app)["admin"], limit=1)["results"][0]
    assert (item["provider"], item["provider_name"]) == ("copilot", "copilot-business")
