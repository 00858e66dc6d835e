"""What the proxy has seen: requests, contract violations by rule, upstream errors.

Served as JSON at ``GET /__proxy/report`` and printed as a summary when the proxy stops. Memory
stays bounded: counters, plus the first few examples of each rule.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from aibridge_mock.server.validation import Breach

__all__ = ["ProxyReport", "Violation"]

EXAMPLES_PER_RULE = 5


@dataclass(frozen=True)
class Violation:
    """One answer that broke the contract, and the request that reproduces it."""

    breach: Breach
    status: int
    curl: str

    def line(self) -> str:
        """The log line: endpoint, status, JSON path, what is wrong, and the curl command."""
        b = self.breach
        where = f"{b.endpoint} -> {self.status}: {b.json_path}"
        return f"VIOLATION {where}: {b.message} (rule: {b.rule}) | {self.curl}"

    def as_json(self) -> dict[str, Any]:
        b = self.breach
        return {
            "endpoint": b.endpoint,
            "status": self.status,
            "json_path": b.json_path,
            "rule": b.rule,
            "message": b.message,
            "curl": self.curl,
        }


class ProxyReport:
    """Counters shared by every request thread."""

    def __init__(self, upstream: str, generation: str, detection: str, validation: str) -> None:
        self.upstream = upstream
        self.generation = generation
        self.detection = detection
        self.validation = validation
        self._started = time.time()
        self._lock = threading.Lock()
        self._requests: Counter[str] = Counter()
        self._checked = 0
        self._unchecked = 0
        self._rules: Counter[str] = Counter()
        self._examples: dict[str, list[Violation]] = {}
        self._upstream_errors: Counter[str] = Counter()

    def request(self, kind: str) -> None:
        """One request relayed (``kind``: a management operation, or ``other``)."""
        with self._lock:
            self._requests[kind] += 1

    def checked(self, done: bool = True) -> None:
        with self._lock:
            if done:
                self._checked += 1
            else:
                self._unchecked += 1

    def violation(self, found: Violation) -> None:
        with self._lock:
            rule = found.breach.rule
            self._rules[rule] += 1
            examples = self._examples.setdefault(rule, [])
            if len(examples) < EXAMPLES_PER_RULE:
                examples.append(found)

    def upstream_error(self, what: str) -> None:
        """A 5xx answer (``"503"``) or no answer at all (``"unreachable"``)."""
        with self._lock:
            self._upstream_errors[what] += 1

    @property
    def violations(self) -> int:
        with self._lock:
            return sum(self._rules.values())

    def as_json(self, recording: dict[str, Any] | None = None) -> dict[str, Any]:
        """The report served at ``/__proxy/report``."""
        with self._lock:
            body: dict[str, Any] = {
                "upstream": self.upstream,
                "generation": self.generation,
                "generation_source": self.detection,
                "validation": self.validation,
                "since": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self._started)),
                "requests": {"total": sum(self._requests.values()), **dict(sorted(self._requests.items()))},
                "checked": self._checked,
                "unchecked": self._unchecked,
                "violations": {
                    "total": sum(self._rules.values()),
                    "by_rule": dict(self._rules.most_common()),
                    "examples": [
                        v.as_json() for rule in sorted(self._examples) for v in self._examples[rule]
                    ],
                },
                "upstream_errors": {
                    "total": sum(self._upstream_errors.values()),
                    **dict(sorted(self._upstream_errors.items())),
                },
            }
        if recording is not None:
            body["recording"] = recording
        return body

    def summary(self, recording: dict[str, Any] | None = None) -> str:
        """The lines printed when the proxy stops."""
        data = self.as_json(recording)
        requests, violations, errors = data["requests"], data["violations"], data["upstream_errors"]
        kinds = ", ".join(f"{k} {v}" for k, v in requests.items() if k != "total")
        lines = [
            f"aibridge-mock proxy: {requests['total']} requests to {self.upstream} ({self.generation})"
            + (f": {kinds}" if kinds else ""),
            f"  checked {data['checked']} management answers ({data['unchecked']} in an encoding not read)",
            f"  violations: {violations['total']}"
            + "".join(f"\n    {rule}: {n}" for rule, n in violations["by_rule"].items()),
            f"  upstream errors: {errors['total']}"
            + "".join(f"\n    {what}: {n}" for what, n in errors.items() if what != "total"),
        ]
        lines += [f"    e.g. {Violation(*_example(e)).line()}" for e in violations["examples"][:3]]
        if recording is not None:
            lines.append(
                f"  recorded into {recording['file']}: {recording['interceptions']} interceptions, "
                f"{recording['users']} users, {recording['sessions']} sessions, "
                f"{recording['threads']} threads"
            )
        return "\n".join(lines)


def _example(item: dict[str, Any]) -> tuple[Breach, int, str]:
    breach = Breach(item["endpoint"], item["json_path"], item["rule"], item["message"])
    return breach, item["status"], item["curl"]
