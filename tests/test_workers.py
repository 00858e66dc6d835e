"""Several workers behave as one mock: admin settings, reloads and the journal hold for all of them.

A real ``aibridge-mock serve`` with 3 granian workers (and, at the end, two servers sharing a
redis-server): requests are sent concurrently so that every worker serves some.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from running import API, Mock, redis_server, request, running, wait_for

pytestmark = pytest.mark.slow
WORKERS = 3


@pytest.fixture(scope="module")
def mock(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mock]:
    tmp = tmp_path_factory.mktemp("workers")
    with running(tmp, "--workers", str(WORKERS), "--threads", "4", "--interceptions", "1500") as server:
        yield server


@pytest.fixture
def plain(mock: Mock) -> Mock:
    """The module's mock back to normal: seed 1, 1,500 interceptions, no faults, empty journal."""
    mock.admin("POST", "/reset")
    if mock.admin("GET", "/state")["dataset"]["seed"] != 1:
        mock.admin("POST", "/dataset", {"seed": 1, "interceptions": 1500})
    mock.admin("POST", "/reset")
    return mock


def _statuses(url: str, headers: dict[str, str], count: int = 200) -> list[int]:
    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(lambda _: request(url, headers=headers)[0], range(count)))


def test_every_request_fails_on_every_worker_after_the_failing_scenario(plain: Mock) -> None:
    owner = plain.owner()
    plain.admin("POST", "/scenario", {"name": "failing"})
    assert _statuses(f"{plain.url}{API}/sessions?limit=1", owner) == [500] * 200
    plain.admin("POST", "/scenario", {"name": "normal"})
    assert _statuses(f"{plain.url}{API}/sessions?limit=1", owner, 50) == [200] * 50


def test_after_a_reseed_every_answer_comes_from_the_new_data_set(plain: Mock) -> None:
    old_owner = plain.owner()
    plain.admin("POST", "/dataset", {"seed": 42, "interceptions": 900})
    new_owner = plain.owner()
    with ThreadPoolExecutor(8) as pool:
        ready = list(pool.map(lambda _: request(plain.url + "/readyz")[2], range(100)))
    assert set(ready) == {b'{"status":"ready","interceptions":900,"seed":42}\n'}
    assert _statuses(f"{plain.url}{API}/sessions?limit=1", new_owner, 100) == [200] * 100
    assert _statuses(f"{plain.url}{API}/sessions?limit=1", old_owner, 100) == [401] * 100


def test_the_journal_holds_the_requests_of_every_worker(plain: Mock) -> None:
    owner, workers = plain.owner(), set(plain.workers())
    assert len(workers) == WORKERS
    sent = 0

    def served_by_all() -> bool:
        nonlocal sent
        sent += len(_statuses(f"{plain.url}{API}/models", owner, 60))
        return {e["worker"] for e in plain.admin("GET", "/journal")["requests"]} == workers

    wait_for(served_by_all, what="requests served by every worker")
    journal = plain.admin("GET", "/journal")
    assert journal["count"] == sent  # none lost, whoever served it
    seqs = [e["seq"] for e in journal["requests"]]
    assert seqs == sorted(set(seqs))  # one numbering for every worker


def test_a_fault_counts_the_requests_of_every_worker_deterministically(plain: Mock) -> None:
    owner = plain.owner()
    route = f"GET {API}/sessions"
    plain.admin("POST", "/faults", {"route": route, "error_rate": 0.5, "status": 503, "seed": 3})
    statuses = _statuses(f"{plain.url}{API}/sessions?limit=1", owner, 100)
    fault = plain.admin("GET", "/faults")[0]
    assert fault["requests"] == 100  # one counter for all workers: each index decided once
    assert 20 < statuses.count(503) < 80
    plain.admin("POST", "/faults", {"route": route, "error_rate": 0.5, "status": 503, "seed": 3})
    again = _statuses(f"{plain.url}{API}/sessions?limit=1", owner, 100)
    assert again.count(503) == statuses.count(503)  # the same indexes fail (order among threads varies)


def test_killing_a_worker_loses_nothing(plain: Mock) -> None:
    plain.admin("POST", "/dataset", {"seed": 7, "interceptions": 600})
    owner = plain.owner()
    _statuses(f"{plain.url}{API}/models", owner, 30)
    plain.admin("POST", "/scenario", {"name": "unlicensed"})
    before = set(plain.workers())
    victim = min(before)
    os.kill(victim, signal.SIGKILL)
    replaced = wait_for(lambda: len(set(plain.workers()) - before) == 1, what="a replacement worker")
    assert replaced and victim not in plain.workers()
    assert _statuses(f"{plain.url}{API}/sessions", owner, 60) == [403] * 60
    with ThreadPoolExecutor(8) as pool:
        ready = set(pool.map(lambda _: request(plain.url + "/readyz")[2], range(60)))
    assert ready == {b'{"status":"ready","interceptions":600,"seed":7}\n'}
    assert plain.admin("GET", "/journal")["count"] == 90


def test_two_servers_sharing_redis_agree_on_scenario_reseed_and_journal(tmp_path: Path) -> None:
    with redis_server(tmp_path) as url:
        shared = ("--state", url, "--workers", "2", "--threads", "4", "--interceptions", "800")
        with running(tmp_path, *shared) as one, running(tmp_path, *shared) as two:
            owner = one.owner()
            assert two.owner() == owner  # same seed, same data: replicas are interchangeable
            # Each resolved "--anchor now" (serve's default) when it started; the later one adopts the
            # data set the first published, so every page is the same whichever replica answers.
            first = f"{API}/sessions?limit=50"
            assert request(one.url + first, headers=owner)[2] == request(two.url + first, headers=owner)[2]
            one.admin("POST", "/scenario", {"name": "failing"})
            assert _statuses(f"{two.url}{API}/sessions", owner, 40) == [500] * 40
            two.admin("POST", "/scenario", {"name": "normal"})
            assert _statuses(f"{one.url}{API}/sessions", owner, 40) == [200] * 40

            two.admin("POST", "/dataset", {"seed": 11, "interceptions": 500})
            for server in (one, two):
                ready = request(server.url + "/readyz")[2]
                assert ready == b'{"status":"ready","interceptions":500,"seed":11}\n'
            new_owner = one.owner()
            page = f"{API}/interceptions?limit=20&offset=3"
            assert (
                request(one.url + page, headers=new_owner)[2] == request(two.url + page, headers=new_owner)[2]
            )

            one.admin("DELETE", "/journal")
            _statuses(f"{one.url}{API}/models", new_owner, 10)
            _statuses(f"{two.url}{API}/clients", new_owner, 10)
            for server in (one, two):
                journal = server.admin("GET", "/journal")["requests"]
                assert sorted(e["path"] for e in journal) == [f"{API}/clients"] * 10 + [f"{API}/models"] * 10
