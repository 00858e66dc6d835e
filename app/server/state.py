"""The data set currently served, swapped atomically on reload.

A request reads ``Datasets.snapshot`` once and works on that object only, so a reload never
changes the data under a request in flight: requests that started before the swap finish on the
old snapshot, the next ones see the new one.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace

from aibridge_mock.server.auth import Authenticator
from aibridge_mock.server.dataset.loader import DatasetOptions, Progress, build_dataset
from aibridge_mock.server.dataset.store import Dataset
from aibridge_mock.server.generations import Generation
from aibridge_mock.server.serialize import Serializer
from aibridge_mock.server.validation import ResponseValidator


@dataclass(frozen=True)
class Snapshot:
    """One immutable data set with everything derived from it."""

    dataset: Dataset
    serializer: Serializer
    authenticator: Authenticator

    @staticmethod
    def build(
        options: DatasetOptions,
        validator: ResponseValidator | None = None,
        progress: Progress | None = None,
        generation: Generation | None = None,
    ) -> Snapshot:
        dataset = build_dataset(options, progress) if progress else build_dataset(options)
        serializer = Serializer(dataset, validator, generation)
        breach = serializer.first_breach() if validator else None
        if breach is not None:
            raise ValueError(f"the data set breaks the AI Bridge contract: {breach.describe()}")
        return Snapshot(dataset, serializer, Authenticator(dataset.personas))


class Datasets:
    """Holds the current snapshot; building happens outside the lock, the swap is one assignment."""

    def __init__(
        self,
        options: DatasetOptions,
        validator: ResponseValidator | None = None,
        generation: Generation | None = None,
    ) -> None:
        self._lock = threading.Lock()
        self.options = options
        self.validator = validator
        self.generation = generation
        self.progress: Progress | None = None  # set by the CLI to draw a bar while loading
        self.snapshot: Snapshot | None = None
        self.ready = threading.Event()
        self._reload_lock = threading.Lock()  # one reload at a time, so that ``ready`` tells the truth
        self._empty: tuple[DatasetOptions, Snapshot] | None = None

    def load(self, options: DatasetOptions | None = None) -> Snapshot:
        """Build a snapshot for ``options`` (default: the current ones) and make it current."""
        options = options or self.options
        # Raises on bad fixtures before the swap: the old snapshot keeps serving.
        snapshot = Snapshot.build(options, self.validator, self.progress, self.generation)
        with self._lock:
            self.options, self.snapshot = options, snapshot
        self.ready.set()
        return snapshot

    def reload(self, options: DatasetOptions) -> Snapshot:
        """``load`` on a running mock: not ready while building; on error the old snapshot keeps serving."""
        with self._reload_lock:
            self.ready.clear()
            try:
                return self.load(options)
            finally:
                if self.snapshot is not None:
                    self.ready.set()

    def empty(self) -> Snapshot:
        """The current personas and no interceptions (the "empty" scenario), built once per options."""
        options = replace(self.options, interceptions=0, fixtures=())
        cached = self._empty
        if cached is not None and cached[0] == options:
            return cached[1]
        snapshot = Snapshot.build(options, self.validator, generation=self.generation)
        self._empty = (options, snapshot)
        return snapshot
