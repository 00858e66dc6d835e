"""Authentication (spec 6), authorisation by persona (7) and the licence and no-auth switches (1.6)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from aibridge_mock.server.dataset.store import Dataset
from aibridge_mock.server.extension import mock_of

Get = Callable[..., TestResponse]
ExpectError = Callable[..., None]
Item = dict[str, Any]
SIGNED_OUT = "You are signed out or your session has expired. Please sign in again to continue."
MISSING = 'Cookie "coder_session_token" or query parameter must be provided.'
PREMIUM = {"message": "AI Gateway is a Premium feature. Contact sales!"}
SESSIONS = "/api/v2/aibridge/sessions"
SECRET = "s" * 22
PATHS = ("/interceptions", "/sessions", "/models", "/clients")


def _request(client: FlaskClient, source: str, token: str, path: str = SESSIONS) -> TestResponse:
    """GET ``path`` carrying ``token`` the way ``source`` names."""
    if source == "cookie":
        return client.get(path, headers={"Cookie": f"coder_session_token={token}"})
    if source == "query":
        return client.get(path, query_string={"coder_session_token": token})
    if source == "header":
        return client.get(path, headers={"Coder-Session-Token": token})
    if source.startswith("authorization:"):
        return client.get(path, headers={"Authorization": f"{source.split(':', 1)[1]} {token}"})
    assert source == "access_token"
    return client.get(path, query_string={"access_token": token})


@pytest.fixture(scope="module")
def raw_client(app: Flask) -> FlaskClient:
    """A client without a cookie jar, so that a Cookie header is sent as written."""
    return app.test_client(use_cookies=False)


SOURCES = [
    "cookie",
    "query",
    "header",
    "authorization:Bearer",
    "authorization:bearer",
    "authorization:BEARER",
    "access_token",
]


@pytest.mark.parametrize("source", SOURCES)
def test_every_token_source_authenticates(
    raw_client: FlaskClient, owner_token: str, all_sessions: list[Item], source: str
) -> None:
    response = _request(raw_client, source, owner_token)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["count"] == len(all_sessions)


@pytest.mark.parametrize(
    ("earlier", "later"),
    [
        ("cookie", "query"),
        ("query", "header"),
        ("header", "authorization:Bearer"),
        ("authorization:Bearer", "access_token"),
    ],
)
def test_the_first_token_source_wins_even_when_it_is_invalid(
    raw_client: FlaskClient, owner_token: str, expect_error: ExpectError, earlier: str, later: str
) -> None:
    bad = "zzzzzzzzzz-" + SECRET
    headers: dict[str, str] = {}
    query: dict[str, str] = {}
    for source, token in ((earlier, bad), (later, owner_token)):
        if source == "cookie":
            headers["Cookie"] = f"coder_session_token={token}"
        elif source == "query":
            query["coder_session_token"] = token
        elif source == "header":
            headers["Coder-Session-Token"] = token
        elif source == "access_token":
            query["access_token"] = token
        else:
            headers["Authorization"] = f"Bearer {token}"
    response = raw_client.get(SESSIONS, headers=headers, query_string=query)
    expect_error(response, 401, SIGNED_OUT, "API key is invalid.")


@pytest.mark.parametrize("authorization", ["Basic dXNlcjpwYXNz", "Bearer", "Token abc"])
def test_an_authorization_header_that_is_not_bearer_is_no_token(
    client: FlaskClient, expect_error: ExpectError, authorization: str
) -> None:
    expect_error(client.get(SESSIONS, headers={"Authorization": authorization}), 401, SIGNED_OUT, MISSING)


@pytest.fixture(scope="module")
def wrong_secret(owner_token: str) -> str:
    key_id, secret = owner_token.split("-")
    return f"{key_id}-{'A' if secret[0] != 'A' else 'B'}{secret[1:]}"


@pytest.mark.parametrize(
    ("token", "detail"),
    [
        (None, MISSING),
        ("", MISSING),
        ("abc", "Invalid API key format: incorrect amount of API key parts, expected 2 got 1"),
        ("a-b-c", "Invalid API key format: incorrect amount of API key parts, expected 2 got 3"),
        ("abc-" + SECRET, "Invalid API key format: invalid API key ID length, expected 10 got 3"),
        ("0123456789-short", "Invalid API key format: invalid API key secret length, expected 22 got 5"),
        ("zzzzzzzzzz-" + SECRET, "API key is invalid."),
        ("WRONG_SECRET", "API key secret is invalid."),
    ],
)
@pytest.mark.parametrize("path", [*PATHS, "/sessions/anything"])
def test_401_bodies_and_challenge(
    client: FlaskClient,
    expect_error: ExpectError,
    wrong_secret: str,
    token: str | None,
    detail: str,
    path: str,
) -> None:
    token = wrong_secret if token == "WRONG_SECRET" else token
    headers = {"Coder-Session-Token": token} if token is not None else {}
    response = client.get(f"/api/v2/aibridge{path}", headers=headers)
    expect_error(response, 401, SIGNED_OUT, detail)
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith('Bearer realm="coder", error="invalid_token"')
    assert 'resource_metadata="http://localhost/.well-known/oauth-protected-resource"' in challenge


def test_authentication_comes_before_parameter_checks(client: FlaskClient, expect_error: ExpectError) -> None:
    expect_error(client.get(SESSIONS, query_string={"limit": "abc"}), 401, SIGNED_OUT, MISSING)


# -- personas --------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [*PATHS, "/sessions?limit=1000", "/interceptions?q=initiator:alice"])
def test_the_auditor_sees_what_the_owner_sees(get: Get, auditor_token: str, path: str) -> None:
    owner, auditor = get(path), get(path, token=auditor_token)
    assert (auditor.status_code, auditor.data) == (200, owner.data)


def test_the_auditor_reads_session_threads(get: Get, auditor_token: str, all_sessions: list[Item]) -> None:
    path = f"/sessions/{all_sessions[0]['id']}"
    assert get(path, token=auditor_token).data == get(path).data


@pytest.mark.parametrize("member", ["alice", "bob"])
@pytest.mark.parametrize(
    ("path", "params", "body"),
    [
        ("/interceptions", {}, b'{"count":0,"results":[]}\n'),
        ("/interceptions", {"q": "initiator:me"}, b'{"count":0,"results":[]}\n'),
        ("/sessions", {}, b'{"count":0,"sessions":[]}\n'),
        ("/sessions", {"q": "initiator:me"}, b'{"count":0,"sessions":[]}\n'),
        ("/models", {}, b"null\n"),
        ("/clients", {}, b"null\n"),
        ("/models", {"q": "gpt"}, b"null\n"),
    ],
)
def test_members_read_nothing_even_their_own(
    get: Get, dataset: Dataset, member: str, path: str, params: dict[str, str], body: bytes
) -> None:
    token = next(p.token for p in dataset.personas if p.user.username == member)
    response = get(path, token=token, **params)
    assert (response.status_code, response.data) == (200, body)


@pytest.fixture(scope="module")
def alices_session(all_sessions: list[Item]) -> str:
    session_id: str = next(s["id"] for s in all_sessions if s["initiator"]["username"] == "alice")
    return session_id


def test_members_get_404_for_their_own_session(
    get: Get, member_token: str, expect_error: ExpectError, alices_session: str
) -> None:
    assert get(f"/sessions/{alices_session}").status_code == 200
    expect_error(get(f"/sessions/{alices_session}", token=member_token), 404, "Session not found.")


def test_members_get_404_for_the_owners_session(
    get: Get, member_token: str, expect_error: ExpectError, all_sessions: list[Item]
) -> None:
    owners = next(s["id"] for s in all_sessions if s["initiator"]["username"] == "admin")
    expect_error(get(f"/sessions/{owners}", token=member_token), 404, "Session not found.")


def test_members_cannot_use_an_interception_cursor(
    get: Get, member_token: str, expect_error: ExpectError, all_interceptions: list[Item]
) -> None:
    own = next(i["id"] for i in all_interceptions if i["initiator"]["username"] == "alice")
    expect_error(
        get("/interceptions", token=member_token, after_id=own),
        400,
        "Invalid pagination cursor.",
        f"after_id: interception {own} not found: invalid pagination cursor",
    )


def test_members_cannot_use_a_session_cursor(
    get: Get, member_token: str, expect_error: ExpectError, alices_session: str
) -> None:
    expect_error(
        get("/sessions", token=member_token, after_session_id=alices_session),
        400,
        "Query parameter has invalid value.",
        f'after_session_id: session "{alices_session}" not found',
    )


# -- licence and no-auth switches -------------------------------------------------------------------


@pytest.fixture(scope="module")
def unlicensed(make_app: Callable[..., Flask]) -> FlaskClient:
    return make_app(interceptions=50, unlicensed=True).test_client()


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
@pytest.mark.parametrize(
    "path", [*PATHS, "/sessions/anything", "/", "/openai/v1/chat/completions", "/nope/deeper"]
)
def test_unlicensed_answers_403_before_authentication_everywhere(
    unlicensed: FlaskClient, method: str, path: str
) -> None:
    response = unlicensed.open(f"/api/v2/aibridge{path}", method=method)
    assert (response.status_code, response.content_type, response.data) == (
        403,
        "application/json; charset=utf-8",
        b'{"message":"AI Gateway is a Premium feature. Contact sales!"}\n',
    )
    assert response.get_json() == PREMIUM


def test_unlicensed_403_does_not_depend_on_the_token(unlicensed: FlaskClient) -> None:
    response = unlicensed.get(SESSIONS, headers={"Coder-Session-Token": "garbage"})
    assert (response.status_code, response.get_json()) == (403, PREMIUM)


def test_unlicensed_leaves_other_api_routes_alone(unlicensed: FlaskClient) -> None:
    response = unlicensed.get("/api/v2/workspaces")
    assert (response.status_code, response.get_json()) == (404, {"message": "Route not found."})


@pytest.fixture(scope="module")
def open_mock(make_app: Callable[..., Flask]) -> tuple[FlaskClient, Dataset]:
    app = make_app(interceptions=400, no_auth=True)
    return app.test_client(), mock_of(app).datasets.snapshot.dataset


def test_no_auth_serves_requests_without_a_token_as_the_owner(open_mock: tuple[FlaskClient, Dataset]) -> None:
    client, dataset = open_mock
    response = client.get("/api/v2/aibridge/interceptions", query_string={"limit": "1"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["count"] == dataset.n_ended > 0
    owner = dataset.personas[0].user.id
    me = client.get(
        "/api/v2/aibridge/interceptions", query_string={"q": "initiator:me", "limit": "1000"}
    ).get_json()
    assert me["count"] > 0 and {r["initiator"]["id"] for r in me["results"]} == {owner}
