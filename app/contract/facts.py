"""Preflight and discovery: can the suite run, and what data does the server hold?

The preflight turns the usual set-up mistakes into one line and exit status 2: an unreachable
URL, a rejected token (saying which one), an unlicensed server, or a URL that is not Coder.
Discovery then reads a little of everything (first pages, models, clients, a few sessions'
threads) so that checks and the ``q`` generators work with values the server really has.
"""

from __future__ import annotations

import email.utils
import time
from dataclasses import dataclass, field
from typing import Any

from aibridge_mock.contract.body import format_rfc3339, parse_rfc3339
from aibridge_mock.contract.client import ContractClient, Exchange, UnreachableError
from aibridge_mock.contract.qgrammar import Vocabulary
from aibridge_mock.contract.violations import NotAIBridgeError, ServerUnreachableError, TokenRejectedError

__all__ = ["Facts", "discover", "preflight"]

HOUR = 3600 * 10**9
SAMPLE = 100
THREAD_SESSIONS = 3


@dataclass(frozen=True)
class Facts:
    """What the suite learnt about the server before checking it."""

    interceptions_served: bool
    anchor: int  # nanoseconds; every walk stays before it
    sessions: tuple[dict[str, Any], ...]
    session_count: int
    interceptions: tuple[dict[str, Any], ...]
    models: tuple[str, ...]
    clients: tuple[str, ...]
    vocab: Vocabulary
    threads: dict[str, tuple[str, ...]] = field(default_factory=dict)  # session id -> its thread ids
    caller_id: str | None = None

    @property
    def window_q(self) -> str:
        """The ``q`` term pinning walks in the past, away from live traffic."""
        return f'started_before:"{format_rfc3339(self.anchor)}"'


def _describe(ex: Exchange) -> str:
    if ex.is_json:
        try:
            body = ex.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and isinstance(body.get("message"), str):
            detail = body.get("detail")
            return str(body["message"]) + (f" ({detail})" if isinstance(detail, str) and detail else "")
    return ex.text(120).strip() or "(empty body)"


def preflight(client: ContractClient, member: ContractClient | None) -> Exchange:
    """One request per token; raises a :class:`CannotRunError` saying what is wrong."""
    where = client.api_url + "/aibridge/sessions"
    try:
        ex = client.get("/aibridge/sessions", {"limit": 1})
    except UnreachableError as exc:
        raise ServerUnreachableError(f"cannot reach {client.base_url}: {exc}") from None
    if ex.status == 401:
        raise TokenRejectedError(f"the token (--token) was rejected with 401: {_describe(ex)}")
    if ex.status == 403:
        raise NotAIBridgeError(
            f"{where} answered 403, AI Bridge is not licensed or not enabled: {_describe(ex)}"
        )
    if ex.status == 404:
        raise NotAIBridgeError(
            f"{where} answered 404 ({_describe(ex)}): an open-source build, an older "
            "Coder without AI Bridge sessions, or a wrong --url"
        )
    if ex.status != 200 or not ex.is_json or not isinstance(_safe_json(ex), dict):
        raise NotAIBridgeError(
            f"{where} answered {ex.status} {ex.content_type or 'without Content-Type'}, "
            f"not Coder's JSON: {_describe(ex)}"
        )
    if member is not None:
        answer = member.get("/aibridge/sessions", {"limit": 1})
        if answer.status == 401:
            raise TokenRejectedError(
                f"the member token (--member-token) was rejected with 401: {_describe(answer)}"
            )
    return ex


def _safe_json(ex: Exchange) -> Any:
    try:
        return ex.json()
    except ValueError:
        return None


def _server_now(ex: Exchange) -> int:
    try:
        parsed = email.utils.parsedate_to_datetime(ex.headers.get("date", ""))
        return int(parsed.timestamp()) * 10**9
    except (TypeError, ValueError):
        return time.time_ns()


def _anchor(newest: int | None, now: int) -> int:
    """Just after the newest item when it is old or in the future (static data); else an hour ago."""
    if newest is None:
        return now - HOUR
    if newest + 10**9 <= now - HOUR or newest > now:
        return newest + 10**9
    return now - HOUR


def discover(client: ContractClient, first: Exchange) -> Facts:
    """Read first pages, models, clients and a few sessions' threads."""
    session_count, sessions = _lenient(client.get("/aibridge/sessions", {"limit": SAMPLE}), "sessions")
    probe = client.get("/aibridge/interceptions", {"limit": SAMPLE})
    served = probe.status == 200 and probe.is_json and isinstance(_safe_json(probe), dict)
    interceptions = _lenient(probe, "results")[1] if served else []
    models = _strings(client.get("/aibridge/models", {"limit": 1000}))
    clients = _strings(client.get("/aibridge/clients", {"limit": 1000}))
    items = [*sessions, *interceptions]
    times = sorted(
        {
            t
            for item in items
            for k in ("started_at", "last_active_at")
            if isinstance(item.get(k), str) and (t := parse_rfc3339(item[k])) is not None
        }
    )
    users = {
        u["id"]: u["username"]
        for item in items
        if isinstance(u := item.get("initiator"), dict)
        and isinstance(u.get("id"), str)
        and isinstance(u.get("username"), str)
    }
    providers = {p for s in sessions for p in s.get("providers") or [] if isinstance(p, str)}
    providers |= {i["provider"] for i in interceptions if isinstance(i.get("provider"), str)}
    vocab = Vocabulary(
        usernames=tuple(sorted(set(users.values()))),
        user_ids=tuple(sorted(users)),
        providers=tuple(sorted(providers)),
        models=models,
        clients=clients,
        session_ids=tuple(s["id"] for s in sessions if isinstance(s.get("id"), str)),
        times=tuple(times[:: max(1, len(times) // 50)]),
    )
    return Facts(
        interceptions_served=served,
        anchor=_anchor(times[-1] if times else None, _server_now(first)),
        sessions=tuple(sessions),
        session_count=session_count,
        interceptions=tuple(interceptions),
        models=models,
        clients=clients,
        vocab=vocab,
        threads=_threads(client, sessions),
        caller_id=_caller_id(client),
    )


def _lenient(ex: Exchange, key: str) -> tuple[int, list[dict[str, Any]]]:
    """Count and items of a list answer, as far as they can be read: checks judge the shape, not discovery."""
    body = _safe_json(ex) if ex.status == 200 and ex.is_json else None
    raw = body.get(key) if isinstance(body, dict) else None
    items = [i for i in raw if isinstance(i, dict)] if isinstance(raw, list) else []
    count = body.get("count") if isinstance(body, dict) else None
    return (count if isinstance(count, int) and not isinstance(count, bool) else len(items)), items


def _strings(ex: Exchange) -> tuple[str, ...]:
    body = _safe_json(ex) if ex.status == 200 and ex.is_json else None
    return tuple(v for v in body if isinstance(v, str)) if isinstance(body, list) else ()


def _threads(client: ContractClient, sessions: list[dict[str, Any]]) -> dict[str, tuple[str, ...]]:
    picked = [s for s in sessions if isinstance(s.get("threads"), int) and 2 <= s["threads"] <= 200]
    found: dict[str, tuple[str, ...]] = {}
    for session in picked[:THREAD_SESSIONS]:
        ex = client.get(f"/aibridge/sessions/{session['id']}", {"limit": 200})
        body = _safe_json(ex) if ex.status == 200 else None
        threads = body.get("threads") if isinstance(body, dict) else None
        if isinstance(threads, list):
            ids = (t.get("id") for t in threads if isinstance(t, dict))
            found[session["id"]] = tuple(i for i in ids if isinstance(i, str))
    return found


def _caller_id(client: ContractClient) -> str | None:
    """The caller's user id from coderd's /users/me, when the server has it (the mock does not)."""
    ex = client.get("/users/me")
    body = _safe_json(ex) if ex.status == 200 and ex.is_json else None
    return body["id"] if isinstance(body, dict) and isinstance(body.get("id"), str) else None
