"""The interface every state backend implements, and the in-memory one (a single process).

A backend holds three kinds of state, all JSON:

- **settings**: one document (scenario, faults, the data set's generation) with a version number.
  ``version()`` is called at the start of every request and must be cheap; ``update(change)`` is
  an atomic read-modify-write that bumps the version, so two admin calls never lose each other's
  change.
- **counters**: named integers incremented atomically (``increment`` returns the value *before*
  the increment): the per-fault request index that makes injected failures deterministic whichever
  worker serves the request.
- **record streams**: named append-only sequences of JSON objects. ``append(stream, record)``
  returns the record's sequence number: increasing in the order records were appended, never
  reused (``clear`` empties a stream, numbering goes on), not necessarily consecutive (the embedded
  backend numbers a record by where it ends in the stream's files). ``read(stream, after=n)``
  returns the records numbered above ``n``, oldest first, so a reader keeps the last number it saw
  and asks again for what came since; ``last(stream, n)`` returns the newest ``n``. A stream
  appended with ``cap=N`` keeps its newest N records (embedded: as long as they average under 512
  bytes) and drops older ones. The request journal is the stream ``journal``; a feature that
  records traffic (issue 14's provider routes) appends to its own stream and reads it back on every
  worker.

Backends: :class:`MemoryState` (one process: ``create_app`` in tests and the in-process pytest
plugin), :class:`~aibridge_mock.server.shared.embedded.EmbeddedState` (every worker of one
server: SQLite plus a mapped version counter in a directory the server creates) and
:class:`~aibridge_mock.server.shared.redisstate.RedisState` (every replica sharing one Redis).
"""

from __future__ import annotations

import copy
import threading
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

__all__ = ["Change", "Document", "MemoryState", "Record", "StateBackend"]

Document = dict[str, Any]
Change = Callable[[Document], Document]
Record = tuple[int, Document]  # (sequence number, record)


class StateBackend(Protocol):
    """Runtime state shared by the processes of one mock (see the module docstring)."""

    @property
    def description(self) -> str:
        """Where the state lives, for the banner and the admin API."""
        ...

    @property
    def data_dir(self) -> Path | None:
        """A directory of this machine where built data sets are published (None: keep them in memory)."""
        ...

    def version(self) -> int: ...

    def settings(self) -> tuple[int, Document]: ...

    def update(self, change: Change) -> tuple[int, Document]: ...

    def increment(self, name: str) -> int: ...

    def counter(self, name: str) -> int: ...

    def append(self, stream: str, record: Document, cap: int | None = None) -> int: ...

    def read(self, stream: str, after: int = 0, limit: int | None = None) -> list[Record]: ...

    def last(self, stream: str, count: int) -> list[Record]: ...

    def clear(self, stream: str) -> None: ...

    def close(self) -> None: ...


class MemoryState:
    """The backend of a single process: dictionaries behind one lock."""

    description = "in this process"
    data_dir: Path | None = None

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version = 0
        self._doc: Document = {}
        self._counters: dict[str, int] = {}
        self._streams: dict[str, deque[Record]] = {}
        self._seqs: dict[str, int] = {}

    def version(self) -> int:
        return self._version

    def settings(self) -> tuple[int, Document]:
        with self._lock:
            return self._version, copy.deepcopy(self._doc)

    def update(self, change: Change) -> tuple[int, Document]:
        with self._lock:
            self._doc = change(copy.deepcopy(self._doc))
            self._version += 1
            return self._version, copy.deepcopy(self._doc)

    def increment(self, name: str) -> int:
        with self._lock:
            value = self._counters.get(name, 0)
            self._counters[name] = value + 1
            return value

    def counter(self, name: str) -> int:
        return self._counters.get(name, 0)

    def append(self, stream: str, record: Document, cap: int | None = None) -> int:
        with self._lock:
            seq = self._seqs.get(stream, 0) + 1
            self._seqs[stream] = seq
            records = self._streams.setdefault(stream, deque())
            records.append((seq, record))
            while cap is not None and len(records) > cap:
                records.popleft()
            return seq

    def read(self, stream: str, after: int = 0, limit: int | None = None) -> list[Record]:
        with self._lock:
            records = self._streams.get(stream, ())
            if not records or records[-1][0] <= after:  # the common case of a follower: nothing new
                return []
            found = [r for r in records if r[0] > after]
        return found if limit is None else found[:limit]

    def last(self, stream: str, count: int) -> list[Record]:
        with self._lock:
            records = list(self._streams.get(stream, ()))
        return records[-count:] if count > 0 else []

    def clear(self, stream: str) -> None:
        with self._lock:
            self._streams.pop(stream, None)

    def close(self) -> None:
        pass
