"""The access log: one line per request, written by the mock itself whatever HTTP server runs it.

Written here rather than by the server so that the line is the same under granian, gunicorn or
the in-process server, and so that secrets are redacted in one place (``_access_line``: token values
in the query string become ``REDACTED``, :mod:`aibridge_mock.redaction`). Lines go to the
``aibridge_mock.access`` logger; ``serve`` sends it to stdout.
"""

from __future__ import annotations

import logging
import time

from flask import Response, g, request

from aibridge_mock.redaction import redact_uri

log = logging.getLogger("aibridge_mock.access")


def log_response(response: Response) -> Response:
    """After a request: its line (timed from ``journal.start_clock``), when the log is on."""
    if log.isEnabledFor(logging.INFO):
        started = g.get("started")
        millis = (time.perf_counter() - started) * 1000 if started is not None else 0.0
        environ = request.environ
        target = environ.get("RAW_URI") or environ.get("REQUEST_URI") or _target(environ)
        protocol = environ.get("SERVER_PROTOCOL", "HTTP/1.1")
        log.info(_access_line(request.method, target, protocol, response, millis))
    return response


def _target(environ: dict[str, str]) -> str:
    query = environ.get("QUERY_STRING", "")
    path = environ.get("PATH_INFO", "")
    return f"{path}?{query}" if query else path


def _access_line(method: str, target: str, protocol: str, response: Response, millis: float) -> str:
    """``[02/Dec/2026:06:47:38 +0000] "GET /api/v2/aibridge/sessions?limit=5 HTTP/1.1" 200 1234B 3ms``.

    The one place a request's target reaches the log: token-bearing query parameters
    (``coder_session_token``, ``access_token``) keep their name, their value is ``REDACTED``.
    """
    size = response.calculate_content_length()
    when = time.strftime("%d/%b/%Y:%H:%M:%S %z", time.localtime())
    request_line = f"{method} {redact_uri(target)} {protocol}"
    return f'[{when}] "{request_line}" {response.status_code} {size or 0}B {millis:.0f}ms'
