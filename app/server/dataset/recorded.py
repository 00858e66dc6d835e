"""Recorded provider traffic as a small data set, shaped like the generated one (and like fixtures).

The input is the interceptions the mock recorded (:mod:`aibridge_mock.server.traffic` gathers their
start and end records from the shared stream); the output is a :class:`Dataset` over the same
users as the generated data set, so that :mod:`.composed` can serve both as one. A recorded
interception's details are built once (:func:`recorded_detail`) and kept by the caller; the
columns and indexes are rebuilt when the traffic grows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from aibridge_mock.server.dataset.columns import NULL_TIME, Columns, Tables, uuid_parts
from aibridge_mock.server.dataset.records import JSON, Detail, RowFacts
from aibridge_mock.server.dataset.store import Dataset
from aibridge_mock.server.dataset.users import seeded_uuid
from aibridge_mock.server.gocompat import format_time, sorted_json

__all__ = ["RecordedInterception", "RecordedRow", "build_recorded", "recorded_detail", "recorded_row"]


@dataclass(frozen=True)
class RecordedInterception:
    """One interception as recorded: its start record, and its end (None while in flight)."""

    id: str
    seed: int
    start: dict[str, Any]
    end: dict[str, Any] | None


def _sub_id(rec: RecordedInterception, kind: str, index: int) -> str:
    return seeded_uuid(rec.seed, f"{rec.id}:{kind}:{index}")


def _sorted(records: list[JSON]) -> list[JSON]:
    return sorted(records, key=lambda r: (r["_created"], r["id"]))


def recorded_detail(rec: RecordedInterception) -> Detail:
    """The sub-records of an interception in the API's shape (created_at ASC, id ASC)."""
    start, end = rec.start, rec.end or {}
    usages = [
        {
            "id": _sub_id(rec, "token", i),
            "interception_id": rec.id,
            "provider_response_id": u["msg_id"],
            "input_tokens": u["input"],
            "output_tokens": u["output"],
            "cache_read_input_tokens": u["cache_read"],
            "cache_write_input_tokens": u["cache_write"],
            "metadata": sorted_json(u["metadata"]),
            "created_at": format_time(u["created_at"]),
            "_created": u["created_at"],
        }
        for i, u in enumerate(end.get("token_usages", ()))
    ]
    prompts = [
        {
            "id": _sub_id(rec, "prompt", i),
            "interception_id": rec.id,
            "provider_response_id": p["msg_id"],
            "prompt": p["prompt"],
            "metadata": {},
            "created_at": format_time(p["created_at"]),
            "_created": p["created_at"],
        }
        for i, p in enumerate(end.get("prompts", ()))
    ]
    tools = [
        {
            "id": _sub_id(rec, "tool", i),
            "interception_id": rec.id,
            "provider_response_id": t["msg_id"],
            "server_url": t["server_url"] or "",
            "tool": t["tool"],
            "input": t["input"],
            "injected": t["injected"],
            "invocation_error": t["error"] or "",
            "metadata": {},
            "created_at": format_time(t["created_at"]),
            "_created": t["created_at"],
        }
        for i, t in enumerate(end.get("tool_usages", ()))
    ]
    thoughts = sorted(end.get("thoughts", ()), key=lambda t: t["created_at"])
    return Detail(
        metadata=sorted_json(start["metadata"]),
        api_key_id=start["api_key_id"],
        credential_kind=start["credential_kind"],
        credential_hint=start["credential_hint"],
        token_usages=_sorted(usages),
        user_prompts=_sorted(prompts),
        tool_usages=_sorted(tools),
        thoughts=[t["text"] for t in thoughts],
    )


@dataclass(frozen=True)
class _Details:
    details: list[Detail]

    def __call__(self, facts: RowFacts) -> Detail:
        return self.details[-facts.detail_ref - 1]


class RecordedRow(NamedTuple):
    """What the columns need of one recorded interception, computed once when it is read."""

    id: str
    user: str
    started: int
    ended: int
    provider: str
    provider_name: str
    model: str
    client: str | None
    client_session_id: str | None
    root: str | None  # thread_root_id
    prompt_at: int
    tokens: tuple[int, int, int, int]
    n_tools: int


def recorded_row(rec: RecordedInterception, detail: Detail) -> RecordedRow:
    start, end = rec.start, rec.end
    usages = detail.token_usages
    return RecordedRow(
        id=rec.id,
        user=start["user"],
        started=start["started_at"],
        ended=end["ended_at"] if end is not None else NULL_TIME,
        provider=start["provider"],
        provider_name=start["provider_name"],
        model=start["model"],
        client=start["client"] or None,
        client_session_id=start.get("client_session_id") or None,
        root=start.get("root") or None,
        prompt_at=max((p["_created"] for p in detail.user_prompts), default=NULL_TIME),
        tokens=(
            sum(u["input_tokens"] for u in usages),
            sum(u["output_tokens"] for u in usages),
            sum(u["cache_read_input_tokens"] for u in usages),
            sum(u["cache_write_input_tokens"] for u in usages),
        ),
        n_tools=len(detail.tool_usages),
    )


def build_recorded(base: Dataset, recorded: list[tuple[RecordedRow, Detail]]) -> Dataset:
    """A data set of the recorded interceptions whose initiators are users of ``base``."""
    kept = [(r, d) for r, d in recorded if r.user in base.user_index]
    rows = [r for r, _ in kept]
    tables = Tables()
    row_of = {r.id: i for i, r in enumerate(rows)}
    # A parent recorded before the traffic was cleared is gone: the row is then a root itself.
    roots = [row_of.get(r.root, i) if r.root else i for i, r in enumerate(rows)]
    halves = [uuid_parts(r.id) for r in rows]

    def array(values: list[int], dtype: Any) -> Any:
        return np.array(values, dtype=dtype)

    cols = Columns(
        id_hi=np.array([h for h, _ in halves], dtype=np.uint64),
        id_lo=np.array([lo for _, lo in halves], dtype=np.uint64),
        started=array([r.started for r in rows], np.int64),
        ended=array([r.ended for r in rows], np.int64),
        user=array([base.user_index[r.user] for r in rows], np.int32),
        instance=array([tables.instance_code(r.provider, r.provider_name) for r in rows], np.int32),
        model=array([tables.models.code(r.model) for r in rows], np.int32),
        client=array([tables.clients.code(r.client) for r in rows], np.int32),
        # COALESCE(client_session_id, thread_root_id, id)
        session=array(
            [tables.session_ids.code(r.client_session_id or r.root or r.id) for r in rows], np.int32
        ),
        root=array(roots, np.int64),
        prompt_at=array([r.prompt_at for r in rows], np.int64),
        tok_in=array([r.tokens[0] for r in rows], np.int64),
        tok_out=array([r.tokens[1] for r in rows], np.int64),
        tok_cache_read=array([r.tokens[2] for r in rows], np.int64),
        tok_cache_write=array([r.tokens[3] for r in rows], np.int64),
        n_tools=array([r.n_tools for r in rows], np.int32),
        detail_ref=array([-(i + 1) for i in range(len(rows))], np.int64),
    )
    loader = _Details([d for _, d in kept])
    # Listed by what the generated part is listed by, so the two merge in one order.
    order = base.sessions.sort_by
    return Dataset(
        cols, tables, base.users, base.personas, loader, frozenset(), base.identity, session_order=order
    )
