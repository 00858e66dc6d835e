"""Which requests coderd rejects whatever its data: its parameter parsers, as a judge.

The derived OpenAPI document says what a request should look like; coderd is more lenient than
the document can say (``?after_id=`` is "not set", ``q`` is a grammar, a parameter it does not
read is ignored). So a request the document calls invalid is a violation when accepted only if
coderd itself would reject it. :func:`rejection` answers that for the exact query string a
request carried, with the reason in coderd's terms.

It claims a rejection only where the spec's parsers reject whatever the data and in every era
that serves the operation (spec 1.1, 1.4, 2; ``coderd/httpapi/queryparams.go`` with
``parseSingle`` and ``PositiveInt32``, ``coderd/searchquery/search.go``): malformed UUIDs and
integers, a parameter given twice, limits out of range, a cursor with an offset, ``q`` syntax
errors, ``q`` keys no era knows, malformed or inverted times, initiators that cannot be a
username. Where the answer depends on the data (does this user, provider, session or cursor
exist?) or on the era (``client`` and ``provider_name`` keys came later), it claims nothing.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping, Sequence

__all__ = [
    "NIL_UUID",
    "OPERATIONS",
    "go_int",
    "go_parse_query",
    "go_time",
    "go_uuid",
    "operation_of",
    "q_rejection",
    "rejection",
]

Values = Mapping[str, Sequence[str]]
NIL_UUID = "00000000-0000-0000-0000-000000000000"  # uuid.Nil: coderd reads a nil cursor as "not set"

# The operations by their label in the derived documents.
OPERATIONS = {
    "GET /aibridge/interceptions": "interceptions",
    "GET /aibridge/sessions": "sessions",
    "GET /aibridge/sessions/{session_id}": "threads",
    "GET /aibridge/models": "models",
    "GET /aibridge/clients": "clients",
}
LIST_MAX_LIMIT = 1000
THREADS_MAX_LIMIT = 200
# Every q key some era accepts on each endpoint (spec 2; Q0..Q1): others are rejected by all eras.
Q_KEYS = {
    "interceptions": frozenset(
        {"initiator", "provider", "provider_name", "model", "client", "started_after", "started_before"}
    ),
    "sessions": frozenset(
        {
            "initiator",
            "provider",
            "provider_name",
            "model",
            "client",
            "session_id",
            "started_after",
            "started_before",
        }
    ),
    "models": frozenset({"model"}),
    "clients": frozenset({"client"}),
}
_BARE_KEY = {"interceptions": "initiator", "models": "model", "clients": "client"}  # sessions: none
_HEX = frozenset(b"0123456789abcdefABCDEF")
_DASHES = (8, 13, 18, 23)
_PAIRS = (0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34)
_DIGITS = re.compile(r"[+-]?[0-9]+")
# codersdk.NameValid for usernames: no user can be called anything else, so the lookup must fail.
_USERNAME = re.compile(r"[a-zA-Z0-9]+(?:-[a-zA-Z0-9]+)*")
_USERNAME_MAX = 32
# The shapes Go's time.Parse(time.RFC3339Nano, ...) accepts (its general parser, the lenient one:
# a one-digit hour, a comma before the fraction), after coderd upper-cases the value.
_TIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{1,2}):(\d{2}):(\d{2})(?:[.,](\d+))?(?:Z|([+-])(\d{2}):(\d{2}))"
)


def go_parse_query(raw: str) -> dict[str, list[str]]:
    """Go's ``url.ParseQuery`` (``r.URL.Query()``): a pair holding ``;`` or a bad escape is dropped."""
    values: dict[str, list[str]] = {}
    for pair in raw.split("&"):
        if not pair or ";" in pair:
            continue
        key, _, value = pair.partition("=")
        try:
            key, value = _query_unescape(key), _query_unescape(value)
        except ValueError:
            continue
        values.setdefault(key, []).append(value)
    return values


def _query_unescape(text: str) -> str:
    """``url.QueryUnescape``: ``+`` is a space, ``%`` must start two hex digits; bytes as Go keeps them."""
    data = text.encode("utf-8", "surrogateescape")
    out = bytearray()
    i = 0
    while i < len(data):
        byte = data[i]
        if byte == ord("%"):
            if i + 2 >= len(data) or data[i + 1] not in _HEX or data[i + 2] not in _HEX:
                raise ValueError(f"invalid URL escape in {text!r}")
            out.append(int(data[i + 1 : i + 3], 16))
            i += 3
            continue
        out.append(ord(" ") if byte == ord("+") else byte)
        i += 1
    return out.decode("utf-8", "surrogateescape")


def go_uuid(text: str) -> str | None:
    """``uuid.Parse`` of github.com/google/uuid: the canonical lower-case form, or None when it fails."""
    raw = text.encode("utf-8", "surrogateescape")
    if len(raw) == 32:
        return _canonical(raw.decode("ascii").lower()) if all(b in _HEX for b in raw) else None
    if len(raw) == 36 + 9:
        if raw[:9].lower() != b"urn:uuid:":
            return None
        raw = raw[9:]
    elif len(raw) == 36 + 2:
        raw = raw[1:]  # google/uuid never looks at the braces themselves
    elif len(raw) != 36:
        return None
    if any(raw[i] != ord("-") for i in _DASHES):
        return None
    if not all(raw[i] in _HEX and raw[i + 1] in _HEX for i in _PAIRS):
        return None
    return _canonical("".join(raw[i : i + 2].decode("ascii") for i in _PAIRS).lower())


def _canonical(hex32: str) -> str:
    return f"{hex32[:8]}-{hex32[8:12]}-{hex32[12:16]}-{hex32[16:20]}-{hex32[20:]}"


def go_int(text: str, bits: int) -> int | None:
    """``strconv.ParseInt(text, 10, bits)``: the value, or None on a syntax or range error."""
    if not _DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if -(2 ** (bits - 1)) <= value < 2 ** (bits - 1) else None


def operation_of(label: str) -> str | None:
    """``GET /aibridge/sessions`` -> ``sessions``; None for anything else."""
    return OPERATIONS.get(label)


def rejection(operation: str, raw_query: str) -> str | None:
    """Why every era of coderd answers 400 to this query string on ``operation``, or None when it may not."""
    values = go_parse_query(raw_query)
    if operation == "threads":
        return _threads(values)
    return _pagination(operation, values) or q_rejection(operation, _first(values, "q"))


def _first(values: Values, name: str) -> str:
    """``r.URL.Query().Get(name)``: the first value, "" when absent."""
    found = values.get(name, ())
    return found[0] if found else ""


def _single(values: Values, name: str) -> tuple[str | None, str | None]:
    """``parseQueryParamSet`` + ``parseSingle``: (value or None when unset, rejection or None)."""
    found = values.get(name, ())
    if not found or found[0] == "":
        return None, None  # absent, or an empty first value: the default, even when given twice
    if len(found) > 1:
        return None, f"{name} is given {len(found)} times"
    return found[0], None


def _positive_int32(values: Values, name: str) -> tuple[int, str | None]:
    raw, problem = _single(values, name)
    if problem or raw is None:
        return 0, problem
    value = go_int(raw, 32)
    if value is None:
        return 0, f"{name}={raw!r} is not a 32-bit integer"
    if value < 0:
        return 0, f"{name}={raw!r} is negative"
    return value, None


def _pagination(operation: str, values: Values) -> str | None:
    """``ParsePagination`` on the four lists, then the handlers' cursor and limit rules (spec 1.1-1.5)."""
    raw_after, after_problem = _single(values, "after_id")
    after = go_uuid(raw_after) if raw_after is not None else None
    if raw_after is not None and after is None:
        after_problem = f"after_id={raw_after!r} is not a UUID"
    limit, limit_problem = _positive_int32(values, "limit")
    offset, offset_problem = _positive_int32(values, "offset")
    problem = after_problem or limit_problem or offset_problem
    if problem:
        return problem
    if operation == "interceptions" and after not in (None, NIL_UUID) and offset:
        return "after_id and a non-zero offset together"
    if operation == "sessions" and _first(values, "after_session_id") and offset:
        return "after_session_id and a non-zero offset together"
    if limit > LIST_MAX_LIMIT:
        return f"limit={limit} is above {LIST_MAX_LIMIT}"
    return None


def _threads(values: Values) -> str | None:
    """``GET /sessions/{id}``: its own cursor and limit parsing, first values only (spec 1.4)."""
    cursors: dict[str, str] = {}
    for name in ("after_id", "before_id"):
        raw = _first(values, name)
        if not raw:
            continue
        parsed = go_uuid(raw)
        if parsed is None:
            return f"{name}={raw!r} is not a UUID"
        if parsed != NIL_UUID:
            cursors[name] = parsed
    if len(cursors) == 2:
        return "after_id and before_id together"
    raw_limit = _first(values, "limit")
    if raw_limit:
        limit = go_int(raw_limit, 32)
        if limit is None or not 1 <= limit <= THREADS_MAX_LIMIT:
            return f"limit={raw_limit!r} is not between 1 and {THREADS_MAX_LIMIT}"
    return None


def _fields(text: str, delimiter: str, keep_quotes: bool) -> list[str]:
    """``splitQueryParameterByDelimiter``: Go's strings.FieldsFunc, not splitting inside double quotes."""
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for char in text:
        if char == '"':
            quoted = not quoted
        if not quoted and char == delimiter:
            if current:
                parts.append("".join(current))
            current = []
        else:
            current.append(char)
    if current:
        parts.append("".join(current))
    return parts if keep_quotes else [p.strip('"') for p in parts]


def _elements(q: str) -> list[str]:
    """``processTokens``: ``key:value`` tokens, then every other token joined into one bare element."""
    tokens = _fields(q, " ", keep_quotes=True)
    bare = [t for t in tokens if ":" not in t]
    return [t for t in tokens if ":" in t] + ([" ".join(bare)] if bare else [])


def _terms(endpoint: str, q: str) -> tuple[dict[str, list[str]], str | None]:
    """``searchTerms``: the values per key, or the first syntax error (which coderd returns alone)."""
    terms: dict[str, list[str]] = {}
    for element in _elements(q):
        if element.startswith(":") or element.endswith(":"):
            return terms, f"q element {element!r} starts or ends with ':'"
        parts = _fields(element, ":", keep_quotes=False)
        if len(parts) > 2:
            return terms, f"q element {element!r} has more than one ':'"
        if len(parts) == 2:
            terms.setdefault(parts[0].lower(), []).append(parts[1])
        elif endpoint not in _BARE_KEY:
            return terms, f"q term {element!r} has no key (sessions take key:value terms only)"
        else:
            terms.setdefault(_BARE_KEY[endpoint], []).append(element)
    return terms, None


def q_rejection(endpoint: str, q: str) -> str | None:
    """Why every era rejects ``q`` on a list endpoint, or None when some era (or some data) may accept it."""
    if not q:
        return None
    terms, problem = _terms(endpoint, q)
    if problem:
        return problem
    unknown = sorted(set(terms) - Q_KEYS[endpoint])
    if unknown:
        return f"q key {unknown[0]!r} is not a valid query param"
    single: dict[str, str] = {}
    for key, found in terms.items():
        if found[0] == "":
            continue  # key:"" is unset, however often it is repeated
        if len(found) > 1:
            return f"q key {key!r} is given {len(found)} times"
        single[key] = found[0]
    return _initiator(single.get("initiator")) or _times(single)


def _initiator(value: str | None) -> str | None:
    if value is None or value == "me" or go_uuid(value) is not None:
        return None
    if _USERNAME.fullmatch(value) and len(value) <= _USERNAME_MAX:
        return None  # whether that user exists depends on the server's data
    return f"initiator {value!r} is neither me, a UUID nor a possible username"


def _times(single: Mapping[str, str]) -> str | None:
    instants: dict[str, int] = {}
    for key in ("started_after", "started_before"):
        if key in single:
            instant = go_time(single[key].upper())
            if instant is None:
                return f"{key} {single[key]!r} is not an RFC 3339 time"
            instants[key] = instant
    if len(instants) == 2 and instants["started_before"] <= instants["started_after"]:
        return "started_before is not after started_after"
    return None


def go_time(text: str) -> int | None:
    """``time.Parse(time.RFC3339Nano, text)`` as nanoseconds since the epoch, or None when Go rejects it."""
    match = _TIME.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
    if not 1 <= month <= 12 or not 1 <= day <= _days_in(month, year):
        return None
    if hour >= 24 or minute >= 60 or second >= 60:
        return None
    nanos = int((match.group(7) or "0")[:9].ljust(9, "0"))
    offset = 0
    if match.group(8):
        tz_hour, tz_minute = int(match.group(9)), int(match.group(10))
        if tz_hour > 24 or tz_minute >= 60:
            return None
        offset = (tz_hour * 60 + tz_minute) * 60 * (1 if match.group(8) == "+" else -1)
    seconds = _days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset
    return seconds * 1_000_000_000 + nanos


def _days_in(month: int, year: int) -> int:
    """Go's daysIn: the proleptic Gregorian calendar, where year 0 is a leap year."""
    if month == 2:
        return 29 if calendar.isleap(year) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 in the proleptic Gregorian calendar (any year, year 0 included)."""
    year -= month <= 2
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146097 + day_of_era - 719468
