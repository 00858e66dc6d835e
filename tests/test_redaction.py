"""No secret in a log (issue 11): tokens in queries, headers and cookies are redacted, names kept."""

from __future__ import annotations

import logging
import urllib.request

import pytest
from flask import Flask

from aibridge_mock.redaction import redact_header, redact_query
from aibridge_mock.server import create_app
from aibridge_mock.server.config import Config
from aibridge_mock.server.extension import mock_of
from aibridge_mock.server.views.admin import admin_token
from aibridge_mock.testing import start_mock

TOKEN = "AbCdEfGhIj-0123456789abcdefghijkl"  # Coder's format: 10 characters, a dash, 22


@pytest.mark.parametrize(
    ("query", "logged"),
    [
        (f"coder_session_token={TOKEN}&limit=5", "coder_session_token=REDACTED&limit=5"),
        (f"limit=5&access_token={TOKEN}", "limit=5&access_token=REDACTED"),
        ("coder%5Fsession%5Ftoken=s3cret", "coder%5Fsession%5Ftoken=REDACTED"),  # the name Go decodes
        (
            "ACCESS_TOKEN=s3cret&api_key=k&password=p",
            "ACCESS_TOKEN=REDACTED&api_key=REDACTED&password=REDACTED",
        ),
        ("limit=5;access_token=s3cret", "limit=5;access_token=REDACTED"),  # a pair Go drops is still a secret
        (f"q=initiator:{TOKEN}", "q=initiator:REDACTED"),  # a Coder key anywhere in the query
        (
            "q=model:gpt-5&limit=5&after_session_id=cli-sess-456",
            "q=model:gpt-5&limit=5&after_session_id=cli-sess-456",
        ),
        ("access_token", "access_token"),  # no value, nothing to hide
        ("", ""),
    ],
)
def test_query_strings_lose_their_token_values(query: str, logged: str) -> None:
    assert redact_query(query) == logged


@pytest.mark.parametrize(
    ("name", "value", "logged"),
    [
        ("Authorization", f"Bearer {TOKEN}", "Bearer REDACTED"),
        ("authorization", "Basic YWRtaW46YWRtaW4=", "Basic REDACTED"),
        ("Coder-Session-Token", TOKEN, "REDACTED"),
        ("X-Api-Key", "sk-ant-123", "REDACTED"),
        ("X-Coder-AI-Governance-Token", TOKEN, "REDACTED"),
        (
            "Cookie",
            f"coder_session_token={TOKEN}; theme=dark",
            "coder_session_token=REDACTED; theme=REDACTED",
        ),
        ("Set-Cookie", "session=abc; Path=/; HttpOnly", "session=REDACTED; Path=/; HttpOnly"),
        ("User-Agent", "claude-cli/2.0.67", "claude-cli/2.0.67"),
        ("Origin", "http://localhost:5173", "http://localhost:5173"),
    ],
)
def test_credential_headers_and_cookies_lose_their_values(name: str, value: str, logged: str) -> None:
    assert redact_header(name, value) == logged


def test_the_journal_never_holds_a_token_from_the_query() -> None:
    app: Flask = create_app(Config(interceptions=50))
    client, admin = app.test_client(), admin_token(mock_of(app).config)
    owner = mock_of(app).datasets.snapshot.dataset.personas[0].token
    client.get(f"/api/v2/aibridge/sessions?coder_session_token={owner}&limit=1")
    client.get(f"/api/v2/aibridge/sessions?access_token={admin}")  # the admin token, refused here
    journal = client.get("/__admin/journal", headers={"Authorization": f"Bearer {admin}"}).get_json()
    assert [e["query"] for e in journal["requests"]] == [
        "coder_session_token=REDACTED&limit=1",
        "access_token=REDACTED",
    ]
    assert [e["status"] for e in journal["requests"]] == [200, 401]


def test_the_access_log_line_has_no_token(caplog: pytest.LogCaptureFixture) -> None:
    app = create_app(Config(interceptions=40))
    path = f"/api/v2/aibridge/sessions?access_token={TOKEN}&limit=1"
    with caplog.at_level(logging.INFO, logger="aibridge_mock.access"):
        app.test_client().get(
            path, headers={"Coder-Session-Token": TOKEN, "Cookie": f"coder_session_token={TOKEN}"}
        )
    (line,) = [r.getMessage() for r in caplog.records if r.name == "aibridge_mock.access"]
    assert TOKEN not in line
    assert '"GET /api/v2/aibridge/sessions?access_token=REDACTED&limit=1 HTTP/1.1" 401' in line


def test_the_in_process_test_server_logs_request_lines_without_tokens(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="werkzeug"), start_mock(Config(interceptions=40)) as mock:
        owner = mock.tokens["owner"]
        url = f"{mock.url}/api/v2/aibridge/sessions?limit=1&coder_session_token={owner}"
        with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(url) as answer:
            assert answer.status == 200
    assert "coder_session_token=REDACTED" in caplog.text
    assert owner not in caplog.text
