"""Data sets shared by publishing their options, and built at most once per machine.

A reload publishes only the options of the new data set (seed, size, anchor, fixtures) in the
shared settings; every process builds the same bytes from the same options. On one machine, the
first process that needs a data set builds it under a file lock and writes it to the data
directory (:mod:`.datafile`); the others map that file. With the embedded backend the worker that
handled the admin call has already written it, so the other workers only map it; with Redis each
replica builds it once.

Fixtures travel as what they are: a file's path (meaningful on every machine that has the file:
the image, a shared volume), or an inline document's text (held in memory, never written).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
from collections.abc import Callable
from pathlib import Path

from aibridge_mock.server.dataset.loader import DatasetOptions
from aibridge_mock.server.dataset.sources import CheckedFile, FixtureSource, InlineFixture
from aibridge_mock.server.dataset.store import Dataset
from aibridge_mock.server.shared import datafile
from aibridge_mock.server.shared.backend import Document

__all__ = ["obtain", "options_doc", "options_from"]


def _source_doc(source: FixtureSource) -> Document:
    if isinstance(source, InlineFixture):
        return {"inline": source.name, "text": source.text}
    if isinstance(source, CheckedFile):
        return {"checked": str(source.path), "max_bytes": source.max_bytes}
    return {"path": str(source)}


def _source_from(doc: Document) -> FixtureSource:
    if "inline" in doc:
        return InlineFixture(str(doc["inline"]), str(doc["text"]))
    if "checked" in doc:
        return CheckedFile(Path(doc["checked"]), int(doc["max_bytes"]))
    return Path(doc["path"])


def options_doc(options: DatasetOptions) -> Document:
    """The options as JSON, to publish: fixtures as paths or as inline documents' text."""
    return {
        "seed": options.seed,
        "interceptions": options.interceptions,
        "anchor": options.anchor,
        "fixtures": [_source_doc(source) for source in options.fixtures],
        "live": options.live,
    }


def options_from(doc: Document) -> DatasetOptions:
    """The options a published document names."""
    return DatasetOptions(
        seed=int(doc["seed"]),
        interceptions=int(doc["interceptions"]),
        anchor=int(doc["anchor"]),
        fixtures=tuple(_source_from(source) for source in doc.get("fixtures", ())),
        live=bool(doc.get("live", False)),
    )


def _key(options: DatasetOptions) -> str:
    # Inline documents by content, files by path, size and modification time: a changed file is a
    # new data set.
    parts: list[object] = [options.seed, options.interceptions, options.anchor, options.live]
    for source in options.fixtures:
        if isinstance(source, InlineFixture):
            parts.append(["inline", hashlib.sha256(source.text.encode()).hexdigest()])
            continue
        path = source.path if isinstance(source, CheckedFile) else source
        stat = path.stat() if path.exists() else None
        parts.append([str(path), stat.st_mtime_ns if stat else 0, stat.st_size if stat else 0])
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:32]


def obtain(options: DatasetOptions, directory: Path, build: Callable[[DatasetOptions], Dataset]) -> Dataset:
    """The data set of ``options`` mapped from this machine's file, built (once) if nobody has yet.

    ``build`` raises on bad options (a fixture that fails its schema): nothing is written then.
    """
    path = directory / f"{_key(options)}.dataset"
    if not path.exists():
        with (directory / f"{path.stem}.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # one builder per machine; the others wait, then map
            if not path.exists():
                datafile.save(build(options), path)
    found: Dataset = datafile.load(path)
    _forget_others(directory, path)
    return found


def _forget_others(directory: Path, keep: Path) -> None:
    """Unlink older data set files: processes that still map one keep it until they let go (Linux)."""
    for other in directory.glob("*.dataset"):
        if other != keep:
            other.unlink(missing_ok=True)
            other.with_suffix(".lock").unlink(missing_ok=True)
