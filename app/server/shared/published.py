"""Data sets shared by publishing their options, and built at most once per machine.

A reload publishes only the options of the new data set (seed, size, anchor, fixtures) in the
shared settings; every process builds the same bytes from the same options. On one machine, the
first process that needs a data set builds it under a file lock and writes it to the data
directory (:mod:`.datafile`); the others map that file. With the embedded backend the worker that
handled the admin call has already written it, so the other workers only map it; with Redis each
replica builds it once.

Fixtures sent inline to the admin API travel inside the options (a path is only meaningful on the
machine that has the file): they are written to ``<data dir>/fixtures/<sha256>.json`` where they
are needed.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aibridge_mock.server.dataset.loader import DatasetOptions
from aibridge_mock.server.dataset.store import Dataset
from aibridge_mock.server.shared import datafile
from aibridge_mock.server.shared.backend import Document

__all__ = ["inline_fixture", "obtain", "options_doc", "options_from"]


def inline_fixture(document: Any, directory: Path) -> Path:
    """Write a fixture document where every process of this machine finds it; named by its content."""
    text = json.dumps(document, sort_keys=True)
    target = directory / "fixtures" / f"{hashlib.sha256(text.encode()).hexdigest()[:32]}.json"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_suffix(".tmp")
        temporary.write_text(text)
        temporary.replace(target)
    return target


def options_doc(options: DatasetOptions, directory: Path | None) -> Document:
    """The options as JSON; fixtures written by :func:`inline_fixture` travel as their content."""
    fixtures: list[Document] = []
    for path in options.fixtures:
        if directory is not None and path.parent == directory / "fixtures":
            fixtures.append({"inline": json.loads(path.read_text())})
        else:
            fixtures.append({"path": str(path)})
    return {
        "seed": options.seed,
        "interceptions": options.interceptions,
        "anchor": options.anchor,
        "fixtures": fixtures,
    }


def options_from(doc: Document, directory: Path | None) -> DatasetOptions:
    """The options a published document names; inline fixtures are written to ``directory``."""
    paths = []
    for fixture in doc.get("fixtures", ()):
        if "inline" in fixture:
            if directory is None:
                raise ValueError("an inline fixture needs a data directory")
            paths.append(inline_fixture(fixture["inline"], directory))
        else:
            paths.append(Path(fixture["path"]))
    return DatasetOptions(
        seed=int(doc["seed"]),
        interceptions=int(doc["interceptions"]),
        anchor=int(doc["anchor"]),
        fixtures=tuple(paths),
    )


def _key(options: DatasetOptions, directory: Path) -> str:
    # Inline fixtures by content, files by path and modification time: a changed file is a new data set.
    parts: list[object] = [options.seed, options.interceptions, options.anchor]
    for path in options.fixtures:
        stat = path.stat() if path.exists() else None
        parts.append([str(path), stat.st_mtime_ns if stat else 0, stat.st_size if stat else 0])
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:32]


def obtain(options: DatasetOptions, directory: Path, build: Callable[[DatasetOptions], Dataset]) -> Dataset:
    """The data set of ``options`` mapped from this machine's file, built (once) if nobody has yet.

    ``build`` raises on bad options (a fixture that fails its schema): nothing is written then.
    """
    path = directory / f"{_key(options, directory)}.dataset"
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
