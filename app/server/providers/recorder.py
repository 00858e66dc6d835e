"""Recording a bridged request as Coder records it, into the shared record stream ``traffic``.

Two records per interception, as coder/aibridge writes them (reference 3.1, 4): a ``start``
record appended synchronously before the upstream is called (its failure is the request's 500),
and an ``end`` record with every sub-record (token usages, the prompt, tool usages with their
call ids, model thoughts) and ``ended_at``, appended before the last bytes of the response leave,
so that a client's next request (a tool result) finds its parent. The interception id is derived
from the seed and the start record's sequence number: unique, and the same for the same traffic.
Every worker reads the stream back (:mod:`aibridge_mock.server.traffic`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from aibridge_mock.server.dataset.users import seeded_uuid
from aibridge_mock.server.runtime import TRAFFIC
from aibridge_mock.server.shared.backend import Document, StateBackend

__all__ = ["Recorder", "Recording", "RecordingError", "Start", "interception_id"]

Clock = Callable[[], int]  # microseconds since the epoch, UTC


class RecordingError(RuntimeError):
    """The start record could not be written: the request fails before reaching the provider."""


def interception_id(seed: int, seq: int) -> str:
    """The interception id of the start record number ``seq``."""
    return seeded_uuid(seed, f"traffic:{seq}")


@dataclass(frozen=True)
class Start:
    """The interception record (RecordInterception) minus its id and start time."""

    user: str  # initiator id
    api_key_id: str
    provider: str
    provider_name: str
    model: str
    client: str
    client_session_id: str | None
    parent: str | None  # thread_parent_id, from the correlating tool call id
    root: str | None  # thread_root_id
    credential_kind: str
    credential_hint: str
    metadata: dict[str, Any]


@dataclass
class Recording:
    """One interception being recorded: sub-records gather here until :meth:`end`."""

    id: str
    seq: int
    _recorder: Recorder
    token_usages: list[Document] = field(default_factory=list)
    prompts: list[Document] = field(default_factory=list)
    tool_usages: list[Document] = field(default_factory=list)
    thoughts: list[Document] = field(default_factory=list)
    ended: bool = False

    def token_usage(
        self,
        msg_id: str,
        input: int,
        output: int,
        cache_read: int,
        cache_write: int,
        metadata: dict[str, int],
    ) -> None:
        self.token_usages.append(
            {
                "msg_id": msg_id,
                "input": input,
                "output": output,
                "cache_read": cache_read,
                "cache_write": cache_write,
                "metadata": metadata,
                "created_at": self._recorder.clock(),
            }
        )

    def prompt(self, msg_id: str, text: str) -> None:
        self.prompts.append({"msg_id": msg_id, "prompt": text, "created_at": self._recorder.clock()})

    def tool_usage(self, msg_id: str, call_id: str, tool: str, input: str) -> None:
        """A client tool call (not injected): ``input`` is the JSON text coderd stores."""
        self.tool_usages.append(
            {
                "msg_id": msg_id,
                "call_id": call_id,
                "tool": tool,
                "input": input,
                "injected": False,
                "server_url": None,
                "error": None,
                "created_at": self._recorder.clock(),
            }
        )

    def thought(self, text: str, source: str) -> None:
        self.thoughts.append({"text": text, "source": source, "created_at": self._recorder.clock()})

    def end(self) -> None:
        """RecordInterceptionEnded plus the pending sub-records; only once (ended_at is set once)."""
        if self.ended:
            return
        self.ended = True
        self._recorder.append(
            {
                "kind": "end",
                "start": self.seq,
                "ended_at": self._recorder.clock(),
                "token_usages": self.token_usages,
                "prompts": self.prompts,
                "tool_usages": self.tool_usages,
                "thoughts": self.thoughts,
            }
        )


class Recorder:
    """Writes interceptions to the shared stream; one per app."""

    def __init__(self, backend: StateBackend, seed: Callable[[], int], clock: Clock) -> None:
        self.backend = backend
        self.seed = seed
        self.clock = clock

    def append(self, record: Document) -> int:
        return self.backend.append(TRAFFIC, record)

    def start(self, start: Start) -> Recording:
        seed = self.seed()
        try:
            seq = self.append({"kind": "start", "seed": seed, "started_at": self.clock(), **asdict(start)})
        except Exception as exc:  # the backend is down: coderd answers 500 "failed to record interception"
            raise RecordingError(str(exc)) from exc
        return Recording(interception_id(seed, seq), seq, self)
