"""The state backends keep one contract: versioned settings, atomic counters, numbered record streams.

Each behaviour runs against the in-process backend, the embedded one (several processes) and Redis
(when redis-server is installed); issue 14's recorded traffic relies on the record streams.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from running import redis_server

from aibridge_mock.server.shared import MemoryState, StateBackend, open_state
from aibridge_mock.server.shared import embedded as embedded_module
from aibridge_mock.server.shared.backend import Document
from aibridge_mock.server.shared.embedded import EmbeddedState
from aibridge_mock.server.shared.streams import ROTATE_BYTES_PER_RECORD, _Stream


@pytest.fixture(params=["memory", "embedded", pytest.param("redis", marks=pytest.mark.slow)])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StateBackend]:
    if request.param == "memory":
        yield MemoryState()
    elif request.param == "embedded":
        state = EmbeddedState(tmp_path / "state")
        yield state
        state.close()
    else:
        with redis_server(tmp_path) as url:
            state = open_state(url, tmp_path / "data", ("test", request.node.name))
            yield state
            state.close()


def _set(key: str, value: object) -> Callable[[Document], Document]:
    def change(doc: Document) -> Document:
        doc[key] = value
        return doc

    return change


def test_settings_start_empty_and_each_update_bumps_the_version(backend: StateBackend) -> None:
    assert backend.settings() == (0, {})
    assert backend.version() == 0
    assert backend.update(_set("scenario", "failing")) == (1, {"scenario": "failing"})
    assert backend.update(_set("slow_ms", 40)) == (2, {"scenario": "failing", "slow_ms": 40})
    assert backend.version() == 2
    assert backend.settings() == (2, {"scenario": "failing", "slow_ms": 40})


def test_a_failed_update_changes_nothing(backend: StateBackend) -> None:
    backend.update(_set("scenario", "slow"))

    def broken(doc: Document) -> Document:
        raise ValueError("no")

    with pytest.raises(ValueError, match="no"):
        backend.update(broken)
    assert backend.settings() == (1, {"scenario": "slow"})


def test_counters_return_the_value_before_the_increment(backend: StateBackend) -> None:
    assert [backend.increment("fault-1") for _ in range(3)] == [0, 1, 2]
    assert backend.increment("fault-2") == 0
    assert (backend.counter("fault-1"), backend.counter("fault-2"), backend.counter("none")) == (3, 1, 0)


def test_record_streams_number_records_in_order_and_read_what_came_after(backend: StateBackend) -> None:
    backend.append("other", {"x": 0})
    numbers = [backend.append("traffic", {"n": n}) for n in range(5)]
    assert numbers == sorted(set(numbers)) and numbers[0] >= 1
    assert backend.read("traffic") == [(numbers[i], {"n": i}) for i in range(5)]
    assert backend.read("traffic", after=numbers[2]) == [(numbers[3], {"n": 3}), (numbers[4], {"n": 4})]
    assert backend.read("traffic", after=numbers[0], limit=2) == [
        (numbers[1], {"n": 1}),
        (numbers[2], {"n": 2}),
    ]
    assert backend.read("traffic", after=numbers[4]) == []
    assert backend.last("traffic", 2) == [(numbers[3], {"n": 3}), (numbers[4], {"n": 4})]
    assert backend.read("empty") == []


def test_cleared_streams_keep_numbering_and_streams_are_independent(backend: StateBackend) -> None:
    first = backend.append("journal", {"a": 1})
    backend.append("traffic", {"b": 1})
    backend.clear("journal")
    assert backend.read("journal") == []
    second = backend.append("journal", {"a": 2})
    assert second > first
    assert backend.read("journal") == [(second, {"a": 2})]
    assert [r for _, r in backend.read("traffic")] == [{"b": 1}]


def test_a_capped_stream_keeps_its_newest_records(backend: StateBackend) -> None:
    cap = 10
    total = cap * ROTATE_BYTES_PER_RECORD // 3  # ~10-byte records: the files rotate three times
    numbers = [backend.append("journal", {"n": n}, cap=cap) for n in range(total)]
    assert numbers == sorted(set(numbers))
    assert backend.last("journal", cap) == [
        (numbers[total - cap + i], {"n": total - cap + i}) for i in range(cap)
    ]
    assert cap <= len(backend.read("journal")) < total  # dropped, not only hidden
    assert [seq for seq, _ in backend.read("journal", after=numbers[-4])] == numbers[-3:]


def test_a_reader_that_keeps_its_place_sees_each_record_once(backend: StateBackend) -> None:
    seen: list[int] = []
    written: list[int] = []
    for batch in range(4):
        written += [backend.append("traffic", {"batch": batch, "n": n}) for n in range(3)]
        seen += [seq for seq, _ in backend.read("traffic", after=seen[-1] if seen else 0)]
    assert seen == written
    assert [r["n"] for _, r in backend.read("traffic", after=written[3], limit=3)] == [1, 2, 0]


def test_concurrent_updates_and_increments_lose_nothing(backend: StateBackend) -> None:
    def work() -> None:
        for _ in range(25):
            backend.update(lambda doc: {**doc, "n": doc.get("n", 0) + 1})
            backend.increment("hits")
            backend.append("journal", {})

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert backend.settings() == (100, {"n": 100})
    assert backend.counter("hits") == 100
    assert len({seq for seq, _ in backend.read("journal")}) == 100


def _hammer(directory: Path, rounds: int) -> None:
    state = EmbeddedState(directory)
    for _ in range(rounds):
        state.update(lambda doc: {**doc, "n": doc.get("n", 0) + 1})
        state.increment("hits")
        state.append("journal", {"pid": multiprocessing.current_process().pid})
    state.close()


# Python 3.12 warns about fork() in a process with threads; these children only use the state.
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_embedded_state_is_shared_by_processes_forked_from_its_creator(tmp_path: Path) -> None:
    state = EmbeddedState(tmp_path / "state")
    state.update(_set("scenario", "failing"))  # the parent uses it before forking, as a server does
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_hammer, args=(tmp_path / "state", 30)) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert [worker.exitcode for worker in workers] == [0, 0, 0]
    assert state.version() == 91  # mapped: the parent sees the children's bumps without a query
    assert state.settings() == (91, {"scenario": "failing", "n": 90})
    assert state.counter("hits") == 90
    records = state.read("journal")
    assert len({seq for seq, _ in records}) == 90
    assert {r["pid"] for _, r in records} == {w.pid for w in workers}


def test_a_caught_up_reader_asks_without_a_lock_and_still_sees_what_comes_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every request asks the traffic stream for news: when there is none, no lock is taken."""
    state = EmbeddedState(tmp_path / "state")
    first = state.append("traffic", {"n": 0})
    assert state.read("traffic") == [(first, {"n": 0})]
    locked = _Stream.locked
    calls: list[bool] = []

    def counting(stream: _Stream, exclusive: bool) -> Any:
        calls.append(exclusive)
        return locked(stream, exclusive)

    monkeypatch.setattr(_Stream, "locked", counting)
    assert state.read("traffic", after=first) == []
    assert calls == []  # caught up: one stat, no lock
    second = state.append("traffic", {"n": 1})
    assert state.read("traffic", after=first) == [(second, {"n": 1})]
    assert state.read("traffic", after=0) == [(first, {"n": 0}), (second, {"n": 1})]  # older lines: locked
    cap = 4
    numbers = [state.append("traffic", {"n": n}, cap=cap) for n in range(cap * ROTATE_BYTES_PER_RECORD // 8)]
    assert [seq for seq, _ in state.read("traffic", after=numbers[-3])] == numbers[-2:]  # after a rotation
    state.close()


def test_concurrent_updates_never_publish_an_older_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A writer slow to publish its version must not put it back over a later writer's.

    Two handles on one directory stand for two worker processes. The first stops right after its
    commit; the second tries to update meanwhile. Workers trust the published number: had it gone
    back to 1 while the document says 2, none would ever read the second change.
    """
    first, second = EmbeddedState(tmp_path / "state"), EmbeddedState(tmp_path / "state")
    real = embedded_module._VERSION
    publishing, resume = threading.Event(), threading.Event()

    class SlowFirstPublish:
        size = real.size
        unpack_from = staticmethod(real.unpack_from)
        pack = staticmethod(real.pack)

        @staticmethod
        def pack_into(buffer: Any, offset: int, version: int) -> None:
            if version == 1:
                publishing.set()
                resume.wait(10)
            real.pack_into(buffer, offset, version)

    monkeypatch.setattr(embedded_module, "_VERSION", SlowFirstPublish)
    slow = threading.Thread(target=first.update, args=(_set("a", 1),))
    slow.start()
    assert publishing.wait(10)
    fast = threading.Thread(target=second.update, args=(_set("b", 2),))
    fast.start()
    fast.join(0.5)  # had the first let go of the lock before publishing, this update would be done
    resume.set()
    slow.join(10)
    fast.join(10)
    assert second.settings() == (2, {"a": 1, "b": 2})
    assert first.version() == second.version() == 2
    first.close()
    second.close()
