"""GET /sessions/{session_id} (spec 1.4, 3, 4.2): thread pages and their aggregates.

Which interceptions make up a thread is taken from the data set (the API does not say); every
number is then recomputed from the /interceptions responses of those interceptions.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from werkzeug.test import TestResponse

from aibridge_mock.server.dataset.store import Dataset
from aibridge_mock.server.extension import mock_of

Get = Callable[..., TestResponse]
Item = dict[str, Any]
TOKENS = ("input_tokens", "output_tokens", "cache_read_input_tokens", "cache_write_input_tokens")
ALL_ROWS_CAP = 50  # coderd's unpaginated thread query still runs with LIMIT 50 (spec 4.2)


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _detail(get: Get, session_id: str, **params: str) -> Item:
    response = get(f"/sessions/{session_id}", **params)
    assert response.status_code == 200, response.get_json()
    body: Item = response.get_json()
    return body


@pytest.fixture(scope="module")
def by_id(all_interceptions: list[Item]) -> dict[str, Item]:
    return {i["id"]: i for i in all_interceptions}


@pytest.fixture(scope="module")
def members(dataset: Dataset) -> Callable[[str], list[str]]:
    """Ids of the ended interceptions of the thread rooted at an interception id, oldest first."""

    def of(root_id: str) -> list[str]:
        root = dataset.row_of(root_id)
        assert root is not None
        cols = dataset.cols
        rows = [r for r in range(dataset.n_ended) if int(cols.root[r]) == root]
        rows.sort(key=lambda r: (int(cols.started[r]), dataset.id_of(r)))
        return [dataset.id_of(r) for r in rows]

    return of


@pytest.fixture(scope="module")
def big_session(all_sessions: list[Item]) -> Item:
    session = max(all_sessions, key=lambda s: s["threads"])
    assert session["threads"] > ALL_ROWS_CAP, "seed 7 should hold a session with more than 50 threads"
    return session


@pytest.fixture(scope="module")
def sample_sessions(all_sessions: list[Item]) -> list[Item]:
    """A spread of sessions: the newest, some with null client, some with many models."""
    null_client = [s for s in all_sessions if s["client"] is None][:3]
    multi_model = [s for s in all_sessions if len(s["models"]) > 1][:5]
    return all_sessions[:12] + null_client + multi_model + all_sessions[-3:]


def aggregate(metadata: list[Any]) -> dict[str, int]:
    """aggregateTokenMetadata: flatten objects with '.', sum integer leaves only."""
    totals: dict[str, int] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else key, inner)
        elif type(value) is int:
            totals[prefix] = totals.get(prefix, 0) + value

    for obj in metadata:
        walk("", obj)
    return totals


def usage(interceptions: list[Item]) -> Item:
    usages = [u for i in interceptions for u in i["token_usages"]]
    return {
        **{t: sum(u[t] for u in usages) for t in TOKENS},
        "metadata": aggregate([u["metadata"] for u in usages]),
    }


# -- pages -----------------------------------------------------------------------------------------


def test_default_page_is_50_threads_and_the_maximum_is_200(get: Get, big_session: Item) -> None:
    assert len(_detail(get, big_session["id"])["threads"]) == ALL_ROWS_CAP
    assert len(_detail(get, big_session["id"], limit="200")["threads"]) == big_session["threads"]


def test_threads_are_oldest_first(get: Get, big_session: Item) -> None:
    threads = _detail(get, big_session["id"], limit="200")["threads"]
    keys = [(instant(t["started_at"]), t["id"]) for t in threads]
    assert keys == sorted(keys)


def test_after_id_walk_visits_every_thread_once(get: Get, big_session: Item) -> None:
    full = _detail(get, big_session["id"], limit="200")["threads"]
    walked: list[Item] = []
    while True:
        cursor = {"after_id": walked[-1]["id"]} if walked else {}
        page = _detail(get, big_session["id"], limit="8", **cursor)["threads"]
        walked.extend(page)
        if len(page) < 8:
            break
    assert walked == full


@pytest.mark.parametrize(
    ("cursor", "limit", "expected"), [(10, 3, slice(0, 3)), (1, 5, slice(0, 1)), (0, 5, slice(0, 0))]
)
def test_before_id_gives_the_oldest_threads_before_the_cursor(
    get: Get, big_session: Item, cursor: int, limit: int, expected: slice
) -> None:
    full = _detail(get, big_session["id"], limit="200")["threads"]
    page = _detail(get, big_session["id"], before_id=full[cursor]["id"], limit=str(limit))["threads"]
    assert [t["id"] for t in page] == [t["id"] for t in full[expected]]


def test_an_empty_page_has_no_page_bounds(get: Get, big_session: Item) -> None:
    full = _detail(get, big_session["id"], limit="200")["threads"]
    body = _detail(get, big_session["id"], after_id=full[-1]["id"])
    assert body["threads"] == []
    assert "page_started_at" not in body and "page_ended_at" not in body


def test_thread_ids_are_the_root_interceptions_of_the_session(
    get: Get,
    sample_sessions: list[Item],
    dataset: Dataset,
    session_of: Callable[[str], str],
    by_id: dict[str, Item],
) -> None:
    for session in sample_sessions:
        threads = _detail(get, session["id"], limit="200")["threads"]
        roots = {
            i
            for i, item in by_id.items()
            if item["initiator"]["id"] == session["initiator"]["id"]
            and session_of(i) == session["id"]
            and int(dataset.cols.root[dataset.row_of(i)]) == dataset.row_of(i)
        }
        assert {t["id"] for t in threads} == roots
        assert len(threads) == session["threads"]


def test_session_header_repeats_the_list_item(get: Get, sample_sessions: list[Item]) -> None:
    for session in sample_sessions:
        body = _detail(get, session["id"])
        for key in ("id", "initiator", "providers", "models", "metadata", "started_at", "ended_at"):
            assert body[key] == session[key], (session["id"], key)
        assert body.get("client") == session["client"]
        assert {t: body["token_usage_summary"][t] for t in TOKENS} == session["token_usage_summary"]


def test_threads_aggregate_their_interceptions(
    get: Get,
    sample_sessions: list[Item],
    by_id: dict[str, Item],
    members: Callable[[str], list[str]],
    dataset: Dataset,
) -> None:
    for session in sample_sessions:
        body = _detail(get, session["id"], limit="200")
        for thread in body["threads"]:
            rows = [by_id[i] for i in members(thread["id"])]
            root = by_id[thread["id"]]
            first_prompts = sorted(root["user_prompts"], key=lambda p: (instant(p["created_at"]), p["id"]))
            assert (thread["model"], thread["provider"]) == (root["model"], root["provider"])
            assert thread.get("prompt") == (first_prompts[0]["prompt"] if first_prompts else None)
            assert thread["started_at"] == min(rows, key=lambda i: instant(i["started_at"]))["started_at"]
            assert thread["ended_at"] == max(rows, key=lambda i: instant(i["ended_at"]))["ended_at"]
            assert thread["token_usage"] == usage(rows)
            acting = [i for i in rows if i["tool_usages"]]
            assert [a["model"] for a in thread["agentic_actions"]] == [i["model"] for i in acting]
            for action, interception in zip(thread["agentic_actions"], acting, strict=True):
                assert action["token_usage"] == usage([interception])
                expected_calls = [
                    {k: v for k, v in t.items() if k != "invocation_error"}
                    for t in interception["tool_usages"]
                ]
                assert action["tool_calls"] == expected_calls
                detail = dataset.detail(dataset.row_of(interception["id"]))
                assert action["thinking"] == [{"text": t} for t in detail.thoughts]


def test_page_bounds_span_the_interceptions_of_the_page(
    get: Get, big_session: Item, by_id: dict[str, Item], members: Callable[[str], list[str]]
) -> None:
    full = _detail(get, big_session["id"], limit="200")["threads"]
    body = _detail(get, big_session["id"], after_id=full[4]["id"], limit="6")
    rows = [by_id[i] for t in body["threads"] for i in members(t["id"])]
    assert [t["id"] for t in body["threads"]] == [t["id"] for t in full[5:11]]
    assert body["page_started_at"] == min(rows, key=lambda i: instant(i["started_at"]))["started_at"]
    assert body["page_ended_at"] == max(rows, key=lambda i: instant(i["ended_at"]))["ended_at"]


def test_summary_metadata_covers_only_the_oldest_50_threads(
    get: Get, big_session: Item, by_id: dict[str, Item], members: Callable[[str], list[str]]
) -> None:
    body = _detail(get, big_session["id"], limit="200")
    capped = [by_id[i] for t in body["threads"][:ALL_ROWS_CAP] for i in members(t["id"])]
    everything = [by_id[i] for t in body["threads"] for i in members(t["id"])]
    assert body["token_usage_summary"]["metadata"] == usage(capped)["metadata"]
    assert {t: body["token_usage_summary"][t] for t in TOKENS} == {t: usage(everything)[t] for t in TOKENS}


def test_threads_after_the_oldest_50_show_zero_tokens(get: Get, big_session: Item) -> None:
    late = _detail(get, big_session["id"], limit="200")["threads"][ALL_ROWS_CAP:]
    zero = {**dict.fromkeys(TOKENS, 0), "metadata": {}}
    assert late and all(t["token_usage"] == zero for t in late)
    assert all(a["token_usage"] == zero for t in late for a in t["agentic_actions"])


# -- a session id shared by several users (fixtures can do it; coderd filters threads by id alone) ---

SHARED = "shared-session"


def _interception(n: int, initiator: str, started: str, **extra: Any) -> Item:
    return {
        "id": f"c5000000-0000-4000-8000-00000000000{n}",
        "initiator": initiator,
        "provider": "anthropic",
        "model": "claude-sonnet-4-5",
        "client_session_id": SHARED,
        "started_at": started,
        "ended_at": started.replace(":00Z", ":09Z"),
        "token_usages": [
            {
                "id": f"c6000000-0000-4000-8000-00000000000{n}",
                "input_tokens": 10 * n,
                "output_tokens": n,
                "metadata": {"web_search_requests": n},
                "created_at": started.replace(":00Z", ":01Z"),
            }
        ],
        **extra,
    }


# alice's thread (1, with a child 2), bob's thread (3) and a child of alice's thread (4) that carries
# its own client session id and so belongs to another session.
SHARED_FIXTURE = {
    "interceptions": [
        _interception(1, "alice", "2026-05-14T10:00:00Z"),
        _interception(
            2, "alice", "2026-05-14T10:01:00Z", thread_root_id="c5000000-0000-4000-8000-000000000001"
        ),
        _interception(3, "bob", "2026-05-14T10:02:00Z"),
        _interception(
            4,
            "alice",
            "2026-05-14T10:03:00Z",
            thread_root_id="c5000000-0000-4000-8000-000000000001",
            client_session_id="elsewhere",
        ),
    ]
}


@pytest.fixture(scope="module")
def shared_app(tmp_path_factory: pytest.TempPathFactory, make_app: Callable[..., Any]) -> Callable[..., Any]:
    path = tmp_path_factory.mktemp("shared") / "shared.json"
    path.write_text(json.dumps(SHARED_FIXTURE), encoding="utf-8")

    def build(**options: Any) -> tuple[Any, dict[str, str]]:
        app = make_app(interceptions=0, fixtures=(path,), **options)
        personas = mock_of(app).datasets.snapshot.dataset.personas
        return app.test_client(), {p.user.username: p.token for p in personas}

    return build


def _threads(client: Any, token: str, **params: str) -> Item:
    response = client.get(
        f"/api/v2/aibridge/sessions/{SHARED}", headers={"Coder-Session-Token": token}, query_string=params
    )
    assert response.status_code == 200, response.get_json()
    body: Item = response.get_json()
    return body


def test_session_threads_list_every_users_threads_of_the_session_id(shared_app: Callable[..., Any]) -> None:
    client, tokens = shared_app()
    body = _threads(client, tokens["admin"])
    # The session fields are those of the first (session id, initiator) row in list order: bob's,
    # whose last activity is the latest; the threads are the session id's, whoever started them.
    assert body["initiator"]["username"] == "bob"
    assert [t["id"] for t in body["threads"]] == [
        "c5000000-0000-4000-8000-000000000001",
        "c5000000-0000-4000-8000-000000000003",
    ]
    assert body["token_usage_summary"]["input_tokens"] == 30  # the session row's own sums (bob's)
    assert body["token_usage_summary"]["metadata"] == {"web_search_requests": 1 + 2 + 3}  # every thread
    assert body["page_ended_at"] == "2026-05-14T10:02:09Z"


def test_a_thread_leaves_out_interceptions_of_another_session(shared_app: Callable[..., Any]) -> None:
    client, tokens = shared_app()
    alice_thread = _threads(client, tokens["admin"])["threads"][0]
    assert alice_thread["token_usage"]["input_tokens"] == 10 + 20  # not the 40 of "elsewhere"
    assert alice_thread["ended_at"] == "2026-05-14T10:01:09Z"


def test_thread_cursors_page_across_users(shared_app: Callable[..., Any]) -> None:
    client, tokens = shared_app()
    first = _threads(client, tokens["admin"], limit="1")["threads"]
    after = _threads(client, tokens["admin"], limit="1", after_id=first[0]["id"])["threads"]
    assert [t["id"] for t in first + after] == [
        "c5000000-0000-4000-8000-000000000001",
        "c5000000-0000-4000-8000-000000000003",
    ]


def test_roots_can_be_narrowed_to_one_initiator(shared_app: Callable[..., Any]) -> None:
    # For members who read their own rows (generations before sessions existed, and custom roles):
    # the thread query is filtered by the same authorization as every other query.
    client, _ = shared_app()
    ds = mock_of(client.application).datasets.snapshot.dataset
    key = ds.find_session(SHARED, None)
    alice = next(u.id for u in ds.users if u.username == "alice")
    assert [ds.id_of(r) for r in ds.roots(key, alice)] == ["c5000000-0000-4000-8000-000000000001"]
    assert len(ds.roots(key)) == 2
