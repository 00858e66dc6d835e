"""Recorded provider traffic, read back by every worker and served through the management API.

Each process follows the shared record stream ``traffic`` (:mod:`.providers.recorder` writes it):
before a management request it reads the records appended since the last one it saw, so traffic
recorded through any worker or replica is listed immediately after its response ended. The
recorded interceptions become a small data set (:mod:`.dataset.recorded`), rebuilt only when the
traffic changed, and the served snapshot composes it with the generated one
(:mod:`.dataset.composed`). The same records give the tool-call index that links a follow-up
request to its parent (coderd's ``GetAIBridgeInterceptionLineageByToolCallID``).

Clearing the traffic (``DELETE /__admin/traffic``, or a reseed to another seed) starts a new
epoch in the shared settings; a process that sees a new epoch drops what it had and reads again.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache

from aibridge_mock.server.dataset.composed import ComposedDataset, with_key
from aibridge_mock.server.dataset.recorded import (
    RecordedInterception,
    RecordedRow,
    build_recorded,
    recorded_detail,
    recorded_row,
)
from aibridge_mock.server.dataset.records import Detail
from aibridge_mock.server.dataset.sessions import SessionRow
from aibridge_mock.server.providers.recorder import interception_id
from aibridge_mock.server.runtime import TRAFFIC, Runtime
from aibridge_mock.server.serialize import Serializer
from aibridge_mock.server.shared.backend import Document
from aibridge_mock.server.state import Snapshot
from aibridge_mock.server.validation import Breach

__all__ = ["ComposedSerializer", "Traffic"]


class ComposedSerializer(Serializer):
    """Renders a composed data set with the serializers of its parts (whose caches stay warm)."""

    def __init__(self, ds: ComposedDataset, base: Serializer, extra: Serializer) -> None:
        # No Serializer.__init__: each part renders and caches its own rows.
        self.ds, self.validator, self.generation = ds, base.validator, base.generation
        self._base, self._extra, self._composed = base, extra, ds
        self.interception_checked = lru_cache(maxsize=0)(self._route_interception)
        self.session_checked = lru_cache(maxsize=0)(self._route_session)
        self.threads_checked = lru_cache(maxsize=0)(self._route_threads)

    def _part(self, is_base: bool) -> Serializer:
        return self._base if is_base else self._extra

    def _route_interception(self, row: int) -> tuple[bytes, Breach | None]:
        ds, local = self._composed.part(row)
        return self._part(ds is self._composed.base).interception_checked(local)

    def _route_session(self, row: SessionRow) -> tuple[bytes, Breach | None]:
        ds, local, _ = self._composed.part_of_key(row.key)
        part = self._part(ds is self._composed.base)
        return part.session_checked(row if local == row.key else with_key(row, local))

    def _route_threads(
        self, key: int, page_roots: tuple[int, ...], own_user_id: str | None = None, upto: int | None = None
    ) -> tuple[bytes, Breach | None]:
        ds, local, offset = self._composed.part_of_key(key)
        roots = tuple(r - offset for r in page_roots)
        return self._part(ds is self._composed.base).threads_checked(local, roots, own_user_id, upto)


@dataclass
class _Built:
    base: Snapshot
    version: int
    snapshot: Snapshot


class Traffic:
    """One process's view of the recorded traffic (see the module docstring)."""

    def __init__(self, runtime: Runtime, provider_names: frozenset[str] = frozenset()) -> None:
        self.runtime = runtime
        self.provider_names = provider_names  # configured instances: valid provider_name filters
        self._lock = threading.Lock()
        self._epoch = 0
        self._seq = 0
        self._version = 0  # bumped whenever what the data set holds changed
        self._starts: dict[int, Document] = {}
        self._ends: dict[int, Document] = {}
        self._rows: dict[int, tuple[RecordedRow, Detail]] = {}  # by start record number
        self._calls: dict[str, tuple[str, str]] = {}  # tool call id -> (interception id, its root id)
        self._built: _Built | None = None

    def catch_up(self) -> None:
        """Read what was recorded since the last call (from the start after a clear)."""
        epoch = self.runtime.sync().traffic_epoch
        records = self.runtime.backend.read(TRAFFIC, after=self._seq if epoch == self._epoch else 0)
        if not records and epoch == self._epoch:
            return
        with self._lock:
            if epoch != self._epoch:
                self._epoch, self._seq, self._version = epoch, 0, self._version + 1
                self._starts, self._ends, self._rows, self._calls = {}, {}, {}, {}
            for seq, record in records:
                if seq <= self._seq:
                    continue  # another thread applied it meanwhile
                self._seq = seq
                self._apply(seq, record)
                self._version += 1

    def _apply(self, seq: int, record: Document) -> None:
        if record.get("kind") == "start":
            self._starts[seq] = record
            self._rows[seq] = self._row(seq, record, None)  # in flight until its end is read
            return
        start_seq = int(record.get("start", 0))
        start = self._starts.get(start_seq)
        if start is None:
            return  # its start was cleared
        self._ends[start_seq] = record
        self._rows[start_seq] = self._row(start_seq, start, record)
        rec_id = self._rows[start_seq][0].id
        root = start.get("root") or rec_id
        for usage in record.get("tool_usages", ()):
            if usage.get("call_id"):
                self._calls[str(usage["call_id"])] = (rec_id, str(root))  # the most recent wins

    def describe(self) -> dict[str, int]:
        """What the admin API shows: recorded interceptions, those still in flight, the last record."""
        self.catch_up()
        return {
            "interceptions": len(self._starts),
            "in_flight": len(self._starts) - len(self._ends),
            "last_record": self._seq,
        }

    @staticmethod
    def _row(seq: int, start: Document, end: Document | None) -> tuple[RecordedRow, Detail]:
        seed = int(start["seed"])
        rec = RecordedInterception(interception_id(seed, seq), seed, start, end)
        detail = recorded_detail(rec)
        return recorded_row(rec, detail), detail

    def lineage(self, call_id: str) -> tuple[str, str] | None:
        """(parent, root) of a follow-up answering ``call_id``, from the latest records."""
        self.catch_up()
        return self._calls.get(call_id)

    def overlay(self, base: Snapshot) -> Snapshot:
        """``base`` with the recorded traffic on top (``base`` itself while nothing was recorded)."""
        self.catch_up()
        built = self._built
        if not self._starts:
            return base
        if built is not None and built.base is base and built.version == self._version:
            return built.snapshot
        with self._lock:
            version = self._version
            rows = list(self._rows.values())  # in record order: dicts keep insertion order
        extra = build_recorded(base.dataset, rows)
        composed = ComposedDataset(base.dataset, extra, self.provider_names)
        generation = base.serializer.generation
        extra_serializer = Serializer(extra, base.serializer.validator, generation)
        serializer = ComposedSerializer(composed, base.serializer, extra_serializer)
        snapshot = Snapshot(composed, serializer, base.authenticator)
        self._built = _Built(base, version, snapshot)
        return snapshot
