"""A WSGI middleware that breaks the mock one behaviour at a time, to prove each contract check bites.

The correct mock answers at ``/api/v2/...``; ``/bug/<name>/api/v2/...`` is the same mock with the
bug ``<name>`` from :data:`BUGS`. Each bug changes the request before the mock sees it, or the
answer after, the way a real regression would.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, urlencode

from werkzeug.test import run_wsgi_app

WSGIApp = Callable[..., Iterable[bytes]]
_PREFIX = re.compile(r"^/bug/([a-z0-9-]+)(/.*)$")
API = "/api/v2/aibridge"
LISTS = {f"{API}/sessions", f"{API}/interceptions", f"{API}/models", f"{API}/clients"}
HTML_500 = b"<html><body><h1>500 Internal Server Error</h1></body></html>"


@dataclass
class Exchange:
    """The request as the mock will see it, and its answer once it has one."""

    environ: dict[str, Any]
    query: list[tuple[str, str]]
    status: int = 0
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    @property
    def path(self) -> str:
        return str(self.environ["PATH_INFO"])

    def param(self, name: str) -> str | None:
        return next((v for k, v in self.query if k == name), None)

    def drop(self, name: str) -> None:
        self.query = [(k, v) for k, v in self.query if k != name]

    def set(self, name: str, value: str) -> None:
        self.drop(name)
        self.query.append((name, value))

    @property
    def token(self) -> str:
        return str(self.environ.get("HTTP_CODER_SESSION_TOKEN", ""))

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    def set_json(self, value: Any) -> None:
        self.body = json.dumps(value).encode() + b"\n"

    def set_text(self, status: int, body: bytes, content_type: str) -> None:
        self.status, self.body = status, body
        self.headers = [(k, v) for k, v in self.headers if k.lower() != "content-type"] + [("Content-Type", content_type)]


class Bug:
    """One broken behaviour: ``before`` edits the request, ``after`` the answer (``fetch`` asks the real mock)."""

    def before(self, ex: Exchange, tokens: list[str]) -> None:
        return None

    def after(self, ex: Exchange, fetch: Callable[[list[tuple[str, str]]], Exchange], cache: dict[str, Any]) -> None:
        return None


@dataclass
class StripParam(Bug):
    """The server ignores a parameter on some paths."""

    name: str
    paths: tuple[str, ...]

    def before(self, ex: Exchange, tokens: list[str]) -> None:
        if any(ex.path == p or (p.endswith("/") and ex.path.startswith(p)) for p in self.paths):
            ex.drop(self.name)


@dataclass
class EditJson(Bug):
    """A 200 JSON answer of one path (or prefix ending in /) is edited."""

    path: str
    edit: Callable[[Any, Exchange], Any]

    def after(self, ex: Exchange, fetch: Callable[[list[tuple[str, str]]], Exchange], cache: dict[str, Any]) -> None:
        matches = ex.path == self.path or (self.path.endswith("/") and ex.path.startswith(self.path))
        if matches and ex.status == 200:
            ex.set_json(self.edit(ex.json(), ex))


@dataclass
class Repeat(Bug):
    """The item a cursor names is repeated at the top of the next page (an off-by-one in the SQL)."""

    path: str
    items: str
    cursor: str

    def after(self, ex: Exchange, fetch: Callable[[list[tuple[str, str]]], Exchange], cache: dict[str, Any]) -> None:
        matches = ex.path.startswith(self.path) if self.path.endswith("/") else ex.path == self.path
        if not matches or ex.status != 200:
            return
        body = ex.json()
        for item in body[self.items]:
            cache[f"{self.path}:{item['id']}"] = item
        cursor = ex.param(self.cursor)
        if cursor and f"{self.path}:{cursor}" in cache and body[self.items]:
            body[self.items] = [cache[f"{self.path}:{cursor}"], *body[self.items][:-1]]
            ex.set_json(body)


@dataclass
class RetryWithout(Bug):
    """An error the server should give is swallowed: it answers as if the parameter were absent."""

    path: str
    message: str
    name: str

    def after(self, ex: Exchange, fetch: Callable[[list[tuple[str, str]]], Exchange], cache: dict[str, Any]) -> None:
        if ex.path.startswith(self.path) and ex.status in {400, 404} and self.message in ex.body.decode():
            retried = fetch([(k, v) for k, v in ex.query if k != self.name])
            ex.status, ex.headers, ex.body = retried.status, retried.headers, retried.body


class Html500OnClients(Bug):
    def after(self, ex: Exchange, fetch: Callable[[list[tuple[str, str]]], Exchange], cache: dict[str, Any]) -> None:
        if ex.path == f"{API}/clients" and ex.query:
            ex.set_text(500, HTML_500, "text/html; charset=utf-8")


class PlainText400(Bug):
    def after(self, ex: Exchange, fetch: Callable[[list[tuple[str, str]]], Exchange], cache: dict[str, Any]) -> None:
        if ex.status == 400:
            ex.set_text(400, b"Bad Request\n", "text/plain; charset=utf-8")


class NoInterceptions(Bug):
    """A server after PR #26213: /interceptions falls into the provider catch-all (spec 1.7, 8)."""

    def after(self, ex: Exchange, fetch: Callable[[list[tuple[str, str]]], Exchange], cache: dict[str, Any]) -> None:
        if ex.path == f"{API}/interceptions":
            ex.set_text(400, b"no authentication key provided\n", "text/plain; charset=utf-8")


class Unknown500(Bug):
    def after(self, ex: Exchange, fetch: Callable[[list[tuple[str, str]]], Exchange], cache: dict[str, Any]) -> None:
        if ex.path.startswith(f"{API}/sessions/") and ex.status == 404:
            ex.status = 500
            ex.set_json({"message": "Internal error fetching session."})


@dataclass
class SwapToken(Bug):
    """Authentication is broken: ``pick`` chooses the token the mock will see."""

    pick: Callable[[str, list[str]], str | None]

    def before(self, ex: Exchange, tokens: list[str]) -> None:
        replacement = self.pick(ex.token, tokens)
        if replacement is not None:
            ex.environ["HTTP_CODER_SESSION_TOKEN"] = replacement


class ClampLimit(Bug):
    def before(self, ex: Exchange, tokens: list[str]) -> None:
        limit = ex.param("limit")
        if ex.path in LISTS and limit and limit.isdigit() and int(limit) > 1000:
            ex.set("limit", "1000")


class CursorIgnoresOffset(Bug):
    def before(self, ex: Exchange, tokens: list[str]) -> None:
        if ex.param("after_session_id") or ex.param("after_id"):
            ex.drop("offset")


class NearestBefore(Bug):
    """``before_id`` returns the threads just before the cursor, as the swagger text suggests (spec 3 says oldest)."""

    def after(self, ex: Exchange, fetch: Callable[[list[tuple[str, str]]], Exchange], cache: dict[str, Any]) -> None:
        cursor = ex.param("before_id")
        if not (ex.path.startswith(f"{API}/sessions/") and cursor and ex.status == 200):
            return
        everything = fetch([("limit", "200")]).json()["threads"]
        ids = [t["id"] for t in everything]
        limit = int(ex.param("limit") or 50)
        earlier = everything[: ids.index(cursor)] if cursor in ids else []
        body = ex.json()
        body["threads"] = earlier[-limit:]
        ex.set_json(body)


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


def _no_token(token: str, tokens: list[str]) -> str | None:
    return tokens[0] if not token else None


def _member_as_owner(token: str, tokens: list[str]) -> str | None:
    return tokens[0] if token in tokens[2:] else None


def _any_token(token: str, tokens: list[str]) -> str | None:
    return tokens[0] if token and token not in tokens else None


BUGS: dict[str, Bug] = {
    "drop-field": EditJson(f"{API}/sessions", lambda b, ex: {**b, "sessions": [
        {k: v for k, v in s.items() if k != "started_at"} for s in b["sessions"]]}),
    "wrong-type": EditJson(f"{API}/interceptions", lambda b, ex: {**b, "count": str(b["count"])}),
    "ignore-limit": StripParam("limit", tuple(LISTS) + (f"{API}/sessions/",)),
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
    "unknown-credential-kind": EditJson(f"{API}/sessions/", lambda b, ex: {**b, "threads": [
        {**t, "credential_kind": "vault"} for t in b["threads"]]}),
    "reverse-threads": EditJson(f"{API}/sessions/", lambda b, ex: {**b, "threads": b["threads"][::-1]}),
    "reverse-models": EditJson(f"{API}/models", lambda b, ex: b[::-1] if b else b),
    "count-off-by-one": EditJson(f"{API}/sessions", lambda b, ex: {**b, "count": b["count"] + 1}),
    "count-minus-offset": EditJson(f"{API}/interceptions", lambda b, ex: {
        **b, "count": b["count"] - int(ex.param("offset") or 0)}),
    "thread-tokens-do-not-sum": EditJson(f"{API}/sessions/", _first_thread(_more_tokens)),
    "thread-prompt-not-from-interception": EditJson(f"{API}/sessions/", _first_thread(_other_prompt)),
    "html-500": Html500OnClients(),
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
        start_response(f"{ex.status} {HTTPStatus(ex.status).phrase}", [*headers, ("Content-Length", str(len(ex.body)))])
        return [ex.body]

    def _call(self, environ: dict[str, Any], query: list[tuple[str, str]]) -> Exchange:
        environ = {**environ, "QUERY_STRING": urlencode(query)}
        app_iter, status, headers = run_wsgi_app(self.app, environ, buffered=True)
        body = b"".join(app_iter)
        return Exchange(environ, query, int(status.split()[0]), list(headers.items()), body)
