"""Forwarding: any method, path, query, header and body reaches the upstream; its answer comes back
unchanged (status, reason, headers but the hop-by-hop ones, bytes), and streams as it is sent."""

from __future__ import annotations

import gzip
import http.client
import json
import threading
import time
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from proxy_helpers import run_proxy
from served import served

from aibridge_mock.proxy.upstream import VIOLATION_HEADER

pytestmark = pytest.mark.slow

RELEASE = threading.Event()
SESSIONS = b'{"count":0,"sessions":[]}\n'
ENCODED = {
    "/api/v2/aibridge/sessions": ("gzip", gzip.compress(SESSIONS, mtime=0)),
    "/api/v2/aibridge/models": ("gzip", b"not gzip at all"),
    "/api/v2/aibridge/clients": ("br", b"\x0b\x02\x80null\n\x03"),
}


def echo(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    """An upstream that shows what reached it, or streams events, or answers gzip."""
    path = environ["PATH_INFO"]
    if path == "/events":
        start_response("200 OK", [("Content-Type", "text/event-stream"), ("Cache-Control", "no-cache")])
        return _events()
    if path in ENCODED:
        encoding, body = ENCODED[path]
        start_response(
            "200 OK",
            [
                ("Content-Type", "application/json"),
                ("Content-Encoding", encoding),
                ("Content-Length", str(len(body))),
            ],
        )
        return [body]
    length = int(environ.get("CONTENT_LENGTH") or 0)
    seen = {
        "method": environ["REQUEST_METHOD"],
        "target": environ.get("REQUEST_URI"),
        "headers": {k[5:].lower().replace("_", "-"): v for k, v in environ.items() if k.startswith("HTTP_")},
        "body": environ["wsgi.input"].read(length).decode() if length else "",
    }
    body = json.dumps(seen).encode()
    start_response(
        "418 I'm a teapot",
        [
            ("Content-Type", "application/json"),
            ("Set-Cookie", "a=1"),
            ("Set-Cookie", "b=2"),
            ("X-Custom", "kept"),
            ("Keep-Alive", "timeout=5"),
            ("Content-Length", str(len(body))),
        ],
    )
    return [body]


def _events() -> Iterator[bytes]:
    yield b"data: first\n\n"
    RELEASE.wait(10)  # the second event only once the test has seen the first
    yield b"data: second\n\n"


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[str, str]]:
    """(the proxy's URL, the upstream's URL)."""
    with served(echo) as upstream, run_proxy(upstream, generation="v5") as (url, _):
        yield url, upstream


@pytest.fixture(scope="module")
def proxy(servers: tuple[str, str]) -> str:
    return servers[0]


def _request(
    url: str, method: str, target: str, body: bytes | None = None, **headers: str
) -> http.client.HTTPResponse:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    conn.request(method, target, body=body, headers=headers)
    return conn.getresponse()


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE"])
def test_method_path_query_headers_and_body_reach_the_upstream(proxy: str, method: str) -> None:
    body = b'{"model":"claude","stream":true}' if method != "GET" else None
    target = "/api/v2/aibridge/anthropic/v1/messages?beta=true&x=%2F%20y"
    response = _request(
        proxy,
        method,
        target,
        body,
        **{"X-Api-Key": "secret", "Connection": "close, X-Hop", "X-Hop": "dropped"},
    )
    seen = json.loads(response.read())
    assert (seen["method"], seen["target"], seen["body"]) == (method, target, (body or b"").decode())
    assert seen["headers"]["x-api-key"] == "secret"
    assert "x-hop" not in seen["headers"]  # named by Connection: hop-by-hop


def test_the_host_header_names_the_upstream_and_the_clients_violation_header_is_not_forwarded(
    servers: tuple[str, str],
) -> None:
    proxy, upstream = servers
    seen = json.loads(_request(proxy, "GET", "/anything", **{VIOLATION_HEADER: "forged"}).read())
    assert VIOLATION_HEADER.lower() not in seen["headers"]
    assert seen["headers"]["host"] == urlsplit(upstream).netloc


def test_status_reason_headers_and_bytes_come_back_unchanged_but_hop_by_hop(proxy: str) -> None:
    response = _request(proxy, "GET", "/anything")
    body = response.read()
    assert (response.status, response.reason) == (418, "I'm a teapot")
    assert response.headers.get_all("Set-Cookie") == ["a=1", "b=2"]
    assert response.headers["X-Custom"] == "kept" and "Keep-Alive" not in response.headers
    assert json.loads(body)["target"] == "/anything"


def test_server_sent_events_stream_through_as_they_are_sent(proxy: str) -> None:
    RELEASE.clear()
    response = _request(proxy, "GET", "/events")
    started = time.monotonic()
    first = response.readline() + response.readline()
    assert first == b"data: first\n\n" and time.monotonic() - started < 5  # before the upstream finished
    RELEASE.set()
    assert response.read() == b"data: second\n\n"
    assert response.headers["Content-Type"] == "text/event-stream"


def test_a_gzip_answer_is_relayed_compressed_and_checked_decompressed() -> None:
    with (
        served(echo) as upstream,
        run_proxy(upstream, generation="v5", strictness="strict") as (url, app),
    ):
        response = _request(url, "GET", "/api/v2/aibridge/sessions", **{"Accept-Encoding": "gzip"})
        raw = response.read()
        broken = _request(url, "GET", "/api/v2/aibridge/models")
        broken.read()
        unread = _request(url, "GET", "/api/v2/aibridge/clients")
        assert unread.read() == ENCODED["/api/v2/aibridge/clients"][1]
        report = app.report.as_json()
    assert (response.headers["Content-Encoding"], raw) == ("gzip", ENCODED["/api/v2/aibridge/sessions"][1])
    assert VIOLATION_HEADER not in response.headers
    assert "$: not valid gzip" in broken.headers[VIOLATION_HEADER]
    assert (report["checked"], report["unchecked"], report["violations"]["by_rule"]) == (
        2,
        1,
        {"content-encoding": 1},
    )
