"""GET /interceptions semantics (spec 1.2, 2, 3): order, count, cursors and what each filter selects."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from werkzeug.test import TestResponse

from aibridge_mock.server.dataset.store import Dataset

Get = Callable[..., TestResponse]
Item = dict[str, Any]
Predicate = Callable[[Item], bool]


def instant(text: str) -> datetime:
    """An RFC 3339 time from the API as an aware datetime (microsecond precision)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _page(get: Get, **params: str) -> Item:
    response = get("/interceptions", **params)
    assert response.status_code == 200, response.get_json()
    body: Item = response.get_json()
    return body


def _ids(items: list[Item]) -> list[str]:
    return [i["id"] for i in items]


def _walk_cursor(get: Get, limit: int, **params: str) -> list[Item]:
    items: list[Item] = []
    while True:
        cursor = {"after_id": items[-1]["id"]} if items else {}
        page = _page(get, limit=str(limit), **cursor, **params)["results"]
        items.extend(page)
        if len(page) < limit:
            return items


def _walk_offset(get: Get, limit: int, **params: str) -> list[Item]:
    items: list[Item] = []
    while True:
        page = _page(get, limit=str(limit), offset=str(len(items)), **params)["results"]
        items.extend(page)
        if len(page) < limit:
            return items


def test_interceptions_are_newest_first_with_id_descending_on_ties(all_interceptions: list[Item]) -> None:
    keys = [(instant(i["started_at"]), i["id"]) for i in all_interceptions]
    assert keys == sorted(keys, reverse=True)


def test_only_ended_interceptions_are_listed(all_interceptions: list[Item], dataset: Dataset) -> None:
    ended = {dataset.id_of(r) for r in range(len(dataset)) if int(dataset.cols.ended[r]) >= 0}
    assert len(ended) < len(dataset), "the data set should hold in-flight interceptions to leave out"
    assert set(_ids(all_interceptions)) == ended
    assert len(all_interceptions) == len(ended)
    assert all(i["ended_at"] is not None for i in all_interceptions)


@pytest.mark.parametrize(
    "params",
    [{"limit": "1"}, {"limit": "7", "offset": "2990"}, {"offset": "5000"}, {"limit": "1000", "offset": "3"}],
)
def test_count_ignores_limit_and_offset(
    get: Get, all_interceptions: list[Item], params: dict[str, str]
) -> None:
    assert _page(get, **params)["count"] == len(all_interceptions)


def test_count_ignores_the_cursor(get: Get, all_interceptions: list[Item]) -> None:
    body = _page(get, after_id=all_interceptions[-2]["id"])
    assert (body["count"], _ids(body["results"])) == (len(all_interceptions), [all_interceptions[-1]["id"]])


def test_offset_pages_are_slices_of_the_full_order(get: Get, all_interceptions: list[Item]) -> None:
    assert _ids(_page(get, limit="25", offset="1234")["results"]) == _ids(all_interceptions[1234:1259])


def test_offset_past_the_end_gives_an_empty_list_and_the_full_count(
    get: Get, all_interceptions: list[Item]
) -> None:
    response = get("/interceptions", offset="99999")
    assert response.data == b'{"count":%d,"results":[]}\n' % len(all_interceptions)


def test_cursor_walk_visits_every_interception_once_in_order(get: Get, all_interceptions: list[Item]) -> None:
    walked = _walk_cursor(get, 293)
    assert _ids(walked) == _ids(all_interceptions)


def test_cursor_pages_continue_after_the_cursor_row(get: Get, all_interceptions: list[Item]) -> None:
    cursor = all_interceptions[500]["id"]
    assert _ids(_page(get, after_id=cursor, limit="10")["results"]) == _ids(all_interceptions[501:511])


def test_cursor_and_offset_combine_with_offset_zero_only(get: Get, all_interceptions: list[Item]) -> None:
    cursor = all_interceptions[10]["id"]
    assert _ids(_page(get, after_id=cursor, offset="0", limit="3")["results"]) == _ids(
        all_interceptions[11:14]
    )


def _client(i: Item) -> str:
    return i["client"] if i["client"] is not None else "Unknown"


def _filters(dataset: Dataset) -> list[tuple[str, Predicate]]:
    bob = dataset.personas[3].user.id
    return [
        ("provider:anthropic", lambda i: i["provider"] == "anthropic"),
        ("provider:copilot", lambda i: i["provider"] == "copilot"),
        ("provider_name:chatgpt", lambda i: i["provider_name"] == "chatgpt"),
        ("model:gpt-5", lambda i: i["model"] == "gpt-5"),
        ('client:"Claude Code"', lambda i: i["client"] == "Claude Code"),
        ("client:Unknown", lambda i: i["client"] is None),
        ("initiator:bob", lambda i: i["initiator"]["id"] == bob),
        (f"initiator:{bob}", lambda i: i["initiator"]["username"] == "bob"),
        ("provider:openai model:gpt-5", lambda i: i["provider"] == "openai" and i["model"] == "gpt-5"),
        (
            'started_after:"2026-05-10T00:00:00Z"',
            lambda i: instant(i["started_at"]) >= instant("2026-05-10T00:00:00Z"),
        ),
        (
            'started_before:"2026-05-03T12:00:00Z"',
            lambda i: instant(i["started_at"]) <= instant("2026-05-03T12:00:00Z"),
        ),
        (
            'started_after:"2026-05-08T00:00:00+02:00" started_before:"2026-05-09T00:00:00Z" provider:openai',
            lambda i: (
                instant("2026-05-07T22:00:00Z") <= instant(i["started_at"]) <= instant("2026-05-09T00:00:00Z")
                and i["provider"] == "openai"
            ),
        ),
    ]


@pytest.fixture(scope="module")
def filters(dataset: Dataset) -> dict[str, Predicate]:
    return dict(_filters(dataset))


@pytest.mark.parametrize(
    "q",
    [
        "provider:anthropic",
        "provider:copilot",
        "provider_name:chatgpt",
        "model:gpt-5",
        'client:"Claude Code"',
        "client:Unknown",
        "initiator:bob",
        "provider:openai model:gpt-5",
        'started_after:"2026-05-10T00:00:00Z"',
        'started_before:"2026-05-03T12:00:00Z"',
        'started_after:"2026-05-08T00:00:00+02:00" started_before:"2026-05-09T00:00:00Z" provider:openai',
    ],
)
def test_a_filter_returns_exactly_the_matching_interceptions_in_order(
    get: Get, all_interceptions: list[Item], filters: dict[str, Predicate], q: str
) -> None:
    expected = [i for i in all_interceptions if filters[q](i)]
    assert 0 < len(expected) < len(all_interceptions), "the filter should select some, not all"
    body = _page(get, q=q, limit="1000")
    assert body["count"] == len(expected)
    assert _ids(body["results"]) == _ids(expected)[:1000]


@pytest.mark.parametrize("q", ["provider:copilot", "client:Unknown", 'started_before:"2026-05-03T12:00:00Z"'])
def test_filtered_cursor_walk_agrees_with_the_offset_walk(get: Get, q: str) -> None:
    by_cursor = _walk_cursor(get, 9, q=q)
    assert len(by_cursor) > 9
    assert _ids(by_cursor) == _ids(_walk_offset(get, 9, q=q))


def test_initiator_by_uuid_matches_the_username_filter(get: Get, dataset: Dataset) -> None:
    bob = dataset.personas[3].user.id
    assert _page(get, q=f"initiator:{bob}", limit="1000") == _page(get, q="initiator:bob", limit="1000")


@pytest.mark.parametrize("index", [0, 17, 1500, 2996])
def test_time_bounds_are_inclusive(get: Get, all_interceptions: list[Item], index: int) -> None:
    # Start times are distinct, so exactly the rows up to and including ``index`` start at or after it.
    at = all_interceptions[index]["started_at"]
    assert _page(get, q=f'started_after:"{at}"', limit="1")["count"] == index + 1
    before = _page(get, q=f'started_before:"{at}"', limit="1")
    assert before["count"] == len(all_interceptions) - index
    assert _ids(before["results"]) == [all_interceptions[index]["id"]]


def test_a_one_microsecond_window_selects_the_row_that_starts_in_it(
    get: Get, all_interceptions: list[Item]
) -> None:
    item = all_interceptions[42]
    start = instant(item["started_at"])
    end = start + timedelta(microseconds=1)
    q = f'started_after:"{start.isoformat()}" started_before:"{end.isoformat()}"'
    assert _ids(_page(get, q=q)["results"]) == [item["id"]]


@pytest.mark.parametrize(
    "q", ["provider:nope", "model:gpt", "client:Claude", "initiator:00000000-0000-4000-8000-000000000001"]
)
def test_a_filter_matching_nothing_gives_count_zero_and_an_empty_list(get: Get, q: str) -> None:
    assert get("/interceptions", q=q).data == b'{"count":0,"results":[]}\n'


def test_sub_records_are_ordered_by_creation_time_then_id(all_interceptions: list[Item]) -> None:
    for item in all_interceptions:
        for name in ("token_usages", "user_prompts", "tool_usages"):
            keys = [(instant(r["created_at"]), r["id"]) for r in item[name]]
            assert keys == sorted(keys), (item["id"], name)
            assert all(r["interception_id"] == item["id"] for r in item[name])


def test_a_cursor_outside_the_filter_still_positions_the_page(
    get: Get, all_interceptions: list[Item]
) -> None:
    cursor = next(i for i in all_interceptions[200:] if i["provider"] == "anthropic")
    position = all_interceptions.index(cursor)
    expected = [i for i in all_interceptions[position + 1 :] if i["provider"] == "openai"][:20]
    assert _ids(_page(get, q="provider:openai", after_id=cursor["id"], limit="20")["results"]) == _ids(
        expected
    )


def test_an_in_flight_interception_is_a_valid_cursor(
    get: Get, dataset: Dataset, all_interceptions: list[Item]
) -> None:
    # The cursor lookup (GetAIBridgeInterceptionByID) does not require ended_at.
    row = dataset.n_ended  # rows past n_ended are in flight
    assert row < len(dataset)
    cursor_id, started = dataset.id_of(row), int(dataset.cols.started[row])
    cursor_key = (started, cursor_id)
    older = [i for i in all_interceptions if (_micros(i["started_at"]), i["id"]) < cursor_key][:50]
    assert older
    assert _ids(_page(get, after_id=cursor_id, limit="50")["results"]) == _ids(older)


def _micros(text: str) -> int:
    moment = instant(text)
    return int(moment.timestamp()) * 1_000_000 + moment.microsecond
