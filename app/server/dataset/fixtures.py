"""Curated fixture files (``--fixtures PATH...``): hand-written users and interceptions.

Files are read and schema-checked one by one (``fixture_schema``), then checked together, since
one file may name a user or a thread root another file defines. The interceptions become column
rows like generated ones, and their sub-records are kept whole: ``detail_ref = -(i + 1)`` points at
``details[i]``. The format is documented in ``fixtures/README.md``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import numpy as np

from aibridge_mock.server.dataset.columns import NULL_TIME, Columns, Tables, uuid_parts
from aibridge_mock.server.dataset.fixture_schema import FixtureError, read_fixture
from aibridge_mock.server.dataset.records import JSON, Detail
from aibridge_mock.server.dataset.sources import FixtureSource
from aibridge_mock.server.dataset.users import User
from aibridge_mock.server.gocompat import format_time, parse_rfc3339_nano, sorted_json

__all__ = ["FixtureData", "FixtureError", "load_fixture_files"]

INT64_MAX = 2**63 - 1
_UUID_TEXT = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


@dataclass(frozen=True)
class FixtureData:
    """What the fixture files add to a data set."""

    users: list[User]  # the given users, then the fixture users
    columns: Columns  # one row per fixture interception; ``root`` relative to these rows
    details: list[Detail]  # details[i] belongs to the row with detail_ref -(i + 1)


@dataclass(frozen=True)
class _Item:
    """One object of a fixture file and where it is, for error messages."""

    file: FixtureSource
    path: str
    body: dict[str, Any]

    def error(self, key: str, problem: str) -> FixtureError:
        return FixtureError(self.file, f"{self.path}.{key}" if key else self.path, problem)

    def time(self, key: str) -> int | None:
        """A time field as microseconds (None if absent or null), parsed as coderd's Go would."""
        value = self.body.get(key)
        if value is None:
            return None
        try:
            # RFC 3339 allows a lower-case "t" and "z"; Go's layout wants capitals.
            return parse_rfc3339_nano(str(value).upper())
        except ValueError as exc:
            raise self.error(key, str(exc)) from None

    def required_time(self, key: str) -> int:
        found = self.time(key)
        if found is None:
            raise self.error(key, "is required")  # the schema makes this unreachable; mypy cannot know
        return found

    def children(self, key: str) -> Iterator[_Item]:
        for index, body in enumerate(self.body.get(key) or []):
            yield _Item(self.file, f"{self.path}.{key}[{index}]", body)


def load_fixture_files(
    paths: tuple[FixtureSource, ...], users: list[User], tables: Tables, personas: int = 0
) -> FixtureData:
    """Users, column rows and details from fixture files; FixtureError names the first problem.

    The first ``personas`` users are the personas: a fixture user with one's username becomes it.
    """
    documents = [(path, read_fixture(path)) for path in paths]
    users = _with_fixture_users(documents, users, personas)
    items = [
        _Item(path, f"$.interceptions[{i}]", body)
        for path, document in documents
        for i, body in enumerate(document.get("interceptions", []))
    ]
    ids = _unique_ids(items)
    user_of = _initiators(items, users)
    root_of = _thread_roots(items, ids, user_of)
    details = [_detail(item, ids[i]) for i, item in enumerate(items)]
    columns = _columns(items, ids, user_of, root_of, details, tables)
    return FixtureData(users, columns, details)


def _canonical_uuid(text: str) -> str:
    return str(UUID(text))  # the schema checked the format; Postgres prints lower case


def _with_fixture_users(
    documents: list[tuple[FixtureSource, dict[str, Any]]], users: list[User], personas: int
) -> list[User]:
    result = list(users)
    by_id = {u.id: u for u in users}
    usernames = {u.username.lower() for u in users}  # Coder's usernames are unique ignoring case
    persona_at = {u.username.lower(): i for i, u in enumerate(users[:personas])}
    adopted: set[int] = set()
    for path, document in documents:
        for index, body in enumerate(document.get("users", [])):
            item = _Item(path, f"$.users[{index}]", body)
            user_id = _canonical_uuid(body["id"])
            known = by_id.get(user_id)
            if known is not None and (known.username, known.name, known.avatar_url) == (
                body["username"],
                body.get("name", ""),
                body.get("avatar_url", ""),
            ):
                continue  # the same user again: a recording of the mock names its personas and users
            if known is not None:
                raise item.error(
                    "id",
                    f"user id {user_id} is already taken by {known.username!r} "
                    "(a user may be declared again only with the same username, name and avatar_url)",
                )
            at = persona_at.get(body["username"].lower())
            if at is not None and at not in adopted:
                # A deployment's own admin (or alice...): the persona becomes that user, keeping its
                # token and role, so a recording of a real Coder replays under its own names.
                adopted.add(at)
                result[at] = User(
                    user_id,
                    body["username"],
                    body.get("name", ""),
                    body.get("avatar_url", ""),
                    users[at].role,
                )
                del by_id[users[at].id]
                by_id[user_id] = result[at]
                continue
            if body["username"].lower() in usernames:
                raise item.error("username", f"username {body['username']!r} is already taken")
            usernames.add(body["username"].lower())
            user = User(
                id=user_id,
                username=body["username"],
                name=body.get("name", ""),
                avatar_url=body.get("avatar_url", ""),
            )
            by_id[user_id] = user
            result.append(user)
    return result


def _unique_ids(items: list[_Item]) -> list[str]:
    """Canonical interception ids; no id (interception or sub-record of one kind) appears twice."""
    seen: dict[tuple[str, str], str] = {}

    def claim(item: _Item, kind: str, raw: str) -> str:
        value = _canonical_uuid(raw)
        first = seen.get((kind, value))
        if first is not None:
            raise item.error("id", f"duplicate {kind} id {value} (first used at {first})")
        seen[(kind, value)] = f"{item.file}: {item.path}.id"
        return value

    ids = []
    for item in items:
        ids.append(claim(item, "interception", item.body["id"]))
        for kind in ("token_usages", "user_prompts", "tool_usages"):
            for child in item.children(kind):
                claim(child, kind.rstrip("s").replace("_", " "), child.body["id"])
    return ids


def _initiators(items: list[_Item], users: list[User]) -> list[int]:
    by_id = {u.id: i for i, u in enumerate(users)}
    by_name = {u.username.lower(): i for i, u in enumerate(users)}
    found = []
    for item in items:
        ref = item.body["initiator"]
        index = by_id.get(ref.lower()) if _UUID_TEXT.fullmatch(ref) else None
        if index is None:
            index = by_name.get(ref.lower())
        if index is None:
            raise item.error("initiator", f"no user has the id or username {ref!r}")
        found.append(index)
    return found


def _thread_roots(items: list[_Item], ids: list[str], user_of: list[int]) -> list[int]:
    """The row of each interception's thread root (its own row for a root)."""
    row_of = {value: row for row, value in enumerate(ids)}
    roots = []
    for row, item in enumerate(items):
        ref = item.body.get("thread_root_id")
        if ref is None:
            roots.append(row)
            continue
        root = row_of.get(_canonical_uuid(ref))
        if root is None:
            raise item.error("thread_root_id", f"interception {ref} is not in the loaded fixtures")
        if root == row:
            raise item.error("thread_root_id", "an interception cannot be its own thread root")
        if items[root].body.get("thread_root_id") is not None:
            raise item.error("thread_root_id", f"interception {ref} is itself in another thread, not a root")
        if user_of[root] != user_of[row]:
            raise item.error("initiator", f"differs from the initiator of its thread root {ref}")
        roots.append(root)
    return roots


def _metadata(body: dict[str, Any]) -> JSON | None:
    value = body.get("metadata", {})
    return None if value is None else sorted_json(value)


def _detail(item: _Item, interception_id: str) -> Detail:
    body = item.body
    # Thoughts have no id: equal times keep the file's order.
    thoughts = sorted(
        (
            (child.required_time("created_at"), child.body["text"])
            for child in item.children("model_thoughts")
        ),
        key=lambda t: t[0],
    )
    return Detail(
        metadata=_metadata(body),
        api_key_id=body.get("api_key_id"),
        credential_kind=body.get("credential_kind", "centralized"),
        credential_hint=body.get("credential_hint", ""),
        token_usages=_records(item, "token_usages", interception_id, _token_usage),
        user_prompts=_records(item, "user_prompts", interception_id, _user_prompt),
        tool_usages=_records(item, "tool_usages", interception_id, _tool_usage),
        thoughts=[text for _, text in thoughts],
    )


def _records(item: _Item, key: str, interception_id: str, build: Callable[[JSON], JSON]) -> list[JSON]:
    """Sub-records in the API's field order, sorted created_at ASC, id ASC, with a private sort key."""
    records = []
    for child in item.children(key):
        created = child.required_time("created_at")
        head = {
            "id": _canonical_uuid(child.body["id"]),
            "interception_id": interception_id,
            "provider_response_id": child.body.get("provider_response_id", ""),
        }
        tail = {"metadata": _metadata(child.body), "created_at": format_time(created), "_created": created}
        records.append(head | build(child.body) | tail)
    return sorted(records, key=lambda r: (r["_created"], r["id"]))


def _token_usage(body: dict[str, Any]) -> JSON:
    return {
        "input_tokens": int(body["input_tokens"]),
        "output_tokens": int(body["output_tokens"]),
        "cache_read_input_tokens": int(body.get("cache_read_input_tokens", 0)),
        "cache_write_input_tokens": int(body.get("cache_write_input_tokens", 0)),
    }


def _user_prompt(body: dict[str, Any]) -> JSON:
    return {"prompt": body["prompt"]}


def _tool_usage(body: dict[str, Any]) -> JSON:
    return {
        "server_url": body.get("server_url", ""),
        "tool": body["tool"],
        "input": _tool_input(body.get("input", "")),
        "injected": bool(body.get("injected", False)),
        "invocation_error": body.get("invocation_error", ""),
    }


def _tool_input(value: Any) -> str:
    """Arguments are stored as the JSON text the model sent; a JSON value is written compactly."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _columns(
    items: list[_Item],
    ids: list[str],
    user_of: list[int],
    root_of: list[int],
    details: list[Detail],
    tables: Tables,
) -> Columns:
    rows: dict[str, list[int]] = {name: [] for name in _INT_COLUMNS}
    halves = [uuid_parts(value) for value in ids]
    for row, (item, detail) in enumerate(zip(items, details, strict=True)):
        body = item.body
        tokens = [sum(u[key] for u in detail.token_usages) for key in _TOKEN_KEYS]
        if max(tokens, default=0) > INT64_MAX:
            raise item.error("token_usages", "token counts add up to more than a 64-bit integer holds")
        root_id = ids[root_of[row]] if root_of[row] != row else None
        started, ended = item.required_time("started_at"), item.time("ended_at")
        if ended is not None and ended < started:
            raise item.error("ended_at", f"ends before it starts ({body['started_at']})")
        values = {
            "started": started,
            "ended": NULL_TIME if ended is None else ended,
            "user": user_of[row],
            "instance": tables.instance_code(body["provider"], body.get("provider_name", body["provider"])),
            "model": tables.models.code(body["model"]),
            "client": tables.clients.code(body.get("client")),
            "session": tables.session_ids.code(body.get("client_session_id") or root_id or ids[row]),
            "root": root_of[row],
            "prompt_at": max((p["_created"] for p in detail.user_prompts), default=NULL_TIME),
            "tok_in": tokens[0],
            "tok_out": tokens[1],
            "tok_cache_read": tokens[2],
            "tok_cache_write": tokens[3],
            "n_tools": len(detail.tool_usages),
            "detail_ref": -(row + 1),
        }
        for name, value in values.items():
            rows[name].append(value)
    arrays = {name: np.array(values, dtype=_INT_COLUMNS[name]) for name, values in rows.items()}
    return Columns(
        id_hi=np.array([h for h, _ in halves], dtype=np.uint64),
        id_lo=np.array([lo for _, lo in halves], dtype=np.uint64),
        **arrays,
    )


_TOKEN_KEYS = ("input_tokens", "output_tokens", "cache_read_input_tokens", "cache_write_input_tokens")
_INT_COLUMNS: dict[str, type[np.signedinteger[Any]]] = {
    "started": np.int64,
    "ended": np.int64,
    "user": np.int32,
    "instance": np.int32,
    "model": np.int32,
    "client": np.int32,
    "session": np.int32,
    "root": np.int64,
    "prompt_at": np.int64,
    "tok_in": np.int64,
    "tok_out": np.int64,
    "tok_cache_read": np.int64,
    "tok_cache_write": np.int64,
    "n_tools": np.int32,
    "detail_ref": np.int64,
}
