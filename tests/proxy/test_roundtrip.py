"""Round trip: record a mock through the proxy, replay the recording in a second mock, compare.

The first mock stands for the real upstream (seed 11). The walk asks for every page of every list,
every session's threads in pages, models and clients, as the owner; the second mock serves only the
recording (``--interceptions 0 --fixtures FILE``) and must answer every request of the walk with
the same status and bytes (without ``--anonymize``), or the same JSON apart from the anonymised
fields (with it), and pass the contract suite.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from proxy_helpers import API, Answer, Client, Mock, run_mock, run_proxy, walk

from aibridge_mock.contract.cli import cli_verify
from aibridge_mock.server.dataset.loader import DatasetOptions, build_dataset

pytestmark = pytest.mark.slow

SEED = 11
INTERCEPTIONS = 1500


def _record(record_file: Path, **options: Any) -> tuple[list[str], dict[str, Answer], dict[str, Any]]:
    """Walk the first mock through the proxy; the walk, the answers the proxy relayed, its report."""
    with (
        run_mock(seed=SEED, interceptions=INTERCEPTIONS) as upstream,
        run_proxy(upstream.url, record=str(record_file), strictness="strict", **options) as (url, app),
    ):
        with Client(url, upstream.owner) as client:
            started = time.perf_counter()
            targets = walk(client)
            seconds = time.perf_counter() - started
            answers = {t: client.get(t) for t in targets}
        report = app.report.as_json(app.recorder.stats() if app.recorder else None)
    report["walk_seconds"] = seconds
    return targets, answers, report


def _replay(second: Mock, targets: list[str]) -> dict[str, Answer]:
    client = Client(second.url, second.owner)
    try:
        return {t: client.get(t) for t in targets}
    finally:
        client.close()


def test_a_recording_replays_byte_for_byte_and_passes_the_contract_suite(
    record_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    targets, answers, report = _record(record_file)
    assert report["violations"]["total"] == 0
    assert report["recording"]["interceptions"] == INTERCEPTIONS - 2  # two are in flight: in no answer
    with run_mock(seed=SEED, interceptions=0, fixtures=(record_file,)) as second:
        replayed = _replay(second, targets)
        different = [
            t
            for t in targets
            if (replayed[t].status, replayed[t].body) != (answers[t].status, answers[t].body)
        ]
        assert different == []
        assert len(targets) > 150 and all(a.status == 200 for a in answers.values())
        code = cli_verify(
            [
                "--url",
                second.url,
                "--token",
                second.owner,
                "--member-token",
                second.member,
                "--ci",
                "--strictness",
                "strict",
            ]
        )
    assert code == 0, capsys.readouterr().out
    print(f"\nround trip: {len(targets)} requests, walk through the proxy {report['walk_seconds']:.2f}s")


ANONYMISED_KEYS = frozenset(
    {"username", "name", "avatar_url", "prompt", "last_prompt", "input", "text", "invocation_error"}
)


def _masked(value: Any, seen: list[tuple[str, Any]]) -> Any:
    """The JSON with anonymised fields blanked (and collected, to check they did change)."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key in ANONYMISED_KEYS:
                seen.append((key, item))
                out[key] = "*"
            elif key in ("api_key_id", "credential_hint"):
                out[key] = "*"
            elif key == "metadata" and isinstance(item, dict) and "Username" in item:
                out[key] = {**item, "Username": "*"}
            else:
                out[key] = _masked(item, seen)
        return out
    if isinstance(value, list):
        return [_masked(v, seen) for v in value]
    return value


def test_an_anonymised_recording_replays_the_same_apart_from_the_anonymised_fields(tmp_path: Path) -> None:
    record_file = tmp_path / "anonymised.json"
    targets, answers, _ = _record(record_file, anonymize=True, anonymize_salt="test-salt")
    text = record_file.read_text()
    real = build_dataset(DatasetOptions(seed=SEED, interceptions=0))
    assert not [u.username for u in real.users if f'"{u.username}"' in text]
    assert '"api_key_id": null' in text and "credential_hint" not in text
    # Another seed: the personas' ids of seed 11 are then free for the recording's (fake) users.
    with run_mock(seed=SEED + 1, interceptions=0, fixtures=(record_file,)) as second:
        replayed = _replay(second, targets)
    changed = 0
    for t in targets:
        original, fake = [], []
        assert replayed[t].status == answers[t].status, t
        assert _masked(json.loads(replayed[t].body), fake) == _masked(
            json.loads(answers[t].body), original
        ), t
        changed += sum(a != b for a, b in zip(original, fake, strict=True))
    assert changed > 1000


def test_recording_the_same_answers_twice_gives_the_same_fakes(tmp_path: Path) -> None:
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    for path in (first, second):
        with (
            run_mock(seed=SEED, interceptions=200) as upstream,
            run_proxy(upstream.url, record=str(path), anonymize=True) as (url, _),
            Client(url, upstream.owner) as client,
        ):
            walk(client)
    documents = [json.loads(p.read_text()) for p in (first, second)]
    assert [{k: v for k, v in d.items() if k != "description"} for d in documents] == [
        {k: v for k, v in documents[0].items() if k != "description"}
    ] * 2
    assert documents[0]["interceptions"] and "alice" not in first.read_text()


@pytest.mark.parametrize(("generation", "prefix"), [("v1", "/api/experimental/aibridge"), ("v3", API)])
def test_an_older_generation_records_its_interceptions_and_replays_them_byte_for_byte(
    tmp_path: Path, generation: str, prefix: str
) -> None:
    record_file = tmp_path / f"{generation}.json"
    pages = [f"{prefix}/interceptions?limit=50&offset={n}" for n in range(0, 300, 50)]
    with (
        run_mock(seed=SEED, interceptions=250, generation=generation) as upstream,
        run_proxy(upstream.url, record=str(record_file), strictness="strict") as (url, app),
        Client(url, upstream.owner) as client,
    ):
        answers = {t: client.get(t) for t in pages}
        assert app.report.generation == generation and app.report.violations == 0
    with run_mock(seed=SEED, interceptions=0, fixtures=(record_file,), generation=generation) as second:
        replayed = _replay(second, pages)
    assert all(answers[t].status == 200 for t in pages)
    assert [replayed[t].body for t in pages] == [answers[t].body for t in pages]
