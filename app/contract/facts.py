"""Preflight and discovery: can the suite run, which API generation is this, what data is there?

The preflight turns the usual set-up mistakes into one line and exit status 2: an unreachable
URL, a rejected token (saying which one), a member's token where an owner's or auditor's is
needed, an unlicensed server, or a URL that is not Coder. It finds the API by its routes (spec 8:
``/api/experimental`` before v2, ``/models`` from v3, sessions from v4) and tells v4 from v5 by
the records (``last_active_at``). Discovery then reads a little of everything (first pages,
models, clients, a few sessions' threads) so that checks and the ``q`` generators work with
values the server really has.

An answer is recognised by its body: JSON of the expected shape is an AI Bridge answer even with
a wrong ``Content-Type``, which the checks then report as a violation rather than "cannot run".
"""

from __future__ import annotations

import email.utils
import time
from dataclasses import dataclass, field
from typing import Any

from aibridge_mock.contract.body import format_rfc3339, parse_rfc3339
from aibridge_mock.contract.client import ContractClient, Exchange, UnreachableError
from aibridge_mock.contract.era import NEWEST, Era, era_of
from aibridge_mock.contract.qgrammar import Vocabulary
from aibridge_mock.contract.violations import (
    CannotRunError,
    NotAIBridgeError,
    ServerUnreachableError,
    TokenRejectedError,
    WrongTokenError,
)

__all__ = ["Facts", "Probe", "discover", "preflight"]

HOUR = 3600 * 10**9
SAMPLE = 100
THREAD_SESSIONS = 3
READERS = frozenset({"owner", "auditor"})  # the site roles that read every user's AI Bridge data (spec 7)
_EXPERIMENTAL = "/api/experimental"


@dataclass(frozen=True)
class Probe:
    """What the preflight found: the generation by its routes, the client for it, the first answer."""

    era: Era
    client: ContractClient  # the token's client under the era's API prefix
    first: Exchange  # the first list answer, for the server's clock
    pinned: bool = False  # the generation was given (--generation), not detected
    caller_id: str | None = None  # the token's user, when /users/me says


@dataclass(frozen=True)
class Facts:
    """What the suite learnt about the server before checking it."""

    era: Era
    served: frozenset[str]  # the era's operations this server answers (interceptions went in 2026-06)
    anchor: int  # nanoseconds; every walk stays before it
    sessions: tuple[dict[str, Any], ...]
    session_count: int
    interceptions: tuple[dict[str, Any], ...]
    interception_count: int
    models: tuple[str, ...]
    clients: tuple[str, ...]
    vocab: Vocabulary
    threads: dict[str, tuple[str, ...]] = field(default_factory=dict)  # session id -> its thread ids
    caller_id: str | None = None
    detected: str = ""  # how the generation was told, for the report

    @property
    def interceptions_served(self) -> bool:
        return "interceptions" in self.served

    def serves(self, operation: str) -> bool:
        return operation in self.served

    @property
    def has_data(self) -> bool:
        """The token sees at least one session (or, before v4, one interception)."""
        return bool(self.session_count if self.serves("sessions") else self.interception_count)

    @property
    def window_q(self) -> str:
        """The ``q`` term pinning walks in the past, away from live traffic."""
        return f'started_before:"{format_rfc3339(self.anchor)}"'


def _describe(ex: Exchange) -> str:
    body = _safe_json(ex)
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        detail = body.get("detail")
        return str(body["message"]) + (f" ({detail})" if isinstance(detail, str) and detail else "")
    return ex.text(120).strip() or "(empty body)"


_NOT_JSON = object()


def _json_or(ex: Exchange, default: Any) -> Any:
    try:
        return ex.json()
    except ValueError:
        return default


def _safe_json(ex: Exchange) -> Any:
    return _json_or(ex, None)


def _is_list(ex: Exchange, key: str) -> bool:
    """A 200 whose body is a ``{..., key: [...]}`` list answer, whatever its Content-Type says."""
    body = _safe_json(ex) if ex.status == 200 else None
    return isinstance(body, dict) and isinstance(body.get(key), list)


def _get(client: ContractClient, path: str, params: dict[str, str | int]) -> Exchange:
    try:
        return client.get(path, params)
    except UnreachableError as exc:
        raise ServerUnreachableError(f"cannot reach {client.base_url}: {exc}") from None


def _refused(ex: Exchange, where: str, which: str = "the token (--token)") -> None:
    """Raise the one-line reason for a 401 or 403."""
    if ex.status == 401:
        raise TokenRejectedError(f"{which} was rejected with 401: {_describe(ex)}")
    if ex.status == 403:
        raise NotAIBridgeError(
            f"{where} answered 403, AI Bridge is not licensed or not enabled: {_describe(ex)}"
        )


def _not_coder(ex: Exchange, where: str) -> CannotRunError:
    if ex.status == 404:
        return NotAIBridgeError(
            f"{where} answered 404 ({_describe(ex)}): an open-source build, a Coder without "
            "AI Bridge, or a wrong --url"
        )
    return NotAIBridgeError(
        f"{where} answered {ex.status} {ex.content_type or 'without Content-Type'}, "
        f"not an AI Bridge answer: {_describe(ex)}"
    )


def _find_api(client: ContractClient) -> tuple[str, ContractClient, Exchange]:
    """The generation by its routes (v4 and v5 share theirs: discovery tells them apart), client, answer."""
    where = client.api_url + "/aibridge/sessions"
    sessions = _get(client, "/aibridge/sessions", {"limit": 1})
    _refused(sessions, where)
    if _is_list(sessions, "sessions") or sessions.status >= 500:
        # A 5xx is the route failing, not missing (the provider catch-all answers 4xx): checks report it.
        return NEWEST, client, sessions
    listing = _get(client, "/aibridge/interceptions", {"limit": 1})
    _refused(listing, client.api_url + "/aibridge/interceptions")
    if _is_list(listing, "results"):
        models = _get(client, "/aibridge/models", {"limit": 1})
        body = _json_or(models, _NOT_JSON) if models.status == 200 else _NOT_JSON
        return ("v3" if body is None or isinstance(body, list) else "v2"), client, listing
    if sessions.status == 404:
        experimental = client.with_prefix(_EXPERIMENTAL)
        early = _get(experimental, "/aibridge/interceptions", {"limit": 1})
        _refused(early, experimental.api_url + "/aibridge/interceptions")
        if _is_list(early, "results"):
            return "v1", experimental, early
    raise _not_coder(sessions, where)


def _me(client: ContractClient) -> dict[str, Any] | None:
    """The token's user from coderd's ``/users/me`` (always under /api/v2), or None when there is none."""
    ex = _get(client.with_prefix("/api/v2"), "/users/me", {})
    body = _json_or(ex, None) if ex.status == 200 else None
    return body if isinstance(body, dict) else None


def _roles(me: dict[str, Any] | None) -> set[str] | None:
    """The site roles of a ``/users/me`` answer, or None when it does not list them."""
    roles = me.get("roles") if me is not None else None
    if not isinstance(roles, list):
        return None
    return {r["name"] for r in roles if isinstance(r, dict) and isinstance(r.get("name"), str)}


def _count(ex: Exchange) -> int:
    body = _safe_json(ex)
    items = body.get("sessions", body.get("results")) if isinstance(body, dict) else None
    count = body.get("count", body.get("total")) if isinstance(body, dict) else None
    if isinstance(count, int) and not isinstance(count, bool):
        return count
    return len(items) if isinstance(items, list) else 0


def _check_member(member: ContractClient, api_prefix: str, path: str) -> None:
    member_api = member.with_prefix(api_prefix)
    answer = _get(member_api, path, {"limit": 1})
    if answer.status == 401:
        raise TokenRejectedError(
            f"the member token (--member-token) was rejected with 401: {_describe(answer)}"
        )
    roles = _roles(_me(member_api))
    if roles is not None and roles & READERS:
        raise WrongTokenError(
            f"the member token (--member-token) has the {sorted(roles & READERS)[0]} role and reads "
            "everyone's data; use a plain member's token"
        )


def preflight(client: ContractClient, member: ContractClient | None, generation: str | None = None) -> Probe:
    """A few requests per token; raises a :class:`CannotRunError` saying what is wrong.

    ``generation`` holds the server to that generation instead of the one its routes suggest.
    """
    found, api, first = _find_api(client)
    me = _me(client)
    roles = _roles(me)
    if roles is not None and not roles & READERS and _count(first) == 0:
        raise WrongTokenError(
            "the token (--token) belongs to a member and sees no other user's data; "
            "use an owner's or auditor's token"
        )
    era = era_of(generation or found)
    if member is not None:
        _check_member(
            member, api.api_prefix, "/aibridge/sessions" if found == NEWEST else "/aibridge/interceptions"
        )
    caller = me.get("id") if me is not None and isinstance(me.get("id"), str) else None
    return Probe(era, api.with_prefix(era.api_prefix), first, pinned=generation is not None, caller_id=caller)


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


def _generation(probe: Probe, sessions: list[dict[str, Any]]) -> tuple[Era, str]:
    """v4 and v5 share their routes; v5 sessions carry ``last_active_at`` (PR #24440)."""
    era = probe.era
    if probe.pinned:
        return era, f"generation {era.generation} (as given)"
    if era.generation not in ("v4", NEWEST):
        return era, f"generation {era.generation} (detected from the routes served)"
    if sessions and all("last_active_at" not in s for s in sessions):
        return era_of("v4"), "generation v4 (detected: sessions without last_active_at)"
    how = "sessions with last_active_at" if sessions else "no sessions to tell v4 from v5: the newest"
    return era_of(NEWEST), f"generation {NEWEST} (detected: {how})"


def discover(probe: Probe) -> Facts:
    """Read first pages, models, clients and a few sessions' threads."""
    client, served = probe.client, set(probe.era.operations)
    session_count, sessions = 0, list[dict[str, Any]]()
    if probe.era.serves("sessions"):
        session_count, sessions = _lenient(client.get("/aibridge/sessions", {"limit": SAMPLE}), "sessions")
    era, detected = _generation(probe, sessions)
    interception_count, interceptions = 0, list[dict[str, Any]]()
    listing = client.get("/aibridge/interceptions", {"limit": SAMPLE})
    if _is_list(listing, "results"):
        interception_count, interceptions = _lenient(listing, "results")
    else:
        served.discard("interceptions")  # removed from the API on 2026-06-10 (spec 8)
    models = _strings(client.get("/aibridge/models", {"limit": 1000})) if era.serves("models") else ()
    clients = _strings(client.get("/aibridge/clients", {"limit": 1000})) if era.serves("clients") else ()
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
        era=era,
        served=frozenset(served & era.operations),
        anchor=_anchor(times[-1] if times else None, _server_now(probe.first)),
        sessions=tuple(sessions),
        session_count=session_count,
        interceptions=tuple(interceptions),
        interception_count=interception_count,
        models=models,
        clients=clients,
        vocab=vocab,
        threads=_threads(client, sessions) if era.serves("threads") else {},
        caller_id=probe.caller_id,
        detected=detected,
    )


def _lenient(ex: Exchange, key: str) -> tuple[int, list[dict[str, Any]]]:
    """Count and items of a list answer, as far as they can be read: checks judge the shape, not discovery."""
    body = _safe_json(ex) if ex.status == 200 else None
    raw = body.get(key) if isinstance(body, dict) else None
    items = [i for i in raw if isinstance(i, dict)] if isinstance(raw, list) else []
    return (_count(ex) if items or isinstance(raw, list) else 0), items


def _strings(ex: Exchange) -> tuple[str, ...]:
    body = _safe_json(ex) if ex.status == 200 else None
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
