"""The ``q`` search grammar of coderd's ``searchquery`` package, for the AI Bridge endpoints.

Tokens are split on spaces outside double quotes; tokens with a ``:`` are ``key:value`` pairs
(keys lower-cased, values kept as typed, quotes stripped) and the rest are joined into one bare
term handed to the endpoint's default key. Values are then read with the QueryParamParser, so
unknown keys, duplicates and bad timestamps produce coderd's exact validation errors.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from aibridge_mock.server.dataset.filters import Filter
from aibridge_mock.server.errors import ApiError, Validation
from aibridge_mock.server.gocompat import NIL_UUID, ZERO_TIME, UUIDParseError, go_quote, parse_uuid
from aibridge_mock.server.gostrings import go_lower
from aibridge_mock.server.queryparams import ParamError, QueryParamParser


@dataclass(frozen=True)
class SearchContext:
    """What parsing needs from the caller and the data set."""

    actor_id: str | None
    find_user: Callable[[str], str | None]  # username (case-insensitive) -> user id
    provider_names: frozenset[str]


class _BareTermError(Exception):
    pass


# A field of splitQueryParameterByDelimiter: characters other than the delimiter, and quoted runs
# (to the closing quote, or to the end) in which the delimiter does not split.
_FIELDS = {d: re.compile(f'(?:[^{d}"]|"[^"]*(?:"|\\Z))+') for d in (" ", ":")}


def _split(query: str, delimiter: str, keep_quotes: bool) -> list[str]:
    """splitQueryParameterByDelimiter: Go's strings.FieldsFunc with a quote toggle.

    Regular expressions rather than a loop over characters: a hostile ``q`` can be a megabyte.
    """
    quoted = '"' in query
    parts = _FIELDS[delimiter].findall(query) if quoted else [p for p in query.split(delimiter) if p]
    if not keep_quotes:
        parts = [p.strip('"') for p in parts]
    return parts


def search_terms(
    query: str, default_key: Callable[[str, dict[str, list[str]]], None]
) -> dict[str, list[str]]:
    """Split ``q`` into values per key; raise a one-validation list for a malformed element."""
    tokens = _split(query, " ", keep_quotes=True)
    elements = [t for t in tokens if ":" in t]
    bare = [t for t in tokens if ":" not in t]
    if bare:
        elements.append(" ".join(bare))
    values: dict[str, list[str]] = {}
    for element in elements:
        if element.startswith(":") or element.endswith(":"):
            raise _QueryError(
                [Validation("q", f"Query element {go_quote(element)} cannot start or end with ':'")]
            )
        parts = _split(element, ":", keep_quotes=False)
        if len(parts) == 1:
            try:
                default_key(element, values)
            except _BareTermError as exc:
                raise _QueryError([Validation("q", str(exc))]) from None
        elif len(parts) == 2:
            values.setdefault(go_lower(parts[0]), []).append(parts[1])
        else:
            raise _QueryError([Validation("q", f"Query element {go_quote(element)} can only contain 1 ':'")])
    return values


class _QueryError(Exception):
    def __init__(self, validations: list[Validation]) -> None:
        super().__init__(validations)
        self.validations = validations


def _default_to(key: str) -> Callable[[str, dict[str, list[str]]], None]:
    def add(term: str, values: dict[str, list[str]]) -> None:
        values.setdefault(key, []).append(term)

    return add


def _reject_bare(term: str, values: dict[str, list[str]]) -> None:
    raise _BareTermError("no search key specified")


def _parse_user(ctx: SearchContext) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if value == "me" and ctx.actor_id is not None:
            return ctx.actor_id
        try:
            return parse_uuid(value)  # used as-is, no existence check (spec section 2)
        except UUIDParseError:
            pass
        user_id = ctx.find_user(value)
        if user_id is None:
            raise ParamError(
                f"user {go_quote(value)} either does not exist, or you are unauthorized to view them"
            )
        return user_id

    return parse


def _parse_filter(query: str, ctx: SearchContext, message: str, *, sessions: bool) -> Filter:
    if query == "":
        return Filter()
    try:
        values = search_terms(query, _reject_bare if sessions else _default_to("initiator"))
    except _QueryError as exc:
        raise ApiError(400, message, validations=exc.validations) from None
    parser = QueryParamParser(values)
    initiator = parser.custom("initiator", _parse_user(ctx))
    provider = parser.string("provider")
    provider_name = parser.string("provider_name")
    if provider_name and provider_name not in ctx.provider_names:
        # UNCONFIRMED which era added provider_name to q; we follow Q1 (target-era parser).
        parser.errors.append(
            Validation(
                "provider_name",
                'Query param "provider_name" has invalid value: provider not found or unauthorized',
            )
        )
        provider_name = ""
    model = parser.string("model")
    client = parser.string("client")
    session_id = parser.string("session_id") if sessions else ""
    # uuid.Nil and Go's zero time mean "not set" to coderd's SQL and to its after/before check.
    initiator = None if initiator == NIL_UUID else initiator
    after = _unless_zero(parser.time3339("started_after"))
    before = _unless_zero(parser.time3339("started_before"))
    if after is not None and before is not None and not before > after:
        parser.errors.append(
            Validation(
                "started_before",
                'Query param "started_before" has invalid value: '
                '"started_before" must be after "started_after" if set',
            )
        )
    parser.error_excess_params()
    if parser.errors:
        raise ApiError(400, message, validations=parser.errors)
    return Filter(initiator, provider, provider_name, model, client, session_id, after, before)


def _unless_zero(instant: int | None) -> int | None:
    return None if instant == ZERO_TIME else instant


def parse_interceptions_query(query: str, ctx: SearchContext) -> Filter:
    """``q`` of GET /interceptions; bare terms mean ``initiator``."""
    # The message really says "workspace": a copy/paste in coderd (spec section 1.2).
    return _parse_filter(query, ctx, "Invalid workspace search query.", sessions=False)


def parse_sessions_query(query: str, ctx: SearchContext) -> Filter:
    """``q`` of GET /sessions; bare terms are rejected."""
    return _parse_filter(query, ctx, "Invalid session search query.", sessions=True)


def parse_prefix_query(query: str, key: str, message: str) -> str:
    """``q`` of GET /models or /clients: one key, bare terms meaning that key; returns the prefix."""
    if query == "":
        return ""
    try:
        values = search_terms(query, _default_to(key))
    except _QueryError as exc:
        raise ApiError(400, message, validations=exc.validations) from None
    parser = QueryParamParser(values)
    prefix = parser.string(key)
    parser.error_excess_params()
    if parser.errors:
        raise ApiError(400, message, validations=parser.errors)
    return prefix
