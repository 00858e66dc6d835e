"""Where a fixture document comes from, and how its text is read.

- a ``Path`` the operator gave on the command line (``--fixtures``): read as it is, whatever it is
  (``--fixtures <(make-fixture)`` is a pipe);
- a :class:`CheckedFile` named in an admin request: read only if it is a regular file no larger than
  its limit, opened without following a symbolic link and without blocking (a FIFO would hang the
  reload, ``/dev/zero`` would fill the memory); the admin API has already checked that it lies in a
  directory the operator allowed;
- an :class:`InlineFixture` sent in an admin request: held in memory, never written to a file.

``str(source)`` names the source in error messages and in the data set's identity.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CheckedFile", "FixtureSource", "InlineFixture", "SourceError", "read_source"]


class SourceError(ValueError):
    """A source that cannot be read, in words that echo nothing of its content."""


@dataclass(frozen=True)
class InlineFixture:
    """A fixture document sent in the body of an admin request."""

    name: str  # "inline-fixtures[0]": its place in the request
    text: str  # the document, as JSON text

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class CheckedFile:
    """A fixture file named in an admin request, inside a directory the operator allowed."""

    path: Path
    max_bytes: int

    def __str__(self) -> str:
        return str(self.path)


FixtureSource = Path | CheckedFile | InlineFixture


def read_source(source: FixtureSource) -> bytes | str:
    """The raw content of a source: bytes from a file, text from an inline document."""
    if isinstance(source, InlineFixture):
        return source.text
    if isinstance(source, CheckedFile):
        return _read_checked(source)
    return source.read_bytes()


def _read_checked(source: CheckedFile) -> bytes:
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(source.path, flags)
    except OSError as exc:
        raise SourceError(f"cannot read the file: {exc.strerror or type(exc).__name__}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise SourceError("not a regular file: the admin API reads fixtures from regular files only")
        limit = source.max_bytes
        too_large = SourceError(
            f"larger than {limit:,} bytes, the most the admin API reads from a fixture file"
        )
        if info.st_size > limit:
            raise too_large
        chunks, size = [], 0
        while size <= limit:  # st_size can lie (a file still growing): count what is read
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise too_large
        return b"".join(chunks)
    finally:
        os.close(fd)
