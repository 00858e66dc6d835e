"""The compact, column-oriented form of the interceptions table.

One row per interception (in-flight ones included), as numpy arrays, plus small lookup tables for
the strings the rows share. Sort keys and filter columns live here; the bulky parts of a record
(prompts, tool calls, token usage records) are materialised on demand from ``detail_ref``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import numpy.typing as npt

I64 = npt.NDArray[np.int64]
I32 = npt.NDArray[np.int32]
U64 = npt.NDArray[np.uint64]

NULL_TIME = -1


@dataclass
class Interner:
    """Maps strings (or None) to small integer codes, in first-seen order."""

    values: list[str | None] = field(default_factory=list)
    codes: dict[str | None, int] = field(default_factory=dict)

    def code(self, value: str | None) -> int:
        found = self.codes.get(value)
        if found is None:
            found = self.codes[value] = len(self.values)
            self.values.append(value)
        return found


@dataclass
class Columns:
    """Parallel arrays, one entry per interception."""

    id_hi: U64
    id_lo: U64
    started: I64  # microseconds since the epoch
    ended: I64  # NULL_TIME while in flight
    user: I32  # index into the data set's users
    instance: I32  # index into ``instances``: (provider, provider_name)
    model: I32
    client: I32  # code 0 is reserved for NULL (no client)
    session: I32  # index into ``session_ids``: COALESCE(client_session_id, thread_root_id, id)
    root: I64  # row of the thread root (the row itself for a root)
    prompt_at: I64  # created_at of the row's latest user prompt, NULL_TIME if none
    tok_in: I64
    tok_out: I64
    tok_cache_read: I64
    tok_cache_write: I64
    n_tools: I32
    detail_ref: I64  # >= 0: generated record index; < 0: -(fixture record index + 1)

    def __len__(self) -> int:
        return int(self.id_hi.shape[0])

    def take(self, order: npt.NDArray[np.int64]) -> Columns:
        """The rows in ``order``; ``root`` is remapped to the new row numbers."""
        inverse = np.empty(len(order), dtype=np.int64)
        inverse[order] = np.arange(len(order), dtype=np.int64)
        taken: dict[str, Any] = {f.name: getattr(self, f.name)[order] for f in fields(self)}
        taken["root"] = inverse[taken["root"]]
        return Columns(**taken)

    @staticmethod
    def concat(parts: list[Columns]) -> Columns:
        """Rows of all parts; each part's ``root`` is relative to itself and gets shifted."""
        offsets = np.cumsum([0] + [len(p) for p in parts[:-1]])
        merged: dict[str, Any] = {}
        for f in fields(Columns):
            arrays = [
                getattr(p, f.name) + (int(off) if f.name == "root" else 0)
                for p, off in zip(parts, offsets, strict=True)
            ]
            merged[f.name] = np.concatenate(arrays) if arrays else np.empty(0, dtype=np.int64)
        return Columns(**merged)


@dataclass
class Tables:
    """The shared strings the columns point into."""

    instances: list[tuple[str, str]] = field(default_factory=list)
    models: Interner = field(default_factory=Interner)
    clients: Interner = field(default_factory=lambda: _with_null())
    session_ids: Interner = field(default_factory=Interner)

    def instance_code(self, provider: str, name: str) -> int:
        pair = (provider, name)
        if pair not in self.instances:
            self.instances.append(pair)
        return self.instances.index(pair)


def _with_null() -> Interner:
    interner = Interner()
    interner.code(None)
    return interner


def uuid_parts(text: str) -> tuple[int, int]:
    """A canonical UUID as two unsigned 64-bit halves (Postgres compares UUIDs bytewise)."""
    raw = int(text.replace("-", ""), 16)
    return raw >> 64, raw & 0xFFFF_FFFF_FFFF_FFFF


def uuid_text(hi: int, lo: int) -> str:
    """The canonical text of a UUID from its halves."""
    h = f"{int(hi):016x}{int(lo):016x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
