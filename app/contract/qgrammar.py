"""The ``q`` search grammar (spec section 2) as generators of valid and invalid query strings.

Valid strings are built from values the server itself returned (usernames, user ids, providers,
models, clients, session ids, timestamps), because a syntactically fine ``initiator:someone`` is
still rejected when the user does not exist. Invalid strings are grammar mutations the spec says
must be rejected. :data:`PATTERNS` describe, per endpoint, a language that contains every valid
string generated here and none of the invalid ones, so schemathesis can tell them apart.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from hypothesis import strategies as st

from aibridge_mock.contract.body import format_rfc3339
from aibridge_mock.contract.era import NEWEST, Era, era_of

__all__ = ["ENDPOINTS", "PATTERNS", "Vocabulary", "invalid_q", "quote", "term", "valid_q"]

ENDPOINTS = ("interceptions", "sessions", "models", "clients")
_FILTER_KEYS = ("initiator", "provider", "model", "client")
_TIME_KEYS = ("started_after", "started_before")
KEYS = {
    "interceptions": (*_FILTER_KEYS, *_TIME_KEYS),
    "sessions": (*_FILTER_KEYS, "session_id", *_TIME_KEYS),
}
PREFIX_KEY = {"models": "model", "clients": "client"}


def _keys(*names: str) -> str:
    return "|".join(f"{n}|{n.upper()}" for n in names)


_VALUE = r'(?:"[^"]*"|[^\s:"]+)'
_USER = r"(?:[0-9A-Za-z][0-9A-Za-z._-]*)"
_TIME = r'"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:[Zz]|[+-]\d{2}:\d{2})"'
_TERM = (
    f"(?:(?:{_keys('initiator')}):{_USER}|(?:{_keys('provider', 'model', 'client')}):{_VALUE}"
    f"|(?:{_keys(*_TIME_KEYS)}):{_TIME}"
)
_SESSION_TERM = _TERM + f"|(?:{_keys('session_id')}):{_VALUE})"
_INTERCEPTION_TERM = _TERM + f"|{_USER})"


def _sequence(term: str) -> str:
    return f"^(?:{term}(?: {term})*)?$"


PATTERNS = {
    "interceptions": _sequence(_INTERCEPTION_TERM),
    "sessions": _sequence(_SESSION_TERM),
    "models": _sequence(f'(?:(?:{_keys("model")}):{_VALUE}|[^\\s:"]+)'),
    "clients": _sequence(f'(?:(?:{_keys("client")}):{_VALUE}|[^\\s:"]+)'),
}


def quote(value: str) -> str:
    """A value as it goes into ``q``: double-quoted when it holds a space or a colon."""
    return f'"{value}"' if any(c in value for c in ' :"') else value


def term(key: str, value: str) -> str:
    return f"{key}:{quote(value)}"


def _time_term(key: str, nanos: int) -> str:
    return f'{key}:"{format_rfc3339(nanos)}"'


@dataclass(frozen=True)
class Vocabulary:
    """Values seen on the server, the raw material of valid ``q`` strings."""

    usernames: tuple[str, ...] = ()
    user_ids: tuple[str, ...] = ()
    providers: tuple[str, ...] = ()
    models: tuple[str, ...] = ()
    clients: tuple[str, ...] = ()
    session_ids: tuple[str, ...] = ()
    times: tuple[int, ...] = ()

    def usable(self, values: tuple[str, ...]) -> tuple[str, ...]:
        """Values that can be written into ``q`` at all (no double quote, no control characters)."""
        return tuple(v for v in values if v and '"' not in v and v.isprintable())


def _values(vocab: Vocabulary, key: str) -> st.SearchStrategy[str]:
    if key == "initiator":
        users = vocab.usable(vocab.usernames)
        return st.sampled_from(("me", *users, *vocab.user_ids)).map(lambda v: f"initiator:{v}")
    pool = {
        "provider": vocab.providers,
        "model": vocab.models,
        "client": (*vocab.clients, "Unknown"),
        "session_id": vocab.session_ids,
    }[key]
    usable = vocab.usable(pool) or ("none-such",)
    return st.sampled_from(usable).map(lambda v: term(key, v))


def _window(vocab: Vocabulary) -> st.SearchStrategy[list[str]]:
    times = vocab.times or (1_700_000_000 * 10**9,)
    second = 10**9

    def build(a: int, b: int, which: int) -> list[str]:
        low, high = sorted((a, b))
        high = max(high, low + second)  # started_before must be after started_after
        if which == 0:
            return [_time_term("started_after", low)]
        if which == 1:
            return [_time_term("started_before", high)]
        return [_time_term("started_after", low), _time_term("started_before", high)]

    shifted = st.tuples(st.sampled_from(times), st.integers(-3600, 3600)).map(lambda t: t[0] + t[1] * second)
    return st.builds(build, shifted, shifted, st.integers(0, 2))


def _upper_key(text: str, flip: bool) -> str:
    """Keys are lower-cased by the server (spec section 2), so an upper-case key is still valid."""
    if not flip or ":" not in text:
        return text
    key, rest = text.split(":", 1)
    return f"{key.upper()}:{rest}"


def valid_q(endpoint: str, vocab: Vocabulary, era: Era | None = None) -> st.SearchStrategy[str]:
    """Strings every conforming server of ``era`` (the newest by default) accepts on ``endpoint``."""
    era = era or era_of(NEWEST)
    if endpoint in PREFIX_KEY:
        return _prefix_q(PREFIX_KEY[endpoint], vocab.models if endpoint == "models" else vocab.clients)
    known = era.filter_keys if endpoint == "interceptions" else KEYS[endpoint]
    keys = [
        k
        for k in KEYS[endpoint]
        if k in known and k not in _TIME_KEYS and (k != "session_id" or vocab.session_ids)
    ]

    def assemble(chosen: list[str], window: list[str], with_window: bool, flips: list[bool]) -> list[str]:
        terms = chosen + (window if with_window else [])
        return [_upper_key(t, f) for t, f in zip(terms, flips, strict=False)]

    terms = st.lists(st.sampled_from(keys), unique=True, max_size=3).flatmap(
        lambda ks: st.tuples(*[_values(vocab, k) for k in ks]).map(list)
    )
    flips = st.lists(st.integers(0, 7).map(lambda n: n == 0), min_size=5, max_size=5)
    structured = st.builds(assemble, terms, _window(vocab), st.booleans(), flips).map(" ".join)
    users = vocab.usable(vocab.usernames)
    if endpoint == "interceptions" and users and era.bare_initiator:
        # A bare term means initiator on /interceptions (spec 1.2).
        return st.one_of(structured, st.sampled_from(users).filter(lambda u: " " not in u))
    return structured


def _prefix_q(key: str, names: tuple[str, ...]) -> st.SearchStrategy[str]:
    safe = [n for n in names if n and not any(c in n for c in '%_\\"') and n.isprintable()]
    if not safe:
        return st.just("")
    prefixes = st.tuples(st.sampled_from(safe), st.integers(1, 12)).map(lambda t: t[0][: t[1]])
    keyed = prefixes.map(lambda p: term(key, p))
    bare = prefixes.filter(lambda p: " " not in p and ":" not in p)
    return st.one_of(keyed, bare, st.just(""))


def invalid_q(endpoint: str, vocab: Vocabulary, n: int) -> str:
    """A ``q`` the spec says ``endpoint`` must reject with 400; ``n`` picks the mutation deterministically.

    Only mutations outside :data:`PATTERNS` are produced (duplicated keys and inverted time windows
    are tested by the ``error-bad-q`` check instead).
    """
    rng = random.Random(n)
    if endpoint in PREFIX_KEY:
        key = PREFIX_KEY[endpoint]
        other = "provider" if key == "model" else "model"
        choices = [f"{other}:x", f"{key}:a:b", f":{key}", f"{key}:", "foo:bar", f"{key}:x:y:z"]
        return rng.choice(choices)
    user = rng.choice(vocab.usable(vocab.usernames) or ("someone",))
    valid = rng.choice([term("provider", p) for p in vocab.usable(vocab.providers)] or ["provider:openai"])
    mutations = [
        "foo:bar",
        f"{valid} workspace:x",
        f"model:{rng.choice(vocab.usable(vocab.models) or ('gpt',))}:latest",
        f":{user}",
        "provider:",
        "started_after:2025-01-01T00:00:00Z",
        'started_before:"2025-01-01"',
        'started_after:"yesterday"',
        'initiator:"no such user"',
        f"{valid} status:ended",
    ]
    if endpoint == "sessions":
        mutations += [user if ":" not in user else "bare", f"{valid} {user or 'bare'}"]
    else:
        mutations.append("session_id:abc")
    return rng.choice(mutations)
