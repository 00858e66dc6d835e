"""The proxy as a WSGI application: forward, check, flag or refuse, record, relay.

A request reads like the data flow: classify it (management call or not), forward it, and for a
management call read the answer, hold it to the contract, log and count a violation, turn it
into a 502 in strict mode or flag it in lenient mode, hand a valid answer to the recorder, and
relay the upstream's bytes. Anything else streams through untouched. ``/__proxy/`` is the
proxy's own: ``/__proxy/report`` and ``/__proxy/health``.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote, urlsplit

from aibridge_mock.proxy.checking import Checker, Operation
from aibridge_mock.proxy.config import ProxyConfig
from aibridge_mock.proxy.recorder import Recorder
from aibridge_mock.proxy.redact import curl_line, redact_url
from aibridge_mock.proxy.report import ProxyReport, Violation
from aibridge_mock.proxy.upstream import (
    VIOLATION_HEADER,
    Answer,
    Upstream,
    UpstreamError,
    relayable,
    request_headers,
)
from aibridge_mock.server.generations import Generation

__all__ = ["ProxyApp"]

log = logging.getLogger("aibridge_mock.proxy")
StartResponse = Callable[..., Any]
JSON_TYPE = "application/json; charset=utf-8"
REPORT_PATH = "/__proxy/report"
HEALTH_PATH = "/__proxy/health"


def _target(environ: dict[str, Any]) -> str:
    """Path and query exactly as the client sent them (servers keep the raw request line)."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI") or ""
    if raw.startswith(("http://", "https://")):  # absolute form: keep the path and query
        parts = urlsplit(raw)
        raw = parts.path + (f"?{parts.query}" if parts.query else "")
    if not raw:
        query = environ.get("QUERY_STRING", "")
        raw = quote(environ.get("PATH_INFO", "/"), safe="/%:@!$&'()*+,;=-._~") + (
            f"?{query}" if query else ""
        )
    return raw


def _header_safe(text: str) -> str:
    """A header value HTTP can carry: one line, latin-1 (other characters escaped)."""
    flat = " ".join(text.split())
    return flat.encode("ascii", "backslashreplace").decode("ascii")[:1000]


def _encode(body: Any) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode() + b"\n"


class ProxyApp:
    """Relays every request to one upstream; checks and records the management answers."""

    def __init__(
        self,
        config: ProxyConfig,
        generation: Generation,
        detection: str,
        recorder: Recorder | None = None,
    ) -> None:
        self.config = config
        self.checker = Checker(generation, config.strictness)
        self.upstream = Upstream(config.upstream_base, config.timeout, config.threads)
        self.report = ProxyReport(config.upstream_base, generation.name, detection, config.validation)
        self.recorder = recorder
        self.strict = config.validation == "strict"

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        method = environ["REQUEST_METHOD"]
        target = _target(environ)
        path = target.partition("?")[0]
        if path.startswith("/__proxy/"):
            return self._own(path, start_response)
        headers = request_headers(environ)
        op = self.checker.operation(method, path)
        self.report.request(op.name if op else "other")
        try:
            answer = self.upstream.send(method, target, headers, environ)
        except UpstreamError as exc:
            self.report.upstream_error("unreachable")
            log.error("upstream unreachable: %s %s: %s", method, redact_url(self.upstream.url(target)), exc)
            body = {"message": "The proxy could not reach the upstream Coder.", "detail": str(exc)}
            return self._respond(
                start_response, 502, "Bad Gateway", [], _encode(body), (method, target, started)
            )
        if answer.status >= 500:
            self.report.upstream_error(str(answer.status))
        if op is None:
            self._access(method, target, answer.status, None, started)
            start_response(f"{answer.status} {answer.reason}", relayable(answer.headers))
            return answer.stream()
        return self._checked(op, method, target, headers, answer, start_response, started)

    def _checked(
        self,
        op: Operation,
        method: str,
        target: str,
        headers: list[tuple[str, str]],
        answer: Answer,
        start_response: StartResponse,
        started: float,
    ) -> Iterable[bytes]:
        raw = answer.read_all()
        verdict = self.checker.check(
            op, answer.status, answer.header("Content-Type"), answer.header("Content-Encoding"), raw
        )
        self.report.checked(verdict.checked)
        out = relayable(answer.headers)
        status, reason = answer.status, answer.reason
        if verdict.breach is not None:
            found = Violation(
                verdict.breach, answer.status, curl_line(method, self.upstream.url(target), headers)
            )
            log.warning("%s", found.line())
            self.report.violation(found)
            if self.strict:
                body = {
                    "message": "The upstream's answer violates the AI Bridge contract.",
                    "detail": found.line(),
                }
                raw, status, reason = _encode(body), 502, "Bad Gateway"
                out = []
            out.append((VIOLATION_HEADER, _header_safe(verdict.breach.describe())))
        elif self.recorder is not None and answer.status == 200 and verdict.body is not None:
            self.recorder.observe(op, verdict.body)
        return self._respond(start_response, status, reason, out, raw, (method, target, started))

    def _respond(
        self,
        start_response: StartResponse,
        status: int,
        reason: str,
        headers: list[tuple[str, str]],
        body: bytes,
        request: tuple[str, str, float] | None = None,
    ) -> list[bytes]:
        if not any(name.lower() == "content-type" for name, _ in headers):
            headers = [("Content-Type", JSON_TYPE), *headers]
        if any(name.lower() == "content-length" for name, _ in headers):
            headers = [(n, v) for n, v in headers if n.lower() != "content-length"]
        headers.append(("Content-Length", str(len(body))))
        if request is not None:
            self._access(request[0], request[1], status, len(body), request[2])
        start_response(f"{status} {reason}", headers)
        return [body]

    def _own(self, path: str, start_response: StartResponse) -> list[bytes]:
        if path == REPORT_PATH:
            recording = self.recorder.stats() if self.recorder is not None else None
            return self._respond(start_response, 200, "OK", [], _encode(self.report.as_json(recording)))
        if path == HEALTH_PATH:
            return self._respond(start_response, 200, "OK", [], _encode({"status": "ok"}))
        body = {"message": "Route not found.", "detail": f"the proxy serves {REPORT_PATH} and {HEALTH_PATH}"}
        return self._respond(start_response, 404, "Not Found", [], _encode(body))

    def _access(self, method: str, target: str, status: int, size: int | None, started: float) -> None:
        if self.config.access_log:
            shown = "streamed" if size is None else f"{size}B"
            elapsed = (time.perf_counter() - started) * 1000
            log.info("%s %s -> %d %s %.1fms", method, redact_url(target), status, shown, elapsed)

    def summary(self) -> str:
        """What the proxy saw, for the end of a run."""
        return self.report.summary(self.recorder.stats() if self.recorder is not None else None)

    def close(self) -> None:
        """Write the last of the recording and release the upstream's connections."""
        if self.recorder is not None:
            self.recorder.close()
        self.upstream.close()
