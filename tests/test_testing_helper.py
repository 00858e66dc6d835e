"""The pytest plugin (aibridge_mock.testing): the in-process fixture, container mode, admin client."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from aibridge_mock import testing
from aibridge_mock.server.config import Config
from aibridge_mock.testing import AdminError, MockServer, PersonaError, connect, start_mock

# The plugin's fixtures, taken by name: `pytest_plugins` here would import aibridge_mock.testing a second time
# (a user's conftest does that instead; the last test below checks that path).
aibridge_mock = testing.aibridge_mock
aibridge_mock_server = testing.aibridge_mock_server
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@pytest.fixture(scope="session")
def aibridge_mock_config() -> Config:
    return Config(seed=3, interceptions=200)


def _get(mock: MockServer, path: str, role: str = "owner") -> tuple[int, object]:
    request = urllib.request.Request(mock.api_url + path, headers=mock.headers(role))
    try:
        with _OPENER.open(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_fixture_serves_the_configured_mock_with_persona_tokens(aibridge_mock: MockServer) -> None:
    status, body = _get(aibridge_mock, "/aibridge/sessions?limit=2")
    assert status == 200
    assert isinstance(body, dict) and len(body["sessions"]) == 2
    assert set(aibridge_mock.tokens) == {"owner", "auditor", "member"}
    assert aibridge_mock.admin.state()["dataset"]["seed"] == 3


def test_fixture_admin_client_switches_scenarios(aibridge_mock: MockServer) -> None:
    aibridge_mock.admin.scenario("unlicensed")
    premium = {"message": "AI Gateway is a Premium feature. Contact sales!"}
    assert _get(aibridge_mock, "/aibridge/models") == (403, premium)


def test_restore_undoes_scenario_faults_journal_and_reseed(aibridge_mock: MockServer) -> None:
    owner = aibridge_mock.tokens["owner"]
    aibridge_mock.admin.scenario("failing")
    aibridge_mock.admin.fault("GET /api/v2/aibridge/models", error_rate=1.0)
    aibridge_mock.admin.reseed(9, interceptions=50)
    assert aibridge_mock.tokens["owner"] != owner
    aibridge_mock.restore()
    state = aibridge_mock.admin.state()
    assert (state["dataset"]["seed"], state["dataset"]["interceptions"]) == (3, 200)
    assert state["runtime"]["scenario"] == "normal"
    assert state["runtime"]["faults"] == []
    assert aibridge_mock.tokens["owner"] == owner
    assert _get(aibridge_mock, "/aibridge/models")[0] == 200


def test_journal_shows_what_the_test_requested(aibridge_mock: MockServer) -> None:
    _get(aibridge_mock, "/aibridge/clients?q=client:Claude", role="auditor")
    assert [(e["path"], e["query"], e["status"]) for e in aibridge_mock.admin.journal()] == [
        ("/api/v2/aibridge/clients", "q=client:Claude", 200)
    ]


def test_admin_errors_carry_status_and_coder_body(aibridge_mock: MockServer) -> None:
    with pytest.raises(AdminError) as caught:
        aibridge_mock.admin.scenario("chaos")
    assert caught.value.status == 400
    assert caught.value.body["validations"][0]["field"] == "name"


def test_connect_reaches_a_running_mock_with_the_token_it_generated(monkeypatch: pytest.MonkeyPatch) -> None:
    # A container started with AIBRIDGE_MOCK_SEED=4 prints a generated token; connect() derives the same one.
    with start_mock(Config(seed=4, interceptions=60)) as running:
        monkeypatch.setenv("AIBRIDGE_MOCK_SEED", "4")
        monkeypatch.delenv("AIBRIDGE_MOCK_ADMIN_TOKEN", raising=False)
        remote = connect(running.url + "/")
        assert remote.url == running.url
        assert remote.tokens == running.tokens
        assert _get(remote, "/aibridge/sessions?limit=1")[0] == 200


def test_connect_with_a_wrong_admin_token_fails_loudly() -> None:
    with start_mock(Config(seed=4, interceptions=60)) as running:
        with pytest.raises(AdminError) as caught:
            connect(running.url, token="adm_wrong").admin.state()
        assert caught.value.status == 401


def test_headers_take_a_role_or_a_username(aibridge_mock: MockServer) -> None:
    personas = {p["username"]: p["token"] for p in aibridge_mock.personas}
    assert aibridge_mock.headers("alice") == {"Coder-Session-Token": personas["alice"]}
    assert aibridge_mock.headers("Bob") == {"Coder-Session-Token": personas["bob"]}
    assert aibridge_mock.headers("member") == aibridge_mock.headers("alice")  # the first member
    assert aibridge_mock.headers() == {"Coder-Session-Token": personas["admin"]}
    assert _get(aibridge_mock, "/aibridge/sessions?limit=1", role="bob")[0] == 200


def test_an_unknown_persona_names_those_there_are(aibridge_mock: MockServer) -> None:
    with pytest.raises(PersonaError) as caught:
        aibridge_mock.headers("carol")
    assert str(caught.value) == (
        "no persona 'carol': use a role (owner, auditor, member) or a username (admin, auditor, alice, bob)"
    )


SUITE = """
import urllib.error, urllib.request

def _status(mock):
    request = urllib.request.Request(mock.api_url + "/aibridge/sessions", headers=mock.headers("alice"))
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        return opener.open(request, timeout=10).status
    except urllib.error.HTTPError as exc:
        return exc.code

def test_each_test_starts_from_a_normal_mock(aibridge_mock):
    assert aibridge_mock.admin.state()["runtime"]["scenario"] == "normal"
    assert aibridge_mock.admin.state()["runtime"]["faults"] == []

def test_the_last_test_leaves_the_mock_failing(aibridge_mock):
    aibridge_mock.admin.reseed(11, interceptions=30)
    aibridge_mock.admin.scenario("failing")
    assert _status(aibridge_mock) == 500
"""


@pytest.mark.slow
def test_a_suite_leaves_a_shared_mock_as_it_found_it(tmp_path: Path) -> None:
    """Another suite's settings survive a run against the same running mock (AIBRIDGE_MOCK_URL)."""
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["aibridge_mock.testing"]\n')
    (tmp_path / "test_ui.py").write_text(SUITE)
    with start_mock(Config(interceptions=80)) as running:
        running.admin.scenario("slow", latency_ms=5)
        running.admin.fault("GET /api/v2/aibridge/models", error_rate=0.5, status=503, seed=3)
        before = running.admin.state()
        env = {"AIBRIDGE_MOCK_URL": running.url, "PATH": "/usr/bin:/bin"}
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)]
        result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
        after = running.admin.state()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout
    assert after["dataset"] == before["dataset"]
    assert (after["runtime"]["scenario"], after["runtime"]["latency_ms"]) == ("slow", 5)
    found = [{k: f[k] for k in ("route", "error_rate", "status", "seed")} for f in after["runtime"]["faults"]]
    assert found == [{"route": "GET /api/v2/aibridge/models", "error_rate": 0.5, "status": 503, "seed": 3}]
