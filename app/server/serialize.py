"""Turn data set rows into the API's JSON, in Go struct field order.

Field order follows codersdk's structs (Go's encoder writes fields in declaration order; map keys,
such as metadata, sorted). The order of fields added after S2 (provider_name, cache tokens, session
and thread types) is UNCONFIRMED: we place them where the spec's tables list them.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from aibridge_mock.server.dataset.records import JSON, Detail, public
from aibridge_mock.server.dataset.sessions import THREADS_ALL_ROWS_CAP, SessionRow
from aibridge_mock.server.dataset.store import Dataset
from aibridge_mock.server.generations import Generation
from aibridge_mock.server.gocompat import encode_fragment, encode_json, format_time, sorted_json
from aibridge_mock.server.validation import Breach, ResponseValidator

ITEM_CACHE_SIZE = 50_000
THREADS_CACHE_SIZE = 5_000


def _time_or_none(micros: int) -> str | None:
    return format_time(micros) if micros >= 0 else None


class Serializer:
    """Renders rows of one data set; each record is encoded and validated once, then cached."""

    def __init__(
        self, ds: Dataset, validator: ResponseValidator | None = None, generation: Generation | None = None
    ) -> None:
        self.ds = ds
        self.validator = validator
        self.generation = generation
        self.interception_checked = lru_cache(maxsize=ITEM_CACHE_SIZE)(self._interception_checked)
        self.session_checked = lru_cache(maxsize=ITEM_CACHE_SIZE)(self._session_checked)
        self.threads_checked = lru_cache(maxsize=THREADS_CACHE_SIZE)(self._threads_checked)

    def _check(self, component: str, body: JSON) -> Breach | None:
        return self.validator.check_component(component, body) if self.validator else None

    def interception(self, row: int) -> JSON:
        """``AIBridgeInterception`` (D1)."""
        r = self.ds.interception(row)
        detail = self.ds.detail(row)
        return {
            "id": r.id,
            "api_key_id": detail.api_key_id,
            "initiator": r.initiator.minimal(),
            "provider": r.provider,
            "provider_name": r.provider_name,
            "model": r.model,
            "client": r.client,
            "metadata": sorted_json(detail.metadata),
            "started_at": format_time(r.started),
            "ended_at": _time_or_none(r.ended),
            "token_usages": [public(u) for u in detail.token_usages],
            "user_prompts": [public(p) for p in detail.user_prompts],
            "tool_usages": [public(t) for t in detail.tool_usages],
        }

    def _shape(self, component: str, body: JSON) -> JSON:
        """The record as the served generation shows it (the native generation shows it all)."""
        shaped: JSON = self.generation.project(component, body) if self.generation else body
        return shaped

    def _interception_checked(self, row: int) -> tuple[bytes, Breach | None]:
        body = self._shape("AIBridgeInterception", self.interception(row))
        return encode_fragment(body), self._check("AIBridgeInterception", body)

    def _session_checked(self, row: SessionRow) -> tuple[bytes, Breach | None]:
        body = self._shape("AIBridgeSession", self.session(row))
        return encode_fragment(body), self._check("AIBridgeSession", body)

    def _threads_checked(
        self, key: int, page_roots: tuple[int, ...], own_user_id: str | None = None, upto: int | None = None
    ) -> tuple[bytes, Breach | None]:
        threads = self.session_threads(key, list(page_roots), own_user_id, upto)
        body = self._shape("AIBridgeSessionThreadsResponse", threads)
        return encode_json(body), self._check("AIBridgeSessionThreadsResponse", body)

    def first_breach(self, interceptions: int = 64, sessions: int = 16) -> Breach | None:
        """Render and validate the first records of every kind: run when a data set is loaded.

        Every record is validated when first rendered anyway; this makes a bad data set (a generator
        bug, a fixture the schema rejects) fail at load instead of on some later request.
        """
        ds = self.ds
        checks = [self.interception_checked(r)[1] for r in range(min(interceptions, ds.n_ended))]
        keys = ds.ranked_sessions(sessions)
        checks += [self.session_checked(ds.unfiltered_session_row(k))[1] for k in keys]
        checks += [self.threads_checked(k, tuple(ds.roots(k)[:50]))[1] for k in keys[:4]]
        return next((b for b in checks if b is not None), None)

    # -- sessions ----------------------------------------------------------------------------------

    def session(self, row: SessionRow) -> JSON:
        """``AIBridgeSession``: aggregates over matching rows, the rest over the whole session (4.1)."""
        ds = self.ds
        summary = ds.session(row.key, row.upto)
        tokens = summary.tokens
        body: JSON = {
            "id": summary.id,
            "initiator": summary.initiator.minimal(),
            "providers": list(summary.providers),
            "models": list(summary.models),
            "client": ds.interception(summary.first_row).client or None,
            "metadata": sorted_json(ds.detail(summary.first_row).metadata),
            "started_at": format_time(row.started),
            "ended_at": format_time(row.ended),
            "threads": row.threads,
            "token_usage_summary": {
                "input_tokens": tokens[0],
                "output_tokens": tokens[1],
                "cache_read_input_tokens": tokens[2],
                "cache_write_input_tokens": tokens[3],
            },
        }
        prompt = self._last_prompt(summary.last_prompt_row)
        if prompt:
            body["last_prompt"] = prompt
        body["last_active_at"] = format_time(row.last_active)
        return body

    def _last_prompt(self, row: int) -> str:
        if row < 0:
            return ""
        latest = self.ds.detail(row).latest_prompt()
        return str(latest["prompt"]) if latest else ""

    def session_threads(
        self, key: int, page_roots: list[int], own_user_id: str | None = None, upto: int | None = None
    ) -> JSON:
        """``AIBridgeSessionThreadsResponse`` for one page of threads (4.2), over rows ended by ``upto``.

        The session fields come from the (session id, initiator) row ``key``; the threads are those of
        the session id, any initiator's (only ``own_user_id``'s when a member reads their own).
        """
        ds = self.ds
        session = self.session(ds.unfiltered_session_row(key, upto))
        # coderd loads token usages only for the oldest 50 threads (its "all rows" query hits the
        # SQL default limit), so tokens of later threads read as zero. Confirmed in code (spec 4.2).
        oldest = ds.roots(key, own_user_id, upto)[:THREADS_ALL_ROWS_CAP]
        capped = {r for root in oldest for r in ds.thread(root, key, upto)}
        summary_meta = aggregate_metadata(
            u["metadata"] for r in sorted(capped) for u in ds.detail(r).token_usages
        )
        body: JSON = {
            "id": session["id"],
            "initiator": session["initiator"],
            "providers": session["providers"],
            "models": session["models"],
            "metadata": session["metadata"],
            "started_at": session["started_at"],
        }
        if session["client"] is not None:
            body["client"] = session["client"]
        body["ended_at"] = session["ended_at"]
        body["token_usage_summary"] = {**session["token_usage_summary"], "metadata": summary_meta}
        threads = [self._thread(root, capped, key, upto) for root in page_roots]
        body["threads"] = threads
        rows = [ds.interception(r) for root in page_roots for r in ds.thread(root, key, upto)]
        if rows:
            body["page_started_at"] = format_time(min(r.started for r in rows))
            body["page_ended_at"] = format_time(max(r.ended for r in rows))
        return body

    def _thread(self, root: int, loaded: set[int], key: int, upto: int | None) -> JSON:
        ds = self.ds
        rows = ds.thread(root, key, upto)
        head = ds.interception(root)
        root_detail = ds.detail(root)
        body: JSON = {
            "id": head.id,
            "model": head.model,
            "provider": head.provider,
            "credential_kind": root_detail.credential_kind,
            "credential_hint": sanitize_hint(root_detail.credential_hint),
        }
        prompts = sorted(root_detail.user_prompts, key=lambda p: (p["_created"], p["id"]))
        if prompts:
            body["prompt"] = prompts[0]["prompt"]
        members = [ds.interception(r) for r in rows]
        body["started_at"] = format_time(min(m.started for m in members))
        body["ended_at"] = format_time(max(m.ended for m in members))
        body["token_usage"] = _token_usage([ds.detail(r) for r in rows if r in loaded])
        actions = []
        for r, member in zip(rows, members, strict=True):
            detail = ds.detail(r)
            if not detail.tool_usages:
                continue
            actions.append(
                {
                    "model": member.model,
                    "token_usage": _token_usage([detail] if r in loaded else []),
                    "thinking": [{"text": t} for t in detail.thoughts],
                    "tool_calls": [_tool_call(t) for t in detail.tool_usages],
                }
            )
        body["agentic_actions"] = actions
        return body


def _token_usage(details: list[Detail]) -> JSON:
    usages = [u for d in details for u in d.token_usages]
    return {
        "input_tokens": sum(u["input_tokens"] for u in usages),
        "output_tokens": sum(u["output_tokens"] for u in usages),
        "cache_read_input_tokens": sum(u["cache_read_input_tokens"] for u in usages),
        "cache_write_input_tokens": sum(u["cache_write_input_tokens"] for u in usages),
        "metadata": aggregate_metadata(u["metadata"] for u in usages),
    }


_TOOL_CALL_FIELDS = (
    "id",
    "interception_id",
    "provider_response_id",
    "server_url",
    "tool",
    "injected",
    "input",
    "metadata",
    "created_at",
)


def _tool_call(tool: JSON) -> JSON:
    """``AIBridgeToolCall``: a tool usage without ``invocation_error``."""
    return {k: tool[k] for k in _TOOL_CALL_FIELDS}


def sanitize_hint(hint: str) -> str:
    """coderd shows a credential hint only if it is short and masked (spec 4.2)."""
    if hint == "":
        return ""
    return hint if len(hint) <= 15 and "..." in hint else "..."


def aggregate_metadata(objects: Iterable[JSON | None]) -> JSON:
    """aggregateTokenMetadata: flatten nested objects with "." and sum integer leaves."""
    totals: dict[str, int] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(f"{prefix}.{k}" if prefix else k, v)
        elif isinstance(value, int) and not isinstance(value, bool):
            totals[prefix] = totals.get(prefix, 0) + value

    for obj in objects:
        if isinstance(obj, dict):
            walk("", obj)
    return dict(sorted(totals.items()))
