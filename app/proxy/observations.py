"""What the management answers showed, kept as the records the fixture file is built from.

Interception records come whole from ``/interceptions`` (any filter or page: a record is the same
wherever it appears). ``/sessions/{id}`` adds what no interception record says: which session
and thread an interception belongs to, the thread's credentials, its span and token sums, and the
model's thoughts. Session list rows only name sessions. Records are replaced, never mutated, so
a reader may hold a snapshot while requests keep adding to the store.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from aibridge_mock.server.gocompat import parse_rfc3339_nano

__all__ = ["Observations", "Snapshot", "ThreadSeen", "ended_at", "micros", "tokens_of"]

TOKEN_KEYS = ("input_tokens", "output_tokens", "cache_read_input_tokens", "cache_write_input_tokens")
Tokens = tuple[int, int, int, int]


def micros(value: str) -> int:
    """An RFC 3339 time from an answer as microseconds (Coder's database keeps microseconds)."""
    return parse_rfc3339_nano(value.upper())


def ended_at(record: dict[str, Any]) -> str:
    """When an interception ended; v1 shows no end (it listed every interception), so its start."""
    return str(record.get("ended_at") or record["started_at"])


def tokens_of(body: dict[str, Any]) -> Tokens:
    """The four token counts of a usage or summary (fields older generations lack count as 0)."""
    a, b, c, d = (int(body.get(key) or 0) for key in TOKEN_KEYS)
    return a, b, c, d


@dataclass(frozen=True)
class ThreadSeen:
    """One thread of a session, as ``/sessions/{id}`` showed it."""

    root_id: str
    session_id: str
    initiator_id: str
    started: int
    ended: int | None
    tokens: Tokens
    credential_kind: str
    credential_hint: str
    actions: tuple[tuple[str, tuple[str, ...]], ...]  # (interception id, thoughts) per agentic action


@dataclass(frozen=True)
class Snapshot:
    """The store at one moment (the dicts are copies; their values are never mutated)."""

    interceptions: dict[str, dict[str, Any]]
    users: dict[str, dict[str, str]]
    threads: dict[str, ThreadSeen]
    sessions: frozenset[tuple[str, str]]


@dataclass
class Observations:
    """The records seen so far; ``version`` grows with every change."""

    interceptions: dict[str, dict[str, Any]] = field(default_factory=dict)
    users: dict[str, dict[str, str]] = field(default_factory=dict)
    threads: dict[str, ThreadSeen] = field(default_factory=dict)
    sessions: set[tuple[str, str]] = field(default_factory=set)
    version: int = 0
    _changed: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def observe(self, operation: str, body: Any) -> None:
        """Take in one valid 200 answer of a management operation."""
        if not isinstance(body, dict):
            return  # /models and /clients: derived from the interceptions, nothing to keep
        with self._lock:
            self._changed = False
            if operation == "interceptions":
                self._interceptions(body.get("results") or [])
            elif operation == "sessions":
                for row in body.get("sessions") or []:
                    self._user(row["initiator"])
                    self._put(self.sessions, (row["id"], row["initiator"]["id"]))
            elif operation == "sessions/{session_id}":
                self._session_threads(body)
            if self._changed:  # the same page again changes nothing: no rewrite of the file
                self.version += 1

    def snapshot(self) -> Snapshot:
        with self._lock:
            return Snapshot(
                dict(self.interceptions), dict(self.users), dict(self.threads), frozenset(self.sessions)
            )

    def counts(self) -> dict[str, int]:
        with self._lock:
            return {
                "interceptions": len(self.interceptions),
                "users": len(self.users),
                "sessions": len(self.sessions),
                "threads": len(self.threads),
            }

    def _set(self, store: dict[str, Any], key: str, value: Any) -> None:
        if store.get(key) != value:
            store[key] = value
            self._changed = True

    def _put(self, store: set[tuple[str, str]], key: tuple[str, str]) -> None:
        if key not in store:
            store.add(key)
            self._changed = True

    def _user(self, user: dict[str, str]) -> None:
        self._set(self.users, user["id"], user)

    def _interceptions(self, records: list[dict[str, Any]]) -> None:
        for record in records:
            if "ended_at" in record and record["ended_at"] is None:
                continue  # coderd lists only ended interceptions; a record without an end is not one
            self._user(record["initiator"])
            self._set(self.interceptions, record["id"], record)

    def _session_threads(self, body: dict[str, Any]) -> None:
        initiator = body["initiator"]
        self._user(initiator)
        session_id = body["id"]
        self._put(self.sessions, (session_id, initiator["id"]))
        for thread in body.get("threads") or []:
            actions = tuple(
                (
                    action["tool_calls"][0]["interception_id"],
                    tuple(t["text"] for t in action.get("thinking") or []),
                )
                for action in thread.get("agentic_actions") or []
                if action.get("tool_calls")
            )
            seen = ThreadSeen(
                root_id=thread["id"],
                session_id=session_id,
                initiator_id=initiator["id"],
                started=micros(thread["started_at"]),
                ended=micros(thread["ended_at"]) if thread.get("ended_at") else None,
                tokens=tokens_of(thread.get("token_usage") or {}),
                credential_kind=thread.get("credential_kind", ""),
                credential_hint=thread.get("credential_hint", ""),
                actions=actions,
            )
            self._set(self.threads, seen.root_id, seen)
