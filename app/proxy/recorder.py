"""``--record FILE``: the answers' records, written as a fixture file the mock serves (``--fixtures``).

The file is rewritten whole, atomically (a temporary file, then ``os.replace``), at most once per
``interval`` while new answers arrive and once more at exit; so it is always complete, valid
JSON in the fixture format: interrupting the proxy at any moment, even with SIGKILL, leaves the
last complete recording. The proxy keeps the records (not the answers) in memory to write them.

Each interception is written from its ``/interceptions`` record plus what :mod:`linking` reads
from the session answers (thread root, client session id, credentials, thoughts), so that the mock
re-derives the same sessions and threads (fixtures/README.md). The file lists interceptions by
``started_at`` then id, and users by id, so two recordings of the same data are the same bytes.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import threading
from pathlib import Path
from typing import Any

from aibridge_mock.proxy.anonymize import Anonymizer
from aibridge_mock.proxy.checking import Operation
from aibridge_mock.proxy.linking import Link, link_interceptions
from aibridge_mock.proxy.observations import Observations, Snapshot, ended_at, micros
from aibridge_mock.server.gocompat import format_time

__all__ = ["Recorder", "build_document"]

_AVATAR = re.compile(r"^https?://\S+$")  # what the fixture schema accepts
_SUB_RECORDS = {
    "token_usages": (
        "id",
        "provider_response_id",
        "input_tokens",
        "output_tokens",
        "cache_read_input_tokens",
        "cache_write_input_tokens",
        "metadata",
        "created_at",
    ),
    "user_prompts": ("id", "provider_response_id", "prompt", "metadata", "created_at"),
    "tool_usages": (
        "id",
        "provider_response_id",
        "server_url",
        "tool",
        "input",
        "injected",
        "invocation_error",
        "metadata",
        "created_at",
    ),
}


def _user(user: dict[str, str]) -> dict[str, str]:
    out = {"id": user["id"], "username": user["username"]}
    if user.get("name"):
        out["name"] = user["name"]
    if user.get("avatar_url") and _AVATAR.match(user["avatar_url"]):
        out["avatar_url"] = user["avatar_url"]  # Coder's avatars are URLs; anything else is dropped
    return out


def _interception(record: dict[str, Any], link: Link) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": record["id"],
        "initiator": record["initiator"]["id"],
        "provider": record["provider"],
        "model": record["model"],
        "started_at": record["started_at"],
        "ended_at": ended_at(record),
    }
    if "provider_name" in record:
        out["provider_name"] = record["provider_name"]
    if "api_key_id" in record:
        out["api_key_id"] = record["api_key_id"]
    if record.get("client"):
        out["client"] = record["client"]  # null (and "", which coderd stores as NULL) mean no client
    if "metadata" in record:
        out["metadata"] = record["metadata"]
    if link.client_session_id is not None:
        out["client_session_id"] = link.client_session_id
    if link.thread_root_id is not None:
        out["thread_root_id"] = link.thread_root_id
    if link.credential_kind in ("centralized", "byok"):
        out["credential_kind"] = link.credential_kind
    if link.credential_hint:
        out["credential_hint"] = link.credential_hint
    for key, fields in _SUB_RECORDS.items():
        out[key] = [{f: item[f] for f in fields if f in item} for item in record.get(key) or []]
    # Thoughts have no time in the API; the mock lists them by time, so give them the interception's
    # start plus their position in microseconds: deterministic, and in the order they were shown.
    start = micros(record["started_at"])
    out["model_thoughts"] = [
        {"text": t, "created_at": format_time(start + i)} for i, t in enumerate(link.thoughts)
    ]
    return out


def build_document(snap: Snapshot, source: str, anonymizer: Anonymizer | None = None) -> dict[str, Any]:
    """The fixture document of everything recorded so far."""
    links = link_interceptions(snap)
    users = [_user(snap.users[i]) for i in sorted(snap.users)]
    records = sorted(snap.interceptions.values(), key=lambda r: (micros(r["started_at"]), r["id"]))
    interceptions = [_interception(r, links.get(r["id"], Link())) for r in records]
    if anonymizer is not None:
        users = [anonymizer.user(u) for u in users]
        interceptions = [anonymizer.interception(i) for i in interceptions]
    note = " (anonymized)" if anonymizer is not None else ""
    description = f"Recorded by aibridge-mock proxy from {source}{note}: {len(interceptions)} interceptions."
    return {
        "description": description,
        "users": users,
        "interceptions": interceptions,
    }


def write_atomically(path: Path, document: dict[str, Any]) -> None:
    """Replace ``path`` with the document in one step: readers see the old file or the new one."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(document, out, indent=1)  # ASCII: any string the answers held survives the file
            out.write("\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class Recorder:
    """Collects observations and keeps ``path`` a complete fixture file of them."""

    def __init__(
        self, path: Path, source: str, anonymizer: Anonymizer | None = None, interval: float = 1.0
    ) -> None:
        self.path = path
        self.source = source
        self.anonymizer = anonymizer
        self.observations = Observations()
        self._written = -1
        self._write_lock = threading.Lock()
        self._stop = threading.Event()
        self.flush()  # the file exists, empty but loadable, from the start
        self._thread = threading.Thread(target=self._loop, args=(interval,), name="recorder", daemon=True)
        self._thread.start()

    def observe(self, op: Operation, body: Any) -> None:
        """Take in a valid 200 answer (of any page or filter: a record is whole wherever it appears)."""
        self.observations.observe(op.name, body)

    def flush(self) -> None:
        """Write the file if anything changed since the last write."""
        with self._write_lock:
            version = self.observations.version
            if version == self._written:
                return
            document = build_document(self.observations.snapshot(), self.source, self.anonymizer)
            write_atomically(self.path, document)
            self._written = version

    def _loop(self, interval: float) -> None:
        while not self._stop.wait(interval):
            self.flush()

    def stats(self) -> dict[str, Any]:
        return {
            "file": str(self.path),
            "anonymized": self.anonymizer is not None,
            **self.observations.counts(),
        }

    def close(self) -> None:
        """Stop the writer and write what is left."""
        self._stop.set()
        self._thread.join()
        self.flush()
