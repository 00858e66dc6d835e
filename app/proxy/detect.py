"""Which generation of the AI Bridge API the upstream serves, found by probing its routes once.

Each generation added routes (spec section 8): v1 served ``/api/experimental/aibridge/interceptions``,
v2 moved it to ``/api/v2``, v3 added ``/models``, v4 ``/sessions`` and ``/clients``. A route that
exists sits behind coderd's API key middleware and answers a request without a token with
``401``; a path that does not exist falls into the provider catch-all (``400`` in plain text) or,
outside ``/api/v2/aibridge``, coderd's ``404``. So up to four GETs without credentials, newest
route first, tell v1, v2, v3 and v4-or-later apart, and send nothing secret.

v4 and v5 have the same routes and differ only in fields, which a request without a token
cannot show: the newest, v5, is assumed (``--generation v4`` for a server of April 2026). An
unlicensed upstream answers ``403`` on every path and an unreachable one nothing: then v5 is
assumed too, and the reason is given.
"""

from __future__ import annotations

from dataclasses import dataclass

import urllib3
from urllib3.exceptions import HTTPError

__all__ = ["Detection", "detect_generation"]

# Newest route first: the first that answers 401 names the generation.
PROBES = (
    ("/api/v2/aibridge/clients", "v5"),
    ("/api/v2/aibridge/models", "v3"),
    ("/api/v2/aibridge/interceptions", "v2"),
    ("/api/experimental/aibridge/interceptions", "v1"),
)
FALLBACK = "v5"


@dataclass(frozen=True)
class Detection:
    """The generation, and how it was found."""

    generation: str
    reason: str


def detect_generation(base_url: str, timeout: float = 10.0) -> Detection:
    """Probe the upstream's routes without credentials; the generation it serves."""
    http = urllib3.PoolManager(timeout=timeout, retries=False)
    answers = []
    try:
        for path, generation in PROBES:
            try:
                response = http.request("GET", base_url.rstrip("/") + path, redirect=False)
            except HTTPError as exc:
                return Detection(FALLBACK, f"assumed: the upstream cannot be reached ({type(exc).__name__})")
            if response.status == 401:
                note = " (v4 has the same routes: --generation v4 for it)" if generation == "v5" else ""
                return Detection(generation, f"detected: GET {path} needs a token{note}")
            answers.append(f"{path} {response.status}")
            if response.status == 403:
                break  # AI Bridge is not licensed or not enabled: every path says so
    finally:
        http.clear()
    return Detection(FALLBACK, f"assumed: no AI Bridge route asked for a token ({', '.join(answers)})")
