"""The export as a HAR 1.2 file: one entry per request, with the mock's exact answer."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from aibridge_mock import __version__
from aibridge_mock.server.export.collect import Exchange
from aibridge_mock.server.gocompat import format_time

__all__ = ["har_document"]

_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found"}


def har_document(exchanges: list[Exchange], base_url: str, anchor: int) -> bytes:
    """HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/); times are the anchor's, not a clock's."""
    started = _iso_millis(anchor)
    entries = [_entry(e, base_url.rstrip("/"), started) for e in exchanges]
    log = {
        "log": {
            "version": "1.2",
            "creator": {"name": "aibridge-mock", "version": __version__},
            "pages": [],
            "entries": entries,
        }
    }
    return json.dumps(log, indent=1, ensure_ascii=False).encode() + b"\n"


def _iso_millis(micros: int) -> str:
    text = format_time(micros - micros % 1000)
    head, _, fraction = text[:-1].partition(".")
    return f"{head}.{fraction.ljust(3, '0')[:3]}Z"


def _entry(exchange: Exchange, base_url: str, started: str) -> dict[str, Any]:
    content_type = dict(exchange.headers).get("Content-Type", "")
    text = exchange.body.decode()
    return {
        "startedDateTime": started,
        "time": 0,
        "request": {
            "method": "GET",
            "url": base_url + exchange.path,
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": [{"name": "Coder-Session-Token", "value": exchange.persona.token}],
            "queryString": [
                {"name": k, "value": v}
                for k, v in parse_qsl(urlsplit(exchange.path).query, keep_blank_values=True)
            ],
            "headersSize": -1,
            "bodySize": 0,
        },
        "response": {
            "status": exchange.status,
            "statusText": _REASONS.get(exchange.status, ""),
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": [{"name": k, "value": v} for k, v in exchange.headers],
            "content": {"size": len(exchange.body), "mimeType": content_type, "text": text},
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": len(exchange.body),
        },
        "cache": {},
        "timings": {"send": 0, "wait": 0, "receive": 0},
        "comment": f"as {exchange.persona.user.username} ({exchange.persona.user.role})",
    }
