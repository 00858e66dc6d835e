"""Every item returned matches ``q``, and nothing that matches is left out (spec 2, 1.5, 4.1)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aibridge_mock.contract.body import Page, expect_json, expect_status, format_rfc3339, parse_rfc3339
from aibridge_mock.contract.checks.registry import CheckContext, check
from aibridge_mock.contract.qgrammar import term
from aibridge_mock.contract.violations import CheckSkipped, FilterViolation, ShapeViolation
from aibridge_mock.contract.walks import ListEndpoint, Walk, bounded_window, fetch, full_walk

Item = dict[str, Any]


@dataclass(frozen=True)
class Filter:
    """One ``q`` term, what a matching item looks like, and whether the match is exact for this list."""

    key: str
    q: str
    field: str
    matches: Callable[[Item], bool]
    exact: bool = True  # False: returned items must match, but the universe cannot tell which are missing


def _user_id(item: Item) -> str | None:
    user = item.get("initiator")
    return user.get("id") if isinstance(user, dict) else None


def _stamp(item: Item, key: str) -> int:
    value = item.get(key)
    return (parse_rfc3339(value) if isinstance(value, str) else None) or -1


def _terms(q: str) -> dict[str, str]:
    """A window ``q`` (no spaces inside values) as key -> term."""
    return {token.split(":", 1)[0]: token for token in q.split()}


def _with(window: str, key: str, token: str) -> str:
    """The window ``q`` with the term for ``key`` set to ``token``."""
    return " ".join({**_terms(window), key: token}.values())


def _term_time(token: str) -> int:
    """The time of a ``started_after:"..."`` term, or -1."""
    if ":" not in token:
        return -1
    return parse_rfc3339(token.split(":", 1)[1].strip('"')) or -1


def _same_user(user_id: str) -> Callable[[Item], bool]:
    return lambda item: _user_id(item) == user_id


def _field_is(key: str, value: str) -> Callable[[Item], bool]:
    return lambda item: item.get(key) == value


def _listed_in(key: str, value: str) -> Callable[[Item], bool]:
    return lambda item: value in (item.get(key) or [])


def _client_is(value: str) -> Callable[[Item], bool]:
    """``client`` matches COALESCE(client, 'Unknown') (spec 2)."""
    return lambda item: (item.get("client") or "Unknown") == value


def _started(low: int, high: int) -> Callable[[Item], bool]:
    return lambda item: low <= _stamp(item, "started_at") <= high


def _user_filters(ctx: CheckContext, pick: Item) -> list[Filter]:
    found: list[Filter] = []
    user = pick.get("initiator")
    user_id = _user_id(pick)
    if user_id and isinstance(user, dict) and isinstance(user.get("username"), str):
        for value in (user["username"], user_id):
            found.append(Filter("initiator", f"initiator:{value}", "initiator.id", _same_user(user_id)))
    if ctx.facts.caller_id:
        found.append(Filter("initiator", "initiator:me", "initiator.id", _same_user(ctx.facts.caller_id)))
    return found


def _filters(ctx: CheckContext, ep: ListEndpoint, universe: list[Item]) -> list[Filter]:
    """Filters built from the data; on sessions some are exact only at strict strictness (see module doc)."""
    rng = ctx.rng(f"filters:{ep.name}")
    pick = universe[rng.randrange(len(universe))]
    sessions = ep.name == "sessions"
    found = _user_filters(ctx, pick)
    for key in ("provider", "model"):
        # A session lists the providers and models of *all* its interceptions (spec 4.1).
        values = sorted(
            {
                v
                for i in universe
                for v in ((i.get(f"{key}s") or []) if sessions else [i.get(key)])
                if isinstance(v, str) and v and '"' not in v
            }
        )
        if values:
            value = rng.choice(values)
            matches = _listed_in(f"{key}s", value) if sessions else _field_is(key, value)
            found.append(
                Filter(
                    key,
                    term(key, value),
                    f"{key}s" if sessions else key,
                    matches,
                    exact=ctx.strict or not sessions,
                )
            )
    client = pick.get("client") or "Unknown"
    # client came with v3 (S2/SQL2): earlier servers reject the key (spec 8).
    if isinstance(client, str) and '"' not in client and "client" in ctx.era.filter_keys:
        found.append(
            Filter(
                "client",
                term("client", client),
                "client",
                _client_is(client),
                exact=ctx.strict or not sessions,
            )
        )
    if sessions and isinstance(pick.get("id"), str):
        found.append(Filter("session_id", term("session_id", pick["id"]), "id", _field_is("id", pick["id"])))
    stamps = sorted(_stamp(i, "started_at") for i in universe)
    middle = stamps[len(stamps) // 2]
    if middle > 0:
        # A session's started_at is its earliest *matching* interception (spec 4.1): both bounds hold for it
        # too, but whether a session matches depends on interceptions the list does not show.
        found.append(
            Filter(
                "started_after",
                f'started_after:"{format_rfc3339(middle)}"',
                "started_at",
                _started(middle, 2**63),
                exact=not sessions,
            )
        )
        found.append(
            Filter(
                "started_before",
                f'started_before:"{format_rfc3339(middle)}"',
                "started_at",
                _started(0, middle),
                exact=not sessions,
            )
        )
    return found


def _check_filter(ctx: CheckContext, ep: ListEndpoint, window: str, universe: Walk, f: Filter) -> None:
    terms = _terms(window)
    if f.key == "started_before" and _term_time(terms.get("started_after", "")) >= _term_time(f.q):
        return  # the window already starts there: started_before would have to be after it
    terms[f.key] = f.q
    q = " ".join(terms.values())
    result = full_walk(ctx.client, ep, q, 1000)
    for item, page, i in result.located:
        if not f.matches(item):
            raise FilterViolation(
                f"q={q!r} returned an item whose {f.field} does not match {f.q}",
                request=page.exchange.curl,
                path=f"{page.path(i)}.{f.field}",
            )
    if not f.exact:
        return
    returned = {_row(ep, item) for item in result.items}
    for item, page, i in universe.located:
        if f.matches(item) and _row(ep, item) not in returned:
            first: Page = result.pages[0]
            raise FilterViolation(
                f"{item.get('id')} matches {f.q} (see {page.path(i)} of the unfiltered "
                f"walk) but q={q!r} does not return it",
                request=first.exchange.curl,
                path=f"$.{ep.items_key}",
            )


def _row(ep: ListEndpoint, item: Item) -> str:
    return f"{item.get('id')}/{_user_id(item)}" if ep.name == "sessions" else str(item.get("id"))


def _check_me(ctx: CheckContext, ep: ListEndpoint, window: str) -> None:
    """``initiator:me`` is the caller: one initiator only, and the same rows as that user's id."""
    mine = full_walk(ctx.client, ep, _with(window, "initiator", "initiator:me"), 1000)
    users = {_user_id(item) for item in mine.items}
    if len(users) > 1:
        _, page, i = next(x for x in mine.located if _user_id(x[0]) != _user_id(mine.items[0]))
        raise FilterViolation(
            f"initiator:me returned rows of {len(users)} different initiators",
            request=page.exchange.curl,
            path=f"{page.path(i)}.initiator.id",
        )
    if not users or ctx.facts.caller_id not in (None, *users):
        if users:
            raise FilterViolation(
                f"initiator:me returned rows of {users.pop()}, not of the caller {ctx.facts.caller_id}",
                request=mine.pages[0].exchange.curl,
                path=f"{mine.pages[0].path(0)}.initiator.id",
            )
        return
    by_id = full_walk(ctx.client, ep, _with(window, "initiator", f"initiator:{users.pop()}"), 1000)
    if sorted(_row(ep, i) for i in by_id.items) != sorted(_row(ep, i) for i in mine.items):
        raise FilterViolation(
            f"initiator:me returned {len(mine.items)} rows, the caller's id returns {len(by_id.items)}",
            request=mine.pages[0].exchange.curl,
            path=f"$.{ep.items_key}",
        )


def _list_filters(ctx: CheckContext, ep: ListEndpoint) -> None:
    window, count = bounded_window(ctx.client, ep, ctx.window_q, ctx.cap)
    if count == 0:
        raise CheckSkipped(f"{ep.path} has no items")
    universe = full_walk(ctx.client, ep, window, 1000)
    _check_me(ctx, ep, window)
    chosen = _filters(ctx, ep, universe.items)
    rng = ctx.rng(f"subset:{ep.name}")
    keep = chosen if ctx.samples >= len(chosen) else rng.sample(chosen, ctx.samples)
    for f in keep:
        _check_filter(ctx, ep, window, universe, f)


@check(
    "filter-interceptions",
    "filters",
    "every interception matches q (initiator, provider, model, client, "
    "started_after/before) and every match is returned",
    needs=("interceptions",),
)
def filter_interceptions(ctx: CheckContext) -> None:
    _list_filters(ctx, ctx.interceptions)


@check(
    "filter-sessions",
    "filters",
    "every session matches q (initiator, provider, model, client, session_id, started_after/before)",
    needs=("sessions",),
)
def filter_sessions(ctx: CheckContext) -> None:
    _list_filters(ctx, ctx.sessions)


def _names(ctx: CheckContext, path: str, q: str | None) -> tuple[list[str], str]:
    ex = ctx.client.get(path, {"limit": 1000, **({"q": q} if q is not None else {})})
    expect_status(ex, 200)
    body = expect_json(ex)
    if body is not None and (not isinstance(body, list) or not all(isinstance(v, str) for v in body)):
        raise ShapeViolation(f"expected a list of strings or null, got {str(body)[:80]}", request=ex.curl)
    return list(body or []), ex.curl


def _prefix_filter(ctx: CheckContext, path: str, key: str, ordered: bool) -> None:
    everything, _ = _names(ctx, path, None)
    usable = [v for v in everything if not any(c in v for c in '%_\\"')]
    if not usable:
        raise CheckSkipped(f"{path} is empty")
    rng = ctx.rng(f"prefix:{path}")
    for value in rng.sample(usable, min(len(usable), max(2, ctx.samples // 2))):
        prefix = value[: rng.randint(1, len(value))]
        forms = [term(key, prefix)] + ([prefix] if " " not in prefix and ":" not in prefix else [])
        if prefix.swapcase() != prefix:
            forms.append(term(key, prefix.swapcase()))  # LIKE is case-sensitive (spec 1.5)
        for q in forms:
            wanted_prefix = q.split(":", 1)[1].strip('"') if q.startswith(f"{key}:") else q
            expected = [v for v in everything if v.startswith(wanted_prefix)]
            got, curl = _names(ctx, path, q)
            same = got == expected if ordered else sorted(got) == sorted(expected)
            if not same:
                extra = sorted(set(got) - set(expected))
                missing = sorted(set(expected) - set(got))
                raise FilterViolation(
                    f"q={q!r} must return the {len(expected)} values starting with "
                    f"{wanted_prefix!r}; unexpected {extra[:3]}, missing {missing[:3]}",
                    request=curl,
                    path="$",
                )


@check(
    "filter-models-prefix",
    "filters",
    "q on /models is a case-sensitive prefix of the model name",
    needs=("models",),
)
def filter_models_prefix(ctx: CheckContext) -> None:
    _prefix_filter(ctx, "/aibridge/models", "model", ordered=True)


@check(
    "filter-clients-prefix",
    "filters",
    "q on /clients is a case-sensitive prefix of the client name",
    needs=("clients",),
)
def filter_clients_prefix(ctx: CheckContext) -> None:
    _prefix_filter(ctx, "/aibridge/clients", "client", ordered=False)


def _in_flight(page: Page, where: str) -> None:
    for i, item in enumerate(page.items):
        if item.get("ended_at") is None:
            raise FilterViolation(
                f"interception {item.get('id')} is still in flight (ended_at is null) but {where} lists it; "
                "coderd lists ended interceptions only (spec 1.2)",
                request=page.exchange.curl,
                path=f"{page.path(i)}.ended_at",
            )


@check(
    "interceptions-ended-only",
    "filters",
    "only ended interceptions are listed (ended_at set), the newest page and the walked window alike",
    needs=("interceptions",),
)
def interceptions_ended_only(ctx: CheckContext) -> None:
    if not ctx.era.ended_at:
        raise CheckSkipped(f"generation {ctx.era.generation}'s interceptions have no ended_at (added in v2)")
    ep = ctx.interceptions
    # Live traffic is newest: the first page without a window is where an in-flight row would show.
    _in_flight(fetch(ctx.client, ep, limit=100), "the newest page")
    window, _ = bounded_window(ctx.client, ep, ctx.window_q, ctx.cap)
    for page in full_walk(ctx.client, ep, window, 1000).pages:
        _in_flight(page, f"q={window!r}")
