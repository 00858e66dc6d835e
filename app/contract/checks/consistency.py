"""Sessions agree with their threads and with the interceptions they were derived from (spec 4).

The real server loads token usage for the oldest 50 threads only (spec 4.2), so token sums are
compared for sessions with at most 50 threads.
"""

from __future__ import annotations

from typing import Any

from aibridge_mock.contract.body import format_rfc3339, parse_rfc3339
from aibridge_mock.contract.checks.registry import CheckContext, check
from aibridge_mock.contract.client import Exchange
from aibridge_mock.contract.qgrammar import term
from aibridge_mock.contract.violations import CheckSkipped, ConsistencyViolation
from aibridge_mock.contract.walks import Threads, fetch, fetch_threads, full_walk, join_q

Item = dict[str, Any]
Found = dict[str, Item]  # interceptions by id
TOKEN_CAP_THREADS = 50
MAX_THREADS = 200


def _stamp(value: Any) -> int | None:
    return parse_rfc3339(value) if isinstance(value, str) else None


def _user(item: Item) -> Any:
    user = item.get("initiator")
    return user.get("id") if isinstance(user, dict) else None


def _sample(ctx: CheckContext, name: str) -> list[Item]:
    """Settled sessions (inactive since before the anchor) first, each with 1 to 200 threads."""
    fit = [
        s
        for s in ctx.facts.sessions
        if isinstance(s.get("threads"), int) and 1 <= s["threads"] <= MAX_THREADS
    ]
    settled = [s for s in fit if (_stamp(s.get("last_active_at")) or 0) < ctx.facts.anchor]
    pool = settled or fit
    if not pool:
        raise CheckSkipped("no session with 1 to 200 threads")
    return ctx.rng(name).sample(pool, min(len(pool), ctx.samples))


def _equal(what: str, left: Any, right: Any, ex: Exchange, path: str) -> None:
    if left != right:
        raise ConsistencyViolation(f"{what}: {left!r} != {right!r}", request=ex.curl, path=path)


def _sums(usages: list[Any], fields: tuple[str, ...]) -> dict[str, int]:
    """Each token field summed over ``usages`` (the fields the era's records carry)."""
    dicts = [u for u in usages if isinstance(u, dict)]
    return {f: sum(u[f] for u in dicts if isinstance(u.get(f), int)) for f in fields}


def _flatten(metadata: Any, prefix: str = "") -> dict[str, int]:
    """Integer leaves of token metadata under dotted keys (spec 4.2 aggregateTokenMetadata)."""
    out: dict[str, int] = {}
    if isinstance(metadata, dict):
        for key, value in metadata.items():
            if isinstance(value, dict):
                out.update(_flatten(value, f"{prefix}{key}."))
            elif isinstance(value, int) and not isinstance(value, bool):
                out[f"{prefix}{key}"] = value
    return out


def _list_row(ctx: CheckContext, page: Threads) -> tuple[Item, Exchange]:
    """The session's row in GET /sessions, fetched now (``q=session_id:``) so both answers are comparable."""
    session_id = page.body.get("id")
    listed = fetch(ctx.client, ctx.sessions, term("session_id", str(session_id)), limit=100)
    rows = [s for s in listed.items if _user(s) == _user(page.body)]
    if not rows:
        raise ConsistencyViolation(
            f"session {session_id} is served by /sessions/{{id}} but q=session_id:... does not list it",
            request=listed.exchange.curl,
            path="$.sessions",
        )
    return rows[0], listed.exchange


def _top_level(row: Item, page: Threads, row_ex: Exchange, fields: tuple[str, ...]) -> None:
    """The threads answer repeats the list row: same id, initiator, models, times, token sums."""
    ex, body = page.exchange, page.body
    for key in ("id", "providers", "models", "metadata"):
        _equal(f"{key} vs the session list", body.get(key), row.get(key), ex, f"$.{key}")
    _equal("initiator.id vs the session list", _user(body), _user(row), ex, "$.initiator.id")
    # client is omitted here when empty and null in the list (spec 4.2): both read as None.
    _equal("client vs the session list", body.get("client"), row.get("client"), ex, "$.client")
    for key in ("started_at", "ended_at"):
        _equal(f"{key} vs the session list", _stamp(body.get(key)), _stamp(row.get(key)), ex, f"$.{key}")
    summary, listed = body.get("token_usage_summary") or {}, row.get("token_usage_summary") or {}
    for f in fields:
        _equal(
            f"token_usage_summary.{f} vs the session list",
            summary.get(f),
            listed.get(f),
            ex,
            f"$.token_usage_summary.{f}",
        )
    _equal(
        "threads in the list vs threads served",
        row.get("threads"),
        len(page.threads),
        row_ex,
        "$.sessions[0].threads",
    )


def _times_span_threads(page: Threads) -> None:
    ex, body = page.exchange, page.body
    starts = [t for t in (_stamp(t.get("started_at")) for t in page.threads) if t is not None]
    ends = [t for t in (_stamp(t.get("ended_at")) for t in page.threads) if t is not None]
    if starts:
        for key in ("started_at", "page_started_at"):
            _equal(f"{key} vs the oldest thread", _stamp(body.get(key)), min(starts), ex, f"$.{key}")
    if ends:
        for key in ("ended_at", "page_ended_at"):
            _equal(f"{key} vs the last thread end", _stamp(body.get(key)), max(ends), ex, f"$.{key}")


def _threads_within_session(page: Threads, fields: tuple[str, ...]) -> None:
    """Threads and actions use the session's models and providers, and no more tokens than their thread."""
    ex = page.exchange
    models, providers = set(page.body.get("models") or []), set(page.body.get("providers") or [])
    for i, thread in enumerate(page.threads):
        if thread.get("model") not in models:
            raise ConsistencyViolation(
                f"thread model {thread.get('model')!r} is not among the session's models",
                request=ex.curl,
                path=f"$.threads[{i}].model",
            )
        if thread.get("provider") not in providers:
            raise ConsistencyViolation(
                f"thread provider {thread.get('provider')!r} is not among the session's providers",
                request=ex.curl,
                path=f"$.threads[{i}].provider",
            )
        actions = thread.get("agentic_actions") or []
        for j, action in enumerate(actions):
            if action.get("model") not in models:
                raise ConsistencyViolation(
                    f"agentic action model {action.get('model')!r} is not among the session's models",
                    request=ex.curl,
                    path=f"$.threads[{i}].agentic_actions[{j}].model",
                )
        inner, total = _sums([a.get("token_usage") for a in actions], fields), thread.get("token_usage") or {}
        for f in fields:
            if isinstance(total.get(f), int) and inner[f] > total[f]:
                raise ConsistencyViolation(
                    f"the agentic actions use {inner[f]} {f}, more than the thread's {total[f]}",
                    request=ex.curl,
                    path=f"$.threads[{i}].token_usage.{f}",
                )


def _tokens_add_up(page: Threads, fields: tuple[str, ...]) -> None:
    if len(page.threads) > TOKEN_CAP_THREADS:
        return  # the real server only loads token usage for the oldest 50 threads (spec 4.2)
    ex = page.exchange
    summary = page.body.get("token_usage_summary") or {}
    sums = _sums([t.get("token_usage") for t in page.threads], fields)
    for f in fields:
        _equal(
            f"token_usage_summary.{f} vs the sum over threads",
            summary.get(f),
            sums[f],
            ex,
            f"$.token_usage_summary.{f}",
        )
    metadata: dict[str, int] = {}
    for thread in page.threads:
        for key, value in _flatten((thread.get("token_usage") or {}).get("metadata")).items():
            metadata[key] = metadata.get(key, 0) + value
    declared = _flatten(summary.get("metadata"))
    for key in sorted(set(metadata) | set(declared)):
        _equal(
            f"token_usage_summary.metadata.{key} vs the sum over threads",
            declared.get(key, 0),
            metadata.get(key, 0),
            ex,
            f"$.token_usage_summary.metadata.{key}",
        )


@check(
    "session-threads-agree",
    "consistency",
    "a session's threads add up to its list row: thread count, "
    "token sums (up to 50 threads), models, providers, started/ended times",
    needs=("sessions", "threads"),
)
def session_threads_agree(ctx: CheckContext) -> None:
    fields = ctx.era.token_fields
    for session in _sample(ctx, "session-threads-agree"):
        page = fetch_threads(ctx.client, session["id"], limit=MAX_THREADS)
        row, row_ex = _list_row(ctx, page)
        _top_level(row, page, row_ex, fields)
        _times_span_threads(page)
        _threads_within_session(page, fields)
        _tokens_add_up(page, fields)


def _interceptions_of(ctx: CheckContext, page: Threads) -> Found:
    """The initiator's interceptions inside the session's time span, by id."""
    start, end = _stamp(page.body.get("started_at")), _stamp(page.body.get("ended_at"))
    user = _user(page.body)
    if start is None or end is None or not isinstance(user, str):
        raise ConsistencyViolation(
            "the session lacks started_at, ended_at or initiator.id", request=page.exchange.curl, path="$"
        )
    q = join_q(
        f"initiator:{user}",
        f'started_after:"{format_rfc3339(start)}"',
        f'started_before:"{format_rfc3339(max(end, start + 1000))}"',
    )
    return {str(item.get("id")): item for item in full_walk(ctx.client, ctx.interceptions, q, 1000).items}


def _thread_matches_root(page: Threads, i: int, found: Found) -> None:
    ex, thread = page.exchange, page.threads[i]
    root = found.get(str(thread.get("id")))
    if root is None:
        raise ConsistencyViolation(
            f"thread {thread.get('id')} is not an interception of the session's "
            "initiator within the session's span",
            request=ex.curl,
            path=f"$.threads[{i}].id",
        )
    for key in ("model", "provider"):
        _equal(
            f"thread {key} vs its root interception",
            thread.get(key),
            root.get(key),
            ex,
            f"$.threads[{i}].{key}",
        )
    prompts = [p.get("prompt") for p in root.get("user_prompts") or [] if isinstance(p, dict)]
    _equal(
        "thread prompt vs its root interception's first prompt",
        thread.get("prompt"),
        prompts[0] if prompts else None,
        ex,
        f"$.threads[{i}].prompt",
    )


def _action_matches_interception(
    page: Threads, i: int, j: int, found: Found, fields: tuple[str, ...]
) -> None:
    ex = page.exchange
    action = (page.threads[i].get("agentic_actions") or [])[j]
    base = f"$.threads[{i}].agentic_actions[{j}]"
    calls = action.get("tool_calls") or []
    owners = sorted({str(c.get("interception_id")) for c in calls})
    source = found.get(owners[0]) if len(owners) == 1 else None
    if source is None:
        raise ConsistencyViolation(
            f"the action's tool calls come from {owners}, not one interception of this session",
            request=ex.curl,
            path=f"{base}.tool_calls",
        )
    _equal(
        "agentic action model vs its interception",
        action.get("model"),
        source.get("model"),
        ex,
        f"{base}.model",
    )
    _equal(
        "tool call ids vs the interception's tool_usages",
        [c.get("id") for c in calls],
        [u.get("id") for u in source.get("tool_usages") or []],
        ex,
        f"{base}.tool_calls",
    )
    if len(page.threads) <= TOKEN_CAP_THREADS:
        usage, sums = action.get("token_usage") or {}, _sums(source.get("token_usages") or [], fields)
        for f in fields:
            _equal(
                f"agentic action {f} vs its interception's token_usages",
                usage.get(f),
                sums[f],
                ex,
                f"{base}.token_usage.{f}",
            )


@check(
    "sessions-agree-with-interceptions",
    "consistency",
    "threads and agentic actions match the "
    "interceptions they come from: model, provider, prompt, tool calls, token sums",
    needs=("interceptions", "sessions", "threads"),
)
def sessions_agree_with_interceptions(ctx: CheckContext) -> None:
    for session in _sample(ctx, "sessions-agree-with-interceptions"):
        page = fetch_threads(ctx.client, session["id"], limit=MAX_THREADS)
        found = _interceptions_of(ctx, page)
        for i, thread in enumerate(page.threads):
            _thread_matches_root(page, i, found)
            for j in range(len(thread.get("agentic_actions") or [])):
                _action_matches_interception(page, i, j, found, ctx.era.token_fields)
