"""The live clock (``--live``): the data set goes on after the anchor and requests see it as of now.

Most tests hold one mock whose clock stands 25 minutes after the anchor, where some sessions are
going on (part of their interceptions ended), and run the suite's own oracles against it: the
session, thread, interception and model tests recompute every aggregate, order, count and cursor
walk from the interceptions the API lists, so they hold for whatever the clock reveals. Others move
a clock by hand and watch sessions appear, interceptions end and ``last_active_at`` advance.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from regen_golden import CONFIG, REQUESTS, fetch, resolve

# The suite's oracles, collected here again with this module's fixtures (a live mock mid-clock).
from test_interceptions import (  # noqa: F401
    filters,
    test_a_cursor_outside_the_filter_still_positions_the_page,
    test_a_filter_returns_exactly_the_matching_interceptions_in_order,
    test_count_ignores_limit_and_offset,
    test_count_ignores_the_cursor,
    test_cursor_walk_visits_every_interception_once_in_order,
    test_filtered_cursor_walk_agrees_with_the_offset_walk,
    test_interceptions_are_newest_first_with_id_descending_on_ties,
    test_offset_pages_are_slices_of_the_full_order,
)
from test_models_clients import (  # noqa: F401
    clients,
    models,
    test_clients_are_the_distinct_clients_with_null_as_unknown,
    test_models_are_the_distinct_models_of_ended_interceptions_ascending,
)
from test_session_threads import (  # noqa: F401
    big_session,
    by_id,
    sample_sessions,
    test_after_id_walk_visits_every_thread_once,
    test_page_bounds_span_the_interceptions_of_the_page,
    test_session_header_repeats_the_list_item,
    test_summary_metadata_covers_only_the_oldest_50_threads,
    test_thread_ids_are_the_root_interceptions_of_the_session,
    test_threads_aggregate_their_interceptions,
)
from test_sessions import (  # noqa: F401
    groups,
    test_a_cursor_session_outside_the_filter_still_positions_the_page,
    test_a_filter_aggregates_matching_interceptions_only,
    test_count_is_the_number_of_session_initiator_groups,
    test_cursor_walk_visits_every_session_once_in_order,
    test_every_session_aggregates_its_interceptions,
    test_session_id_filter_selects_one_session,
    test_session_initiator_is_the_interceptions_initiator,
    test_sessions_are_ordered_by_last_activity_then_id_descending,
)
from test_sessions import test_count_ignores_the_cursor as test_session_count_ignores_the_cursor  # noqa: F401
from test_sessions import (  # noqa: F401
    test_filtered_cursor_walk_agrees_with_the_offset_walk as test_filtered_session_walk_agrees_with_offsets,
)
from test_sessions import (  # noqa: F401
    test_offset_pages_are_slices_of_the_full_order as test_session_offset_pages_are_slices_of_the_order,
)
from werkzeug.test import TestResponse

from aibridge_mock.server import create_app
from aibridge_mock.server.dataset.clock import SECOND, LiveClock, ManualClock, parse_anchor
from aibridge_mock.server.dataset.store import Dataset
from aibridge_mock.server.dataset.timeline import LIVE_HORIZON, live_interceptions
from aibridge_mock.server.extension import mock_of
from aibridge_mock.server.gocompat import format_time

Item = dict[str, Any]
Get = Callable[..., TestResponse]
ANCHOR = parse_anchor(CONFIG.anchor)
MID_CLOCK = 25 * 60  # seconds after the anchor: sessions going on, most live ones still to come
LIVE = replace(CONFIG, live=True)  # the suite's seed and size


def make_get(client: FlaskClient, token: str) -> Get:
    """``get(path, **params)``: a GET under /api/v2/aibridge with the owner's token."""

    def get(path: str, **params: Any) -> TestResponse:
        query = {"query_string": {k: str(v) for k, v in params.items()}} if params else {}
        return client.get("/api/v2/aibridge" + path, headers={"Coder-Session-Token": token}, **query)

    return get


def live_app(elapsed: float = 0.0) -> tuple[Flask, ManualClock]:
    clock = ManualClock(ANCHOR)
    clock.set_elapsed(elapsed)
    return create_app(LIVE, clock=clock), clock


def _ds(app: Flask) -> Dataset:
    ds: Dataset = mock_of(app).datasets.snapshot.dataset
    return ds


def _walk(get: Get, path: str, key: str) -> list[Item]:
    items: list[Item] = []
    while True:
        page = get(path, limit=1000, offset=len(items)).get_json()[key]
        items.extend(page)
        if len(page) < 1000:
            return items


# -- the suite's fixtures, for a live mock 25 minutes after its anchor ------------------------------


@pytest.fixture(scope="module")
def app() -> Flask:
    return live_app(MID_CLOCK)[0]


@pytest.fixture(scope="module")
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="module")
def dataset(app: Flask) -> Dataset:
    return _ds(app)


@pytest.fixture(scope="module")
def get(client: FlaskClient, dataset: Dataset) -> Get:
    return make_get(client, dataset.personas[0].token)


@pytest.fixture(scope="module")
def all_interceptions(get: Get) -> list[Item]:
    return _walk(get, "/interceptions", "results")


@pytest.fixture(scope="module")
def all_sessions(get: Get) -> list[Item]:
    return _walk(get, "/sessions", "sessions")


@pytest.fixture(scope="module")
def session_of(dataset: Dataset) -> Callable[[str], str]:
    def lookup(interception_id: str) -> str:
        row = dataset.row_of(interception_id)
        assert row is not None, interception_id
        return str(dataset.tables.session_ids.values[int(dataset.cols.session[row])])

    return lookup


@pytest.fixture(scope="module")
def members(dataset: Dataset) -> Callable[[str], list[str]]:
    """Ids of the interceptions of a thread that have ended at the mock's clock, oldest first."""
    now = ANCHOR + MID_CLOCK * SECOND

    def of(root_id: str) -> list[str]:
        root = dataset.row_of(root_id)
        assert root is not None
        cols = dataset.cols
        rows = [
            r for r in range(len(dataset)) if int(cols.root[r]) == root and 0 <= int(cols.ended[r]) <= now
        ]
        rows.sort(key=lambda r: (int(cols.started[r]), dataset.id_of(r)))
        return [dataset.id_of(r) for r in rows]

    return of


# -- what the clock shows ---------------------------------------------------------------------------


def test_the_mid_clock_catches_sessions_going_on(all_sessions: list[Item], dataset: Dataset) -> None:
    """Some listed sessions have interceptions still to end: the oracles above test partial aggregates."""
    now = ANCHOR + MID_CLOCK * SECOND
    cols, sids = dataset.cols, dataset.tables.session_ids
    unfinished = {
        str(sids.values[int(cols.session[r])]) for r in range(len(dataset)) if int(cols.ended[r]) > now
    }
    going_on = [s for s in all_sessions if s["id"] in unfinished]
    assert len(going_on) >= 3
    assert any(s["id"] == all_sessions[0]["id"] for s in going_on)


def test_only_interceptions_ended_by_the_clock_are_listed(
    all_interceptions: list[Item], dataset: Dataset
) -> None:
    now = ANCHOR + MID_CLOCK * SECOND
    cols = dataset.cols
    ended = {dataset.id_of(r) for r in range(len(dataset)) if 0 <= int(cols.ended[r]) <= now}
    assert {i["id"] for i in all_interceptions} == ended
    assert len(all_interceptions) == len(ended)


@pytest.mark.parametrize(("persona", "path"), REQUESTS)
def test_a_live_mock_at_its_anchor_answers_as_the_static_mock_does(
    app_static: Flask, live_at_anchor: Flask, persona: str, path: str
) -> None:
    resolved = resolve(app_static, path)
    assert resolved == resolve(live_at_anchor, path)
    assert fetch(live_at_anchor, persona, resolved) == fetch(app_static, persona, resolved)


@pytest.fixture(scope="module")
def app_static() -> Flask:
    return create_app(CONFIG)


@pytest.fixture(scope="module")
def live_at_anchor() -> Flask:
    return live_app(0)[0]


def test_the_same_seed_anchor_and_elapsed_time_give_the_same_bytes(app: Flask) -> None:
    again = live_app(MID_CLOCK)[0]
    for persona, path in REQUESTS:
        resolved = resolve(app, path)
        assert fetch(again, persona, resolved) == fetch(app, persona, resolved), path


def test_new_sessions_and_interceptions_appear_as_the_clock_moves() -> None:
    app, clock = live_app()
    get = make_get(app.test_client(), _ds(app).personas[0].token)
    before = get("/sessions", limit=5).get_json()
    interceptions_before = get("/interceptions", limit=1).get_json()["count"]
    clock.advance(90)
    after = get("/sessions", limit=5).get_json()
    assert after["count"] > before["count"]
    assert get("/interceptions", limit=1).get_json()["count"] > interceptions_before
    newest = after["sessions"][0]
    assert newest["id"] not in {s["id"] for s in before["sessions"]}
    assert newest["last_active_at"] > before["sessions"][0]["last_active_at"]
    assert newest["last_active_at"] <= "2026-05-15T12:01:30Z"


def test_an_interception_in_flight_at_the_anchor_ends_when_the_clock_passes_its_end() -> None:
    app, clock = live_app()
    ds = _ds(app)
    cols = ds.cols
    row = next(r for r in range(len(ds)) if int(cols.started[r]) <= ANCHOR < int(cols.ended[r]))
    interception_id, ended = ds.id_of(row), int(cols.ended[row])
    session_id = str(ds.tables.session_ids.values[int(cols.session[row])])
    get = make_get(app.test_client(), ds.personas[0].token)
    during = get(f"/sessions/{session_id}").get_json()
    assert interception_id not in {i["id"] for i in get("/interceptions", limit=50).get_json()["results"]}

    clock.set_elapsed((ended - ANCHOR) / SECOND)
    listed = get("/interceptions", limit=50).get_json()["results"]
    assert interception_id in {i["id"] for i in listed}
    after = get(f"/sessions/{session_id}").get_json()
    assert after["ended_at"] > during["ended_at"]
    assert after["token_usage_summary"] != during["token_usage_summary"]


def test_an_interception_is_listed_from_the_microsecond_it_ends() -> None:
    app, clock = live_app(MID_CLOCK)
    ds = _ds(app)
    cols = ds.cols
    now = ANCHOR + MID_CLOCK * SECOND
    row = next(r for r in range(len(ds)) if int(cols.started[r]) < now < int(cols.ended[r]))
    started = int(cols.started[row])
    get = make_get(app.test_client(), ds.personas[0].token)
    exactly = f'started_after:"{format_time(started)}" started_before:"{format_time(started + 1)}"'
    clock.set(int(cols.ended[row]) - 1)
    assert get("/interceptions", q=exactly).get_json() == {"count": 0, "results": []}
    clock.set(int(cols.ended[row]))
    assert [i["id"] for i in get("/interceptions", q=exactly).get_json()["results"]] == [ds.id_of(row)]


def test_a_session_going_on_shows_its_last_activity_advance() -> None:
    app, clock = live_app()
    ds = _ds(app)
    get = make_get(app.test_client(), ds.personas[0].token)
    clock.set_elapsed(MID_CLOCK)
    session = get("/sessions", limit=1).get_json()["sessions"][0]
    threads = get(f"/sessions/{session['id']}", limit=200).get_json()["threads"]
    for minutes in range(1, 180):
        clock.set_elapsed(MID_CLOCK + minutes * 60)
        later = get("/sessions", q=f"session_id:{session['id']}").get_json()["sessions"][0]
        if later["last_active_at"] != session["last_active_at"]:
            break
    assert later["last_active_at"] > session["last_active_at"]
    assert later["threads"] > session["threads"]
    grown = get(f"/sessions/{session['id']}", limit=200).get_json()["threads"]
    assert [t["id"] for t in grown[: len(threads)]] == [t["id"] for t in threads]


def test_what_has_not_started_yet_does_not_exist() -> None:
    app, _ = live_app(MID_CLOCK)
    ds = _ds(app)
    cols = ds.cols
    now = ANCHOR + MID_CLOCK * SECOND
    future = next(r for r in range(len(ds)) if int(cols.started[r]) > now + 3600 * SECOND)
    future_id = ds.id_of(future)
    session_id = str(ds.tables.session_ids.values[int(cols.session[future])])
    get = make_get(app.test_client(), ds.personas[0].token)
    response = get("/interceptions", after_id=future_id)
    assert response.status_code == 400
    assert response.get_json()["message"] == "Invalid pagination cursor."
    assert get(f"/sessions/{session_id}").status_code == 404
    assert get("/sessions", after_session_id=session_id).status_code == 400


def test_an_interception_in_flight_at_the_clock_is_a_valid_cursor() -> None:
    app, _ = live_app(MID_CLOCK)
    ds = _ds(app)
    cols = ds.cols
    now = ANCHOR + MID_CLOCK * SECOND
    row = next(r for r in range(len(ds)) if int(cols.started[r]) <= now < int(cols.ended[r]))
    get = make_get(app.test_client(), ds.personas[0].token)
    page = get("/interceptions", after_id=ds.id_of(row), limit=5).get_json()["results"]
    assert len(page) == 5
    assert all(
        i["started_at"] <= get("/interceptions", limit=1).get_json()["results"][0]["started_at"] for i in page
    )


def test_after_the_horizon_everything_is_visible_and_nothing_moves() -> None:
    app, clock = live_app()
    ds = _ds(app)
    get = make_get(app.test_client(), ds.personas[0].token)
    clock.set_elapsed(LIVE_HORIZON / SECOND + 6 * 3600)
    first = get("/sessions", limit=3).data
    assert get("/interceptions", limit=1).get_json()["count"] == ds.n_ended
    clock.advance(3600)
    assert get("/sessions", limit=3).data == first


def test_the_live_part_is_a_working_teams_pace() -> None:
    assert live_interceptions(5_000) == 20 * 60 * 12  # the floor: 20 a minute for 12 hours
    assert live_interceptions(1_000_000) == round(3 * 1_000_000 / (30 * 24 * 60) * 60 * 12)


def test_a_static_mock_ignores_any_clock() -> None:
    clock = ManualClock(ANCHOR)
    app = create_app(replace(LIVE, live=False), clock=clock)
    assert mock_of(app).now() is None


def test_the_default_live_clock_starts_at_the_anchor_and_follows_monotonic_time() -> None:
    clock = LiveClock(ANCHOR)
    first = clock.now()
    time.sleep(0.02)
    assert ANCHOR <= first < clock.now() < ANCHOR + 5 * SECOND
    app = create_app(replace(LIVE, interceptions=50))
    assert isinstance(mock_of(app).clock, LiveClock)
    assert ANCHOR <= (mock_of(app).now() or 0) < ANCHOR + 60 * SECOND
