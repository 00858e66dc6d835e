"""Reading sessions and threads back from answers: where a hidden interception belongs."""

from __future__ import annotations

from typing import Any

from aibridge_mock.proxy.linking import Link, link_interceptions
from aibridge_mock.proxy.observations import Snapshot, ThreadSeen

ALICE = {"id": "e0000000-0000-4000-8000-000000000001", "username": "alice"}
BOB = {"id": "e0000000-0000-4000-8000-000000000002", "username": "bob"}


def _time(second: int) -> str:
    return f"2026-05-14T09:{second // 60:02d}:{second % 60:02d}Z"


def _record(n: int, start: int, end: int, tokens: int, user: dict[str, str] = ALICE) -> dict[str, Any]:
    return {
        "id": f"a0000000-0000-4000-8000-{n:012d}",
        "initiator": user,
        "started_at": _time(start),
        "ended_at": _time(end),
        "token_usages": [{"input_tokens": tokens, "output_tokens": 0}],
    }


def _thread(
    root: dict[str, Any], session: str, start: int, end: int, tokens: int, actions: tuple[str, ...] = ()
) -> ThreadSeen:
    return ThreadSeen(
        root_id=root["id"],
        session_id=session,
        initiator_id=root["initiator"]["id"],
        started=_micros(start),
        ended=_micros(end),
        tokens=(tokens, 0, 0, 0),
        credential_kind="byok",
        credential_hint="sk-a...efgh",
        actions=tuple((a, ("thinking",)) for a in actions),
    )


def _micros(second: int) -> int:
    from aibridge_mock.proxy.observations import micros

    return micros(_time(second))


def _snapshot(records: list[dict[str, Any]], threads: list[ThreadSeen]) -> Snapshot:
    return Snapshot({r["id"]: r for r in records}, {}, {t.root_id: t for t in threads}, frozenset())


def test_a_hidden_interception_goes_to_the_thread_whose_sums_it_completes() -> None:
    # Two threads of alice overlap in time; the hidden one fits both spans, only one thread's sums.
    root_a, root_b, hidden = _record(1, 0, 10, 100), _record(2, 5, 15, 100), _record(3, 11, 12, 40)
    # Thread b comes first and is the tighter span: only the sums send the interception to a.
    threads = [_thread(root_b, "s-b", 5, 20, 100), _thread(root_a, "s-a", 0, 20, 140)]
    links = link_interceptions(_snapshot([root_a, root_b, hidden], threads))
    assert links[hidden["id"]] == Link(root_a["id"], "s-a", "byok", "sk-a...efgh", ())
    assert links[root_a["id"]].thread_root_id is None and links[root_b["id"]].client_session_id == "s-b"


def test_spans_and_sums_together_place_two_hidden_interceptions_with_equal_tokens() -> None:
    root_a, root_b = _record(1, 0, 1, 10), _record(2, 0, 1, 10)
    early, late = _record(3, 2, 5, 7), _record(4, 2, 9, 7)
    threads = [_thread(root_a, "s", 0, 9, 17), _thread(root_b, "s", 0, 5, 17)]
    links = link_interceptions(_snapshot([root_a, root_b, early, late], threads))
    assert (links[late["id"]].thread_root_id, links[early["id"]].thread_root_id) == (
        root_a["id"],
        root_b["id"],
    )


def test_an_agentic_action_names_its_interception_and_carries_its_thoughts() -> None:
    root, action, hidden = _record(1, 0, 2, 1), _record(2, 3, 4, 2), _record(3, 5, 6, 3)
    thread = _thread(root, root["id"], 0, 6, 6, actions=(root["id"], action["id"]))
    links = link_interceptions(_snapshot([root, action, hidden], [thread]))
    assert links[root["id"]] == Link(None, None, "byok", "sk-a...efgh", ("thinking",))
    assert links[action["id"]] == Link(root["id"], None, "byok", "sk-a...efgh", ("thinking",))
    assert links[hidden["id"]].thread_root_id == root["id"]  # a session named after its root: no client id


def test_an_interception_no_thread_can_hold_stays_its_own_root() -> None:
    root, bobs, outside = _record(1, 0, 5, 1), _record(2, 1, 2, 1, BOB), _record(3, 30, 31, 1)
    links = link_interceptions(_snapshot([root, bobs, outside], [_thread(root, "s", 0, 40, 3)]))
    assert bobs["id"] not in links  # another initiator
    assert links[outside["id"]].thread_root_id == root["id"]  # inside the span, the sums add up
    links = link_interceptions(_snapshot([root, outside], [_thread(root, "s", 0, 20, 2)]))
    assert outside["id"] not in links  # outside the span


def test_past_the_50th_thread_zero_sums_do_not_rule_an_interception_out() -> None:
    roots = [_record(n, n * 10, n * 10 + 1, 5) for n in range(1, 52)]
    hidden = _record(99, 513, 515, 8)
    threads = [_thread(r, "long", n * 10, n * 10 + 1, 5) for n, r in enumerate(roots, start=1)]
    threads[-1] = _thread(roots[-1], "long", 510, 515, 0)  # the 51st: coderd shows no tokens
    links = link_interceptions(_snapshot([*roots, hidden], threads))
    assert links[hidden["id"]].thread_root_id == roots[-1]["id"]
