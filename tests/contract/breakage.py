"""A WSGI middleware that breaks the mock one behaviour at a time, to prove each contract check bites.

The correct mock answers at ``/api/v2/...``; ``/bug/<name>/api/v2/...`` is the same mock with the
bug ``<name>`` from :data:`BUGS`. Each bug changes the request before the mock sees it, or the
answer after, the way a real regression would.
"""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, urlencode

from bugs import (
    API,
    LISTS,
    Bug,
    ClampLimit,
    ContentType,
    CursorIgnoresOffset,
    EditJson,
    Exchange,
    Html500OnClients,
    NearestBefore,
    NoInterceptions,
    PlainText400,
    RefuseTheTool,
    Repeat,
    RetryWithout,
    StripParam,
    SwapToken,
    Unknown500,
)
from werkzeug.test import run_wsgi_app

WSGIApp = Callable[..., Iterable[bytes]]
_PREFIX = re.compile(r"^/bug/([a-z0-9-]+)(/.*)$")


def _first_thread(edit: Callable[[dict[str, Any]], None]) -> Callable[[Any, Exchange], Any]:
    def apply(body: Any, ex: Exchange) -> Any:
        if body["threads"]:
            edit(body["threads"][0])
        return body

    return apply


def _more_tokens(thread: dict[str, Any]) -> None:
    thread["token_usage"]["input_tokens"] += 7


def _other_prompt(thread: dict[str, Any]) -> None:
    thread["prompt"] = "a prompt nobody sent"


def _swap_first_two(key: str) -> Callable[[Any, Exchange], Any]:
    def apply(body: Any, ex: Exchange) -> Any:
        items = body[key]
        if len(items) >= 2 and not ex.param("after_id"):
            items[0], items[1] = items[1], items[0]
        return body

    return apply


def _in_flight_first(body: Any, ex: Exchange) -> Any:
    """The list lost ``ended_at IS NOT NULL``: an interception still running comes first (it is newest)."""
    if body["results"]:
        newest = body["results"][0]
        running = {**newest, "id": str(uuid.uuid5(uuid.NAMESPACE_URL, newest["id"])), "ended_at": None}
        body["results"] = [running, *body["results"]]
        body["count"] += 1
    return body


def _no_token(token: str, tokens: list[str]) -> str | None:
    return tokens[0] if not token else None


def _member_as_owner(token: str, tokens: list[str]) -> str | None:
    return tokens[0] if token in tokens[2:] else None


def _any_token(token: str, tokens: list[str]) -> str | None:
    return tokens[0] if token and token not in tokens else None


BUGS: dict[str, Bug] = {
    "drop-field": EditJson(
        f"{API}/sessions",
        lambda b, ex: {
            **b,
            "sessions": [{k: v for k, v in s.items() if k != "started_at"} for s in b["sessions"]],
        },
    ),
    "wrong-type": EditJson(f"{API}/interceptions", lambda b, ex: {**b, "count": str(b["count"])}),
    "ignore-limit": StripParam("limit", (*LISTS, f"{API}/sessions/")),
    "ignore-session-filter": StripParam("q", (f"{API}/sessions",)),
    "ignore-interception-filter": StripParam("q", (f"{API}/interceptions",)),
    "ignore-model-prefix": StripParam("q", (f"{API}/models",)),
    "ignore-client-prefix": StripParam("q", (f"{API}/clients",)),
    "repeat-session-across-pages": Repeat(f"{API}/sessions", "sessions", "after_session_id"),
    "repeat-interception-across-pages": Repeat(f"{API}/interceptions", "results", "after_id"),
    "repeat-thread-across-pages": Repeat(f"{API}/sessions/", "threads", "after_id"),
    "nearest-before-id": NearestBefore(),
    "reverse-sessions": EditJson(f"{API}/sessions", lambda b, ex: {**b, "sessions": b["sessions"][::-1]}),
    "swap-interceptions": EditJson(f"{API}/interceptions", _swap_first_two("results")),
    "unknown-credential-kind": EditJson(
        f"{API}/sessions/",
        lambda b, ex: {**b, "threads": [{**t, "credential_kind": "vault"} for t in b["threads"]]},
    ),
    "reverse-threads": EditJson(f"{API}/sessions/", lambda b, ex: {**b, "threads": b["threads"][::-1]}),
    "reverse-models": EditJson(f"{API}/models", lambda b, ex: b[::-1] if b else b),
    "count-off-by-one": EditJson(f"{API}/sessions", lambda b, ex: {**b, "count": b["count"] + 1}),
    "count-minus-offset": EditJson(
        f"{API}/interceptions", lambda b, ex: {**b, "count": b["count"] - int(ex.param("offset") or 0)}
    ),
    "thread-tokens-do-not-sum": EditJson(f"{API}/sessions/", _first_thread(_more_tokens)),
    "thread-prompt-not-from-interception": EditJson(f"{API}/sessions/", _first_thread(_other_prompt)),
    "in-flight-listed": EditJson(f"{API}/interceptions", _in_flight_first),
    "json-as-text-plain": ContentType("text/plain; charset=utf-8"),
    "html-500": Html500OnClients(),
    "refuse-schemathesis": RefuseTheTool(),
    "plain-text-400": PlainText400(),
    "unknown-session-500": Unknown500(),
    "no-interceptions": NoInterceptions(),
    "200-without-token": SwapToken(_no_token),
    "member-sees-owner-data": SwapToken(_member_as_owner),
    "any-token-accepted": SwapToken(_any_token),
    "limit-clamped": ClampLimit(),
    "cursor-with-offset-accepted": CursorIgnoresOffset(),
    "unknown-cursor-accepted": RetryWithout(f"{API}/interceptions", "Invalid pagination cursor.", "after_id"),
    "bad-q-accepted": RetryWithout(f"{API}/sessions", "Invalid session search query.", "q"),
}


class Breakage:
    """Serves the mock unchanged, and under ``/bug/<name>`` with that bug."""

    def __init__(self, app: WSGIApp, tokens: list[str]) -> None:
        self.app = app
        self.tokens = tokens  # owner, auditor, members...
        self.cache: dict[str, Any] = {}
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        match = _PREFIX.match(environ.get("PATH_INFO", ""))
        if match is None or match.group(1) not in BUGS:
            return self.app(environ, start_response)
        bug = BUGS[match.group(1)]
        environ = {**environ, "PATH_INFO": match.group(2)}
        ex = Exchange(environ, parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
        bug.before(ex, self.tokens)
        answer = self._call(ex.environ, ex.query)
        ex.status, ex.headers, ex.body = answer.status, answer.headers, answer.body
        with self._lock:
            bug.after(ex, lambda query: self._call(ex.environ, query), self.cache)
        headers = [(k, v) for k, v in ex.headers if k.lower() != "content-length"]
        headers.append(("Content-Length", str(len(ex.body))))
        start_response(f"{ex.status} {HTTPStatus(ex.status).phrase}", headers)
        return [ex.body]

    def _call(self, environ: dict[str, Any], query: list[tuple[str, str]]) -> Exchange:
        environ = {**environ, "QUERY_STRING": urlencode(query)}
        app_iter, status, headers = run_wsgi_app(self.app, environ, buffered=True)
        body = b"".join(app_iter)
        return Exchange(environ, query, int(status.split()[0]), list(headers.items()), body)
