"""A built data set as one file that every worker maps read-only: one copy in memory, whoever built it.

The file is the data set pickled with protocol 5, its numpy arrays written out of band, each at a
64-byte aligned offset. Mapping it gives arrays that point into the page cache: every process that
maps the file shares those pages (proportional set size counts them once), and a worker that
starts later (a replacement) maps it in a fraction of the build time. Only the small Python objects
(users, interned strings, per-session tuples) are unpickled into each process.

Layout: ``MAGIC``, the header length (8 bytes, little endian), a JSON header
``{"pickle": [offset, length], "buffers": [[offset, length], ...]}``, then the pickle and the
buffers. A file is written under a temporary name and renamed into place, so a reader never sees
half of one.
"""

from __future__ import annotations

import json
import mmap
import os
import pickle
import struct
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["load", "save"]

MAGIC = b"AIBMDS01"
ALIGN = 64
_LENGTH = struct.Struct("<Q")


def _aligned(offset: int) -> int:
    return (offset + ALIGN - 1) // ALIGN * ALIGN


def save(obj: Any, path: Path) -> int:
    """Write ``obj`` to ``path`` (atomically); the number of bytes written."""
    buffers: list[pickle.PickleBuffer] = []
    data = pickle.dumps(obj, protocol=5, buffer_callback=buffers.append)
    views = [b.raw() for b in buffers]
    # Offsets depend on the header's length, which depends on the offsets: size the header first
    # with a generous width for each number, then pad it to that size.
    header_room = 64 + 48 * (len(views) + 1)
    offset = _aligned(len(MAGIC) + _LENGTH.size + header_room)
    places = [(offset, len(data))]
    offset = _aligned(offset + len(data))
    for view in views:
        places.append((offset, view.nbytes))
        offset = _aligned(offset + view.nbytes)
    header = json.dumps({"pickle": places[0], "buffers": places[1:]}).encode()
    assert len(header) <= header_room, "header room too small"  # the width above covers 16-digit offsets
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(MAGIC + _LENGTH.pack(len(header)) + header)
            for (start, _), chunk in zip(places, [memoryview(data), *views], strict=True):
                file.seek(start)
                file.write(chunk)
            file.truncate(offset)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return offset


def load(path: Path) -> Any:
    """Map ``path`` read-only and rebuild the object; its arrays point into the mapping."""
    with path.open("rb") as file:
        mapped = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
    view = memoryview(mapped)
    if bytes(view[: len(MAGIC)]) != MAGIC:
        raise ValueError(f"{path} is not a data set file")
    (length,) = _LENGTH.unpack_from(view, len(MAGIC))
    start = len(MAGIC) + _LENGTH.size
    header = json.loads(bytes(view[start : start + length]))
    offset, size = header["pickle"]
    buffers = [view[o : o + n] for o, n in header["buffers"]]
    # The mapping stays open as long as an array points into it (each buffer holds a reference).
    return pickle.loads(view[offset : offset + size], buffers=buffers)
