"""A data set built once per machine and mapped by every worker serves the same bytes as a fresh one."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from flask import Flask

from aibridge_mock.server import create_app
from aibridge_mock.server.config import Config
from aibridge_mock.server.dataset.loader import DatasetOptions, build_dataset
from aibridge_mock.server.dataset.sources import InlineFixture
from aibridge_mock.server.dataset.store import Dataset
from aibridge_mock.server.extension import mock_of
from aibridge_mock.server.shared import datafile, published
from aibridge_mock.server.shared.embedded import EmbeddedState
from aibridge_mock.server.state import Snapshot
from aibridge_mock.server.views.admin import admin_token

DATA = Path(__file__).parent / "data"
PAGES = ("/interceptions?limit=50&offset=7", "/sessions?limit=20", "/models", "/clients")


def _bodies(app: Flask) -> list[bytes]:
    snap = mock_of(app).datasets.snapshot
    assert snap is not None
    owner = {"Coder-Session-Token": snap.dataset.personas[0].token}
    client = app.test_client()
    session = client.get("/api/v2/aibridge/sessions?limit=1", headers=owner).get_json()["sessions"][0]["id"]
    paths = [*PAGES, f"/sessions/{session}"]
    return [client.get("/api/v2/aibridge" + p, headers=owner).get_data() for p in paths]


def test_a_mapped_data_set_answers_byte_for_byte_like_the_one_it_was_saved_from(tmp_path: Path) -> None:
    built = create_app(Config(seed=3, interceptions=400))
    snap = mock_of(built).datasets.snapshot
    assert snap is not None
    datafile.save(snap.dataset, tmp_path / "set.dataset")
    mapped = create_app(Config(seed=3, interceptions=400), load=False)
    datasets = mock_of(mapped).datasets
    loaded: Dataset = datafile.load(tmp_path / "set.dataset")
    datasets._swap(datasets.options, Snapshot.of(loaded, datasets.validator, datasets.generation), 0)
    assert _bodies(mapped) == _bodies(built)


def test_mapped_columns_are_read_only_views_of_the_file(tmp_path: Path) -> None:
    ds = build_dataset(DatasetOptions(seed=2, interceptions=300))
    path = tmp_path / "set.dataset"
    datafile.save(ds, path)
    loaded: Dataset = datafile.load(path)
    assert np.array_equal(loaded.cols.started, ds.cols.started)
    assert not loaded.cols.started.flags.writeable  # the page cache's pages, shared with other workers
    assert loaded.cols.started.ctypes.data % datafile.ALIGN == 0


def test_a_data_set_is_built_once_per_machine_and_then_mapped(tmp_path: Path) -> None:
    builds: list[DatasetOptions] = []

    def build(options: DatasetOptions) -> Dataset:
        builds.append(options)
        return build_dataset(options)

    options = DatasetOptions(seed=5, interceptions=200)
    first = published.obtain(options, tmp_path, build)
    second = published.obtain(options, tmp_path, build)
    assert builds == [options]
    assert len(first) == len(second) == 200
    published.obtain(DatasetOptions(seed=6, interceptions=100), tmp_path, build)
    assert len(list(tmp_path.glob("*.dataset"))) == 1  # the superseded file is unlinked


def test_a_build_that_fails_writes_nothing(tmp_path: Path) -> None:
    bad = DatasetOptions(interceptions=0, fixtures=(DATA / "bad_fixture.json",))
    with pytest.raises(ValueError, match="username"):
        published.obtain(bad, tmp_path, build_dataset)
    assert list(tmp_path.glob("*.dataset")) == []


def test_published_options_carry_inline_documents_and_file_paths() -> None:
    document = (DATA / "one_interception.json").read_text()
    options = DatasetOptions(
        seed=4,
        interceptions=0,
        anchor=1_700_000_000_000_000,
        fixtures=(InlineFixture("inline-fixtures[0]", document), DATA / "one_interception.json"),
        live=True,
    )
    doc = published.options_doc(options)
    assert doc["fixtures"] == [
        {"inline": "inline-fixtures[0]", "text": document},
        {"path": str(DATA / "one_interception.json")},
    ]
    assert published.options_from(json.loads(json.dumps(doc))) == options  # through JSON, as Redis carries it


def test_a_reload_on_one_app_is_followed_by_another_sharing_its_state(tmp_path: Path) -> None:
    state = EmbeddedState(tmp_path / "state")
    config = Config(seed=1, interceptions=300)
    one, two = create_app(config, state=state), create_app(config, state=state)
    admin = {"Authorization": f"Bearer {admin_token(config)}"}
    answer = one.test_client().post("/__admin/dataset", json={"seed": 9, "interceptions": 120}, headers=admin)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    ready = two.test_client().get("/readyz").get_json()
    assert (ready["seed"], ready["interceptions"]) == (9, 120)
    assert mock_of(two).datasets.number == mock_of(one).datasets.number == 1
    assert _bodies(two) == _bodies(one)
