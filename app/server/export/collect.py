"""Which requests an export holds, asked of the mock in-process, and what its answers are made of.

A first page of a list (no offset, no cursor) is also split into its items, so that the handlers
can cut the pages inside it (``limit=25&offset=25``) from the mock's own bytes; each split is
checked by putting the body back together. A session can serve as an ``after_session_id`` cursor
inside such a page only where the mock's answer for that cursor is the rest of the page: the
mock is asked, not second-guessed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from flask import Flask
from flask.testing import FlaskClient

from aibridge_mock.server.dataset.users import Persona
from aibridge_mock.server.errors import ApiError
from aibridge_mock.server.extension import mock_of
from aibridge_mock.server.gocompat import encode_fragment
from aibridge_mock.server.pagination import check_limit, parse_pagination
from aibridge_mock.server.searchquery import parse_prefix_query

__all__ = ["Collected", "Exchange", "Page", "RequestError", "collect"]

LISTS = {"interceptions": "results", "sessions": "sessions"}
VALUES = {"models": "model", "clients": "client"}
THREADS_PAGE = 50  # the default thread page of GET /sessions/{id}


class RequestError(ValueError):
    """A ``--request`` that is not a request to the exported API."""


@dataclass(frozen=True)
class Page:
    """A first page split into its items: the encoded items and what identifies each."""

    items: tuple[bytes, ...]
    keys: tuple[str, ...]  # ids (interceptions, sessions) or the values themselves (models, clients)
    count: int | None = None  # lists: the answer's count; values: None
    complete: bool = False  # every item of the list is on the page
    cursorable: tuple[bool, ...] = ()
    count_key: str = "count"  # "total" in v1


@dataclass(frozen=True)
class Exchange:
    """One request as a persona and the mock's answer."""

    persona: Persona
    operation: str  # "interceptions", "sessions", "sessions/{session_id}", "models", "clients"
    path: str  # from the origin on, query included, percent-encoded
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    session_id: str | None = None
    page: Page | None = None


@dataclass
class Collected:
    exchanges: list[Exchange] = field(default_factory=list)


def collect(app: Flask, personas: list[Persona], extra: tuple[str, ...]) -> Collected:
    """Ask the mock every request of the export, persona by persona."""
    mock = mock_of(app)
    prefix, operations = mock.generation.prefix, mock.generation.operations
    requests = [
        prefix + "/" + op for op in ("interceptions", "sessions", "models", "clients") if op in operations
    ]
    requests += [normalize(prefix, r) for r in extra]
    client = app.test_client()
    done = Collected()
    for persona in personas:
        details: dict[str, None] = {}
        for path in requests:
            exchange = _ask(client, persona, prefix, path)
            done.exchanges.append(exchange)
            if exchange.operation == "sessions" and exchange.status == 200:
                details.update(dict.fromkeys(s["id"] for s in json.loads(exchange.body)["sessions"]))
        if "sessions/{session_id}" in operations:
            for session_id in details:
                done.exchanges += _thread_pages(client, persona, prefix, session_id)
    return done


def normalize(prefix: str, request: str) -> str:
    """A ``--request`` as a percent-encoded path: below the API prefix, or a full /api path."""
    text = request.strip()
    path = text if text.startswith("/api/") else prefix + "/" + text.lstrip("/")
    parts = urlsplit(path)
    if not parts.path.startswith(prefix + "/") or urlsplit(text).scheme or "//" in parts.path:
        raise RequestError(f"{request!r} is not a request below {prefix}/ (such as /sessions?limit=25)")
    query = urlencode(parse_qsl(parts.query, keep_blank_values=True), quote_via=quote)
    return parts.path + ("?" + query if query else "")


def _operation(prefix: str, path: str) -> tuple[str, str | None]:
    below = urlsplit(path).path[len(prefix) + 1 :].split("/")
    if len(below) == 2 and below[0] == "sessions" and below[1]:
        return "sessions/{session_id}", unquote(below[1])
    if len(below) == 1 and below[0] in (*LISTS, *VALUES):
        return below[0], None
    raise RequestError(
        f"{path!r} is none of the API's operations (interceptions, sessions, sessions/ID, ...)"
    )


def _get(client: FlaskClient, persona: Persona, path: str) -> tuple[int, tuple[tuple[str, str], ...], bytes]:
    response = client.get(path, headers={"Coder-Session-Token": persona.token})
    kept = tuple((k, v) for k, v in response.headers.items() if k.lower() != "vary")
    return response.status_code, kept, response.get_data()


def _ask(client: FlaskClient, persona: Persona, prefix: str, path: str) -> Exchange:
    operation, session_id = _operation(prefix, path)
    status, headers, body = _get(client, persona, path)
    page = None
    limit = _first_page(operation, path) if status == 200 else None
    if limit is not None:
        page = _split(operation, body, limit)
        if operation == "sessions":
            page = _with_cursors(client, persona, path, page)
    return Exchange(persona, operation, path, status, headers, body, session_id, page)


def _first_page(operation: str, path: str) -> int | None:
    """The limit of a page at offset 0 with no cursor (models, clients: no prefix either), else None.

    Pages inside such a page can be cut from it.
    """
    values: dict[str, list[str]] = {}
    for key, value in parse_qsl(urlsplit(path).query, keep_blank_values=True):
        values.setdefault(key, []).append(value)
    try:
        page = check_limit(parse_pagination(values))
        q = values.get("q", [""])[0]
        if operation in VALUES:
            first = page.offset == 0 and parse_prefix_query(q, VALUES[operation], "") == ""
            return page.limit if first else None
    except ApiError:
        return None
    cursor = page.after_id if operation == "interceptions" else values.get("after_session_id", [""])[0]
    return page.limit if operation in LISTS and page.offset == 0 and not cursor else None


def _split(operation: str, body: bytes, limit: int) -> Page:
    parsed: Any = json.loads(body)
    if operation in VALUES:
        found = parsed or []
        items = tuple(encode_fragment(v) for v in found)
        _check(body, (b"[" + b",".join(items) + b"]\n") if items else b"null\n")
        return Page(items, tuple(found), complete=len(found) < limit)
    count_key = next(iter(parsed))  # "count", or "total" in v1
    items_key = LISTS[operation]
    records = parsed[items_key]
    items = tuple(encode_fragment(r) for r in records)
    _check(
        body,
        b'{"%s":%d,"%s":[%s]}\n'
        % (count_key.encode(), parsed[count_key], items_key.encode(), b",".join(items)),
    )
    count = parsed[count_key]
    ids = tuple(r["id"] for r in records)
    return Page(items, ids, count, len(items) == count, (True,) * len(items), count_key)


def _check(body: bytes, rebuilt: bytes) -> None:
    if rebuilt != body:  # the split must give the mock's bytes back, or the handlers could not cut pages
        raise RuntimeError(f"cannot split the answer into its items: {body[:120]!r}")


def _with_cursors(client: FlaskClient, persona: Persona, path: str, page: Page) -> Page:
    """Whether the mock's page after each session (as ``after_session_id``) is the rest of this page."""
    cursorable = []
    for index, session_id in enumerate(page.keys):
        rest = page.items[index + 1 :]
        if not rest and not page.complete:
            cursorable.append(False)
            continue
        limit = max(len(rest), 1)
        joiner = "&" if "?" in path else "?"
        _, _, body = _get(
            client, persona, f"{path}{joiner}after_session_id={quote(session_id)}&limit={limit}"
        )
        expected = b'{"%s":%d,"sessions":[%s]}\n' % (
            page.count_key.encode(),
            page.count or 0,
            b",".join(rest),
        )
        cursorable.append(body == expected)
    return Page(page.items, page.keys, page.count, page.complete, tuple(cursorable), page.count_key)


def _thread_pages(client: FlaskClient, persona: Persona, prefix: str, session_id: str) -> list[Exchange]:
    """A session's thread pages as the UI walks them: next (``after_id``) and previous (``before_id``)."""
    base = f"{prefix}/sessions/{quote(session_id, safe='')}"
    current = _ask(client, persona, prefix, base)
    exchanges = [current]
    while current.status == 200:
        threads = json.loads(current.body)["threads"]
        if len(threads) < THREADS_PAGE:
            break
        current = _ask(client, persona, prefix, f"{base}?after_id={threads[-1]['id']}")
        exchanges.append(current)
        shown = json.loads(current.body)["threads"] if current.status == 200 else []
        if not shown:
            break
        exchanges.append(_ask(client, persona, prefix, f"{base}?before_id={shown[0]['id']}"))
    return exchanges
