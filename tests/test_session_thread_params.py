"""GET /sessions/{session_id} (spec 1.4): parameter checks, cursor validation and which ids resolve."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from werkzeug.test import TestResponse

from aibridge_mock.server.dataset.store import Dataset

Get = Callable[..., TestResponse]
ExpectError = Callable[..., None]
Item = dict[str, Any]
UNKNOWN_ID = "5c3b1f0e-9d7a-4c2b-8e1f-0a9b8c7d6e5f"


def _detail(get: Get, session_id: str, **params: str) -> Item:
    response = get(f"/sessions/{session_id}", **params)
    assert response.status_code == 200, response.get_json()
    body: Item = response.get_json()
    return body


@pytest.mark.parametrize(
    ("params", "message", "detail"),
    [
        ({"after_id": "abc"}, "Invalid after_id query parameter.", "invalid UUID length: 3"),
        ({"after_id": "x" * 36}, "Invalid after_id query parameter.", "invalid UUID format"),
        ({"after_id": "g" * 32}, "Invalid after_id query parameter.", "invalid UUID format"),
        ({"before_id": "abc"}, "Invalid before_id query parameter.", "invalid UUID length: 3"),
        (
            {"before_id": UNKNOWN_ID.replace("-", "_")},
            "Invalid before_id query parameter.",
            "invalid UUID format",
        ),
        (
            {"after_id": "abc", "before_id": "nope"},
            "Invalid after_id query parameter.",
            "invalid UUID length: 3",
        ),
        (
            {"after_id": UNKNOWN_ID, "before_id": UNKNOWN_ID},
            "Cannot use both after_id and before_id in the same request.",
            "",
        ),
        (
            {"after_id": UNKNOWN_ID, "before_id": UNKNOWN_ID, "limit": "0"},
            "Cannot use both after_id and before_id in the same request.",
            "",
        ),
        ({"limit": "0"}, "Invalid limit query parameter.", "Limit must be between 1 and 200."),
        ({"limit": "201"}, "Invalid limit query parameter.", "Limit must be between 1 and 200."),
        ({"limit": "-1"}, "Invalid limit query parameter.", "Limit must be between 1 and 200."),
        ({"limit": "abc"}, "Invalid limit query parameter.", "Limit must be between 1 and 200."),
        ({"limit": "5abc"}, "Invalid limit query parameter.", "Limit must be between 1 and 200."),
        ({"limit": "99999999999"}, "Invalid limit query parameter.", "Limit must be between 1 and 200."),
    ],
)
@pytest.mark.parametrize("known", [True, False], ids=["known-session", "unknown-session"])
def test_bad_thread_params_are_rejected_before_the_session_lookup(
    get: Get,
    expect_error: ExpectError,
    all_sessions: list[Item],
    params: dict[str, str],
    message: str,
    detail: str,
    known: bool,
) -> None:
    session_id = all_sessions[0]["id"] if known else "no-such-session"
    expect_error(get(f"/sessions/{session_id}", **params), 400, message, detail)


@pytest.mark.parametrize("session_id", ["no-such-session", UNKNOWN_ID, "%E2%9C%93"])
def test_unknown_session_is_not_found(get: Get, expect_error: ExpectError, session_id: str) -> None:
    expect_error(get(f"/sessions/{session_id}"), 404, "Session not found.")


def test_unknown_session_is_reported_before_a_bad_cursor(get: Get, expect_error: ExpectError) -> None:
    expect_error(get("/sessions/no-such-session", after_id=UNKNOWN_ID), 404, "Session not found.")


@pytest.mark.parametrize("name", ["after_id", "before_id"])
def test_unknown_cursor_is_an_invalid_pagination_cursor(
    get: Get, expect_error: ExpectError, all_sessions: list[Item], name: str
) -> None:
    expect_error(
        get(f"/sessions/{all_sessions[0]['id']}", **{name: UNKNOWN_ID.upper()}),
        400,
        "Invalid pagination cursor.",
        f"{name}: interception {UNKNOWN_ID} not found: invalid pagination cursor",
    )


@pytest.mark.parametrize("name", ["after_id", "before_id"])
def test_cursor_from_another_session_does_not_belong(
    get: Get, expect_error: ExpectError, all_sessions: list[Item], name: str
) -> None:
    here, elsewhere = all_sessions[3]["id"], all_sessions[4]["id"]
    foreign = _detail(get, elsewhere)["threads"][0]["id"]
    expect_error(
        get(f"/sessions/{here}", **{name: foreign}),
        400,
        "Invalid pagination cursor.",
        f"{name}: interception {foreign} does not belong to session {here}: invalid pagination cursor",
    )


@pytest.mark.parametrize(
    "params", [{"offset": "abc"}, {"foo": "bar", "q": "nonsense:x:y"}, {"limit": ""}, {"after_id": ""}]
)
def test_other_params_and_empty_values_are_ignored(
    get: Get, all_sessions: list[Item], params: dict[str, str]
) -> None:
    session_id = all_sessions[1]["id"]
    assert get(f"/sessions/{session_id}", **params).data == get(f"/sessions/{session_id}").data


def test_a_session_of_only_in_flight_interceptions_is_not_found(
    get: Get, expect_error: ExpectError, dataset: Dataset, all_sessions: list[Item]
) -> None:
    listed = {s["id"] for s in all_sessions}
    in_flight_only = [
        sid
        for r in range(dataset.n_ended, len(dataset))
        if (sid := str(dataset.tables.session_ids.values[int(dataset.cols.session[r])])) not in listed
    ]
    assert in_flight_only, "seed 7 should hold a session with no ended interception"
    expect_error(get(f"/sessions/{in_flight_only[0]}"), 404, "Session not found.")


def test_in_flight_interceptions_are_in_no_thread(
    get: Get, dataset: Dataset, all_sessions: list[Item]
) -> None:
    in_flight = {dataset.id_of(r) for r in range(dataset.n_ended, len(dataset))}
    listed = {s["id"] for s in all_sessions}
    for r in range(dataset.n_ended, len(dataset)):
        sid = str(dataset.tables.session_ids.values[int(dataset.cols.session[r])])
        if sid in listed:
            body = _detail(get, sid, limit="200")
            seen = {t["id"] for t in body["threads"]}
            seen |= {
                c["interception_id"]
                for t in body["threads"]
                for a in t["agentic_actions"]
                for c in a["tool_calls"]
            }
            assert not seen & in_flight


def test_session_ids_are_matched_exactly(
    get: Get, expect_error: ExpectError, all_sessions: list[Item]
) -> None:
    session_id = all_sessions[0]["id"]
    assert session_id != session_id.upper()
    expect_error(get(f"/sessions/{session_id.upper()}"), 404, "Session not found.")


def test_an_interception_id_is_a_session_id_only_for_a_root_without_client_session(
    get: Get,
    expect_error: ExpectError,
    all_sessions: list[Item],
    session_of: Callable[[str], str],
    all_interceptions: list[Item],
) -> None:
    own = next(i["id"] for i in all_interceptions if session_of(i["id"]) == i["id"])
    assert _detail(get, own)["id"] == own
    member = next(i["id"] for i in all_interceptions if session_of(i["id"]) != i["id"])
    expect_error(get(f"/sessions/{member}"), 404, "Session not found.")
