"""The data set currently served, swapped atomically on reload, and the same on every worker.

A request reads ``Datasets.snapshot`` once and works on that object only, so a reload never
changes the data under a request in flight: requests that started before the swap finish on the
old snapshot, the next ones see the new one.

A reload is published in the shared state as a new *generation* with its options
(:meth:`Runtime.publish_dataset`). At the start of every request a process compares the published
generation with its own and, when they differ, follows it (:meth:`Datasets.follow`) before it
answers: no request that starts after an admin reload returns is served from the old data set, on
any worker or replica. A process with a data directory maps the data set from a file there rather
than building it again (:mod:`aibridge_mock.server.shared.published`).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from pathlib import Path

from aibridge_mock.server.auth import Authenticator
from aibridge_mock.server.dataset.loader import DatasetOptions, Progress, build_dataset, silent
from aibridge_mock.server.dataset.session_order import LAST_ACTIVE_AT
from aibridge_mock.server.dataset.store import Dataset
from aibridge_mock.server.generations import Generation
from aibridge_mock.server.pagecache import PageCache
from aibridge_mock.server.runtime import Runtime
from aibridge_mock.server.serialize import Serializer
from aibridge_mock.server.shared import published
from aibridge_mock.server.shared.backend import Document
from aibridge_mock.server.validation import ResponseValidator


def _session_order(generation: Generation | None) -> str:
    """What the served generation lists sessions by (last_active_at, or started_at before v5)."""
    return generation.sessions_by if generation else LAST_ACTIVE_AT


@dataclass(frozen=True)
class Snapshot:
    """One immutable data set with everything derived from it."""

    dataset: Dataset
    serializer: Serializer
    authenticator: Authenticator
    pages: PageCache = field(default_factory=PageCache, compare=False)  # whole answers (pagecache.py)

    @staticmethod
    def build(
        options: DatasetOptions,
        validator: ResponseValidator | None = None,
        progress: Progress | None = None,
        generation: Generation | None = None,
    ) -> Snapshot:
        dataset = build_dataset(options, progress or silent, _session_order(generation))
        return Snapshot.of(dataset, validator, generation)

    @staticmethod
    def of(
        dataset: Dataset, validator: ResponseValidator | None = None, generation: Generation | None = None
    ) -> Snapshot:
        """Everything derived from a built (or mapped) data set; raises if it breaks the contract."""
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
        runtime: Runtime | None = None,
    ) -> None:
        self._lock = threading.Lock()
        self.options = options
        self.validator = validator
        self.generation = generation
        self.runtime = runtime
        self.progress: Progress | None = None  # set by the CLI to draw a bar while loading
        self.snapshot: Snapshot | None = None
        self.number = -1  # the published generation the snapshot is, -1 before the first load
        self.ready = threading.Event()
        self._reload_lock = threading.Lock()  # one reload (or follow) at a time in this process
        self._empty: tuple[DatasetOptions, Snapshot] | None = None

    @property
    def data_dir(self) -> Path | None:
        return self.runtime.backend.data_dir if self.runtime else None

    def _build(self, options: DatasetOptions, progress: Progress | None = None) -> Snapshot:
        """A snapshot of ``options``: mapped from this machine's data directory when there is one."""
        directory = self.data_dir
        if directory is None:
            return Snapshot.build(options, self.validator, progress, self.generation)

        def build(opts: DatasetOptions) -> Dataset:
            return build_dataset(opts, progress or silent, _session_order(self.generation))

        dataset = published.obtain(options, directory, build)
        return Snapshot.of(dataset, self.validator, self.generation)

    def _swap(self, options: DatasetOptions, snapshot: Snapshot, number: int) -> None:
        with self._lock:
            self.options, self.snapshot, self.number = options, snapshot, number
        self.ready.set()

    def load(self, options: DatasetOptions | None = None) -> Snapshot:
        """Build the data set a server starts with and make it current (the shared state's first, too)."""
        options = options or self.options
        # Raises on bad fixtures before the swap: the old snapshot keeps serving. Built in memory
        # (not mapped): workers forked afterwards share its pages.
        snapshot = Snapshot.build(options, self.validator, self.progress, self.generation)
        number = 0
        if self.runtime is not None:
            # The first process to start publishes its data set; one that finds another's (a replica
            # started later, whose "--anchor now" resolved to another time, or after a reseed) serves
            # its own until its first request, which follows the published one (number -1: none yet).
            doc = self.runtime.initialise({"generation": 0, "options": self._doc(options)}).dataset
            same = doc is not None and doc["options"] == self._doc(options)
            number = int(doc["generation"]) if doc is not None and same else -1
        self._swap(options, snapshot, number)
        return snapshot

    def _doc(self, options: DatasetOptions) -> Document:
        return published.options_doc(options)

    def reload(self, options: DatasetOptions) -> Snapshot:
        """A new data set for every process: built here, then published; on error nothing changes."""
        with self._reload_lock:
            self.ready.clear()
            try:
                snapshot = self._build(options)
                number = self.number + 1
                if self.runtime is not None:
                    published_as = self.runtime.publish_dataset(self._doc(options)).dataset
                    number = int(published_as["generation"]) if published_as else number
                self._swap(options, snapshot, number)
                return snapshot
            finally:
                if self.snapshot is not None:
                    self.ready.set()

    def follow(self, published_as: Document | None, wait: float = -1) -> None:
        """Serve the published generation if this process does not yet (called before each request).

        ``wait``: how many seconds to wait for another thread that is already following (-1: as long
        as it takes); health probes give up after a while and report what is served meanwhile.
        """
        if published_as is None or int(published_as["generation"]) == self.number:
            return
        if not self._reload_lock.acquire(timeout=wait):
            return
        try:
            number = int(published_as["generation"])
            if number == self.number:
                return  # another thread followed while this one waited
            self.ready.clear()
            options = published.options_from(published_as["options"])
            self._swap(options, self._build(options), number)
        finally:
            if self.snapshot is not None:
                self.ready.set()
            self._reload_lock.release()

    def empty(self) -> Snapshot:
        """The current personas and no interceptions (the "empty" scenario), built once per options."""
        options = replace(self.options, interceptions=0, fixtures=())
        cached = self._empty
        if cached is not None and cached[0] == options:
            return cached[1]
        snapshot = Snapshot.build(options, self.validator, generation=self.generation)
        self._empty = (options, snapshot)
        return snapshot
