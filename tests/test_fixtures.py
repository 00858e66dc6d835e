"""Curated fixture files: what the API shows for them, and how bad files are refused."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator

from aibridge_mock.server import create_app
from aibridge_mock.server.config import Config
from aibridge_mock.server.dataset.fixtures import FixtureError
from aibridge_mock.server.dataset.loader import DatasetOptions, build_dataset
from aibridge_mock.server.extension import mock_of
from aibridge_mock.server.state import Datasets

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SMALL = FIXTURES / "small.json"
API = "/api/v2/aibridge"
Doc = dict[str, Any]
Headers = dict[str, str]

CLAUDE_SESSION = "8f3b6a2e-1c4d-4b7a-9e25-d6c0f1a7b394"
BYOK_SESSION = "2c7d9e41-5a3b-4f8c-b6e2-1d0a9f7c3e85"
CURSOR_ID = "a2000000-0000-4000-8000-000000000001"
UNKNOWN_CLIENT_ID = "a3000000-0000-4000-8000-000000000001"
IN_FLIGHT_ID = "a5000000-0000-4000-8000-000000000001"
MCP_THREAD = "a1000000-0000-4000-8000-000000000005"


def _small() -> Doc:
    document: Doc = json.loads(SMALL.read_text(encoding="utf-8"))
    return document


def _ended(document: Doc) -> list[Doc]:
    return [i for i in document["interceptions"] if i.get("ended_at")]


def _expected_session(interception: Doc) -> str:
    body = interception
    return str(body.get("client_session_id") or body.get("thread_root_id") or body["id"])


@pytest.fixture(scope="module")
def app() -> Flask:
    return create_app(Config(interceptions=0, fixtures=(SMALL,)))


@pytest.fixture(scope="module")
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="module")
def owner(app: Flask) -> Headers:
    return {"Coder-Session-Token": mock_of(app).datasets.snapshot.dataset.personas[0].token}


def _get(client: FlaskClient, owner: Headers, path: str) -> Any:
    response = client.get(API + path, headers=owner)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def _interception(client: FlaskClient, owner: Headers, interception_id: str) -> Doc:
    items = _get(client, owner, "/interceptions?limit=1000")["results"]
    found: Doc = next(i for i in items if i["id"] == interception_id)
    return found


# -- the small fixture, alone -------------------------------------------------------------------


def test_small_fixture_alone_is_exactly_its_interceptions_and_users() -> None:
    ds = build_dataset(DatasetOptions(seed=1, interceptions=0, fixtures=(SMALL,)))
    document = _small()
    assert {ds.id_of(r) for r in range(len(ds))} == {i["id"] for i in document["interceptions"]}
    assert ds.n_ended == len(_ended(document))
    assert [u.username for u in ds.users[:4]] == ["admin", "auditor", "alice", "bob"]
    assert [u.username for u in ds.users[-2:]] == [u["username"] for u in document["users"]]


def test_interceptions_list_is_every_ended_fixture_interception_but_not_the_in_flight_one(
    client: FlaskClient, owner: Headers
) -> None:
    body = _get(client, owner, "/interceptions?limit=1000")
    assert body["count"] == len(_ended(_small()))
    assert {i["id"] for i in body["results"]} == {i["id"] for i in _ended(_small())}
    assert IN_FLIGHT_ID not in {i["id"] for i in body["results"]}


def test_interception_item_shows_the_fixture_record_in_go_order(client: FlaskClient, owner: Headers) -> None:
    item = _interception(client, owner, "a1000000-0000-4000-8000-000000000001")
    assert item["initiator"]["username"] == "alice"
    assert (item["provider"], item["provider_name"]) == ("anthropic", "anthropic")
    assert item["client"] == "Claude Code"
    assert item["api_key_id"] == "q7KfW2mZpA"
    assert item["ended_at"] == "2026-05-14T09:00:08.412Z"
    assert item["user_prompts"][0]["created_at"] == "2026-05-14T09:00:00.12Z"
    usage = item["token_usages"][0]
    assert list(usage) == [
        "id",
        "interception_id",
        "provider_response_id",
        "input_tokens",
        "output_tokens",
        "cache_read_input_tokens",
        "cache_write_input_tokens",
        "metadata",
        "created_at",
    ]
    assert list(usage["metadata"]) == sorted(usage["metadata"])  # Go writes map keys sorted
    assert usage["metadata"]["speed"] == {"output_tokens_per_second": 87.5}
    assert [t["tool"] for t in item["tool_usages"]] == ["Read", "Grep"]
    assert item["tool_usages"][1]["input"] == '{"pattern":"sendWebhook","path":"/home/coder/coder"}'


def test_client_null_is_null_in_items_and_unknown_in_clients(client: FlaskClient, owner: Headers) -> None:
    item = _interception(client, owner, UNKNOWN_CLIENT_ID)
    assert item["client"] is None
    assert item["api_key_id"] is None
    assert "Unknown" in _get(client, owner, "/clients")
    sessions = _get(client, owner, "/sessions?q=client:Unknown")["sessions"]
    assert [s["id"] for s in sessions] == [UNKNOWN_CLIENT_ID]
    assert sessions[0]["client"] is None


def test_user_without_name_or_avatar_shows_only_id_and_username(client: FlaskClient, owner: Headers) -> None:
    item = _interception(client, owner, UNKNOWN_CLIENT_ID)
    assert item["initiator"] == {"id": "e0000000-0000-4000-8000-000000000002", "username": "quinn-intern"}


def test_sessions_are_client_session_id_else_thread_root_else_own_id(
    client: FlaskClient, owner: Headers
) -> None:
    document = _small()
    roots = {i["id"] for i in _ended(document) if not i.get("thread_root_id")}
    expected: dict[str, set[str]] = {}
    for interception in _ended(document):
        expected.setdefault(_expected_session(interception), set()).add(interception["id"])
    sessions = _get(client, owner, "/sessions?limit=1000")["sessions"]
    assert {s["id"] for s in sessions} == set(expected)
    assert CURSOR_ID in expected  # Cursor sends no session id: the session is named by the interception
    threads = {sid: len(ids & roots) for sid, ids in expected.items()}
    assert {s["id"]: s["threads"] for s in sessions} == threads


def test_session_token_sums_add_up_the_fixture_token_usages(client: FlaskClient, owner: Headers) -> None:
    keys = ("input_tokens", "output_tokens", "cache_read_input_tokens", "cache_write_input_tokens")
    expected: dict[str, list[int]] = {}
    for interception in _ended(_small()):
        sums = expected.setdefault(_expected_session(interception), [0, 0, 0, 0])
        for usage in interception.get("token_usages", []):
            for index, key in enumerate(keys):
                sums[index] += usage.get(key, 0)
    sessions = _get(client, owner, "/sessions?limit=1000")["sessions"]
    assert {s["id"]: [s["token_usage_summary"][k] for k in keys] for s in sessions} == expected


def test_session_threads_show_the_agentic_actions_with_injected_mcp_calls(
    client: FlaskClient, owner: Headers
) -> None:
    body = _get(client, owner, f"/sessions/{CLAUDE_SESSION}")
    assert [t["id"] for t in body["threads"]] == [
        "a1000000-0000-4000-8000-000000000001",
        "a1000000-0000-4000-8000-000000000004",
        MCP_THREAD,
    ]
    mcp = body["threads"][2]
    assert [[c["tool"] for c in a["tool_calls"]] for a in mcp["agentic_actions"]] == [
        ["coder_list_workspaces"],
        ["coder_workspace_bash", "coder_get_workspace"],
    ]
    assert all(c["injected"] for a in mcp["agentic_actions"] for c in a["tool_calls"])
    assert mcp["agentic_actions"][0]["thinking"] == [
        {"text": "The Coder MCP tools can list workspaces; no need to ask for names."}
    ]
    assert body["threads"][1]["agentic_actions"] == []  # the title thread calls no tools


def test_failing_injected_call_keeps_its_invocation_error(client: FlaskClient, owner: Headers) -> None:
    item = _interception(client, owner, "a1000000-0000-4000-8000-000000000006")
    errors = {t["tool"]: t["invocation_error"] for t in item["tool_usages"]}
    assert errors == {
        "coder_workspace_bash": 'workspace "alice/dev" is not running',
        "coder_get_workspace": "",
    }


def test_token_metadata_sums_skip_the_float_and_the_string(client: FlaskClient, owner: Headers) -> None:
    summary = _get(client, owner, f"/sessions/{CLAUDE_SESSION}")["token_usage_summary"]["metadata"]
    assert summary["server_tool_use.web_fetch_requests"] == 1
    assert summary["cache_creation_input"] == 2210 + 1420 + 980 + 1200 + 410 + 0
    assert "speed.output_tokens_per_second" not in summary
    assert "service_tier" not in summary


def test_byok_thread_shows_its_credential_kind_and_hint(client: FlaskClient, owner: Headers) -> None:
    thread = _get(client, owner, f"/sessions/{BYOK_SESSION}")["threads"][0]
    assert (thread["credential_kind"], thread["credential_hint"]) == ("byok", "sk-a...efgh")
    centralized = _get(client, owner, f"/sessions/{CLAUDE_SESSION}")["threads"][0]
    assert (centralized["credential_kind"], centralized["credential_hint"]) == ("centralized", "")


def test_in_flight_interception_is_in_no_list(client: FlaskClient, owner: Headers) -> None:
    assert "Codex" not in _get(client, owner, "/clients")
    assert "gpt-5-codex" not in _get(client, owner, "/models")
    response = client.get(f"{API}/sessions/0199f1d2-8c4e-7a3b-9f61-2e5d8c0b7a14", headers=owner)
    assert response.status_code == 404


# -- fixtures on top of generated data, several files, defaults --------------------------------


def test_fixtures_load_on_top_of_generated_data() -> None:
    generated = build_dataset(DatasetOptions(seed=1, interceptions=300))
    both = build_dataset(DatasetOptions(seed=1, interceptions=300, fixtures=(SMALL,)))
    ids = {both.id_of(r) for r in range(len(both))}
    assert len(both) == 300 + len(_small()["interceptions"])
    fixture_ids = {i["id"] for i in _small()["interceptions"]}
    assert {generated.id_of(r) for r in range(len(generated))} | fixture_ids == ids
    assert [u.id for u in both.users[: len(generated.users)]] == [u.id for u in generated.users]
    assert both.sessions.find(CLAUDE_SESSION) is not None
    fixture_clients = {"Claude Code", "Cursor", "Unknown"}
    assert both.distinct_clients() == sorted(set(generated.distinct_clients()) | fixture_clients)


def _write(path: Path, document: Any) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_a_file_may_use_users_and_thread_roots_from_another_file(tmp_path: Path) -> None:
    document = _small()
    first = _write(
        tmp_path / "users.json", {"users": document["users"], "interceptions": document["interceptions"][:1]}
    )
    second = _write(tmp_path / "rest.json", {"interceptions": document["interceptions"][1:]})
    split = build_dataset(DatasetOptions(seed=1, interceptions=0, fixtures=(first, second)))
    whole = build_dataset(DatasetOptions(seed=1, interceptions=0, fixtures=(SMALL,)))
    assert [split.id_of(r) for r in range(len(split))] == [whole.id_of(r) for r in range(len(whole))]
    assert split.cols.root.tolist() == whole.cols.root.tolist()


def test_a_user_declared_again_identically_is_the_same_user(tmp_path: Path) -> None:
    base = build_dataset(DatasetOptions(seed=1, interceptions=0))
    persona, generated = base.users[0], base.users[len(base.personas)]
    again = [
        {"id": u.id.upper(), "username": u.username}
        | ({"name": u.name} if u.name else {})
        | ({"avatar_url": u.avatar_url} if u.avatar_url else {})
        for u in (persona, generated)
    ]
    first = _write(tmp_path / "a.json", {"users": again})
    second = _write(tmp_path / "b.json", {"users": [*again, *_small()["users"]], "interceptions": []})
    loaded = build_dataset(DatasetOptions(seed=1, interceptions=0, fixtures=(first, second)))
    assert [u.id for u in loaded.users] == [u.id for u in base.users] + [u["id"] for u in _small()["users"]]


@pytest.mark.parametrize(
    ("field", "value"),
    [("username", "someone-else"), ("name", "Another Name"), ("avatar_url", "https://example.com/a.png")],
)
def test_a_user_id_declared_again_with_other_details_is_refused(
    tmp_path: Path, field: str, value: str
) -> None:
    persona = build_dataset(DatasetOptions(seed=1, interceptions=0)).users[0]
    user = {"id": persona.id, "username": persona.username, "name": persona.name, field: value}
    path = _write(tmp_path / "clash.json", {"users": [user]})
    with pytest.raises(FixtureError) as caught:
        build_dataset(DatasetOptions(seed=1, interceptions=0, fixtures=(path,)))
    assert (caught.value.path, f"already taken by {persona.username!r}" in caught.value.problem) == (
        "$.users[0].id",
        True,
    )


def test_a_user_with_a_personas_username_becomes_that_persona_keeping_its_token(tmp_path: Path) -> None:
    admin = {"id": "e7000000-0000-4000-8000-000000000001", "username": "Admin", "name": "Deployment Admin"}
    interception = {
        "id": "a7000000-0000-4000-8000-000000000001",
        "initiator": admin["id"],
        "provider": "openai",
        "model": "gpt-5",
        "started_at": "2026-05-14T09:00:00Z",
        "ended_at": "2026-05-14T09:00:01Z",
    }
    path = _write(tmp_path / "real.json", {"users": [admin], "interceptions": [interception]})
    app = create_app(Config(interceptions=0, fixtures=(path,)))
    personas = mock_of(app).datasets.snapshot.dataset.personas
    owner = {"Coder-Session-Token": personas[0].token}
    assert (personas[0].user.id, personas[0].user.role) == (admin["id"], "owner")
    assert personas[0].token == build_dataset(DatasetOptions(seed=1, interceptions=0)).personas[0].token
    [mine] = _get(app.test_client(), owner, "/interceptions?q=initiator:me")["results"]
    assert mine["initiator"] == {"id": admin["id"], "username": "Admin", "name": "Deployment Admin"}


def test_a_minimal_interception_gets_the_documented_defaults(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "minimal.json",
        {
            "interceptions": [
                {
                    "id": "F0000000-0000-4000-8000-00000000000A",
                    "initiator": "BOB",
                    "provider": "openai",
                    "model": "gpt-5",
                    "started_at": "2026-05-14T08:00:00Z",
                    "ended_at": "2026-05-14T08:00:01Z",
                }
            ]
        },
    )
    app = create_app(Config(interceptions=0, fixtures=(path,)))
    owner = {"Coder-Session-Token": mock_of(app).datasets.snapshot.dataset.personas[0].token}
    item = _get(app.test_client(), owner, "/interceptions")["results"][0]
    assert item["id"] == "f0000000-0000-4000-8000-00000000000a"
    assert item["initiator"]["username"] == "bob"
    assert (item["provider_name"], item["api_key_id"], item["client"]) == ("openai", None, None)
    assert item["metadata"] == {}
    assert (item["token_usages"], item["user_prompts"], item["tool_usages"]) == ([], [], [])
    session = _get(app.test_client(), owner, "/sessions")["sessions"][0]
    assert session["id"] == "f0000000-0000-4000-8000-00000000000a"
    assert "last_prompt" not in session


def test_sub_records_come_out_by_created_at_then_id_whatever_the_file_order(tmp_path: Path) -> None:
    def prompt(number: int, text: str, at: str) -> Doc:
        return {"id": f"c0000000-0000-4000-8000-00000000000{number}", "prompt": text, "created_at": at}

    path = _write(
        tmp_path / "order.json",
        {
            "interceptions": [
                {
                    "id": "f0000000-0000-4000-8000-000000000001",
                    "initiator": "alice",
                    "provider": "anthropic",
                    "model": "claude-sonnet-4-5-20250929",
                    "started_at": "2026-05-14T08:00:00Z",
                    "ended_at": "2026-05-14T08:00:09Z",
                    "user_prompts": [
                        prompt(3, "latest", "2026-05-14T08:00:03Z"),
                        prompt(2, "tie, higher id", "2026-05-14T08:00:01Z"),
                        prompt(1, "tie, lower id", "2026-05-14T08:00:01Z"),
                    ],
                }
            ]
        },
    )
    app = create_app(Config(interceptions=0, fixtures=(path,)))
    owner = {"Coder-Session-Token": mock_of(app).datasets.snapshot.dataset.personas[0].token}
    item = _get(app.test_client(), owner, "/interceptions")["results"][0]
    assert [p["prompt"] for p in item["user_prompts"]] == ["tie, lower id", "tie, higher id", "latest"]
    session = _get(app.test_client(), owner, "/sessions")["sessions"][0]
    assert (session["last_prompt"], session["last_active_at"]) == ("latest", "2026-05-14T08:00:03Z")


# -- bad files ----------------------------------------------------------------------------------

Mutation = Callable[[Doc], None]


def _set(path: str, value: Any) -> Mutation:
    """Set a value at a dotted path such as ``interceptions.3.started_at``."""
    *parents, last = path.split(".")

    def mutate(document: Doc) -> None:
        target: Any = document
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[int(last) if last.isdigit() else last] = value

    return mutate


def _delete(path: str) -> Mutation:
    *parents, last = path.split(".")

    def mutate(document: Doc) -> None:
        target: Any = document
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        del target[last]

    return mutate


A1_01 = "a1000000-0000-4000-8000-000000000001"
A1_02 = "a1000000-0000-4000-8000-000000000002"


IX = "$.interceptions"


@pytest.mark.parametrize(
    ("mutate", "json_path", "problem"),
    [
        pytest.param(
            _delete("interceptions.2.model"), f"{IX}[2]", "'model' is a required property", id="missing field"
        ),
        pytest.param(
            _set("interceptions.0.token_usages.0.input_tokens", "12"),
            f"{IX}[0].token_usages[0].input_tokens",
            "'12' is not of type 'integer'",
            id="wrong type",
        ),
        pytest.param(
            _set("interceptions.3.started_at", "2026-05-14 09:00"),
            f"{IX}[3].started_at",
            "is not a 'date-time'",
            id="bad date",
        ),
        pytest.param(
            _set("interceptions.3.started_at", "2026-05-14T25:00:00Z"),
            f"{IX}[3].started_at",
            "is not a 'date-time'",
            id="hour out of range",
        ),
        pytest.param(
            _set("interceptions.0.user_prompts.0.id", "c1"),
            f"{IX}[0].user_prompts[0].id",
            "'c1' is not a 'uuid'",
            id="bad uuid",
        ),
        pytest.param(
            _set("interceptions.7.initiator", "nobody"),
            f"{IX}[7].initiator",
            "no user has the id or username 'nobody'",
            id="unknown initiator",
        ),
        pytest.param(
            _set("interceptions.1.thread_root_id", "a1000000-0000-4000-8000-000000000099"),
            f"{IX}[1].thread_root_id",
            "is not in the loaded fixtures",
            id="dangling thread root",
        ),
        pytest.param(
            _set("interceptions.6.thread_root_id", A1_02),
            f"{IX}[6].thread_root_id",
            "not a root",
            id="thread root is itself a child",
        ),
        pytest.param(
            _set("interceptions.0.thread_root_id", A1_01),
            f"{IX}[0].thread_root_id",
            "its own thread root",
            id="own thread root",
        ),
        pytest.param(
            _set("interceptions.2.initiator", "bob"),
            f"{IX}[2].initiator",
            "differs from the initiator",
            id="initiator differs from the thread root's",
        ),
        pytest.param(
            _set("interceptions.4.id", A1_01),
            f"{IX}[4].id",
            f"duplicate interception id {A1_01}",
            id="duplicate interception id",
        ),
        pytest.param(
            _set("interceptions.1.tool_usages.0.id", "d1000000-0000-4000-8000-000000000001"),
            f"{IX}[1].tool_usages[0].id",
            "duplicate tool usage id",
            id="duplicate tool usage id",
        ),
        pytest.param(
            _set("users.1.username", "Dana-SRE"),
            "$.users[1].username",
            "already taken",
            id="username taken by another fixture user",
        ),
        pytest.param(
            _set("interceptions.9.ended_at", "2026-05-14T11:44:59Z"),
            f"{IX}[9].ended_at",
            "ends before it starts",
            id="ended before started",
        ),
        pytest.param(
            _set("interceptions.10.token_usages.0.output_tokens", -1),
            f"{IX}[10].token_usages[0].output_tokens",
            "less than the minimum of 0",
            id="negative tokens",
        ),
        pytest.param(
            _set("interceptions.0.ended", "2026-05-14T09:00:08Z"),
            f"{IX}[0]",
            "'ended' was unexpected",
            id="unknown field",
        ),
        pytest.param(
            _set("interceptions.5.credential_kind", "personal"),
            f"{IX}[5].credential_kind",
            "is not one of",
            id="unknown credential kind",
        ),
    ],
)
def test_bad_fixture_is_refused_naming_the_file_and_json_path(
    tmp_path: Path, mutate: Mutation, json_path: str, problem: str
) -> None:
    document = copy.deepcopy(_small())
    mutate(document)
    bad = _write(tmp_path / "bad-scenario.json", document)
    with pytest.raises(FixtureError) as caught:
        build_dataset(DatasetOptions(seed=1, interceptions=0, fixtures=(bad,)))
    assert str(caught.value).startswith(f"{bad}: {json_path}: ")
    assert problem in caught.value.problem


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('{"interceptions": [', "invalid JSON at line 1 column 20"),
        ('{"users": [], "interceptions": [], "x": NaN}', "NaN is not a JSON value"),
        ('"this is not a fixture document"', "is not of type 'object'"),
    ],
    ids=["truncated", "NaN", "not an object"],
)
def test_a_file_that_is_not_a_fixture_document_is_refused_at_its_root(
    tmp_path: Path, text: str, problem: str
) -> None:
    bad = tmp_path / "broken.json"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(FixtureError, match=r"^.*broken\.json: \$: ") as caught:
        build_dataset(DatasetOptions(seed=1, interceptions=0, fixtures=(bad,)))
    assert problem in caught.value.problem


def test_a_missing_file_is_refused_by_name(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.json"
    with pytest.raises(FixtureError, match="No such file or directory") as caught:
        build_dataset(DatasetOptions(seed=1, interceptions=0, fixtures=(missing,)))
    assert caught.value.file == str(missing)


def test_the_error_names_the_file_that_is_wrong_among_several(tmp_path: Path) -> None:
    good = _write(tmp_path / "good.json", {"users": _small()["users"]})
    ghost = {**_small()["interceptions"][9], "initiator": "ghost"}
    bad = _write(tmp_path / "bad.json", {"interceptions": [ghost]})
    with pytest.raises(FixtureError) as caught:
        build_dataset(DatasetOptions(seed=1, interceptions=0, fixtures=(good, bad)))
    assert str(caught.value).startswith(f"{bad}: $.interceptions[0].initiator: ")


def test_a_bad_file_leaves_the_previous_snapshot_serving(tmp_path: Path) -> None:
    options = DatasetOptions(seed=1, interceptions=0, fixtures=(SMALL,))
    state = Datasets(options)
    before = state.load()
    bad = _write(tmp_path / "bad.json", {"interceptions": [{"id": "not-a-uuid"}]})
    with pytest.raises(FixtureError, match=r"bad\.json: \$\.interceptions\[0\]"):
        state.load(replace(options, fixtures=(bad,)))
    assert state.snapshot is before
    assert state.options == options
    assert state.ready.is_set()


def test_the_committed_schema_is_valid_draft_2020_12_and_accepts_small() -> None:
    schema = json.loads((FIXTURES / "fixture.schema.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    assert list(validator.iter_errors(_small())) == []
    assert list(validator.iter_errors({"interceptions": [{"id": "x"}]})) != []
