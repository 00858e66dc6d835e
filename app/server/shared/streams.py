"""Record streams of the embedded backend: append-only files, one line per record, no lock to append.

A request appends one journal record, so an append must cost a few microseconds whatever the
concurrency: it is one ``write`` of one line to a file opened with ``O_APPEND`` (the kernel places
each write whole at the end of the file), without any lock between writers. A record's number is
where its line ends in the stream's byte space: ``base`` of its segment plus the end offset of the
line in the segment's file, read back with ``lseek`` after the write. Numbers are therefore unique
and increasing in the order records were written, not consecutive.

Per stream ``<name>``:

- ``<name>.meta``: 32 bytes every process maps: the current segment's id, its base and the old
  segment's base;
- ``<name>.log``: the current segment; ``<name>.old.log``: the previous one. A capped stream
  rotates (renames the current segment over the old one) once the current one holds
  ``cap * ROTATE_BYTES_PER_RECORD`` bytes, so the two always hold the newest ``cap`` records as long
  as they are shorter than that on average. Rotation takes an exclusive ``flock``; readers take it
  shared; writers never do: a writer that still writes to a segment rotated away a microsecond ago
  lands its line in the old segment, where readers find it (a new base leaves room for such lines).

A process remembers where its last read ended, so reading "what came after" the last number it saw
costs only the new lines.
"""

from __future__ import annotations

import fcntl
import json
import mmap
import os
import re
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from aibridge_mock.server.shared.backend import Document, Record

__all__ = ["ROTATE_BYTES_PER_RECORD", "Streams"]

_META = struct.Struct("<QQQ")  # current segment id, its base, the old segment's base
_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")
ROTATE_BYTES_PER_RECORD = 512  # a journal line is ~200 bytes; long query strings make it longer
LATE_ROOM = 1 << 20  # numbers left free after a rotated segment, for lines written into it late


class _Stream:
    """One process's handles on one stream."""

    def __init__(self, directory: Path, name: str) -> None:
        self.current = directory / f"{name}.log"
        self.old = directory / f"{name}.old.log"
        self.meta_fd = os.open(directory / f"{name}.meta", os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self.meta_fd, fcntl.LOCK_EX)
        if os.fstat(self.meta_fd).st_size < _META.size:
            os.pwrite(self.meta_fd, _META.pack(1, 0, 0), 0)
        fcntl.flock(self.meta_fd, fcntl.LOCK_UN)
        self.meta = mmap.mmap(self.meta_fd, _META.size)
        self.writer = threading.local()  # per thread: ``fd`` and the (id, base) of the segment it appends to
        self.lock = threading.Lock()  # this process's readers
        self.read_at: tuple[int, int] = (
            0,
            0,
        )  # (segment id, byte offset) where this process's last read ended

    def state(self) -> tuple[int, int, int]:
        segment, base, old_base = _META.unpack(self.meta)
        return int(segment), int(base), int(old_base)

    def nothing_after(self, after: int) -> bool:
        """Whether this process has read every complete line numbered above ``after`` already.

        Without a lock: every request asks (the traffic overlay follows its stream), and the answer
        is almost always yes, which one ``stat`` tells. A segment rotated since, or older lines
        wanted, take the locked path.
        """
        segment, base, _ = self.state()
        at_segment, offset = self.read_at
        if at_segment != segment or after < base + offset:
            return False
        try:
            return os.stat(self.current).st_size <= offset
        except FileNotFoundError:
            return offset == 0

    @contextmanager
    def locked(self, exclusive: bool) -> Iterator[None]:
        with self.lock:
            fcntl.flock(self.meta_fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
            try:
                yield
            finally:
                fcntl.flock(self.meta_fd, fcntl.LOCK_UN)


class Streams:
    """Record streams in ``directory`` (the embedded backend's)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self._pid = -1
        self._streams: dict[str, _Stream] = {}
        self._opening = threading.Lock()

    def _stream(self, name: str) -> _Stream:
        if self._pid != os.getpid():  # a forked worker opens its own handles
            with self._opening:
                if self._pid != os.getpid():
                    self._streams, self._pid = {}, os.getpid()
        found = self._streams.get(name)
        if found is None:
            if not _NAME.fullmatch(name):
                raise ValueError(f"stream names are 1-64 letters, digits, '.', '_' or '-', got {name!r}")
            with self._opening:
                found = self._streams.get(name) or _Stream(self.directory, name)
                self._streams[name] = found
        return found

    def append(self, name: str, record: Document, cap: int | None = None) -> int:
        stream = self._stream(name)
        line = (json.dumps(record) + "\n").encode()
        segment, base, _ = stream.state()
        # Each thread has its own descriptor: its offset after the write is where this line ended.
        writer = stream.writer
        if getattr(writer, "segment", None) != (segment, base):
            if getattr(writer, "fd", -1) >= 0:
                os.close(writer.fd)
            writer.fd = os.open(stream.current, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            writer.segment = (segment, base)
        os.write(writer.fd, line)
        end = os.lseek(writer.fd, 0, os.SEEK_CUR)
        number: int = writer.segment[1] + end
        if cap is not None and end > cap * ROTATE_BYTES_PER_RECORD:
            self._rotate(stream, segment, cap)
        return number

    def _rotate(self, stream: _Stream, segment: int, cap: int) -> None:
        with stream.locked(exclusive=True):
            now, base, _ = stream.state()
            if now != segment:
                return  # another writer rotated it already
            size = stream.current.stat().st_size if stream.current.exists() else 0
            if size <= cap * ROTATE_BYTES_PER_RECORD:
                return
            os.replace(stream.current, stream.old)
            _META.pack_into(stream.meta, 0, segment + 1, base + size + LATE_ROOM, base)

    def _records(self, stream: _Stream, after: int) -> list[Record]:
        """Records numbered above ``after`` (shared lock held); reads on from this process's last read."""
        segment, base, old_base = stream.state()
        at_segment, offset = stream.read_at
        records: list[Record] = []
        if at_segment != segment or after < base + offset:  # rotated, or older lines wanted: from the start
            offset = 0
            if after < base:
                records += _parse(stream.old, old_base, 0, after)[0]
        found, end = _parse(stream.current, base, offset, after)
        stream.read_at = (segment, end)
        return records + found

    def read(self, name: str, after: int = 0, limit: int | None = None) -> list[Record]:
        stream = self._stream(name)
        if stream.nothing_after(after):
            return []
        with stream.locked(exclusive=False):
            records = self._records(stream, after)
        return records if limit is None else records[:limit]

    def last(self, name: str, count: int) -> list[Record]:
        if count <= 0:
            return []
        stream = self._stream(name)
        with stream.locked(exclusive=False):
            _, base, old_base = stream.state()
            records = _parse(stream.old, old_base, 0, -1)[0] + _parse(stream.current, base, 0, -1)[0]
        return records[-count:]

    def clear(self, name: str) -> None:
        stream = self._stream(name)
        with stream.locked(exclusive=True):
            segment, base, _ = stream.state()
            size = stream.current.stat().st_size if stream.current.exists() else 0
            stream.old.unlink(missing_ok=True)
            stream.current.unlink(missing_ok=True)
            fresh = base + size + LATE_ROOM  # numbering goes on
            _META.pack_into(stream.meta, 0, segment + 1, fresh, fresh)
            stream.read_at = (0, 0)


def _parse(path: Path, base: int, offset: int, after: int) -> tuple[list[Record], int]:
    """Records of ``path`` from ``offset`` numbered above ``after``, and where the complete lines end."""
    try:
        with path.open("rb") as file:
            file.seek(offset)
            data = file.read()
    except FileNotFoundError:
        return [], 0
    records: list[Record] = []
    position = offset
    for line in data.splitlines(keepends=True):
        if not line.endswith(b"\n"):
            break  # a line being written right now: the next read gets it whole
        position += len(line)
        if base + position > after:
            records.append((base + position, json.loads(line)))
    return records, position
