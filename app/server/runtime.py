"""Runtime controls for test suites: the scenario, injected faults and the request journal.

They live in the shared state (:mod:`aibridge_mock.server.shared`), so that an admin call made
through any worker (or replica) holds for all of them: the settings are one versioned document,
re-read by a worker only when its version changed (the check at the start of every request is a
read of mapped memory with the embedded backend); the per-fault request counters are shared
counters, so that "the n-th matching request fails" counts requests whichever worker serves them;
the journal is a capped record stream every worker appends to.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import threading
from dataclasses import asdict, dataclass, fields
from typing import Any

from aibridge_mock.server.errors import ApiError
from aibridge_mock.server.shared.backend import Document, StateBackend

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
class Plan:
    """What the /api gateway does to one request before serving it."""

    latency_ms: int = 0
    error: ApiError | None = None
    unlicensed: bool = False
    empty: bool = False


JOURNAL = "journal"  # the record stream of the request journal
TRAFFIC = "traffic"  # the record stream of bridged provider requests (providers.recorder)


@dataclass(frozen=True)
class Settings:
    """One version of the shared settings document, parsed."""

    version: int = 0
    scenario: str = "normal"
    slow_ms: int = DEFAULT_SLOW_MS
    faults: tuple[tuple[str, Fault], ...] = ()  # (counter id, fault), in the order they were added
    dataset: Document | None = None  # {"generation": N, "options": {...}}: see state.Datasets
    scripts: tuple[Document, ...] = ()  # scripted provider answers, {"id", "body"} (providers.scripts)
    traffic_epoch: int = 0  # bumped when recorded provider traffic is cleared (server.traffic)

    @staticmethod
    def parse(version: int, doc: Document) -> Settings:
        faults = tuple((str(f["id"]), _fault(f)) for f in doc.get("faults", ()))
        return Settings(
            version,
            str(doc.get("scenario", "normal")),
            int(doc.get("slow_ms", DEFAULT_SLOW_MS)),
            faults,
            doc.get("dataset"),
            tuple(doc.get("scripts", ())),
            int(doc.get("traffic_epoch", 0)),
        )


def _fault(raw: Document) -> Fault:
    return Fault(**{f.name: raw[f.name] for f in fields(Fault) if f.name in raw})


class Runtime:
    """The settings the admin API changes and the /api gateway consults, kept in a shared backend."""

    def __init__(self, backend: StateBackend) -> None:
        self.backend = backend
        self._lock = threading.Lock()
        self._current = Settings()

    def sync(self) -> Settings:
        """The current settings: re-read only when another process (or thread) changed them."""
        current = self._current
        if self.backend.version() == current.version:
            return current
        with self._lock:
            if self.backend.version() != self._current.version:
                self._current = Settings.parse(*self.backend.settings())
            return self._current

    def _update(self, change: Any) -> Settings:
        version, doc = self.backend.update(change)
        settings = Settings.parse(version, doc)
        with self._lock:
            if settings.version >= self._current.version:
                self._current = settings
        return settings

    def initialise(self, dataset: Document) -> Settings:
        """Publish the data set a new server starts with, unless the shared state already has one."""

        def change(doc: Document) -> Document:
            doc.setdefault("dataset", dataset)
            return doc

        return self._update(change)

    def publish_dataset(self, options: Document) -> Settings:
        """A reloaded data set: the next generation, with the options every process builds it from."""

        def change(doc: Document) -> Document:
            generation = int((doc.get("dataset") or {}).get("generation", 0)) + 1
            doc["dataset"] = {"generation": generation, "options": options}
            return doc

        return self._update(change)

    def set_scenario(self, name: str, latency_ms: int | None = None) -> None:
        if name not in SCENARIOS:
            raise ValueError(f"unknown scenario {name!r}; one of {', '.join(SCENARIOS)}")

        def change(doc: Document) -> Document:
            doc["scenario"] = name
            doc["slow_ms"] = DEFAULT_SLOW_MS if latency_ms is None else latency_ms
            return doc

        self._update(change)

    def add_fault(self, fault: Fault) -> None:
        """Add (or replace) the fault of a route; its request counter starts again at 0 (a new counter)."""

        def change(doc: Document) -> Document:
            number = int(doc.get("next_fault", 1))
            kept = [f for f in doc.get("faults", ()) if f"{f['method']} {f['path']}" != fault.route]
            doc["faults"] = [*kept, {**asdict(fault), "id": f"fault-{number}"}]
            doc["next_fault"] = number + 1
            return doc

        self._update(change)

    def clear_faults(self) -> None:
        def change(doc: Document) -> Document:
            doc["faults"] = []
            return doc

        self._update(change)

    def add_script(self, body: Document) -> str:
        """Keep a scripted-answers body (checked by the caller); its id names its shared counter."""
        assigned: list[str] = []

        def change(doc: Document) -> Document:
            number = int(doc.get("next_script", 1))
            assigned.append(f"script-{number}")
            doc["scripts"] = [*doc.get("scripts", ()), {"id": assigned[-1], "body": body}]
            doc["next_script"] = number + 1
            return doc

        self._update(change)
        return assigned[-1]

    def clear_scripts(self) -> None:
        def change(doc: Document) -> Document:
            doc["scripts"] = []
            return doc

        self._update(change)

    def clear_traffic(self) -> None:
        """Recorded provider traffic is gone for every process: a new epoch, then an empty stream."""

        def change(doc: Document) -> Document:
            doc["traffic_epoch"] = int(doc.get("traffic_epoch", 0)) + 1
            return doc

        self.backend.clear(TRAFFIC)
        self._update(change)

    def reset(self) -> None:
        """Back to a plain mock: normal scenario, no faults or scripts, empty journal (data stays)."""

        def change(doc: Document) -> Document:
            doc.update(scenario="normal", slow_ms=DEFAULT_SLOW_MS, faults=[], scripts=[])
            return doc

        self._update(change)
        self.clear_journal()

    def plan(self, method: str, path: str) -> Plan:
        """Decide latency and failure of one /api request; counts it against its route's fault."""
        settings = self.sync()
        scenario, slow_ms = settings.scenario, settings.slow_ms
        found = next(((key, f) for key, f in settings.faults if f.matches(method, path)), None)
        latency = slow_ms if scenario == "slow" else 0
        error = None
        if scenario == "failing":
            error = ApiError(500, "Internal error.", FAILING_DETAIL)
        if found is not None:
            key, fault = found
            index = self.backend.increment(key)  # only requests a fault matches touch the shared counter
            latency += fault.latency_ms
            if error is None and fault.fails(index):
                error = _fault_error(fault, index)
        return Plan(latency, error, unlicensed=scenario == "unlicensed", empty=scenario == "empty")

    def record(
        self, method: str, path: str, query: str, status: int, duration_ms: float, received_at: float
    ) -> None:
        entry = {
            "method": method,
            "path": path,
            "query": query,
            "status": status,
            "duration_ms": duration_ms,
            "received_at": received_at,
            "worker": os.getpid(),  # which process served it: workers share one journal
        }
        self.backend.append(JOURNAL, entry, cap=JOURNAL_SIZE)

    def journal(self) -> list[dict[str, Any]]:
        return [{"seq": seq, **entry} for seq, entry in self.backend.last(JOURNAL, JOURNAL_SIZE)]

    def clear_journal(self) -> None:
        self.backend.clear(JOURNAL)

    def describe(self) -> dict[str, Any]:
        """The settings as the admin API shows them."""
        settings = self.sync()
        counted = self.backend.counter
        faults = [{**asdict(f), "route": f.route, "requests": counted(key)} for key, f in settings.faults]
        return {
            "scenario": settings.scenario,
            "latency_ms": settings.slow_ms,  # the name POST /__admin/scenario takes it by
            "faults": faults,
            "journal_size": len(self.backend.last(JOURNAL, JOURNAL_SIZE)),
        }


def _fault_error(fault: Fault, index: int) -> ApiError:
    message = "Internal error." if fault.status >= 500 else "Injected fault."
    return ApiError(
        fault.status,
        message,
        f"aibridge-mock fault on {fault.route}: request #{index} fails "
        f"(seed {fault.seed}, rate {fault.error_rate}).",
    )
