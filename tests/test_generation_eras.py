"""Behaviours of each generation's own SQL, reproduced per generation (generations.py, spec 1.3-1.5, 3).

- A session whose first interception has NULL metadata: coderd scans it into a non-nullable type,
  so every query that returns that session's row fails (500), in both generations that have sessions.
- /clients groups by the raw column: a NULL client and a stored "Unknown" are two "Unknown" rows.
- Sessions are listed (and cursored) by last_active_at in v5, by started_at before it (v4).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from aibridge_mock.server import create_app
from aibridge_mock.server.config import Config
from aibridge_mock.server.extension import mock_of

API = "/api/v2/aibridge"
SCAN_ERROR = (
    'sql: Scan error on column index 8, name "metadata": '
    "unsupported Scan, storing driver.Value type <nil> into type *json.RawMessage"
)


def _interception(number: int, initiator: str, session: str, started: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": f"b7000000-0000-4000-8000-{number:012d}",
        "initiator": initiator,
        "provider": "anthropic",
        "model": "claude-sonnet-4-5-20250929",
        "client_session_id": session,
        "started_at": started,
        "ended_at": started.replace(":00Z", ":30Z"),
        **extra,
    }


def _prompt(number: int, at: str) -> dict[str, Any]:
    return {"id": f"c7000000-0000-4000-8000-{number:012d}", "prompt": f"prompt {number}", "created_at": at}


def _mock(tmp_path: Path, generation: str, interceptions: list[dict[str, Any]]) -> FlaskClient:
    path = tmp_path / f"{generation}.json"
    path.write_text(json.dumps({"interceptions": interceptions}), encoding="utf-8")
    app: Flask = create_app(
        Config(interceptions=0, fixtures=(path,), generation=generation, access_log=False)
    )
    token = mock_of(app).datasets.snapshot.dataset.personas[0].token
    client = app.test_client()
    client.environ_base["HTTP_CODER_SESSION_TOKEN"] = token
    return client


# -- NULL session metadata -------------------------------------------------------------------------

NULL_METADATA = [
    # "older" lists after "newer"; its first interception has NULL metadata.
    _interception(1, "bob", "older", "2026-05-14T08:00:00Z", metadata=None),
    _interception(2, "bob", "older", "2026-05-14T08:05:00Z"),
    # A NULL in a later interception is never selected (the session shows its first one's).
    _interception(3, "alice", "newer", "2026-05-14T09:00:00Z"),
    _interception(4, "alice", "newer", "2026-05-14T09:05:00Z", metadata=None),
]


@pytest.fixture(scope="module", params=["v4", "v5"])
def null_metadata(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> FlaskClient:
    return _mock(tmp_path_factory.mktemp("null"), request.param, NULL_METADATA)


@pytest.mark.parametrize(
    ("query", "status"),
    [("limit=1", 200), ("limit=2", 500), ("", 500), ("q=session_id:newer", 200), ("q=session_id:older", 500)],
)
def test_a_sessions_page_holding_a_session_with_null_metadata_fails_as_coderds_scan_does(
    null_metadata: FlaskClient, query: str, status: int
) -> None:
    response = null_metadata.get(f"{API}/sessions?{query}")
    assert response.status_code == status, response.data
    if status == 500:
        assert response.get_json() == {
            "message": "Internal error getting AI Bridge sessions.",
            "detail": f"list aibridge sessions: {SCAN_ERROR}",
        }
    else:
        assert [s["metadata"] for s in response.get_json()["sessions"]] == [{}]


def test_the_session_with_null_metadata_fails_its_detail_and_the_others_do_not(
    null_metadata: FlaskClient,
) -> None:
    broken = null_metadata.get(f"{API}/sessions/older")
    assert broken.status_code == 500
    assert broken.get_json() == {"message": "Internal error fetching session.", "detail": SCAN_ERROR}
    assert null_metadata.get(f"{API}/sessions/newer").get_json()["metadata"] == {}


def test_a_cursor_on_the_session_with_null_metadata_fails_without_a_detail(
    null_metadata: FlaskClient,
) -> None:
    response = null_metadata.get(f"{API}/sessions?after_session_id=older")
    assert response.status_code == 500
    assert response.get_json() == {"message": "Internal error validating after_session_id cursor."}


def test_interceptions_show_null_metadata_as_null(null_metadata: FlaskClient) -> None:
    results = null_metadata.get(f"{API}/interceptions").get_json()["results"]
    metadata = {item["id"][-1]: item["metadata"] for item in results}
    assert metadata == {"1": None, "2": {}, "3": {}, "4": None}


# -- /clients --------------------------------------------------------------------------------------

CLIENTS = [
    _interception(1, "alice", "a", "2026-05-14T08:00:00Z"),  # no client: NULL
    _interception(2, "alice", "b", "2026-05-14T08:10:00Z", client="Unknown"),  # a stored "Unknown"
    _interception(3, "bob", "c", "2026-05-14T08:20:00Z", client="Zed"),
    _interception(4, "bob", "d", "2026-05-14T08:30:00Z", client="Zed"),
]


@pytest.fixture(scope="module", params=["v4", "v5"])
def clients(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> FlaskClient:
    return _mock(tmp_path_factory.mktemp("clients"), request.param, CLIENTS)


@pytest.mark.parametrize(
    ("query", "listed"),
    [
        ("", ["Unknown", "Unknown", "Zed"]),
        ("q=Unk", ["Unknown", "Unknown"]),
        ("q=client:Z", ["Zed"]),
        ("limit=1", ["Unknown"]),
        ("limit=1&offset=1", ["Unknown"]),
        ("offset=2", ["Zed"]),
    ],
)
def test_clients_group_by_the_raw_column_so_null_and_a_stored_unknown_are_two_rows(
    clients: FlaskClient, query: str, listed: list[str]
) -> None:
    assert clients.get(f"{API}/clients?{query}").get_json() == listed


def test_grouping_clients_as_shown_merges_null_and_unknown(tmp_path: Path) -> None:
    path = tmp_path / "clients.json"
    path.write_text(json.dumps({"interceptions": CLIENTS}), encoding="utf-8")
    app = create_app(Config(interceptions=0, fixtures=(path,), access_log=False))
    ds = mock_of(app).datasets.snapshot.dataset
    assert ds.distinct_clients(by_raw_column=False) == ["Unknown", "Zed"]


# -- the order of sessions -------------------------------------------------------------------------

ORDER = [
    # "early" starts first but has the latest prompt; "late" starts later and has no prompt.
    _interception(
        1, "alice", "early", "2026-05-14T08:00:00Z", user_prompts=[_prompt(1, "2026-05-14T11:00:00Z")]
    ),
    _interception(2, "alice", "late", "2026-05-14T09:00:00Z"),
    _interception(
        3, "bob", "middle", "2026-05-14T08:30:00Z", user_prompts=[_prompt(2, "2026-05-14T10:00:00Z")]
    ),
]


@pytest.mark.parametrize(
    ("generation", "order"),
    [("v5", ["early", "middle", "late"]), ("v4", ["late", "middle", "early"])],
)
@pytest.mark.parametrize(
    "query", ["", "&q=started_after:%222026-05-14T07:00:00Z%22"]
)  # per session / per row
def test_sessions_are_listed_by_last_activity_in_v5_and_by_start_before(
    tmp_path: Path, generation: str, order: list[str], query: str
) -> None:
    client = _mock(tmp_path, generation, ORDER)
    listed = [s["id"] for s in client.get(f"{API}/sessions?limit=10{query}").get_json()["sessions"]]
    assert listed == order
    walked, cursor = [], ""
    for _ in range(4):
        page = client.get(
            f"{API}/sessions?limit=1{query}" + (f"&after_session_id={cursor}" if cursor else "")
        )
        sessions = page.get_json()["sessions"]
        if not sessions:
            break
        cursor = sessions[0]["id"]
        walked.append(cursor)
    assert walked == order


def test_the_generations_name_the_session_orders_the_data_set_knows() -> None:
    from aibridge_mock.server import generations
    from aibridge_mock.server.dataset.session_order import SESSION_ORDERS

    assert (generations.LAST_ACTIVE_AT, generations.STARTED_AT) == SESSION_ORDERS
    assert {generations.load_generation(g).sessions_by for g in ("v4", "v5")} == set(SESSION_ORDERS)
