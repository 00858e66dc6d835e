"""Slow clients: does a new client get an answer while 256 connections sit idle or half-sent?

Half of the connections send nothing after connecting; the other half send a request line and
headers but never the blank line that ends them (a slow or hostile client). While they stay open,
a new client (a new connection per request) asks for ``/healthz`` and a sessions page ``SAMPLES``
times each; the figure is the slowest answer. A server that gives each connection a thread until
its request is complete answers nothing until they let go: that shows as "no answer" after
``TIMEOUT`` seconds.
"""

from __future__ import annotations

import socket
import statistics
import time
from dataclasses import dataclass

import servers

CONNECTIONS = 256
SAMPLES = 10
TIMEOUT = 5.0


@dataclass(frozen=True)
class SlowClients:
    """Latencies of a new client's requests while the slow connections are held open."""

    healthz_ms: list[float | None]  # None: no answer within TIMEOUT
    sessions_ms: list[float | None]

    @staticmethod
    def _worst(samples: list[float | None]) -> float | None:
        return None if any(s is None for s in samples) else max(s for s in samples if s is not None)

    @property
    def worst_ms(self) -> float | None:
        """The slowest answer of all, or None when one never came."""
        worst = [self._worst(self.healthz_ms), self._worst(self.sessions_ms)]
        return None if None in worst else max(w for w in worst if w is not None)

    def describe(self) -> str:
        def part(name: str, samples: list[float | None]) -> str:
            answered = [s for s in samples if s is not None]
            lost = len(samples) - len(answered)
            if lost:
                return f"{name}: {lost} of {len(samples)} not answered within {TIMEOUT:g} s"
            return f"{name}: median {statistics.median(answered):.1f} ms, slowest {max(answered):.1f} ms"

        return f"{part('/healthz', self.healthz_ms)}; {part('sessions page', self.sessions_ms)}"


def _timed_get(url: str, token: str) -> float | None:
    started = time.perf_counter()
    try:
        status, _ = servers.http_get(url, token, timeout=TIMEOUT)
    except OSError:
        return None
    return (time.perf_counter() - started) * 1000 if status == 200 else None


def _samples(url: str, token: str) -> list[float | None]:
    """SAMPLES timings; after the first request without an answer the rest are counted as lost too."""
    found: list[float | None] = []
    while len(found) < SAMPLES:
        found.append(_timed_get(url, token))
        if found[-1] is None:
            found += [None] * (SAMPLES - len(found))
    return found


def measure(base: str, token: str, sessions_path: str) -> SlowClients:
    """Open the slow connections, time a new client's requests, close them."""
    host, port = base.removeprefix("http://").rsplit(":", 1)
    held: list[socket.socket] = []
    try:
        for i in range(CONNECTIONS):
            conn = socket.create_connection((host, int(port)), timeout=10)
            if i % 2:
                conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: bench\r\nX-Slow-Client: 1\r\n")
            held.append(conn)
        time.sleep(0.5)  # let the server read what they sent and wait for the rest
        healthz = _samples(base + "/healthz", "")
        sessions = _samples(base + sessions_path, token)
    finally:
        for conn in held:
            conn.close()
    return SlowClients(healthz, sessions)
