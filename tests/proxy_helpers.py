"""Helpers of the proxy tests (tests/proxy): mocks and proxies over loopback HTTP, clients, walks."""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from served import served

from aibridge_mock.proxy.app import ProxyApp
from aibridge_mock.proxy.config import ProxyConfig
from aibridge_mock.proxy.serving import build_proxy, detect
from aibridge_mock.server.app import create_app
from aibridge_mock.server.config import Config
from aibridge_mock.server.extension import mock_of

API = "/api/v2/aibridge"


@dataclass(frozen=True)
class Mock:
    url: str
    owner: str  # the owner persona's token
    member: str  # alice's, a plain member


@contextmanager
def run_mock(**options: Any) -> Iterator[Mock]:
    """A mock served over HTTP (validation strict, no access log)."""
    app = create_app(Config(access_log=False, **options))
    personas = mock_of(app).datasets.snapshot.dataset.personas
    with served(app) as url:
        yield Mock(url, personas[0].token, personas[2].token)


@contextmanager
def run_proxy(upstream: str, **options: Any) -> Iterator[tuple[str, ProxyApp]]:
    """The proxy in front of ``upstream``: its URL and the application (report, recorder)."""
    config = ProxyConfig(upstream=upstream, access_log=False, **options)
    app = build_proxy(config, detect(config))
    try:
        with served(app) as url:
            yield url, app
    finally:
        app.close()


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


class Client:
    """Keep-alive GETs with a session token; answers with their raw bytes."""

    def __init__(self, base_url: str, token: str) -> None:
        parts = urlsplit(base_url)
        self._conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=60)
        self.token = token

    def get(self, target: str, headers: dict[str, str] | None = None) -> Answer:
        sent = {"Coder-Session-Token": self.token, **(headers or {})}
        self._conn.request("GET", target, headers=sent)
        response = self._conn.getresponse()
        body = response.read()
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, body)

    def json(self, target: str) -> Any:
        answer = self.get(target)
        assert answer.status == 200, (target, answer.status, answer.body[:300])
        import json

        return json.loads(answer.body)

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def json_once(base_url: str, token: str, target: str) -> Any:
    """One GET that must answer 200; its JSON."""
    with Client(base_url, token) as client:
        return client.json(target)


def get_once(base_url: str, token: str, target: str, headers: dict[str, str] | None = None) -> Answer:
    """One GET on a fresh connection, closed afterwards."""
    with Client(base_url, token) as client:
        return client.get(target, headers)


def target(path: str, **params: Any) -> str:
    query = urlencode({k: str(v) for k, v in params.items()})
    return API + path + (f"?{query}" if query else "")


def walk(client: Client, page: int = 100, threads_page: int = 20) -> list[str]:
    """Every request of a full walk as the owner: all pages of every list, every session's threads
    (in pages, with cursors), models and clients. Returns the request targets in order."""
    seen: list[str] = []

    def get(t: str) -> Any:
        seen.append(t)
        return client.json(t)

    cursor: dict[str, Any] = {}
    while True:
        body = get(target("/interceptions", limit=page, **cursor))
        if len(body["results"]) < page:
            break
        cursor = {"after_id": body["results"][-1]["id"]}
    sessions: list[dict[str, Any]] = []
    offset = 0
    while True:
        body = get(target("/sessions", limit=page, offset=offset))
        sessions += body["sessions"]
        offset += page
        if len(body["sessions"]) < page:
            break
    if len(sessions) > page:  # the cursor form of the same list, from the second page on
        get(target("/sessions", limit=page, after_session_id=sessions[page - 1]["id"]))
    for session in sessions:
        path = "/sessions/" + quote(session["id"], safe="")
        cursor = {}
        while True:
            body = get(target(path, limit=threads_page, **cursor))
            if len(body["threads"]) < threads_page:
                break
            cursor = {"after_id": body["threads"][-1]["id"]}
    get(target("/models"))
    get(target("/clients"))
    return seen
