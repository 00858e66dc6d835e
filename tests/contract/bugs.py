"""The kinds of broken behaviour breakage.py assembles into named bugs: request and answer edits."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Query = list[tuple[str, str]]
Cache = dict[str, Any]
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
        kept = [(k, v) for k, v in self.headers if k.lower() != "content-type"]
        self.headers = [*kept, ("Content-Type", content_type)]


Fetch = Callable[[Query], "Exchange"]  # the real mock's answer to the same request with another query


class Bug:
    """One broken behaviour: ``before`` edits the request, ``after`` the answer."""

    def before(self, ex: Exchange, tokens: list[str]) -> None:
        return None

    def after(self, ex: Exchange, fetch: Fetch, cache: Cache) -> None:
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

    def after(self, ex: Exchange, fetch: Fetch, cache: Cache) -> None:
        matches = ex.path == self.path or (self.path.endswith("/") and ex.path.startswith(self.path))
        if matches and ex.status == 200:
            ex.set_json(self.edit(ex.json(), ex))


@dataclass
class Repeat(Bug):
    """The item a cursor names is repeated at the top of the next page (an off-by-one in the SQL)."""

    path: str
    items: str
    cursor: str

    def after(self, ex: Exchange, fetch: Fetch, cache: Cache) -> None:
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

    def after(self, ex: Exchange, fetch: Fetch, cache: Cache) -> None:
        if ex.path.startswith(self.path) and ex.status in {400, 404} and self.message in ex.body.decode():
            retried = fetch([(k, v) for k, v in ex.query if k != self.name])
            ex.status, ex.headers, ex.body = retried.status, retried.headers, retried.body


@dataclass
class ContentType(Bug):
    """Every 200 answer under the AI Bridge API keeps its JSON body but says another Content-Type."""

    content_type: str

    def after(self, ex: Exchange, fetch: Fetch, cache: Cache) -> None:
        if ex.path.startswith(API) and ex.status == 200:
            ex.headers = [(k, v) for k, v in ex.headers if k.lower() != "content-type"]
            ex.headers.append(("Content-Type", self.content_type))


class RefuseTheTool(Bug):
    """Something in front of the server (a WAF, a proxy) answers schemathesis' requests with 401."""

    def after(self, ex: Exchange, fetch: Fetch, cache: Cache) -> None:
        if ex.path.startswith(API) and ex.environ.get("HTTP_USER_AGENT", "").startswith("schemathesis"):
            ex.set_text(401, b'{"message":"Unauthorized."}\n', "application/json; charset=utf-8")


class Html500OnClients(Bug):
    def after(self, ex: Exchange, fetch: Fetch, cache: Cache) -> None:
        if ex.path == f"{API}/clients" and ex.query:
            ex.set_text(500, HTML_500, "text/html; charset=utf-8")


class PlainText400(Bug):
    def after(self, ex: Exchange, fetch: Fetch, cache: Cache) -> None:
        if ex.status == 400:
            ex.set_text(400, b"Bad Request\n", "text/plain; charset=utf-8")


class NoInterceptions(Bug):
    """A server after PR #26213: /interceptions falls into the provider catch-all (spec 1.7, 8)."""

    def after(self, ex: Exchange, fetch: Fetch, cache: Cache) -> None:
        if ex.path == f"{API}/interceptions":
            ex.set_text(400, b"no authentication key provided\n", "text/plain; charset=utf-8")


class Unknown500(Bug):
    def after(self, ex: Exchange, fetch: Fetch, cache: Cache) -> None:
        if ex.path.startswith(f"{API}/sessions/") and ex.status == 404:
            ex.status = 500
            ex.set_json({"message": "Internal error fetching session."})


@dataclass
class SwapToken(Bug):
    """AI Bridge's authorization is broken: ``pick`` chooses the token its routes see (not /users/me)."""

    pick: Callable[[str, list[str]], str | None]

    def before(self, ex: Exchange, tokens: list[str]) -> None:
        if not ex.path.startswith(API):
            return
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
    """``before_id`` gives the threads just before the cursor, as swagger suggests (spec 3: the oldest)."""

    def after(self, ex: Exchange, fetch: Fetch, cache: Cache) -> None:
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
