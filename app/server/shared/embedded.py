"""The embedded backend: the state of every worker of one server, in a directory on this machine.

``serve`` creates the directory before its workers start and removes it when it stops; nothing is
installed or started. It holds:

- ``state.db``: SQLite in WAL mode (readers never wait for the writer) with the settings document,
  the counters and the record streams. Each process opens its own connection per thread (SQLite
  connections do not survive a fork); writes are short transactions, serialised by SQLite's lock.
- ``version``: 8 bytes every process maps; the settings' version is copied there after each commit,
  so the check at the start of every request is a read of mapped memory, not a query or a syscall.
- ``datasets/``: the data sets built after start, one file each, mapped by every worker
  (:mod:`aibridge_mock.server.shared.datafile`).

Durability is not a goal (the state of a mock dies with it): ``synchronous=OFF``.
"""

from __future__ import annotations

import json
import mmap
import os
import sqlite3
import struct
import threading
from pathlib import Path

from aibridge_mock.server.shared.backend import Change, Document, Record

__all__ = ["EmbeddedState"]

_VERSION = struct.Struct("<Q")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS settings (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER, doc TEXT);
INSERT OR IGNORE INTO settings VALUES (1, 0, '{}');
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS streams (name TEXT PRIMARY KEY, seq INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS records (stream TEXT NOT NULL, seq INTEGER NOT NULL, data TEXT NOT NULL,
                                    PRIMARY KEY (stream, seq)) WITHOUT ROWID;
"""
_NEXT_SEQ = "INSERT INTO streams VALUES (?, 1) ON CONFLICT(name) DO UPDATE SET seq = seq + 1 RETURNING seq"
TRIM_EVERY = 256  # a capped stream is trimmed every this many appends (readers only see the newest N)


class EmbeddedState:
    """SQLite and a mapped version counter in ``directory`` (created if missing)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        (directory / "datasets").mkdir(parents=True, exist_ok=True)
        self._db = directory / "state.db"
        self._local = threading.local()
        self._pid = -1
        self._mapped: mmap.mmap | None = None
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

    def _conn(self) -> sqlite3.Connection:
        if self._pid != os.getpid():  # a forked worker: drop what the parent opened
            self._pid = os.getpid()
            self._local = threading.local()
            self._mapped = None
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect()
        return conn

    def _version_map(self) -> mmap.mmap:
        if self._mapped is None or self._pid != os.getpid():
            self._conn()  # resets the per-process handles after a fork
            with (self.directory / "version").open("r+b") as file:
                self._mapped = mmap.mmap(file.fileno(), _VERSION.size)
        return self._mapped

    # -- settings -------------------------------------------------------------------------------------

    def version(self) -> int:
        value: int = _VERSION.unpack_from(self._version_map())[0]
        return value

    def settings(self) -> tuple[int, Document]:
        version, doc = self._conn().execute("SELECT version, doc FROM settings").fetchone()
        return int(version), json.loads(doc)

    def update(self, change: Change) -> tuple[int, Document]:
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")  # the write lock first: no other update interleaves
        try:
            version, doc = conn.execute("SELECT version, doc FROM settings").fetchone()
            new = change(json.loads(doc))
            version = int(version) + 1
            conn.execute("UPDATE settings SET version = ?, doc = ?", (version, json.dumps(new)))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        # After the commit: a worker that sees the new number reads the new document.
        _VERSION.pack_into(self._version_map(), 0, version)
        return version, new

    # -- counters -------------------------------------------------------------------------------------

    def increment(self, name: str) -> int:
        row = (
            self._conn()
            .execute(
                "INSERT INTO counters VALUES (?, 1) ON CONFLICT(name) DO UPDATE SET n = n + 1 RETURNING n",
                (name,),
            )
            .fetchone()
        )
        return int(row[0]) - 1

    def counter(self, name: str) -> int:
        row = self._conn().execute("SELECT n FROM counters WHERE name = ?", (name,)).fetchone()
        return int(row[0]) if row else 0

    # -- record streams -------------------------------------------------------------------------------

    def append(self, stream: str, record: Document, cap: int | None = None) -> int:
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            (seq,) = conn.execute(_NEXT_SEQ, (stream,)).fetchone()
            conn.execute("INSERT INTO records VALUES (?, ?, ?)", (stream, seq, json.dumps(record)))
            if cap is not None and seq % TRIM_EVERY == 0:
                conn.execute("DELETE FROM records WHERE stream = ? AND seq <= ?", (stream, seq - cap))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return int(seq)

    def read(self, stream: str, after: int = 0, limit: int | None = None) -> list[Record]:
        rows = self._conn().execute(
            "SELECT seq, data FROM records WHERE stream = ? AND seq > ? ORDER BY seq LIMIT ?",
            (stream, after, -1 if limit is None else limit),
        )
        return [(int(seq), json.loads(data)) for seq, data in rows]

    def last(self, stream: str, count: int) -> list[Record]:
        rows = (
            self._conn()
            .execute(
                "SELECT seq, data FROM records WHERE stream = ? ORDER BY seq DESC LIMIT ?", (stream, count)
            )
            .fetchall()
        )
        return [(int(seq), json.loads(data)) for seq, data in reversed(rows)]

    def clear(self, stream: str) -> None:
        self._conn().execute("DELETE FROM records WHERE stream = ?", (stream,))

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None and self._pid == os.getpid():
            conn.close()
            self._local.conn = None
