"""A real upstream: requests relayed to an instance's ``base_url`` as coder/aibridge relays them.

Used only when an instance is configured with a base URL (``AIBRIDGE_MOCK_PROVIDER_<N>_BASE_URL``);
the tests point it at a local fake provider. The upstream URL is the base URL plus the path below
the instance's route prefix (``passthrough.go``; OpenAI's base already ends in ``/v1/``); bodies go
as the client sent them, except chat completions, which the library re-encodes (streaming ones
with ``stream_options.include_usage`` and ``n: 1``).
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from urllib.parse import urlsplit

from werkzeug.datastructures import Headers

from aibridge_mock.server.providers.upstream import UpstreamReply, UpstreamRequest

__all__ = ["RelayUpstream", "UpstreamUnreachableError", "relay_passthrough"]

TIMEOUT_SECONDS = 600  # the library's request timeout


class UpstreamUnreachableError(OSError):
    """No answer at all from the upstream (connection refused, reset, DNS)."""


def _connect(base_url: str) -> tuple[http.client.HTTPConnection, str]:
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UpstreamUnreachableError(f"invalid provider base URL {base_url!r}")
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    return kind(parts.hostname, parts.port, timeout=TIMEOUT_SECONDS), parts.path.rstrip("/")


def _body(request: UpstreamRequest) -> bytes:
    if request.api != "chat":
        return request.body
    payload = dict(request.payload)
    if request.stream:
        options = payload.get("stream_options")
        payload["stream_options"] = {**(options if isinstance(options, dict) else {}), "include_usage": True}
        payload["n"] = 1
        payload["stream"] = True
    return json.dumps(payload, separators=(",", ":")).encode()


def _events(response: http.client.HTTPResponse, conn: http.client.HTTPConnection) -> Iterator[bytes]:
    try:
        while True:
            chunk = response.read1(65536)
            if not chunk:
                return
            yield chunk
    finally:
        conn.close()


class RelayUpstream:
    """Sends a bridged request to the instance's real provider."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def call(self, request: UpstreamRequest) -> UpstreamReply:
        conn, base_path = _connect(self.base_url)
        headers = Headers(request.headers)
        headers["Content-Type"] = "application/json"
        try:
            conn.request("POST", base_path + request.path, _body(request), dict(headers.items()))
            response = conn.getresponse()
        except OSError as exc:
            conn.close()
            raise UpstreamUnreachableError(str(exc)) from exc
        content_type = response.getheader("Content-Type", "application/json")
        if request.stream and 200 <= response.status < 300:
            return UpstreamReply(response.status, content_type, events=_events(response, conn))
        try:
            return UpstreamReply(response.status, content_type, response.read())
        finally:
            conn.close()


def relay_passthrough(
    base_url: str,
    below: str,
    query: str,
    method: str,
    headers: Headers,
    body: bytes,
    inject: tuple[str, str] | None,
) -> tuple[int, str, bytes]:
    """A passthrough request reverse-proxied (``passthrough.go``): (status, content type, body)."""
    try:
        conn, base_path = _connect(base_url)
    except UpstreamUnreachableError:
        return 502, "text/plain; charset=utf-8", b"invalid provider base URL\n"
    sent = Headers(
        [(k, v) for k, v in headers.items() if k.lower() not in ("host", "content-length", "connection")]
    )
    if inject is not None:
        sent[inject[0]] = inject[1]
    sent.setdefault("User-Agent", "aibridge")
    try:
        conn.request(
            method, base_path + below + (f"?{query}" if query else ""), body or None, dict(sent.items())
        )
        response = conn.getresponse()
        return response.status, response.getheader("Content-Type", ""), response.read()
    except OSError:
        return 502, "text/plain; charset=utf-8", b"upstream proxy error\n"
    finally:
        conn.close()
