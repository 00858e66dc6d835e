"""Runtime state shared by every worker of a server and every replica of a deployment.

The admin API's settings (scenario, faults), the data set's generation, the per-fault request
counters and the record streams (the request journal; recorded traffic) live in a backend behind
one small interface, :class:`~aibridge_mock.server.shared.backend.StateBackend` (its docstring
describes the operations and the record stream primitive):

- :class:`~aibridge_mock.server.shared.backend.MemoryState`: one process (``create_app`` in tests);
- :class:`~aibridge_mock.server.shared.embedded.EmbeddedState`: the workers of one server (the
  default of ``serve``: a directory it creates, nothing to install);
- :class:`~aibridge_mock.server.shared.redisstate.RedisState`: replicas behind a load balancer
  (``--state redis://...``).

Data sets are not stored in the backend: their options are, and each machine builds a data set
once and maps it into every worker (:mod:`.published`, :mod:`.datafile`).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from aibridge_mock.server.shared.backend import MemoryState, StateBackend

__all__ = ["MemoryState", "StateBackend", "namespace", "open_state"]


def namespace(*shape: object) -> str:
    """A short digest of what shapes a mock's data, so that differently configured mocks never share state."""
    return hashlib.sha256(json.dumps([str(part) for part in shape]).encode()).hexdigest()[:12]


def open_state(url: str, directory: Path | None, shape: tuple[object, ...] = ()) -> StateBackend:
    """The backend ``url`` names: Redis for ``redis://...``; else embedded in ``directory``, or in memory."""
    if url:
        from aibridge_mock.server.shared.redisstate import RedisState

        return RedisState(url, namespace(*shape), directory)
    if directory is not None:
        from aibridge_mock.server.shared.embedded import EmbeddedState

        return EmbeddedState(directory)
    return MemoryState()
