"""The embedded backend: the state of every worker of one server, in a directory on this machine.

``serve`` creates the directory before its workers start and removes it when it stops; nothing is
installed or started. It holds:

- ``state.db``: SQLite in WAL mode (readers never wait for the writer) with the settings document
  and the counters. Each process opens its own connection per thread (SQLite connections do not
  survive a fork); writes are short transactions.
- ``streams/``: the record streams, append-only files (:mod:`.streams`): the journal gets one
  record per request, and a file append costs a fraction of a database write.
- ``version``: 8 bytes every process maps; the settings' version is copied there after each commit,
  so the check at the start of every request is a read of mapped memory, not a query or a syscall.
- ``write.lock``: writers queue on it (``flock``, then a lock among the threads of a process) before
  they open a write transaction. SQLite alone would make a busy writer sleep and retry (1, 2, 5 ms,
  ...), which under load costs more than the write; the kernel's lock wakes the next writer at once.
- ``datasets/``: the data sets built after start, one file each, mapped by every worker
  (:mod:`aibridge_mock.server.shared.datafile`).

Durability is not a goal (the state of a mock dies with it): ``synchronous=OFF``.
"""

from __future__ import annotations

import fcntl
import json
import mmap
import os
import sqlite3
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from aibridge_mock.server.shared.backend import Change, Document, Record
from aibridge_mock.server.shared.streams import Streams

__all__ = ["EmbeddedState"]

_VERSION = struct.Struct("<Q")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS settings (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER, doc TEXT);
INSERT OR IGNORE INTO settings VALUES (1, 0, '{}');
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
"""
_INCREMENT = "INSERT INTO counters VALUES (?, 1) ON CONFLICT(name) DO UPDATE SET n = n + 1 RETURNING n"
_OPENING = threading.Lock()  # one thread opens a process's handles


class EmbeddedState:
    """SQLite and a mapped version counter in ``directory`` (created if missing)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        (directory / "datasets").mkdir(parents=True, exist_ok=True)
        self._db = directory / "state.db"
        self._local = threading.local()
        self._pid = -1
        self._mapped: mmap.mmap | None = None
        self._lock_file = directory / "write.lock"
        self._lock_fd = -1
        self._thread_lock = threading.Lock()
        self._streams = Streams(directory / "streams")
        version = directory / "version"
        if not version.exists():
            version.write_bytes(_VERSION.pack(0))
        with self._connect() as conn:  # creates the schema once, in the process that creates the state
            conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(_SCHEMA)

    @property
    def description(self) -> str:
        return "embedded, shared by this server's workers"

    @property
    def data_dir(self) -> Path:
        return self.directory / "datasets"

    # -- per-process, per-thread handles ------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self._db, timeout=60, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA synchronous=OFF")
        return conn

    def _this_process(self) -> None:
        """Open this process's handles once (a forked worker must not use its parent's)."""
        if self._pid == os.getpid():
            return
        with _OPENING:
            if self._pid == os.getpid():
                return
            self._local = threading.local()
            self._mapped = None
            self._lock_fd = os.open(self._lock_file, os.O_RDWR | os.O_CREAT, 0o600)
            self._thread_lock = threading.Lock()
            self._pid = os.getpid()  # last: other threads wait above until the handles are there

    def _conn(self) -> sqlite3.Connection:
        self._this_process()
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect()
        return conn

    def _version_map(self) -> mmap.mmap:
        self._this_process()
        if self._mapped is None:
            with (self.directory / "version").open("r+b") as file:
                self._mapped = mmap.mmap(file.fileno(), _VERSION.size)
        return self._mapped

    @contextmanager
    def _locked(self) -> Iterator[sqlite3.Connection]:
        """This process's connection, once this process's threads and then the other processes let go."""
        conn = self._conn()
        with self._thread_lock:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
            try:
                yield conn
            finally:
                fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    # -- settings -------------------------------------------------------------------------------------

    def version(self) -> int:
        value: int = _VERSION.unpack_from(self._version_map())[0]
        return value

    def settings(self) -> tuple[int, Document]:
        version, doc = self._conn().execute("SELECT version, doc FROM settings").fetchone()
        return int(version), json.loads(doc)

    def update(self, change: Change) -> tuple[int, Document]:
        """One write transaction: read, change, write the document and its version, then publish it."""
        with self._locked() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                version, doc = conn.execute("SELECT version, doc FROM settings").fetchone()
                new = change(json.loads(doc))
                version = int(version) + 1
                conn.execute("UPDATE settings SET version = ?, doc = ?", (version, json.dumps(new)))
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            # After the commit, so a worker that sees the new number reads the new document; before
            # the lock is let go, so a slower writer cannot put an older number back over it.
            _VERSION.pack_into(self._version_map(), 0, version)
        return version, new

    # -- counters -------------------------------------------------------------------------------------

    def increment(self, name: str) -> int:
        with self._locked() as conn:
            (value,) = conn.execute(_INCREMENT, (name,)).fetchone()
        return int(value) - 1

    def counter(self, name: str) -> int:
        row = self._conn().execute("SELECT n FROM counters WHERE name = ?", (name,)).fetchone()
        return int(row[0]) if row else 0

    # -- record streams -------------------------------------------------------------------------------

    def append(self, stream: str, record: Document, cap: int | None = None) -> int:
        return self._streams.append(stream, record, cap)

    def read(self, stream: str, after: int = 0, limit: int | None = None) -> list[Record]:
        return self._streams.read(stream, after, limit)

    def last(self, stream: str, count: int) -> list[Record]:
        return self._streams.last(stream, count)

    def clear(self, stream: str) -> None:
        self._streams.clear(stream)

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None and self._pid == os.getpid():
            conn.close()
            self._local.conn = None
