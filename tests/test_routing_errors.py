"""Routing (spec 1.7, 1.6, checklist 10.11): the provider catch-all, coderd's JSON 404, never HTML."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

TEXT_TYPE = "text/plain; charset=utf-8"
JSON_TYPE = "application/json; charset=utf-8"
MANAGEMENT = ("/interceptions", "/sessions", "/sessions/some-session", "/models", "/clients")
OTHER_METHODS = ("POST", "PUT", "DELETE", "PATCH")
UNKNOWN_GET = ("/", "/foo", "/interceptions/extra", "/sessions/a/b", "/sessions/", "/v1/messages")


def _text(client: FlaskClient, method: str, path: str, headers: dict[str, str]) -> tuple[int, str, bytes]:
    response = client.open(f"/api/v2/aibridge{path}", method=method, headers=headers)
    return response.status_code, response.content_type, response.data


CASES = [(m, p) for p in MANAGEMENT for m in OTHER_METHODS] + [("GET", p) for p in UNKNOWN_GET]


@pytest.mark.parametrize(("method", "path"), CASES)
def test_catch_all_ignores_the_session_token_header(
    client: FlaskClient, owner_token: str, method: str, path: str
) -> None:
    # aibridged reads only X-Coder-AI-Governance-Token, Authorization: Bearer and X-Api-Key.
    assert _text(client, method, path, {"Coder-Session-Token": owner_token}) == (
        400,
        TEXT_TYPE,
        b"no authentication key provided\n",
    )


@pytest.mark.parametrize(("method", "path"), CASES)
def test_catch_all_rejects_an_unknown_bearer_token(client: FlaskClient, method: str, path: str) -> None:
    headers = {"Authorization": "Bearer zzzzzzzzzz-" + "s" * 22}
    assert _text(client, method, path, headers) == (403, TEXT_TYPE, b"unauthorized\n")


@pytest.mark.parametrize(("method", "path"), CASES)
def test_catch_all_with_a_valid_token_has_no_such_provider_route(
    client: FlaskClient, owner_token: str, method: str, path: str
) -> None:
    status, content_type, body = _text(client, method, path, {"Authorization": f"Bearer {owner_token}"})
    assert (status, content_type, body) == (
        404,
        TEXT_TYPE,
        f"route not supported: {method} {path}\n".encode(),
    )


def test_catch_all_names_the_path_without_the_query(client: FlaskClient, owner_token: str) -> None:
    response = client.post(
        "/api/v2/aibridge/interceptions",
        query_string={"limit": "5"},
        headers={"Authorization": f"Bearer {owner_token}"},
    )
    assert (response.status_code, response.data) == (404, b"route not supported: POST /interceptions\n")


@pytest.mark.parametrize("header", ["X-Api-Key", "X-Coder-AI-Governance-Token"])
def test_catch_all_reads_the_other_ai_token_headers(
    client: FlaskClient, owner_token: str, header: str
) -> None:
    status, _, body = _text(client, "POST", "/interceptions", {header: owner_token})
    assert status != 400 and body != b"no authentication key provided\n"


def test_catch_all_ignores_session_cookies_and_query_tokens(client: FlaskClient, owner_token: str) -> None:
    response = client.post(
        "/api/v2/aibridge/interceptions",
        query_string={"coder_session_token": owner_token, "access_token": owner_token},
    )
    assert (response.status_code, response.data) == (400, b"no authentication key provided\n")


@pytest.mark.parametrize("path", MANAGEMENT)
def test_head_goes_to_the_catch_all_too(client: FlaskClient, owner_token: str, path: str) -> None:
    response = client.head(f"/api/v2/aibridge{path}", headers={"Coder-Session-Token": owner_token})
    assert (response.status_code, response.content_type) == (400, TEXT_TYPE)


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_management_paths_never_answer_405(client: FlaskClient, owner_token: str, method: str) -> None:
    for path in MANAGEMENT:
        status, _, _ = _text(client, method, path, {"Authorization": f"Bearer {owner_token}"})
        assert status != 405


@pytest.mark.parametrize(
    "path",
    [
        "/api/v2/workspaces",
        "/api/v2/aibridgex",
        "/api/v2/ai-gateway/sessions",
        "/api/v2/aibridge-interceptions",
        "/api/v2",
        "/api/v2/",
    ],
)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_other_api_v2_paths_are_coder_json_404s(
    client: FlaskClient, owner_token: str, path: str, method: str
) -> None:
    response = client.open(path, method=method, headers={"Coder-Session-Token": owner_token})
    assert (response.status_code, response.content_type, response.data) == (
        404,
        JSON_TYPE,
        b'{"message":"Route not found."}\n',
    )


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/"),
        ("GET", "/nope"),
        ("GET", "/api"),
        ("POST", "/healthz"),
        ("DELETE", "/openapi.json"),
        ("GET", "/api/v2/aibridge/<script>"),
        ("GET", "/static/app.js"),
        ("PUT", "/api/v2/aibridge/sessions"),
    ],
)
def test_nothing_answers_html(client: FlaskClient, method: str, path: str) -> None:
    response = client.open(path, method=method)
    assert response.content_type in (JSON_TYPE, TEXT_TYPE), response.data
    assert not response.data.lstrip().startswith(b"<")
