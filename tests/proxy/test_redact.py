"""No credential reaches a log line, the report or a curl command."""

from __future__ import annotations

import pytest

from aibridge_mock.proxy.redact import curl_line, redact_url

TOKEN = "AbCdEfGhIj-0123456789abcdefghijkl"


@pytest.mark.parametrize(
    ("headers", "url", "expected"),
    [
        (
            [("Coder-Session-Token", TOKEN)],
            "http://c/api/v2/aibridge/sessions?limit=5",
            "curl -sS -H \"Coder-Session-Token: $CODER_SESSION_TOKEN\" 'http://c/api/v2/aibridge/sessions?limit=5'",
        ),
        (
            [("Authorization", f"Bearer {TOKEN}"), ("User-Agent", "ui")],
            "http://c/x",
            'curl -sS -H "Authorization: Bearer $CODER_SESSION_TOKEN" http://c/x',
        ),
        (
            [("Cookie", f"theme=dark; coder_session_token={TOKEN}")],
            "http://c/x",
            'curl -sS -H "Cookie: theme=REDACTED; coder_session_token=$CODER_SESSION_TOKEN" http://c/x',
        ),
        (
            [("X-Api-Key", TOKEN), ("X-Coder-AI-Governance-Token", TOKEN)],
            "http://c/x",
            'curl -sS -H "X-Api-Key: $CODER_SESSION_TOKEN" '
            '-H "X-Coder-AI-Governance-Token: $CODER_SESSION_TOKEN" http://c/x',
        ),
        (
            [],
            f"http://c/x?coder_session_token={TOKEN}&q=model:a",
            'curl -sS "http://c/x?coder_session_token=$CODER_SESSION_TOKEN&q=model:a"',
        ),
    ],
)
def test_curl_lines_stand_a_variable_for_every_credential(
    headers: list[tuple[str, str]], url: str, expected: str
) -> None:
    line = curl_line("GET", url, headers)
    assert line == expected and TOKEN not in line


def test_a_url_keeps_everything_but_the_token_values() -> None:
    assert redact_url(f"/api/v2/x?access_token={TOKEN}&limit=5") == "/api/v2/x?access_token=REDACTED&limit=5"
    assert redact_url("/api/v2/x?limit=5") == "/api/v2/x?limit=5"
