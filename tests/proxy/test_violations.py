"""A deliberately broken upstream behind the proxy: every break is reported with its JSON path.

The upstream is the mock wrapped in a WSGI middleware that breaks the answer the request's
``X-Break`` header names (the proxy forwards the header like any other): a field dropped, a
wrong type, or an HTML error page from a "load balancer".
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from proxy_helpers import get_once, run_proxy, target
from served import served

from aibridge_mock.proxy.upstream import VIOLATION_HEADER
from aibridge_mock.server.app import create_app
from aibridge_mock.server.config import Config
from aibridge_mock.server.extension import mock_of

pytestmark = pytest.mark.slow

HTML = b"<html><body><h1>502 Bad Gateway</h1></body></html>\n"


def _drop_threads(body: dict[str, Any]) -> None:
    del body["sessions"][0]["threads"]


def _count_as_text(body: dict[str, Any]) -> None:
    body["count"] = str(body["count"])


def _nested_wrong_type(body: dict[str, Any]) -> None:
    body["results"][1]["token_usages"][0]["input_tokens"] = "12"


BREAKS: dict[str, Callable[[dict[str, Any]], None]] = {
    "drop-field": _drop_threads,
    "wrong-type": _count_as_text,
    "nested-wrong-type": _nested_wrong_type,
}


class Breaker:
    """The mock, with the answer broken as the request's X-Break header says."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        bug = environ.get("HTTP_X_BREAK", "")
        if bug == "html":
            start_response(
                "502 Bad Gateway", [("Content-Type", "text/html"), ("Content-Length", str(len(HTML)))]
            )
            return [HTML]
        captured: dict[str, Any] = {}

        def keep(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
            captured["status"], captured["headers"] = status, headers

        body = b"".join(self.app(environ, keep))
        headers = [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"]
        if bug in BREAKS:
            document = json.loads(body)
            BREAKS[bug](document)
            body = json.dumps(document, separators=(",", ":")).encode() + b"\n"
        if bug == "upstream-violation-header":
            headers.append((VIOLATION_HEADER, "the upstream's own claim"))
        start_response(captured["status"], [*headers, ("Content-Length", str(len(body)))])
        return [body]


@contextmanager
def broken_upstream() -> Iterator[tuple[str, str]]:
    app = create_app(Config(seed=5, interceptions=300, access_log=False))
    with served(Breaker(app)) as url:
        yield url, mock_of(app).datasets.snapshot.dataset.personas[0].token


@pytest.fixture(scope="module")
def upstream() -> Iterator[tuple[str, str]]:
    with broken_upstream() as found:
        yield found


CASES = [
    ("drop-field", "/sessions", "$.sessions[0]", "required", 200),
    ("wrong-type", "/sessions", "$.count", "type", 200),
    ("nested-wrong-type", "/interceptions", "$.results[1].token_usages[0].input_tokens", "type", 200),
    ("html", "/interceptions", "$", "content-type", 502),
]


@pytest.mark.parametrize(("bug", "path", "json_path", "rule", "status"), CASES)
def test_a_broken_answer_is_relayed_flagged_logged_and_counted_with_its_json_path(
    upstream: tuple[str, str],
    caplog: pytest.LogCaptureFixture,
    bug: str,
    path: str,
    json_path: str,
    rule: str,
    status: int,
) -> None:
    url, token = upstream
    direct = get_once(url, token, target(path, limit=5), {"X-Break": bug})
    with (
        run_proxy(url, generation="v5") as (proxy_url, app),
        caplog.at_level(logging.WARNING, "aibridge_mock.proxy"),
    ):
        relayed = get_once(proxy_url, token, target(path, limit=5), {"X-Break": bug})
        report = app.report.as_json()
    assert (relayed.status, relayed.body) == (status, direct.body)
    assert f"{json_path}: " in relayed.headers[VIOLATION_HEADER.lower()]
    assert report["violations"]["by_rule"] == {rule: 1}
    example = report["violations"]["examples"][0]
    assert (example["json_path"], example["rule"], example["status"]) == (json_path, rule, status)
    assert example["curl"] == (
        f"curl -sS -H \"Coder-Session-Token: $CODER_SESSION_TOKEN\" '{url}{target(path, limit=5)}'"
    )
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("VIOLATION")]
    assert len(lines) == 1 and json_path in lines[0] and example["curl"] in lines[0]
    assert token not in caplog.text + json.dumps(report)


@pytest.mark.parametrize(("bug", "path", "json_path", "rule", "status"), CASES)
def test_strict_mode_answers_502_naming_the_violation(
    upstream: tuple[str, str], bug: str, path: str, json_path: str, rule: str, status: int
) -> None:
    url, token = upstream
    with run_proxy(url, generation="v5", validation="strict") as (proxy_url, _):
        answer = get_once(proxy_url, token, target(path, limit=5), {"X-Break": bug})
    body = json.loads(answer.body)
    assert answer.status == 502
    assert body["message"] == "The upstream's answer violates the AI Bridge contract."
    assert f"-> {status}: {json_path}: " in body["detail"] and f"(rule: {rule})" in body["detail"]
    assert token not in body["detail"]


def test_the_html_error_page_counts_as_an_upstream_error(upstream: tuple[str, str]) -> None:
    url, token = upstream
    with run_proxy(url, generation="v5") as (proxy_url, app):
        get_once(proxy_url, token, target("/interceptions"), {"X-Break": "html"})
        get_once(proxy_url, token, target("/interceptions"))
        report = app.report.as_json()
    assert report["upstream_errors"] == {"total": 1, "502": 1}
    assert report["requests"] == {"total": 2, "interceptions": 2}


def test_a_valid_answer_carries_no_violation_header_whatever_the_client_or_upstream_sent(
    upstream: tuple[str, str],
) -> None:
    url, token = upstream
    with run_proxy(url, generation="v5", strictness="strict") as (proxy_url, app):
        for headers in ({VIOLATION_HEADER: "forged by the client"}, {"X-Break": "upstream-violation-header"}):
            answer = get_once(proxy_url, token, target("/sessions", limit=3), headers)
            assert answer.status == 200 and VIOLATION_HEADER.lower() not in answer.headers
        assert app.report.as_json()["violations"]["total"] == 0


@pytest.mark.parametrize(
    ("path", "status"),
    [("/sessions/no-such-session", 404), ("/interceptions?limit=0&offset=-1", 400)],
)
def test_error_answers_are_checked_and_pass_when_they_are_coders_error_body(
    upstream: tuple[str, str], path: str, status: int
) -> None:
    url, token = upstream
    with run_proxy(url, generation="v5", strictness="strict", validation="strict") as (proxy_url, app):
        answer = get_once(proxy_url, token, f"/api/v2/aibridge{path}")
        report = app.report.as_json()
    assert answer.status == status and report["checked"] == 1 and report["violations"]["total"] == 0


def test_an_unreachable_upstream_is_a_502_and_an_upstream_error() -> None:
    with broken_upstream() as (url, _):
        pass  # closed again: nothing listens there now
    with run_proxy(url, generation="v5") as (proxy_url, app):
        answer = get_once(proxy_url, "x", target("/sessions"))
        report = app.report.as_json()
    assert answer.status == 502
    assert json.loads(answer.body)["message"] == "The proxy could not reach the upstream Coder."
    assert report["upstream_errors"] == {"total": 1, "unreachable": 1}
