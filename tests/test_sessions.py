"""GET /sessions semantics (spec 1.3, 3, 4.1): order, count, cursor and aggregates.

Expected aggregates are derived from the /interceptions responses, grouped by (session id,
initiator); only the session id of an interception comes from the data set, because the API
does not expose it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from werkzeug.test import TestResponse

from aibridge_mock.server.dataset.store import Dataset

Get = Callable[..., TestResponse]
Item = dict[str, Any]
Groups = dict[tuple[str, str], list[Item]]
TOKENS = ("input_tokens", "output_tokens", "cache_read_input_tokens", "cache_write_input_tokens")


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _page(get: Get, **params: str) -> Item:
    response = get("/sessions", **params)
    assert response.status_code == 200, response.get_json()
    body: Item = response.get_json()
    return body


def _ids(sessions: list[Item]) -> list[str]:
    return [s["id"] for s in sessions]


def _group(items: list[Item], session_of: Callable[[str], str]) -> Groups:
    groups: Groups = defaultdict(list)
    for item in items:
        groups[(session_of(item["id"]), item["initiator"]["id"])].append(item)
    return groups


@pytest.fixture(scope="module")
def groups(all_interceptions: list[Item], session_of: Callable[[str], str]) -> Groups:
    return _group(all_interceptions, session_of)


def _key(session: Item) -> tuple[str, str]:
    return session["id"], session["initiator"]["id"]


def _is_root(dataset: Dataset, interception_id: str) -> bool:
    row = dataset.row_of(interception_id)
    return row is not None and int(dataset.cols.root[row]) == row


def _expected(rows: list[Item], whole: list[Item], dataset: Dataset) -> Item:
    """A session row per spec 4.1: time and thread aggregates over ``rows``, the rest over ``whole``."""
    earliest = min(whole, key=lambda i: (instant(i["started_at"]), i["id"]))
    prompts = [p for i in whole for p in i["user_prompts"]]
    matched_prompts = [p for i in rows for p in i["user_prompts"]]
    started = min(rows, key=lambda i: instant(i["started_at"]))["started_at"]
    expected: Item = {
        "providers": sorted({i["provider"] for i in whole}),
        "models": sorted({i["model"] for i in whole}),
        "client": earliest["client"] or None,
        "metadata": earliest["metadata"],
        "started_at": started,
        "ended_at": max(rows, key=lambda i: instant(i["ended_at"]))["ended_at"],
        "threads": sum(_is_root(dataset, i["id"]) for i in rows),
        "token_usage_summary": {t: sum(u[t] for i in whole for u in i["token_usages"]) for t in TOKENS},
        "last_active_at": max(matched_prompts, key=lambda p: instant(p["created_at"]))["created_at"]
        if matched_prompts
        else started,
    }
    if prompts:
        expected["last_prompt"] = max(prompts, key=lambda p: (instant(p["created_at"]), p["id"]))["prompt"]
    return expected


def _comparable(session: Item) -> Item:
    return {k: v for k, v in session.items() if k not in ("id", "initiator")}


def test_count_is_the_number_of_session_initiator_groups(all_sessions: list[Item], groups: Groups) -> None:
    assert {_key(s) for s in all_sessions} == set(groups)
    assert len(all_sessions) == len(groups)


@pytest.mark.parametrize("params", [{"limit": "1"}, {"offset": "300"}, {"offset": "9999"}])
def test_count_ignores_pagination(get: Get, groups: Groups, params: dict[str, str]) -> None:
    assert _page(get, **params)["count"] == len(groups)


def test_sessions_are_ordered_by_last_activity_then_id_descending(all_sessions: list[Item]) -> None:
    keys = [(instant(s["last_active_at"]), s["id"]) for s in all_sessions]
    assert keys == sorted(keys, reverse=True)


def test_every_session_aggregates_its_interceptions(
    all_sessions: list[Item], groups: Groups, dataset: Dataset
) -> None:
    for session in all_sessions:
        rows = groups[_key(session)]
        assert _comparable(session) == _expected(rows, rows, dataset), session["id"]


def test_session_initiator_is_the_interceptions_initiator(all_sessions: list[Item], groups: Groups) -> None:
    for session in all_sessions:
        assert session["initiator"] == groups[_key(session)][0]["initiator"]


def test_cursor_walk_visits_every_session_once_in_order(get: Get, all_sessions: list[Item]) -> None:
    walked: list[Item] = []
    while True:
        cursor = {"after_session_id": walked[-1]["id"]} if walked else {}
        page = _page(get, limit="37", **cursor)["sessions"]
        walked.extend(page)
        if len(page) < 37:
            break
    assert _ids(walked) == _ids(all_sessions)


def test_offset_pages_are_slices_of_the_full_order(get: Get, all_sessions: list[Item]) -> None:
    assert _page(get, limit="20", offset="150")["sessions"] == all_sessions[150:170]


def test_offset_past_the_end_gives_an_empty_list(get: Get, all_sessions: list[Item]) -> None:
    assert get("/sessions", offset="5000").data == b'{"count":%d,"sessions":[]}\n' % len(all_sessions)


def _predicates(dataset: Dataset) -> dict[str, Callable[[Item], bool]]:
    bob = dataset.personas[3].user.id
    return {
        "initiator:bob": lambda i: i["initiator"]["id"] == bob,
        "provider:copilot": lambda i: i["provider"] == "copilot",
        "provider_name:copilot-business": lambda i: i["provider_name"] == "copilot-business",
        "client:Unknown": lambda i: i["client"] is None,
        'client:"GitHub Copilot (CLI)"': lambda i: i["client"] == "GitHub Copilot (CLI)",
        "model:claude-haiku-4-5-20251001": lambda i: i["model"] == "claude-haiku-4-5-20251001",
        'started_after:"2026-05-12T00:00:00Z"': lambda i: (
            instant(i["started_at"]) >= instant("2026-05-12T00:00:00Z")
        ),
        'started_before:"2026-05-04T00:00:00Z" provider:anthropic': lambda i: (
            instant(i["started_at"]) <= instant("2026-05-04T00:00:00Z") and i["provider"] == "anthropic"
        ),
    }


@pytest.mark.parametrize(
    "q",
    [
        "initiator:bob",
        "provider:copilot",
        "provider_name:copilot-business",
        "client:Unknown",
        'client:"GitHub Copilot (CLI)"',
        "model:claude-haiku-4-5-20251001",
        'started_after:"2026-05-12T00:00:00Z"',
        'started_before:"2026-05-04T00:00:00Z" provider:anthropic',
    ],
)
def test_a_filter_aggregates_matching_interceptions_only(
    get: Get,
    all_interceptions: list[Item],
    session_of: Callable[[str], str],
    groups: Groups,
    dataset: Dataset,
    q: str,
) -> None:
    matching = _group([i for i in all_interceptions if _predicates(dataset)[q](i)], session_of)
    assert 0 < len(matching) < len(groups), "the filter should select some sessions, not all"
    body = _page(get, q=q, limit="1000")
    assert body["count"] == len(matching)
    assert {_key(s) for s in body["sessions"]} == set(matching)
    for session in body["sessions"]:
        key = _key(session)
        assert _comparable(session) == _expected(matching[key], groups[key], dataset), (q, session["id"])
    keys = [(instant(s["last_active_at"]), s["id"]) for s in body["sessions"]]
    assert keys == sorted(keys, reverse=True)


def test_a_model_filter_narrows_times_and_threads_but_not_tokens_or_model_list(
    get: Get, all_sessions: list[Item]
) -> None:
    mixed = next(s for s in all_sessions if len(s["models"]) > 1 and s["threads"] > 1)
    model = mixed["models"][0]
    found = _page(get, q=f"session_id:{mixed['id']} model:{model}")["sessions"]
    assert len(found) == 1
    (narrowed,) = found
    assert narrowed["models"] == mixed["models"]
    assert narrowed["token_usage_summary"] == mixed["token_usage_summary"]
    assert (narrowed["threads"], narrowed["started_at"], narrowed["ended_at"]) != (
        mixed["threads"],
        mixed["started_at"],
        mixed["ended_at"],
    )


@pytest.mark.parametrize("index", [0, 5, 329])
def test_session_id_filter_selects_one_session(get: Get, all_sessions: list[Item], index: int) -> None:
    session = all_sessions[index]
    body = _page(get, q=f'session_id:"{session["id"]}"')
    assert (body["count"], body["sessions"]) == (1, [session])


def test_session_id_filter_is_exact(get: Get, all_sessions: list[Item]) -> None:
    assert _page(get, q=f"session_id:{all_sessions[0]['id'][:8]}")["count"] == 0


def test_filtered_cursor_walk_agrees_with_the_offset_walk(get: Get) -> None:
    q = "initiator:alice"
    by_offset = _page(get, q=q, limit="1000")["sessions"]
    walked: list[Item] = []
    while True:
        cursor = {"after_session_id": walked[-1]["id"]} if walked else {}
        page = _page(get, q=q, limit="6", **cursor)["sessions"]
        walked.extend(page)
        if len(page) < 6:
            break
    assert len(walked) > 6
    assert walked == by_offset


def test_a_cursor_session_outside_the_filter_still_positions_the_page(
    get: Get, all_sessions: list[Item]
) -> None:
    cursor = next(s for s in all_sessions[20:] if s["providers"] == ["copilot"])
    position = all_sessions.index(cursor)
    expected = [s["id"] for s in all_sessions[position + 1 :] if s["providers"] == ["anthropic"]][:10]
    page = _page(get, q="provider:anthropic", after_session_id=cursor["id"], limit="10")["sessions"]
    assert _ids(page) == expected


def test_count_ignores_the_cursor(get: Get, all_sessions: list[Item]) -> None:
    body = _page(get, after_session_id=all_sessions[-2]["id"])
    assert (body["count"], _ids(body["sessions"])) == (len(all_sessions), [all_sessions[-1]["id"]])
