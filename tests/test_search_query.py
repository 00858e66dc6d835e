"""The ``q`` grammar (spec section 2): tokenising, keys, validation texts and value parsing."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.test import TestResponse

from aibridge_mock.server.dataset.store import Dataset
from aibridge_mock.server.searchquery import _split

Get = Callable[..., TestResponse]
ExpectError = Callable[..., None]

WORKSPACE = "Invalid workspace search query."
SESSION = "Invalid session search query."
MODELS = "Invalid AI Bridge models search query."
CLIENTS = "Invalid AI Bridge clients search query."
LAYOUT = "2006-01-02T15:04:05.999999999Z07:00"
UNKNOWN_USER = (
    'Query param "initiator" has invalid value: '
    'user "{}" either does not exist, or you are unauthorized to view them'
)
BEFORE_AFTER = (
    "started_before",
    'Query param "started_before" has invalid value: "started_before" must be after "started_after" if set',
)


def _bad_date(key: str, value: str, why: str) -> tuple[str, str]:
    return key, f'Query param "{key}" must be a valid date format ({LAYOUT}): parsing time "{value}"{why}'


def _count(response: TestResponse) -> int:
    assert response.status_code == 200, response.get_json()
    count: int = response.get_json()["count"]
    return count


def _element(detail: str) -> list[tuple[str, str]]:
    return [("q", detail)]


# Errors every q-taking list shares, with the element that caused them.
GRAMMAR_ERRORS = [
    (":model", _element("Query element \":model\" cannot start or end with ':'")),
    ("model:", _element("Query element \"model:\" cannot start or end with ':'")),
    ("a:b:c", _element("Query element \"a:b:c\" can only contain 1 ':'")),
    # The first malformed element aborts parsing and is reported alone.
    (":x a:b:c foo:bar", _element("Query element \":x\" cannot start or end with ':'")),
    # Colons inside quotes do not split; outside they do, so unquoted timestamps are rejected.
    ('a:"b:c" d:e:f', _element("Query element \"d:e:f\" can only contain 1 ':'")),
    # Only spaces separate elements; the element is %q-quoted, so the tab is escaped.
    (
        "provider:openai\tmodel:x",
        _element("Query element \"provider:openai\\tmodel:x\" can only contain 1 ':'"),
    ),
]


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/interceptions", WORKSPACE),
        ("/sessions", SESSION),
        ("/models", MODELS),
        ("/clients", CLIENTS),
    ],
)
@pytest.mark.parametrize(("q", "validations"), GRAMMAR_ERRORS)
def test_malformed_query_elements_are_rejected(
    get: Get, expect_error: ExpectError, path: str, message: str, q: str, validations: list[tuple[str, str]]
) -> None:
    expect_error(get(path, q=q), 400, message, validations=validations)


@pytest.mark.parametrize(
    ("q", "validations"),
    [
        ("foo:bar", [("foo", '"foo" is not a valid query param')]),
        ("FOO:bar", [("foo", '"foo" is not a valid query param')]),  # keys are lower-cased
        ("session_id:abc", [("session_id", '"session_id" is not a valid query param')]),
        (
            "model:a MODEL:b",
            [
                (
                    "model",
                    'Query param "model" provided more than once, found 2 times. '
                    "Only provide 1 instance of this query param.",
                )
            ],
        ),
        ("initiator:nobody", [("initiator", UNKNOWN_USER.format("nobody"))]),
        # Bare words are joined into one term for the default key, initiator.
        ("nobody", [("initiator", UNKNOWN_USER.format("nobody"))]),
        ("alice bob", [("initiator", UNKNOWN_USER.format("alice bob"))]),
        # A bare term reaches the default key with its quotes (only key:value parts are unquoted).
        ('"alice"', [("initiator", UNKNOWN_USER.format('\\"alice\\"'))]),
        # Bare terms are handled after every key:value element.
        ("nobody a:b:c", _element("Query element \"a:b:c\" can only contain 1 ':'")),
        # Only the username is looked up (the email argument is empty), so an email never matches.
        ("initiator:alice@example.com", [("initiator", UNKNOWN_USER.format("alice@example.com"))]),
        (
            "provider_name:nope",
            [
                (
                    "provider_name",
                    'Query param "provider_name" has invalid value: provider not found or unauthorized',
                )
            ],
        ),
        (
            'started_after:"2025-01-01"',
            [_bad_date("started_after", "2025-01-01", f' as "{LAYOUT}": cannot parse "" as "T"')],
        ),
        (
            "started_before:2025-01-01",
            [_bad_date("started_before", "2025-01-01", f' as "{LAYOUT}": cannot parse "" as "T"')],
        ),
        (
            'started_after:"2025-13-01T00:00:00Z"',
            [_bad_date("started_after", "2025-13-01T00:00:00Z", ": month out of range")],
        ),
        # The value is upper-cased before parsing, and the error quotes the upper-cased text.
        (
            'started_after:"2025-01-01t10:00"',
            [_bad_date("started_after", "2025-01-01T10:00", f' as "{LAYOUT}": cannot parse "" as ":"')],
        ),
        (
            'started_after:"2025-01-01T10:00:00"',
            [
                _bad_date(
                    "started_after", "2025-01-01T10:00:00", f' as "{LAYOUT}": cannot parse "" as "Z07:00"'
                )
            ],
        ),
        (
            'started_after:"yesterday"',
            [_bad_date("started_after", "YESTERDAY", f' as "{LAYOUT}": cannot parse "YESTERDAY" as "2006"')],
        ),
        ('started_after:"2026-05-01T00:00:00Z" started_before:"2026-05-01T00:00:00Z"', [BEFORE_AFTER]),
        ('started_after:"2026-05-02T00:00:00Z" started_before:"2026-05-01T00:00:00Z"', [BEFORE_AFTER]),
        # Equal instants in different offsets are still "not after".
        ('started_after:"2026-05-01T02:00:00+02:00" started_before:"2026-05-01T00:00:00Z"', [BEFORE_AFTER]),
    ],
)
def test_interceptions_query_errors_have_coder_texts(
    get: Get, expect_error: ExpectError, q: str, validations: list[tuple[str, str]]
) -> None:
    expect_error(get("/interceptions", q=q), 400, WORKSPACE, validations=validations)


@pytest.mark.parametrize(
    ("q", "validations"),
    [
        ("alice", _element("no search key specified")),
        ('"alice"', _element("no search key specified")),
        ("foo:bar", [("foo", '"foo" is not a valid query param')]),
        (
            "session_id:a session_id:b",
            [
                (
                    "session_id",
                    'Query param "session_id" provided more than once, '
                    "found 2 times. Only provide 1 instance of this query param.",
                )
            ],
        ),
        ("initiator:Nobody", [("initiator", UNKNOWN_USER.format("Nobody"))]),
        (
            "provider_name:nope",
            [
                (
                    "provider_name",
                    'Query param "provider_name" has invalid value: provider not found or unauthorized',
                )
            ],
        ),
        ('started_after:"2026-05-02T00:00:00Z" started_before:"2026-05-01T00:00:00Z"', [BEFORE_AFTER]),
    ],
)
def test_sessions_query_errors_have_coder_texts(
    get: Get, expect_error: ExpectError, q: str, validations: list[tuple[str, str]]
) -> None:
    expect_error(get("/sessions", q=q), 400, SESSION, validations=validations)


@pytest.mark.parametrize(
    ("path", "message", "key", "other"),
    [
        ("/models", MODELS, "model", "provider"),
        ("/clients", CLIENTS, "client", "model"),
    ],
)
def test_models_and_clients_accept_only_their_own_key(
    get: Get, expect_error: ExpectError, path: str, message: str, key: str, other: str
) -> None:
    expect_error(
        get(path, q=f"{other}:x"),
        400,
        message,
        validations=[(other, f'"{other}" is not a valid query param')],
    )
    twice = (
        f'Query param "{key}" provided more than once, found 2 times. '
        "Only provide 1 instance of this query param."
    )
    # A bare term is the default key, so it collides with an explicit one.
    expect_error(get(path, q=f"{key}:a b"), 400, message, validations=[(key, twice)])


@pytest.mark.parametrize(
    ("q", "same_as"),
    [
        ('started_after:"2026-05-15T10:00:00+02:00"', 'started_after:"2026-05-15T08:00:00Z"'),
        ('started_after:"2026-05-15t08:00:00z"', 'started_after:"2026-05-15T08:00:00Z"'),
        ('started_after:"2026-05-15T08:00:00.000000000Z"', 'started_after:"2026-05-15T08:00:00Z"'),
        ('started_after:"2026-05-15T07:30:00-00:30"', 'started_after:"2026-05-15T08:00:00Z"'),
        ('started_before:"2026-05-14T23:00:00.5-01:00"', 'started_before:"2026-05-15T00:00:00.5Z"'),
        ('STARTED_AFTER:"2026-05-15T08:00:00Z"', 'started_after:"2026-05-15T08:00:00Z"'),
        ("MODEL:gpt-5", "model:gpt-5"),
        ('model:"gpt-5"', "model:gpt-5"),
        ('model:""', ""),
        ("initiator:ALICE", "initiator:alice"),
    ],
)
@pytest.mark.parametrize("path", ["/interceptions", "/sessions"])
def test_equivalent_queries_select_the_same_rows(get: Get, path: str, q: str, same_as: str) -> None:
    expected = get(path, q=same_as, limit="1000")
    assert expected.status_code == 200
    assert get(path, q=q, limit="1000").data == expected.data


@pytest.mark.parametrize("path", ["/interceptions", "/sessions", "/models", "/clients"])
@pytest.mark.parametrize("q", [" ", "   ", 'model:""'])
def test_a_query_without_terms_does_not_filter(get: Get, path: str, q: str) -> None:
    if path == "/clients" and "model" in q:
        q = 'client:""'
    response = get(path, q=q, limit="1000")
    assert (response.status_code, response.data) == (200, get(path, limit="1000").data)


@pytest.mark.parametrize("path", ["/interceptions", "/sessions"])
def test_only_the_first_q_param_is_read(client: FlaskClient, owner_token: str, path: str) -> None:
    headers = {"Coder-Session-Token": owner_token}
    twice = client.get(f"/api/v2/aibridge{path}?q=provider:copilot&q=bad:x:y&limit=1000", headers=headers)
    once = client.get(f"/api/v2/aibridge{path}?q=provider:copilot&limit=1000", headers=headers)
    assert (twice.status_code, twice.data) == (200, once.data)


@pytest.mark.parametrize("q", ["Alice", "ALICE", "alice"])
def test_interceptions_bare_term_is_the_initiator_username(get: Get, q: str) -> None:
    expected = get("/interceptions", q="initiator:alice", limit="1000")
    assert expected.get_json()["count"] > 0
    assert get("/interceptions", q=q, limit="1000").data == expected.data


@pytest.mark.parametrize("path", ["/interceptions", "/sessions"])
def test_initiator_may_be_a_user_id_in_any_go_uuid_form(get: Get, dataset: Dataset, path: str) -> None:
    alice = dataset.personas[2].user.id
    by_name = get(path, q="initiator:alice", limit="1000")
    assert _count(by_name) > 0
    for spelled in (alice, alice.upper(), alice.replace("-", ""), "{" + alice + "}"):
        assert get(path, q=f"initiator:{spelled}", limit="1000").data == by_name.data


@pytest.mark.parametrize("path", ["/interceptions", "/sessions"])
def test_initiator_uuid_of_nobody_is_an_empty_result_not_an_error(get: Get, path: str) -> None:
    assert _count(get(path, q="initiator:00000000-0000-4000-8000-000000000000")) == 0


@pytest.mark.parametrize("path", ["/interceptions", "/sessions"])
def test_initiator_me_is_the_caller(get: Get, dataset: Dataset, path: str) -> None:
    admin = dataset.personas[0].user.id
    assert (
        get(path, q="initiator:me", limit="1000").data == get(path, q=f"initiator:{admin}", limit="1000").data
    )
    assert _count(get(path, q="initiator:me")) > 0


@pytest.mark.parametrize("path", ["/interceptions", "/sessions"])
def test_values_are_case_sensitive(get: Get, path: str) -> None:
    assert _count(get(path, q="provider:anthropic")) > 0
    assert _count(get(path, q="provider:Anthropic")) == 0


@pytest.mark.parametrize("path", ["/interceptions", "/sessions"])
def test_quoted_values_may_contain_spaces_and_colons(get: Get, path: str) -> None:
    assert _count(get(path, q='client:"Claude Code"')) > 0
    assert _count(get(path, q='model:"a:b"')) == 0


def _fields_func(query: str, delimiter: str) -> list[str]:
    """splitQueryParameterByDelimiter as coderd writes it: FieldsFunc with a toggle on each quote."""
    parts, current, quoted = [], "", False
    for ch in query:
        if ch == '"':
            quoted = not quoted
        if not quoted and ch == delimiter:
            if current:
                parts.append(current)
            current = ""
        else:
            current += ch
    return [*parts, current] if current else parts


@settings(max_examples=2_000, deadline=None)
@given(st.text(alphabet=' :"ab\n\\', max_size=16), st.sampled_from([" ", ":"]))
def test_q_is_split_on_the_delimiter_outside_quotes_like_coderd(query: str, delimiter: str) -> None:
    assert _split(query, delimiter, keep_quotes=True) == _fields_func(query, delimiter)
    assert _split(query, delimiter, keep_quotes=False) == [
        p.strip('"') for p in _fields_func(query, delimiter)
    ]
