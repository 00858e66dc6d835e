"""The admin API under /__admin/: auth, reloads, scenarios, deterministic faults and the journal."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from aibridge_mock.server import create_app
from aibridge_mock.server.config import Config
from aibridge_mock.server.dataset.clock import ANCHOR_FORMS, FIXED_ANCHOR, ManualClock, parse_anchor, wall_now
from aibridge_mock.server.extension import mock_of
from aibridge_mock.server.serving import banner
from aibridge_mock.server.state import Snapshot
from aibridge_mock.server.views.admin import admin_token

DATA = Path(__file__).parent / "data"
Headers = dict[str, str]
SESSIONS = "/api/v2/aibridge/sessions"
DAY = 24 * 3600 * 1_000_000


@pytest.fixture
def app() -> Flask:
    return create_app(Config(seed=1, interceptions=300, admin_fixture_dir=(DATA,)))


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def admin(app: Flask) -> Headers:
    return {"Authorization": f"Bearer {admin_token(mock_of(app).config)}"}


def _owner(client: FlaskClient, admin: Headers) -> Headers:
    state = client.get("/__admin/state", headers=admin).get_json()
    return {"Coder-Session-Token": state["personas"][0]["token"]}


def _count(client: FlaskClient, headers: Headers, path: str = SESSIONS) -> int:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    count: int = response.get_json()["count"]
    return count


# -- auth -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "Admin token required."),
        ({"Authorization": "Bearer adm_wrong"}, "Admin token is invalid."),
        ({"Authorization": "Basic YWRtaW46YWRtaW4="}, "Admin token required."),
    ],
)
def test_admin_api_rejects_requests_without_the_admin_token(
    client: FlaskClient, headers: Headers, message: str
) -> None:
    response = client.post("/__admin/scenario", json={"name": "failing"}, headers=headers)
    assert response.status_code == 401
    assert response.get_json()["message"] == message
    assert client.get("/__admin/state", headers=headers).status_code == 401


def test_admin_api_rejects_a_persona_session_token(client: FlaskClient, admin: Headers) -> None:
    owner = _owner(client, admin)["Coder-Session-Token"]
    assert client.get("/__admin/state", headers={"Authorization": f"Bearer {owner}"}).status_code == 401


def test_admin_token_from_the_configuration_replaces_the_generated_one() -> None:
    config = Config(interceptions=50, admin_token="s3cret-for-ci")
    client = create_app(config).test_client()
    generated = admin_token(Config(interceptions=50))
    assert client.get("/__admin/state", headers={"Authorization": "Bearer s3cret-for-ci"}).status_code == 200
    assert client.get("/__admin/state", headers={"Authorization": f"Bearer {generated}"}).status_code == 401


def test_generated_admin_token_depends_on_the_seed_and_is_printed_in_the_banner(app: Flask) -> None:
    config: Config = mock_of(app).config
    assert admin_token(config) != admin_token(Config(seed=2))
    assert admin_token(config) in banner(config, app, 0.1)
    chosen = Config(interceptions=50, admin_token="not-for-the-log")
    assert "not-for-the-log" not in banner(chosen, create_app(chosen), 0.1)


# -- data set -------------------------------------------------------------------------------------


def test_reseed_changes_the_data_the_counts_and_the_tokens(client: FlaskClient, admin: Headers) -> None:
    old_owner = _owner(client, admin)
    before = _count(client, old_owner)
    response = client.post("/__admin/dataset", json={"seed": 7, "interceptions": 120}, headers=admin)
    assert response.status_code == 200
    assert response.get_json()["dataset"]["seed"] == 7
    assert response.get_json()["dataset"]["rows"] == 120
    new_owner = _owner(client, admin)
    assert new_owner != old_owner
    assert client.get(SESSIONS, headers=old_owner).status_code == 401
    assert _count(client, new_owner) != before
    assert _count(client, new_owner, "/api/v2/aibridge/interceptions") <= 120


def test_resize_keeps_the_seed_and_its_tokens(client: FlaskClient, admin: Headers) -> None:
    owner = _owner(client, admin)
    client.post("/__admin/dataset", json={"interceptions": 40}, headers=admin)
    assert _owner(client, admin) == owner
    assert _count(client, owner, "/api/v2/aibridge/interceptions") <= 40


def test_reload_takes_the_anchor_forms_of_the_command_line(client: FlaskClient, admin: Headers) -> None:
    before = wall_now()
    response = client.post("/__admin/dataset", json={"anchor": "now-1d", "interceptions": 40}, headers=admin)
    assert response.status_code == 200
    anchor = parse_anchor(response.get_json()["dataset"]["anchor"])
    assert before - DAY <= anchor <= wall_now() - DAY
    refused = client.post("/__admin/dataset", json={"anchor": "yesterday"}, headers=admin).get_json()
    assert refused["validations"] == [
        {"field": "anchor", "detail": f'must be {ANCHOR_FORMS}, got "yesterday"'}
    ]
    state = client.get("/__admin/state", headers=admin).get_json()
    assert (state["clock"], state["dataset"]["live"]) == (None, False)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"seed": "seven"}, "seed"),
        ({"seed": True}, "seed"),
        ({"interceptions": -1}, "interceptions"),
        ({"anchor": "yesterday"}, "anchor"),
        ({"fixtures": "one.json"}, "fixtures"),
        ({"fixtures": [3]}, "fixtures[0]"),
    ],
)
def test_reload_rejects_invalid_options_with_a_validation(
    client: FlaskClient, admin: Headers, body: dict[str, Any], field: str
) -> None:
    response = client.post("/__admin/dataset", json=body, headers=admin)
    assert response.status_code == 400
    assert [v["field"] for v in response.get_json()["validations"]] == [field]


def test_bad_fixture_is_refused_with_file_and_json_path_and_the_old_data_keeps_serving(
    client: FlaskClient, admin: Headers
) -> None:
    owner = _owner(client, admin)
    before = client.get(SESSIONS + "?limit=5", headers=owner).get_data()
    bad = DATA / "bad_fixture.json"
    response = client.post("/__admin/dataset", json={"fixtures": [str(bad)]}, headers=admin)
    assert response.status_code == 400
    body = response.get_json()
    assert body["message"] == "The data set was not reloaded; the previous one is still served."
    assert [v["field"] for v in body["validations"]] == ["$.users[1]"]  # the user without a username
    assert str(bad) in body["detail"]
    assert "username" in body["detail"]
    assert client.get(SESSIONS + "?limit=5", headers=owner).get_data() == before
    assert client.get("/readyz").status_code == 200


@pytest.mark.parametrize("inline", [False, True], ids=["path", "inline document"])
def test_fixture_reload_serves_exactly_the_fixture_data(
    client: FlaskClient, admin: Headers, inline: bool
) -> None:
    fixture = DATA / "one_interception.json"
    given = json.loads(fixture.read_text()) if inline else str(fixture)
    response = client.post("/__admin/dataset", json={"interceptions": 0, "fixtures": [given]}, headers=admin)
    assert response.status_code == 200, response.get_data(as_text=True)
    owner = _owner(client, admin)
    assert _count(client, owner, "/api/v2/aibridge/interceptions") == 1
    assert client.get("/api/v2/aibridge/models", headers=owner).get_json() == ["claude-fixture-model"]


def test_missing_fixture_file_is_refused_and_the_old_data_keeps_serving(
    client: FlaskClient, admin: Headers
) -> None:
    owner = _owner(client, admin)
    missing = str(DATA / "nonexistent.json")
    response = client.post("/__admin/dataset", json={"fixtures": [missing]}, headers=admin)
    assert response.status_code == 400
    assert response.get_json()["detail"] == f"{missing}: $: cannot read the file: No such file or directory"
    assert _count(client, owner) > 0


def test_readyz_is_503_during_a_reload_while_the_old_data_keeps_serving(
    app: Flask, admin: Headers, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = app.test_client()
    owner = _owner(client, admin)
    before = _count(client, owner)
    building, release = threading.Event(), threading.Event()
    real_build = Snapshot.build

    def slow_build(*args: Any, **kwargs: Any) -> Snapshot:
        building.set()
        assert release.wait(10)
        return real_build(*args, **kwargs)

    monkeypatch.setattr(Snapshot, "build", staticmethod(slow_build))
    answers: list[int] = []
    body = {"seed": 1, "interceptions": 90}
    reload = threading.Thread(
        target=lambda: answers.append(
            app.test_client().post("/__admin/dataset", json=body, headers=admin).status_code
        )
    )
    reload.start()
    assert building.wait(10)
    during = client.get("/readyz")
    served_during = _count(client, owner)
    release.set()
    reload.join(10)
    assert (during.status_code, during.get_json()["status"]) == (503, "reloading")
    assert served_during == before
    assert answers == [200]
    after = client.get("/readyz")
    assert (after.status_code, after.get_json()["interceptions"]) == (200, 90)


# -- scenarios ------------------------------------------------------------------------------------


def _scenario(client: FlaskClient, admin: Headers, name: str, **extra: Any) -> None:
    response = client.post("/__admin/scenario", json={"name": name, **extra}, headers=admin)
    assert response.status_code == 200, response.get_data(as_text=True)


def test_unlicensed_scenario_answers_the_premium_feature_403(client: FlaskClient, admin: Headers) -> None:
    owner = _owner(client, admin)
    _scenario(client, admin, "unlicensed")
    response = client.get(SESSIONS, headers=owner)
    assert response.status_code == 403
    assert response.get_data() == b'{"message":"AI Gateway is a Premium feature. Contact sales!"}\n'


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (SESSIONS, b'{"count":0,"sessions":[]}\n'),
        ("/api/v2/aibridge/interceptions", b'{"count":0,"results":[]}\n'),
        ("/api/v2/aibridge/models", b"null\n"),
        ("/api/v2/aibridge/clients", b"null\n"),
    ],
)
def test_empty_scenario_serves_an_empty_data_set(
    client: FlaskClient, admin: Headers, path: str, body: bytes
) -> None:
    owner = _owner(client, admin)
    _scenario(client, admin, "empty")
    response = client.get(path, headers=owner)
    assert (response.status_code, response.get_data()) == (200, body)


def test_failing_scenario_answers_500_with_a_coder_error_body_until_normal(
    client: FlaskClient, admin: Headers
) -> None:
    owner = _owner(client, admin)
    _scenario(client, admin, "failing")
    response = client.get(SESSIONS, headers=owner)
    assert response.status_code == 500
    assert set(response.get_json()) == {"message", "detail"}
    assert client.get("/readyz").status_code == 200  # the mock itself is fine
    _scenario(client, admin, "normal")
    assert client.get(SESSIONS, headers=owner).status_code == 200


def test_slow_scenario_adds_its_latency_to_every_api_request(client: FlaskClient, admin: Headers) -> None:
    owner = _owner(client, admin)
    _scenario(client, admin, "slow", latency_ms=120)
    assert client.get(SESSIONS, headers=owner).status_code == 200
    entry = client.get("/__admin/journal", headers=admin).get_json()["requests"][-1]
    assert entry["path"] == SESSIONS
    assert entry["duration_ms"] >= 120


def test_the_scenario_answer_names_the_latency_as_the_request_does(
    client: FlaskClient, admin: Headers
) -> None:
    response = client.post("/__admin/scenario", json={"name": "slow", "latency_ms": 250}, headers=admin)
    assert response.get_json()["latency_ms"] == 250
    assert "slow_ms" not in response.get_json()
    assert client.get("/__admin/state", headers=admin).get_json()["runtime"]["latency_ms"] == 250
    _scenario(client, admin, "normal")


def test_state_shows_a_live_clock() -> None:
    clock = ManualClock(parse_anchor(FIXED_ANCHOR))
    app = create_app(Config(interceptions=30, live=True, admin_token="t"), clock=clock)
    clock.advance(90)
    state = app.test_client().get("/__admin/state", headers={"Authorization": "Bearer t"}).get_json()
    assert state["clock"] == "2026-05-15T12:01:30Z"
    assert (state["dataset"]["anchor"], state["dataset"]["live"]) == (FIXED_ANCHOR, True)


def test_unknown_scenario_is_refused(client: FlaskClient, admin: Headers) -> None:
    response = client.post("/__admin/scenario", json={"name": "chaos"}, headers=admin)
    assert response.status_code == 400
    assert response.get_json()["validations"][0]["field"] == "name"


# -- faults ---------------------------------------------------------------------------------------


def _failing_indexes(client: FlaskClient, admin: Headers, owner: Headers, seed: int) -> list[int]:
    client.delete("/__admin/faults", headers=admin)
    fault = {"route": f"GET {SESSIONS}", "error_rate": 0.3, "status": 503, "seed": seed}
    assert client.post("/__admin/faults", json=fault, headers=admin).status_code == 200
    statuses = [client.get(SESSIONS + "?limit=1", headers=owner).status_code for _ in range(40)]
    assert set(statuses) <= {200, 503}
    return [i for i, status in enumerate(statuses) if status == 503]


def test_faults_fail_the_same_requests_for_the_same_seed(client: FlaskClient, admin: Headers) -> None:
    owner = _owner(client, admin)
    first = _failing_indexes(client, admin, owner, seed=5)
    assert 0 < len(first) < 40
    assert _failing_indexes(client, admin, owner, seed=5) == first
    assert _failing_indexes(client, admin, owner, seed=6) != first


def test_fault_applies_only_to_its_route(client: FlaskClient, admin: Headers) -> None:
    owner = _owner(client, admin)
    fault = {"route": "GET /api/v2/aibridge/sessions/*", "error_rate": 1.0, "latency_ms": 50}
    client.post("/__admin/faults", json=fault, headers=admin)
    assert client.get(SESSIONS, headers=owner).status_code == 200
    response = client.get(SESSIONS + "/00000000-0000-4000-8000-000000000000", headers=owner)
    assert response.status_code == 500
    assert "GET /api/v2/aibridge/sessions/*" in response.get_json()["detail"]
    journal = client.get("/__admin/journal", headers=admin).get_json()["requests"]
    assert journal[-1]["duration_ms"] >= 50
    client.delete("/__admin/faults", headers=admin)
    assert client.get(SESSIONS + "/00000000-0000-4000-8000-000000000000", headers=owner).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"route": "/api/v2/aibridge/sessions"}, "route"),
        ({"route": "FETCH /api/v2/aibridge/sessions"}, "route"),
        ({"route": "GET /x", "error_rate": 1.5}, "error_rate"),
        ({"route": "GET /x", "status": 200}, "status"),
    ],
)
def test_invalid_fault_is_refused(
    client: FlaskClient, admin: Headers, body: dict[str, Any], field: str
) -> None:
    response = client.post("/__admin/faults", json=body, headers=admin)
    assert response.status_code == 400
    assert response.get_json()["validations"][0]["field"] == field


# -- journal --------------------------------------------------------------------------------------


def test_journal_records_method_path_query_and_status_but_not_admin_or_probes(
    client: FlaskClient, admin: Headers
) -> None:
    owner = _owner(client, admin)
    client.get(SESSIONS + "?limit=2&offset=1", headers=owner)
    client.get("/api/v2/aibridge/models")
    client.post("/api/v2/aibridge/openai/v1/chat/completions")
    client.get("/readyz")
    journal = client.get("/__admin/journal", headers=admin).get_json()
    rows = [(e["method"], e["path"], e["query"], e["status"]) for e in journal["requests"]]
    assert rows == [
        ("GET", SESSIONS, "limit=2&offset=1", 200),
        ("GET", "/api/v2/aibridge/models", "", 401),
        ("POST", "/api/v2/aibridge/openai/v1/chat/completions", "", 400),
    ]
    assert journal["count"] == 3
    assert all(e["duration_ms"] >= 0 for e in journal["requests"])


def test_deleting_the_journal_empties_it(client: FlaskClient, admin: Headers) -> None:
    client.get(SESSIONS)
    assert client.delete("/__admin/journal", headers=admin).status_code == 204
    assert client.get("/__admin/journal", headers=admin).get_json() == {"count": 0, "requests": []}


def test_reset_restores_the_normal_scenario_and_drops_faults_and_journal(
    client: FlaskClient, admin: Headers
) -> None:
    owner = _owner(client, admin)
    _scenario(client, admin, "failing")
    client.post("/__admin/faults", json={"route": f"GET {SESSIONS}", "error_rate": 1.0}, headers=admin)
    client.get(SESSIONS, headers=owner)
    runtime = client.post("/__admin/reset", headers=admin).get_json()["runtime"]
    assert runtime == {"scenario": "normal", "latency_ms": 1500, "faults": [], "journal_size": 0}
    assert client.get(SESSIONS, headers=owner).status_code == 200
