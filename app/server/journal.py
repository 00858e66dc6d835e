"""The request journal's hooks: every request except the admin API and the probes is timed and recorded."""

from __future__ import annotations

import time

from flask import Response, g, request

from aibridge_mock.redaction import redact_query
from aibridge_mock.server.extension import current_mock

ADMIN_PREFIX = "/__admin"
UNJOURNALED = ("/healthz", "/readyz")  # probes would drown the requests a test suite looks for


def start_clock() -> None:
    """Before anything else: when the request came (the journal's and the access log's clock)."""
    g.received_at = time.time()
    g.started = time.perf_counter()


def record_response(response: Response) -> Response:
    """After a request: its journal entry (not for the admin API or the probes)."""
    path = request.path
    if path.startswith(ADMIN_PREFIX + "/") or path == ADMIN_PREFIX or path in UNJOURNALED:
        return response
    started = g.get("started")
    duration = (time.perf_counter() - started) * 1000 if started is not None else 0.0
    current_mock().runtime.record(
        request.method,
        path,
        redact_query(request.query_string.decode("latin-1")),  # tokens in the query are not for a journal
        response.status_code,
        round(duration, 3),
        g.get("received_at", time.time()),
    )
    return response
