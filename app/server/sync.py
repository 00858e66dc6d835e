"""Before every request: catch up with the shared state (admin settings, the data set's generation).

Registered first, so that every later hook and view of the request sees the settings and the data
set that were current when it started, whichever worker or replica changed them.
"""

from __future__ import annotations

from flask import request

from aibridge_mock.server.extension import current_mock

PROBES = ("/healthz", "/readyz")
PROBE_WAIT_SECONDS = 2.0  # a probe waits this long for a data set being mapped (or built), then answers


def catch_up() -> None:
    """Before the request's other steps: the settings and data set current now, on this worker."""
    mock = current_mock()
    settings = mock.runtime.sync()
    mock.datasets.follow(settings.dataset, wait=PROBE_WAIT_SECONDS if request.path in PROBES else -1)
