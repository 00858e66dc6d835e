"""Requests read as coderd's Go code reads them (issue 11): bytes that are not UTF-8, url.ParseQuery's
rules, chi's raw path, header bytes and net/http's cookies. Nothing here may answer 500."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from aibridge_mock.server.extension import mock_of

Get = Callable[..., TestResponse]
ExpectError = Callable[..., None]
API = "/api/v2/aibridge"
JSON_TYPE = "application/json; charset=utf-8"

TEXT_TYPE = "text/plain; charset=utf-8"
LISTS = ("/interceptions", "/sessions", "/models", "/clients")
INVALID = "Query parameters have invalid values."


def _unknown_user(quoted: str) -> str:
    return (
        f'Query param "initiator" has invalid value: user {quoted} either does not exist, '
        "or you are unauthorized to view them"
    )


# -- invalid UTF-8 in the query ---------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", LISTS)
@pytest.mark.parametrize("value", ["%ff", "%C3%28", "%ED%A0%80", "%80%80"])
def test_an_after_id_that_is_not_utf8_is_an_invalid_uuid_on_every_list(
    client: FlaskClient, owner_token: str, expect_error: ExpectError, endpoint: str, value: str
) -> None:
    response = client.get(f"{API}{endpoint}?after_id={value}", headers={"Coder-Session-Token": owner_token})
    expect_error(
        response, 400, INVALID, validations=[("after_id", 'Query param "after_id" must be a valid uuid')]
    )


@pytest.mark.parametrize(
    ("query", "message", "detail"),
    [
        ("after_id=%C3%28", "Invalid after_id query parameter.", "invalid UUID length: 2"),
        ("before_id=%ff", "Invalid before_id query parameter.", "invalid UUID length: 1"),
        (
            "after_id=urn:uu%ff" + "0" * 38,
            "Invalid after_id query parameter.",
            'invalid urn prefix: "urn:uu\\xff00"',
        ),
        ("before_id=" + "%ff" * 36, "Invalid before_id query parameter.", "invalid UUID format"),
    ],
)
def test_a_thread_cursor_that_is_not_utf8_gets_google_uuids_error(
    get: Get,
    all_sessions: list[dict[str, str]],
    expect_error: ExpectError,
    query: str,
    message: str,
    detail: str,
) -> None:
    session_id = all_sessions[0]["id"]
    expect_error(get(f"/sessions/{session_id}?{query}"), 400, message, detail)


def test_an_initiator_that_is_not_utf8_is_an_unknown_user_quoted_like_go(
    get: Get, expect_error: ExpectError
) -> None:
    detail = _unknown_user('"\\xff"')
    expect_error(
        get("/interceptions?q=initiator:%ff"),
        400,
        "Invalid workspace search query.",
        validations=[("initiator", detail)],
    )


@pytest.mark.parametrize(
    ("path", "empty"),
    [
        ("/interceptions?q=model:%ff", b'{"count":0,"results":[]}\n'),
        ("/interceptions?q=client:%C3%28", b'{"count":0,"results":[]}\n'),
        ("/sessions?q=session_id:%ff", b'{"count":0,"sessions":[]}\n'),
        ("/sessions?q=provider:a%00b", b'{"count":0,"sessions":[]}\n'),
        ("/models?q=%ff", b"null\n"),
        ("/clients?q=%C3%28", b"null\n"),
    ],
)
def test_a_filter_value_that_is_not_utf8_matches_nothing(get: Get, path: str, empty: bytes) -> None:
    response = get(path)
    assert (response.status_code, response.data) == (200, empty)


def test_an_unknown_search_key_that_is_not_utf8_is_lower_cased_like_go(
    get: Get, expect_error: ExpectError
) -> None:
    # strings.ToLower turns a byte that is not UTF-8 into U+FFFD.
    detail = '"\ufffdx" is not a valid query param'
    expect_error(
        get("/sessions?q=%ffX:1"), 400, "Invalid session search query.", validations=[("\ufffdx", detail)]
    )


def test_a_raw_non_ascii_query_byte_sequence_is_read_as_utf8(get: Get, expect_error: ExpectError) -> None:
    detail = _unknown_user('"zoë"')
    # The test client sends the characters of the target as UTF-8 bytes, unescaped.
    expect_error(
        get("/interceptions?q=initiator:zoë"),
        400,
        "Invalid workspace search query.",
        validations=[("initiator", detail)],
    )


# -- url.ParseQuery's rules --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "same_as"),
    [
        ("limit=5;offset=2", ""),  # a pair with ';' is dropped
        ("limit=%zz", ""),  # a bad escape drops the pair
        ("limit=2&offset=%zz", "limit=2"),
        ("lim%zzit=5&limit=3", "limit=3"),
        ("limit=2&limit=%", "limit=2"),  # only one limit survives: no "provided more than once"
        ("&&limit=2&&", "limit=2"),
        ("a=1&" * 9_999 + "limit=2", "limit=2"),  # 10,000 pairs: parsed
        ("a=1&" * 10_000 + "limit=2", ""),  # 10,001: Go parses none of them
    ],
)
def test_the_query_is_parsed_like_go_url_parse_query(get: Get, query: str, same_as: str) -> None:
    response = get(f"/interceptions?{query}")
    assert response.status_code == 200, response.data
    assert response.data == get(f"/interceptions?{same_as}").data


def test_a_plus_in_the_query_is_a_space(get: Get, expect_error: ExpectError) -> None:
    detail = (
        'Query param "limit" must be a valid 32-bit positive integer: strconv.ParseInt: parsing " 2": '
        + ("invalid syntax")
    )
    expect_error(get("/interceptions?limit=+2"), 400, INVALID, validations=[("limit", detail)])


# -- the path ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "text"),
    [
        ("/%ff", b"route not supported: GET /\xff\n"),  # Go writes the raw byte back
        ("/%C3%A9t%C3%A9", "route not supported: GET /été\n".encode()),
        ("/x%2Fy", b"route not supported: GET /x/y\n"),  # the decoded r.URL.Path
    ],
)
def test_the_provider_catch_all_quotes_gos_decoded_path(
    client: FlaskClient, owner_token: str, target: str, text: bytes
) -> None:
    response = client.get(API + target, headers={"Authorization": f"Bearer {owner_token}"})
    assert (response.status_code, response.content_type, response.data) == (404, TEXT_TYPE, text)


@pytest.mark.parametrize("session_id", ["%ff", "%FF", "a%2Fb", "%00"])
def test_a_session_id_from_a_strange_path_is_just_an_unknown_session(
    get: Get, expect_error: ExpectError, session_id: str
) -> None:
    # chi routes on the raw path when its escapes are not Go's own (%ff, %2F): /sessions/a%2Fb is the
    # session "a%2Fb", never the catch-all.
    expect_error(get(f"/sessions/{session_id}"), 404, "Session not found.")


@pytest.fixture(scope="module")
def cafe_get(tmp_path_factory: pytest.TempPathFactory, make_app: Callable[..., Flask]) -> Get:
    """A mock whose one session id needs escaping in a path: "café au lait"."""
    fixture = {
        "interceptions": [
            {
                "id": "b1000000-0000-4000-8000-000000000001",
                "initiator": "alice",
                "provider": "openai",
                "model": "gpt-5",
                "client_session_id": "café au lait",
                "started_at": "2026-05-14T10:00:00Z",
                "ended_at": "2026-05-14T10:00:01Z",
            }
        ]
    }
    path = tmp_path_factory.mktemp("cafe") / "cafe.json"
    path.write_text(json.dumps(fixture), encoding="utf-8")
    app = make_app(interceptions=0, fixtures=(path,))
    client, token = app.test_client(), mock_of(app).datasets.snapshot.dataset.personas[0].token
    return lambda path: client.get(API + path, headers={"Coder-Session-Token": token})


@pytest.mark.parametrize(
    ("escaped", "status"),
    [
        ("caf%C3%A9%20au%20lait", 200),  # Go's own escaping: chi routes on the decoded path
        ("caf%c3%a9%20au%20lait", 404),  # lower-case hex is not: chi routes on the raw path
        ("caf%C3%A9%20au%20l%61it", 404),  # nor is an escaped letter
    ],
)
def test_a_path_session_id_is_decoded_only_when_its_escapes_are_gos_own(
    cafe_get: Get, escaped: str, status: int
) -> None:
    response = cafe_get(f"/sessions/{escaped}")
    assert response.status_code == status, response.data
    if status == 200:
        assert response.get_json()["id"] == "café au lait"


@pytest.mark.parametrize("target", [f"{API}/sessions/%zz", f"{API}/%", "/healthz%2", "/api/v2/a%g0"])
def test_a_bad_escape_in_the_path_is_gos_server_400(client: FlaskClient, target: str) -> None:
    response = client.get(target)
    assert (response.status_code, response.content_type, response.data) == (
        400,
        TEXT_TYPE,
        b"400 Bad Request",
    )
    assert response.headers["Connection"] == "close"


# -- headers and cookies ----------------------------------------------------------------------------


@pytest.fixture
def jarless(app: Flask) -> FlaskClient:
    """A client without a cookie jar, so that a Cookie header is sent as written."""
    return app.test_client(use_cookies=False)


def test_a_token_header_with_bytes_that_are_not_utf8_is_measured_in_bytes(
    client: FlaskClient, expect_error: ExpectError
) -> None:
    # WSGI hands header bytes over as Latin-1 characters; Go counts the bytes: 11, not 22.
    response = client.get(f"{API}/sessions", headers={"Coder-Session-Token": "abcdefghij-" + "\xff" * 11})
    expect_error(
        response,
        401,
        "You are signed out or your session has expired. Please sign in again to continue.",
        "Invalid API key format: invalid API key secret length, expected 22 got 11",
    )


def test_a_cookie_with_bytes_a_cookie_may_not_hold_is_skipped_like_net_http(
    jarless: FlaskClient, owner_token: str
) -> None:
    bad = {"Cookie": "coder_session_token=\xff\xfe"}
    response = jarless.get(f"{API}/sessions", headers=bad)
    assert response.status_code == 401
    assert (
        response.get_json()["detail"] == 'Cookie "coder_session_token" or query parameter must be provided.'
    )
    # Skipped, the next source (the header) is used.
    response = jarless.get(f"{API}/sessions", headers={**bad, "Coder-Session-Token": owner_token})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("cookie_header", "status"),
    [
        ('coder_session_token="{token}"', 200),  # quotes are stripped
        ("other=1; coder_session_token={token}", 200),
        ("coder_session_token=x\\y; coder_session_token={token}", 200),  # the first valid one wins
        ("coder_session_token= {token}", 401),  # net/http trims the name, not the value
        ("coder session token={token}", 401),  # not a cookie name: no cookie at all
    ],
)
def test_the_session_cookie_is_read_like_net_http(
    jarless: FlaskClient, owner_token: str, cookie_header: str, status: int
) -> None:
    response = jarless.get(
        f"{API}/sessions?limit=1", headers={"Cookie": cookie_header.format(token=owner_token)}
    )
    assert response.status_code == status, response.data
    assert response.content_type == JSON_TYPE
