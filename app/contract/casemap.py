"""A schemathesis hook that keeps generated cases meaningful for this API.

OpenAPI cannot say that cursors must name existing rows or what ``q`` means, so positive cases
would be rejected for reasons the document does not state. ``map_case`` (which, unlike
``map_query``, also sees coverage-phase cases) points positive cursors and session ids at rows
the server has, replaces any positive ``q`` not produced by the grammar with a valid one, and
turns every ``q`` that schemathesis negated into an invalid one from the grammar, so the server
must reject it. (Cases that pair a cursor with an offset are dropped by coderd's own rules, see
:mod:`.rejections`.)
"""

from __future__ import annotations

import threading
import zlib
from typing import Any

from aibridge_mock.contract.facts import Facts
from aibridge_mock.contract.qgrammar import invalid_q, term

__all__ = ["CaseShaper"]

_ENDPOINTS = {
    "GET /aibridge/interceptions": "interceptions",
    "GET /aibridge/sessions": "sessions",
    "GET /aibridge/models": "models",
    "GET /aibridge/clients": "clients",
    "GET /aibridge/sessions/{session_id}": "threads",
}


def _crc(value: object) -> int:
    """A process-independent hash: str hashes are randomised per process."""
    return zlib.crc32(repr(value).encode())


def _positive(case: Any) -> bool:
    return case.meta is None or case.meta.generation.mode.is_positive


def _negated_parameter(case: Any) -> str | None:
    data = getattr(getattr(case.meta, "phase", None), "data", None)
    return getattr(data, "parameter", None)


class CaseShaper:
    """Per-run hooks built from what discovery found on the server."""

    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        self._produced: set[str] = set()
        self._lock = threading.Lock()
        self.interception_ids = [str(i["id"]) for i in facts.interceptions if isinstance(i.get("id"), str)]
        self.session_ids = list(facts.vocab.session_ids)
        self.threaded = sorted(facts.threads.items())
        self.fallback_q = self._fallbacks()

    def remember(self, q: str) -> str:
        """Wraps the grammar strategies: a ``q`` they produced needs no replacing."""
        with self._lock:
            self._produced.add(q)
        return q

    def _fallbacks(self) -> dict[str, list[str]]:
        vocab = self.facts.vocab
        common = (
            [""]
            + [term("provider", p) for p in vocab.usable(vocab.providers)[:2]]
            + [term("model", m) for m in vocab.usable(vocab.models)[:2]]
        )
        return {
            "interceptions": [*common, "initiator:me"],
            "sessions": [*common, "initiator:me"] + [term("session_id", s) for s in self.session_ids[:1]],
            "models": ["", *(term("model", m[:3]) for m in vocab.usable(vocab.models)[:2])],
            "clients": ["", *(term("client", c[:4]) for c in vocab.usable(vocab.clients)[:2])],
        }

    def map_case(self, context: Any, case: Any) -> Any:
        endpoint = _ENDPOINTS.get(case.operation.label)
        if endpoint is None:
            return case
        query = case.query if case.query is not None else {}
        if not _positive(case):
            if _negated_parameter(case) == "q" and endpoint != "threads":
                query["q"] = invalid_q(endpoint, self.facts.vocab, _crc(query.get("q")))
                case.query = query
            return case
        if endpoint != "threads" and "q" in query and str(query["q"]) not in self._produced:
            options = self.fallback_q[endpoint]
            query["q"] = options[_crc(query["q"]) % len(options)]
        if endpoint == "interceptions":
            self._cursor(query, "after_id", self.interception_ids)
        elif endpoint == "sessions":
            self._cursor(query, "after_session_id", self.session_ids)
        elif endpoint == "threads":
            self._threads(case, query)
        case.query = query
        return case

    @staticmethod
    def _cursor(query: dict[str, Any], name: str, pool: list[str]) -> None:
        if not query.get(name):
            return
        if pool:
            query[name] = pool[_crc(query[name]) % len(pool)]
        else:
            query.pop(name)

    def _threads(self, case: Any, query: dict[str, Any]) -> None:
        cursor = next((n for n in ("after_id", "before_id") if query.get(n)), None)
        params = case.path_parameters if case.path_parameters is not None else {}
        if cursor is not None:
            if not self.threaded:
                query.pop(cursor)
            else:
                session_id, thread_ids = self.threaded[_crc(query[cursor]) % len(self.threaded)]
                params["session_id"] = session_id
                query[cursor] = thread_ids[_crc(query[cursor]) % len(thread_ids)]
        elif self.session_ids and _crc(params.get("session_id")) % 4:
            # Mostly real sessions (200s to validate), sometimes the generated id (404s).
            params["session_id"] = self.session_ids[_crc(params.get("session_id")) % len(self.session_ids)]
        case.path_parameters = params
