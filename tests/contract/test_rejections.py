"""coderd's parsers as a judge: a request is invalid only when every era of coderd rejects it.

The unit cases pin the spec's rules (sections 1.1, 1.4, 2); the cross-checks hold the judge to the
mock, whose parsers were written from coderd's source: whatever the judge calls rejected, the mock
rejects, across the grammar's valid and invalid ``q`` strings and mutated query strings.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from urllib.parse import urlencode

import pytest
from flask.testing import FlaskClient

from aibridge_mock.contract.qgrammar import Vocabulary, invalid_q
from aibridge_mock.contract.rejections import (
    go_int,
    go_parse_query,
    go_time,
    go_uuid,
    q_rejection,
    rejection,
)
from aibridge_mock.server.app import create_app
from aibridge_mock.server.config import Config
from aibridge_mock.server.extension import mock_of

UUID = "2327925f-6f4a-4c3e-9d43-0c5f0d1e2a3b"
NIL = "00000000-0000-0000-0000-000000000000"


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        (UUID, UUID),
        (UUID.upper(), UUID),
        (UUID.replace("-", ""), UUID),
        ("{" + UUID + "}", UUID),
        ("urn:uuid:" + UUID, UUID),
        ("URN:UUID:" + UUID, UUID),
        ("x" + UUID + "y", UUID),  # google/uuid never looks at the braces themselves
        ("", None),
        ("abc", None),
        (UUID[:-1] + "g", None),
        (UUID.replace("-", "_"), None),
        ("urn:uuix:" + UUID, None),
        (UUID + "0", None),
    ],
)
def test_uuids_parse_as_google_uuid_parses_them(text: str, canonical: str | None) -> None:
    assert go_uuid(text) == canonical


@pytest.mark.parametrize(
    ("text", "value"),
    [("5", 5), ("+5", 5), ("-0", 0), ("007", 7), ("2147483647", 2**31 - 1), ("-2147483648", -(2**31))],
)
def test_32_bit_integers_parse_as_strconv_parses_them(text: str, value: int) -> None:
    assert go_int(text, 32) == value


@pytest.mark.parametrize("text", ["", "2147483648", "1.5", "1e3", " 5", "5 ", "0x10", "1_000", "++5"])
def test_what_strconv_refuses_is_not_an_integer(text: str) -> None:
    assert go_int(text, 32) is None


@pytest.mark.parametrize(
    ("raw", "values"),
    [
        ("a=1&a=2&b=", {"a": ["1", "2"], "b": [""]}),
        ("q=a+b%3Ac", {"q": ["a b:c"]}),
        ("limit=1;2&offset=3", {"offset": ["3"]}),  # Go drops a pair holding a semicolon
        ("limit=%zz&offset=3", {"offset": ["3"]}),  # and a pair with a bad escape
        ("&&flag", {"flag": [""]}),
    ],
)
def test_query_strings_parse_as_go_url_parsequery_parses_them(raw: str, values: dict[str, list[str]]) -> None:
    assert go_parse_query(raw) == values


@pytest.mark.parametrize(
    ("text", "accepted"),
    [
        ("2026-05-04T09:12:33Z", True),
        ("2026-05-04T09:12:33.123456789Z", True),
        ("2026-05-04T09:12:33,5Z", True),  # Go's general parser takes a comma before the fraction
        ("2026-05-04T9:12:33Z", True),  # and a one-digit hour
        ("2026-05-04T09:12:33+02:30", True),
        ("2024-02-29T00:00:00Z", True),
        ("0000-02-29T00:00:00Z", True),  # year 0 is a leap year in Go's calendar
        ("2026-05-04", False),
        ("2026-05-04T09:12:33", False),
        ("2025-02-29T00:00:00Z", False),
        ("2026-13-04T09:12:33Z", False),
        ("2026-05-04T24:00:00Z", False),
        ("2026-05-04 09:12:33Z", False),
        ("yesterday", False),
    ],
)
def test_times_parse_as_go_time_parse_rfc3339nano_parses_them(text: str, accepted: bool) -> None:
    assert (go_time(text) is not None) is accepted


def test_times_with_offsets_are_instants() -> None:
    assert go_time("2026-05-04T11:12:33+02:00") == go_time("2026-05-04T09:12:33Z")


@pytest.mark.parametrize(
    ("operation", "query", "reason"),
    [
        # Empty values are "not set" (spec 1.1, 1.4): the false alarm of issue 10.
        ("threads", "after_id=&before_id=", None),
        ("interceptions", "after_id=&limit=&offset=", None),
        ("interceptions", "limit=&limit=5", None),  # an empty first value is unset, however often given
        ("threads", f"after_id={NIL}&before_id={UUID}", None),  # uuid.Nil is no cursor
        ("interceptions", f"after_id={NIL}&offset=5", None),
        ("interceptions", "limit=0", None),
        ("interceptions", "limit=1000&offset=2147483647", None),
        ("sessions", "after_session_id=&offset=3", None),
        ("threads", "limit=200&offset=-1&unknown=1", None),  # the threads endpoint ignores offset
        ("threads", f"after_id={UUID}&after_id=abc", None),  # only the first value is read there
        ("models", "q=anything%20at%20all", None),
        ("interceptions", "q=client%3AZed", None),  # client came later: some era accepts it
        ("sessions", "q=provider_name%3Aopenai", None),  # depends on the configured providers
        ("sessions", "q=initiator%3Asomeone", None),  # depends on the users
        ("interceptions", "q=someone", None),
        ("threads", "after_id=abc", "after_id='abc' is not a UUID"),
        ("threads", f"after_id={UUID}&before_id={UUID}", "after_id and before_id together"),
        ("threads", "limit=0", "limit='0' is not between 1 and 200"),
        ("threads", "limit=201", "limit='201' is not between 1 and 200"),
        ("interceptions", "after_id=nope", "after_id='nope' is not a UUID"),
        ("interceptions", "limit=1001", "limit=1001 is above 1000"),
        ("interceptions", "limit=-1", "limit='-1' is negative"),
        ("interceptions", "limit=abc", "limit='abc' is not a 32-bit integer"),
        ("interceptions", "offset=2147483648", "offset='2147483648' is not a 32-bit integer"),
        ("models", "limit=5&limit=6", "limit is given 2 times"),
        ("interceptions", f"after_id={UUID}&offset=1", "after_id and a non-zero offset together"),
        ("sessions", "after_session_id=x&offset=1", "after_session_id and a non-zero offset together"),
        ("sessions", "q=bare", "q term 'bare' has no key (sessions take key:value terms only)"),
        ("clients", "q=model%3Ax", "q key 'model' is not a valid query param"),
    ],
)
def test_rejection_names_only_what_every_era_of_coderd_rejects(
    operation: str, query: str, reason: str | None
) -> None:
    assert rejection(operation, query) == reason


@pytest.mark.parametrize(
    ("endpoint", "q", "rejected"),
    [
        ("sessions", "", False),
        ("sessions", "   ", False),
        ("sessions", 'model:"a b" PROVIDER:openai', False),
        ("sessions", 'model:"" model:x', False),  # an empty first value is unset (parseSingle)
        ("sessions", "model:a model:b", True),
        ("sessions", "a:b:c", True),
        ("sessions", ":x", True),
        ("sessions", "x:", True),
        ("sessions", 'initiator:"no such user"', True),
        ("sessions", "initiator:me", False),
        ("sessions", f"initiator:{UUID}", False),
        ("sessions", 'started_after:"2025-01-01T00:00:00Z"', False),
        ("sessions", "started_after:2025-01-01T00:00:00Z", True),  # unquoted: more than one ':'
        ("sessions", 'started_after:"2025-01-01"', True),
        ("sessions", 'started_after:"2025-01-02T00:00:00Z" started_before:"2025-01-01T00:00:00Z"', True),
        ("sessions", 'started_after:"2025-01-01T00:00:00Z" started_before:"2025-01-01T00:00:00Z"', True),
        ("sessions", 'started_after:"2025-01-01T00:00:00z" started_before:"2025-01-02t00:00:00z"', False),
        ("interceptions", "session_id:x", True),
        ("models", "gpt-4", False),
        ("models", "provider:openai", True),
    ],
)
def test_q_is_rejected_only_for_errors_of_coderds_search_grammar(
    endpoint: str, q: str, rejected: bool
) -> None:
    assert (q_rejection(endpoint, q) is not None) is rejected


def test_a_double_colon_splits_once_because_go_drops_empty_fields() -> None:
    assert q_rejection("sessions", "a::b") == "q key 'a' is not a valid query param"
    assert q_rejection("sessions", "model::b") is None


# The cross-checks: the judge against the mock (coderd's parsers, as the mock reproduces them).


@pytest.fixture(scope="module")
def mock() -> Callable[[str, str], int]:
    app = create_app(Config(seed=5, interceptions=60, access_log=False))
    client: FlaskClient = app.test_client()
    ds = mock_of(app).datasets.snapshot.dataset
    token = ds.personas[0].token
    listed = client.get("/api/v2/aibridge/sessions?limit=1", headers={"Coder-Session-Token": token}).json
    assert listed is not None and listed["sessions"]
    session_id = listed["sessions"][0]["id"]

    def status(operation: str, query: str) -> int:
        path = f"sessions/{session_id}" if operation == "threads" else operation
        return client.get(
            f"/api/v2/aibridge/{path}?{query}", headers={"Coder-Session-Token": token}
        ).status_code

    return status


VOCAB = Vocabulary(
    usernames=("alice", "bob"),
    user_ids=(UUID,),
    providers=("openai", "anthropic"),
    models=("gpt-4", "claude-4"),
    clients=("Zed", "Claude Code"),
    session_ids=("s-1",),
)


@pytest.mark.parametrize(
    ("endpoint", "n"), [(e, n) for e in ("interceptions", "sessions", "models", "clients") for n in range(12)]
)
def test_every_invalid_q_of_the_grammar_is_one_coderd_rejects_and_so_does_the_mock(
    mock: Callable[[str, str], int], endpoint: str, n: int
) -> None:
    q = invalid_q(endpoint, VOCAB, n)
    assert q_rejection(endpoint, q) is not None, q
    assert mock(endpoint, urlencode({"q": q})) == 400


_PIECES = {
    "limit": ["", "0", "1", "5", "200", "201", "1000", "1001", "-1", "+7", "abc", "1.5", "2147483648"],
    "offset": ["", "0", "3", "-1", "2147483647", "2147483648", "x"],
    "after_id": ["", NIL, UUID, UUID.upper(), "abc", "{" + UUID + "}"],
    "before_id": ["", NIL, UUID, "abc"],
    "after_session_id": ["", "x"],
    "q": ["", "provider:openai", "bare", "foo:bar", "model:a model:b", ":x", 'started_after:"2025-01-01"'],
}


def _mutations(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        names = rng.sample(sorted(_PIECES), rng.randint(1, 4))
        pairs = [(name, rng.choice(_PIECES[name])) for name in names for _ in range(rng.choice((1, 1, 1, 2)))]
        out.append(urlencode(pairs))
    return out


@pytest.mark.parametrize("operation", ["interceptions", "sessions", "threads", "models", "clients"])
def test_whatever_the_judge_calls_rejected_the_mock_rejects(
    mock: Callable[[str, str], int], operation: str
) -> None:
    judged = 0
    for query in _mutations(seed=len(operation), count=300):
        if rejection(operation, query) is not None:
            judged += 1
            assert mock(operation, query) == 400, query
    assert judged > 50, "the mutations should hit many rejections"
