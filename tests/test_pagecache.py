"""Whole answers are cached per snapshot and caller: repeated requests, same bytes; nobody gets another's."""

from __future__ import annotations

from flask import Flask, Response

from aibridge_mock.server import create_app
from aibridge_mock.server.config import Config
from aibridge_mock.server.extension import mock_of
from aibridge_mock.server.pagecache import PageCache
from aibridge_mock.server.views.admin import admin_token

LIST = "/api/v2/aibridge/interceptions?limit=3&q=initiator:me"


def _tokens(app: Flask) -> list[str]:
    snap = mock_of(app).datasets.snapshot
    assert snap is not None
    return [p.token for p in snap.dataset.personas]


def test_a_repeated_request_is_answered_from_the_cache_with_the_same_bytes() -> None:
    app = create_app(Config(interceptions=400))
    owner = {"Coder-Session-Token": _tokens(app)[0]}
    client = app.test_client()
    first = client.get(LIST, headers=owner)
    snap = mock_of(app).datasets.snapshot
    assert snap is not None and len(snap.pages._pages) == 1
    second = client.get(LIST, headers=owner)
    assert (second.status_code, second.get_data(), dict(second.headers)) == (
        first.status_code,
        first.get_data(),
        dict(first.headers),
    )


def test_callers_never_share_a_cached_answer() -> None:
    app = create_app(Config(interceptions=400, generation="v3"))  # members read their own rows here
    client = app.test_client()
    bodies = [client.get(LIST, headers={"Coder-Session-Token": t}).get_data() for t in _tokens(app)]
    assert len(set(bodies)) == len(bodies)  # "initiator:me" is someone else for each persona
    again = [client.get(LIST, headers={"Coder-Session-Token": t}).get_data() for t in _tokens(app)]
    assert again == bodies


def test_a_reload_is_never_answered_from_the_previous_data_sets_cache() -> None:
    config = Config(interceptions=400)
    app = create_app(config)
    client = app.test_client()
    owner = {"Coder-Session-Token": _tokens(app)[0]}
    before = client.get("/api/v2/aibridge/interceptions?limit=1", headers=owner).get_json()["count"]
    admin = {"Authorization": f"Bearer {admin_token(config)}"}
    assert client.post("/__admin/dataset", json={"interceptions": 50}, headers=admin).status_code == 200
    after = client.get("/api/v2/aibridge/interceptions?limit=1", headers=owner).get_json()["count"]
    assert before > after


def test_errors_are_not_cached_and_the_cache_stays_within_its_bytes() -> None:
    app = create_app(Config(interceptions=400))
    owner = {"Coder-Session-Token": _tokens(app)[0]}
    client = app.test_client()
    assert client.get("/api/v2/aibridge/interceptions?limit=0x", headers=owner).status_code == 400
    snap = mock_of(app).datasets.snapshot
    assert snap is not None and len(snap.pages._pages) == 0
    small = PageCache(max_bytes=60_000)
    for offset in range(20):
        body = client.get(f"/api/v2/aibridge/interceptions?limit=5&offset={offset}", headers=owner).get_data()
        small.put(("page", offset), Response(body), "X-Violation")
    assert 0 < small._bytes <= 60_000
    assert small.get(("page", 19)) is not None and small.get(("page", 0)) is None
