"""The recording file: a loadable fixture from the first moment, rewritten whole and atomically."""

from __future__ import annotations

import json
from pathlib import Path

from aibridge_mock.proxy.checking import Operation
from aibridge_mock.proxy.recorder import Recorder
from aibridge_mock.server.dataset.loader import DatasetOptions, build_dataset

USER = {"id": "e0000000-0000-4000-8000-0000000000aa", "username": "dana-sre", "name": "Dana"}
INTERCEPTIONS = Operation("interceptions", "/aibridge/interceptions")


def _interception(n: int, **extra: object) -> dict[str, object]:
    return {
        "id": f"a0000000-0000-4000-8000-{n:012d}",
        "api_key_id": "q7KfW2mZpA",
        "initiator": USER,
        "provider": "anthropic",
        "provider_name": "anthropic",
        "model": "claude-sonnet-4-5",
        "client": "Claude Code",
        "metadata": {"b": 1, "a": {"y": 2.5, "x": "<&>"}},
        "started_at": f"2026-05-14T09:00:0{n}.120Z",
        "ended_at": f"2026-05-14T09:00:0{n}.9Z",
        "token_usages": [],
        "user_prompts": [],
        "tool_usages": [],
        **extra,
    }


def _load(path: Path) -> int:
    return build_dataset(DatasetOptions(seed=1, interceptions=0, fixtures=(path,))).n_ended


def test_the_file_is_a_loadable_empty_fixture_before_any_answer(tmp_path: Path) -> None:
    path = tmp_path / "rec.json"
    recorder = Recorder(path, "http://coder", interval=60)
    try:
        assert _load(path) == 0
    finally:
        recorder.close()


def test_the_writer_keeps_the_file_loadable_while_answers_arrive_and_leaves_no_temporary_files(
    tmp_path: Path,
) -> None:
    path = tmp_path / "rec.json"
    recorder = Recorder(path, "http://coder", interval=60)
    try:
        recorder.observe(INTERCEPTIONS, {"count": 2, "results": [_interception(1)]})
        recorder.flush()  # what the writer thread does each interval
        assert _load(path) == 1
        recorder.observe(INTERCEPTIONS, {"count": 2, "results": [_interception(2), _interception(1)]})
        recorder.flush()
        assert _load(path) == 2
    finally:
        recorder.close()
    assert [p.name for p in tmp_path.iterdir()] == ["rec.json"]


def test_a_record_keeps_its_times_metadata_and_in_flight_records_are_left_out(tmp_path: Path) -> None:
    path = tmp_path / "rec.json"
    recorder = Recorder(path, "http://coder")
    recorder.observe(
        INTERCEPTIONS, {"count": 2, "results": [_interception(1), _interception(2, ended_at=None)]}
    )
    recorder.close()
    document = json.loads(path.read_text())
    [written] = document["interceptions"]
    assert (written["started_at"], written["metadata"]) == (
        "2026-05-14T09:00:01.120Z",
        {"b": 1, "a": {"y": 2.5, "x": "<&>"}},
    )
    assert document["users"] == [USER] and written["initiator"] == USER["id"]
    assert recorder.stats() | {"file": ""} == {
        "file": "",
        "anonymized": False,
        "interceptions": 1,
        "users": 1,
        "sessions": 0,
        "threads": 0,
    }
