"""Runtime controls for test suites: the scenario, injected faults and the request journal.

Unlike the data set (immutable, swapped whole), these settings change while requests run, so
one lock guards them and every reader gets a copy. They live in one process: with gunicorn
``workers > 1`` each worker has its own (the default is one worker).
"""

from __future__ import annotations

import fnmatch
import hashlib
import threading
from collections import deque
from dataclasses import asdict, dataclass
from typing import Any

from aibridge_mock.server.errors import ApiError

SCENARIOS = ("normal", "empty", "unlicensed", "slow", "failing")
DEFAULT_SLOW_MS = 1_500
JOURNAL_SIZE = 10_000
FAILING_DETAIL = "aibridge-mock scenario 'failing': every API request fails."


@dataclass(frozen=True)
class Fault:
    """Latency and/or errors injected into the requests of one route (method + path pattern)."""

    method: str
    path: str  # an fnmatch pattern: "/api/v2/aibridge/sessions/*" covers every session
    latency_ms: int = 0
    error_rate: float = 0.0
    status: int = 500
    seed: int = 1

    @property
    def route(self) -> str:
        return f"{self.method} {self.path}"

    def matches(self, method: str, path: str) -> bool:
        return self.method in ("*", method) and fnmatch.fnmatchcase(path, self.path)

    def fails(self, index: int) -> bool:
        """Whether the ``index``-th matching request fails: a pure function of seed, route and index."""
        if self.error_rate <= 0:
            return False
        digest = hashlib.sha256(f"{self.seed}:{self.route}:{index}".encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64 < self.error_rate


@dataclass(frozen=True)
class JournalEntry:
    """One request the mock received, as a test suite wants to assert on it."""

    seq: int
    method: str
    path: str
    query: str
    status: int
    duration_ms: float
    received_at: float  # Unix time


@dataclass(frozen=True)
class Plan:
    """What the /api gateway does to one request before serving it."""

    latency_ms: int = 0
    error: ApiError | None = None
    unlicensed: bool = False
    empty: bool = False


class Runtime:
    """The mutable settings the admin API changes and the /api gateway consults."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.scenario = "normal"
        self.slow_ms = DEFAULT_SLOW_MS
        self.faults: list[Fault] = []
        self._counts: dict[str, int] = {}  # requests each fault has seen: the index its decision hashes
        self._journal: deque[JournalEntry] = deque(maxlen=JOURNAL_SIZE)
        self._seq = 0

    def set_scenario(self, name: str, latency_ms: int | None = None) -> None:
        if name not in SCENARIOS:
            raise ValueError(f"unknown scenario {name!r}; one of {', '.join(SCENARIOS)}")
        with self._lock:
            self.scenario = name
            self.slow_ms = DEFAULT_SLOW_MS if latency_ms is None else latency_ms

    def add_fault(self, fault: Fault) -> None:
        """Add (or replace) the fault of a route; its request counter starts again at 0."""
        with self._lock:
            self.faults = [f for f in self.faults if f.route != fault.route] + [fault]
            self._counts[fault.route] = 0

    def clear_faults(self) -> None:
        with self._lock:
            self.faults = []
            self._counts.clear()

    def reset(self) -> None:
        """Back to a plain mock: normal scenario, no faults, empty journal."""
        self.set_scenario("normal")
        self.clear_faults()
        self.clear_journal()

    def plan(self, method: str, path: str) -> Plan:
        """Decide latency and failure of one /api request; counts it against its route's fault."""
        with self._lock:
            scenario, slow_ms = self.scenario, self.slow_ms
            fault = next((f for f in self.faults if f.matches(method, path)), None)
            index = -1
            if fault is not None:
                index = self._counts[fault.route]
                self._counts[fault.route] = index + 1
        latency = slow_ms if scenario == "slow" else 0
        error = None
        if scenario == "failing":
            error = ApiError(500, "Internal error.", FAILING_DETAIL)
        if fault is not None:
            latency += fault.latency_ms
            if error is None and fault.fails(index):
                error = _fault_error(fault, index)
        return Plan(latency, error, unlicensed=scenario == "unlicensed", empty=scenario == "empty")

    def record(
        self, method: str, path: str, query: str, status: int, duration_ms: float, received_at: float
    ) -> None:
        with self._lock:
            self._seq += 1
            entry = JournalEntry(self._seq, method, path, query, status, duration_ms, received_at)
            self._journal.append(entry)

    def journal(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(entry) for entry in self._journal]

    def clear_journal(self) -> None:
        with self._lock:
            self._journal.clear()

    def describe(self) -> dict[str, Any]:
        """The settings as the admin API shows them."""
        with self._lock:
            faults = [
                {**asdict(f), "route": f.route, "requests": self._counts.get(f.route, 0)} for f in self.faults
            ]
            return {
                "scenario": self.scenario,
                "latency_ms": self.slow_ms,  # the name POST /__admin/scenario takes it by
                "faults": faults,
                "journal_size": len(self._journal),
            }


def _fault_error(fault: Fault, index: int) -> ApiError:
    message = "Internal error." if fault.status >= 500 else "Injected fault."
    return ApiError(
        fault.status,
        message,
        f"aibridge-mock fault on {fault.route}: request #{index} fails "
        f"(seed {fault.seed}, rate {fault.error_rate}).",
    )
