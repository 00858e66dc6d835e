"""ParsePagination and the limit rules of the four list endpoints (spec 1.1); cursor checks (1.2, 1.3)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

Get = Callable[..., TestResponse]
ExpectError = Callable[..., None]

LISTS = ("/interceptions", "/sessions", "/models", "/clients")
INVALID = "Query parameters have invalid values."
INT32 = 'Query param "{name}" must be a valid 32-bit positive integer: {why}'
TWICE = (
    'Query param "limit" provided more than once, found 2 times. Only provide 1 instance of this query param.'
)
LIMIT_RANGE = ("Invalid pagination limit value.", "Pagination limit must be in range (0, 1000]")
BAD_AFTER_ID = ("after_id", 'Query param "after_id" must be a valid uuid')
UNKNOWN_ID = "5c3b1f0e-9d7a-4c2b-8e1f-0a9b8c7d6e5f"


def _items(response: TestResponse) -> list[Any]:
    body = response.get_json()
    assert response.status_code == 200, body
    items: list[Any] = body["results"] if "results" in body else body["sessions"]
    return items


@pytest.mark.parametrize("path", ["/interceptions", "/sessions"])
@pytest.mark.parametrize("params", [{}, {"limit": "0"}, {"limit": ""}], ids=["absent", "zero", "empty"])
def test_list_pages_default_to_100_items(get: Get, path: str, params: dict[str, str]) -> None:
    assert len(_items(get(path, **params))) == 100


@pytest.mark.parametrize(("limit", "expected"), [("1", 1), ("+5", 5), ("007", 7), ("1000", 1000)])
def test_interceptions_limit_is_a_go_int32_up_to_1000(get: Get, limit: str, expected: int) -> None:
    assert len(_items(get("/interceptions", limit=limit))) == expected


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("limit", ["1001", "2147483647"])
def test_limit_over_1000_is_rejected_with_the_range_message(
    get: Get, expect_error: ExpectError, path: str, limit: str
) -> None:
    expect_error(get(path, limit=limit), 400, *LIMIT_RANGE)


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize(
    ("query", "validations"),
    [
        ("limit=-1", [("limit", INT32.format(name="limit", why="value is negative"))]),
        (
            "limit=abc",
            [("limit", INT32.format(name="limit", why='strconv.ParseInt: parsing "abc": invalid syntax'))],
        ),
        (
            "limit=99999999999",
            [
                (
                    "limit",
                    INT32.format(
                        name="limit", why='strconv.ParseInt: parsing "99999999999": value out of range'
                    ),
                )
            ],
        ),
        (
            "limit=2147483648",
            [
                (
                    "limit",
                    INT32.format(
                        name="limit", why='strconv.ParseInt: parsing "2147483648": value out of range'
                    ),
                )
            ],
        ),
        (
            "limit=1.5",
            [("limit", INT32.format(name="limit", why='strconv.ParseInt: parsing "1.5": invalid syntax'))],
        ),
        ("limit=5&limit=6", [("limit", TWICE)]),
        ("offset=-3", [("offset", INT32.format(name="offset", why="value is negative"))]),
        ("after_id=nope", [BAD_AFTER_ID]),
        ("after_id=" + "g" * 32, [BAD_AFTER_ID]),
        # Every error is collected and reported in parse order (after_id, limit, offset), not URL order.
        (
            "offset=x&limit=-2&after_id=123",
            [
                BAD_AFTER_ID,
                ("limit", INT32.format(name="limit", why="value is negative")),
                ("offset", INT32.format(name="offset", why='strconv.ParseInt: parsing "x": invalid syntax')),
            ],
        ),
    ],
)
def test_bad_pagination_params_are_reported_as_validations(
    client: FlaskClient,
    owner_token: str,
    expect_error: ExpectError,
    path: str,
    query: str,
    validations: list[tuple[str, str]],
) -> None:
    response = client.get(f"/api/v2/aibridge{path}?{query}", headers={"Coder-Session-Token": owner_token})
    expect_error(response, 400, INVALID, validations=validations)


@pytest.mark.parametrize("path", LISTS)
def test_parse_errors_come_before_the_limit_range_check(
    get: Get, expect_error: ExpectError, path: str
) -> None:
    response = get(path, limit="5000", offset="-1")
    expect_error(
        response, 400, INVALID, validations=[("offset", INT32.format(name="offset", why="value is negative"))]
    )


@pytest.mark.parametrize("path", LISTS)
def test_unknown_query_params_are_ignored(get: Get, path: str) -> None:
    plain = get(path, limit="3")
    noisy = get(path, limit="3", foo="bar", page="9", after_session="x")
    assert (noisy.status_code, noisy.data) == (200, plain.data)


@pytest.mark.parametrize("path", ["/interceptions", "/sessions"])
def test_empty_after_id_means_no_cursor(get: Get, path: str) -> None:
    assert get(path, after_id="", limit="4").data == get(path, limit="4").data


@pytest.mark.parametrize("path", ["/sessions", "/models", "/clients"])
def test_after_id_is_parsed_but_ignored_outside_interceptions(get: Get, path: str) -> None:
    assert get(path, after_id=UNKNOWN_ID, limit="4").data == get(path, limit="4").data


# -- cursors -------------------------------------------------------------------------------------


def test_interceptions_after_id_with_offset_is_rejected(get: Get, expect_error: ExpectError) -> None:
    response = get("/interceptions", after_id=UNKNOWN_ID, offset="1")
    expect_error(
        response, 400, INVALID, "Cannot use both after_id and offset pagination in the same request."
    )


def test_interceptions_after_id_with_offset_zero_is_accepted(get: Get) -> None:
    first = _items(get("/interceptions", limit="3"))
    explicit = get("/interceptions", after_id=first[0]["id"], offset="0", limit="2")
    assert [i["id"] for i in _items(explicit)] == [i["id"] for i in first[1:3]]


def test_interceptions_cursor_and_offset_conflict_is_reported_before_the_limit_range(
    get: Get, expect_error: ExpectError
) -> None:
    response = get("/interceptions", after_id=UNKNOWN_ID, offset="2", limit="5000")
    expect_error(
        response, 400, INVALID, "Cannot use both after_id and offset pagination in the same request."
    )


def test_interceptions_limit_range_is_reported_before_a_bad_query(
    get: Get, expect_error: ExpectError
) -> None:
    expect_error(get("/interceptions", limit="5000", q="foo:bar"), 400, *LIMIT_RANGE)


def test_interceptions_bad_query_is_reported_before_an_unknown_cursor(get: Get) -> None:
    response = get("/interceptions", after_id=UNKNOWN_ID, q="foo:bar")
    assert response.get_json()["message"] == "Invalid workspace search query."


@pytest.mark.parametrize(
    "cursor",
    [
        UNKNOWN_ID,
        UNKNOWN_ID.upper(),
        "{" + UNKNOWN_ID + "}",
        "urn:uuid:" + UNKNOWN_ID,
        UNKNOWN_ID.replace("-", ""),
    ],
    ids=["canonical", "upper", "braces", "urn", "hex32"],
)
def test_interceptions_unknown_cursor_is_an_invalid_pagination_cursor(
    get: Get, expect_error: ExpectError, cursor: str
) -> None:
    expect_error(
        get("/interceptions", after_id=cursor),
        400,
        "Invalid pagination cursor.",
        f"after_id: interception {UNKNOWN_ID} not found: invalid pagination cursor",
    )


@pytest.mark.parametrize("form", ["upper", "braces", "urn", "hex32"])
def test_interceptions_cursor_accepts_every_go_uuid_form(get: Get, form: str) -> None:
    first = _items(get("/interceptions", limit="2"))
    cursor = first[0]["id"]
    spelled = {
        "upper": cursor.upper(),
        "braces": "{" + cursor + "}",
        "urn": "urn:uuid:" + cursor,
        "hex32": cursor.replace("-", ""),
    }[form]
    assert _items(get("/interceptions", after_id=spelled, limit="1"))[0]["id"] == first[1]["id"]


def test_sessions_after_session_id_with_offset_is_rejected(get: Get, expect_error: ExpectError) -> None:
    response = get("/sessions", after_session_id="anything", offset="1")
    expect_error(
        response, 400, INVALID, "Cannot use both after_session_id and offset pagination in the same request."
    )


def test_sessions_pagination_parse_errors_come_before_the_cursor_conflict(
    get: Get, expect_error: ExpectError
) -> None:
    response = get("/sessions", after_session_id="anything", offset="abc")
    why = 'strconv.ParseInt: parsing "abc": invalid syntax'
    expect_error(response, 400, INVALID, validations=[("offset", INT32.format(name="offset", why=why))])


def test_sessions_after_session_id_with_offset_zero_is_accepted(get: Get) -> None:
    first = _items(get("/sessions", limit="3"))
    page = _items(get("/sessions", after_session_id=first[0]["id"], offset="0", limit="2"))
    assert [s["id"] for s in page] == [s["id"] for s in first[1:3]]


@pytest.mark.parametrize(
    ("session_id", "quoted"),
    [
        ("no-such-session", '"no-such-session"'),
        ('say "hi"', '"say \\"hi\\""'),
        ("tab\there", '"tab\\there"'),
        ("back\\slash", '"back\\\\slash"'),
        ("bell\x07", '"bell\\a"'),
        ("naïve", '"naïve"'),
    ],
)
def test_sessions_unknown_cursor_names_the_id_go_quoted(
    get: Get, expect_error: ExpectError, session_id: str, quoted: str
) -> None:
    expect_error(
        get("/sessions", after_session_id=session_id),
        400,
        "Query parameter has invalid value.",
        f"after_session_id: session {quoted} not found",
    )


def test_sessions_cursor_quotes_raw_bytes_like_go(
    client: FlaskClient, owner_token: str, expect_error: ExpectError
) -> None:
    # Go's url.Query keeps the undecodable byte and %q prints it as \xff.
    response = client.get(
        "/api/v2/aibridge/sessions?after_session_id=%FF", headers={"Coder-Session-Token": owner_token}
    )
    expect_error(
        response, 400, "Query parameter has invalid value.", 'after_session_id: session "\\xff" not found'
    )


def test_sessions_empty_after_session_id_is_no_cursor_and_allows_offset(get: Get) -> None:
    assert (
        get("/sessions", after_session_id="", offset="3", limit="2").data
        == get("/sessions", offset="3", limit="2").data
    )


def test_sessions_cursor_and_offset_conflict_is_reported_before_the_limit_range(
    get: Get, expect_error: ExpectError
) -> None:
    response = get("/sessions", after_session_id="anything", offset="1", limit="5000")
    expect_error(
        response, 400, INVALID, "Cannot use both after_session_id and offset pagination in the same request."
    )


def test_sessions_limit_range_is_reported_before_a_bad_query(get: Get, expect_error: ExpectError) -> None:
    expect_error(get("/sessions", limit="5000", q="bare"), 400, *LIMIT_RANGE)


def test_sessions_bad_query_is_reported_before_an_unknown_cursor(get: Get) -> None:
    response = get("/sessions", after_session_id="no-such-session", q="bare")
    assert response.get_json()["message"] == "Invalid session search query."
