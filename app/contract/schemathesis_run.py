"""The schemathesis part: the server's generation's derived document, fuzzed with valid and invalid ``q``.

Built-in checks: server errors, status codes, content types, response schemas, positive data
acceptance (without 401/403 among the accepted answers, so a bad token cannot pass) and ignored
auth. Provider traffic answers undeclared methods (spec 1.7), so ``unsupported_method`` is off.

Negative data: the document cannot say everything coderd accepts (``?after_id=`` is "not set",
``q`` is a grammar), so schemathesis' own ``negative_data_rejection`` would call a correct server
wrong. :func:`coderd_rejects_what_it_must` replaces it: it judges the query string each request
really carried with coderd's parsers (:mod:`.rejections`) and reports a 2xx as a violation (ST201)
only when coderd itself would have answered 400. Positive cases coderd would reject are dropped.

Generation is deterministic for a seed, never shrinks, and uses no example database or cache;
Hypothesis' own files go to a temporary directory, not the caller's working directory.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

import schemathesis
from hypothesis.configuration import set_hypothesis_home_dir
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import AcceptedNegativeData
from schemathesis.engine import events, from_schema
from schemathesis.engine.recorder import ScenarioRecorder

from aibridge_mock.contract.casemap import CaseShaper
from aibridge_mock.contract.client import ContractClient, curl_command
from aibridge_mock.contract.facts import Facts
from aibridge_mock.contract.qgrammar import PATTERNS, valid_q
from aibridge_mock.contract.rejections import OPERATIONS as LABEL_OPERATIONS
from aibridge_mock.contract.rejections import operation_of, rejection
from aibridge_mock.contract.violations import SchemathesisViolation

__all__ = [
    "OPERATIONS",
    "FuzzSettings",
    "OperationOutcome",
    "coderd_rejects_what_it_must",
    "run_schemathesis",
]

OPERATIONS = {
    "schemathesis-interceptions": "GET /aibridge/interceptions",
    "schemathesis-sessions": "GET /aibridge/sessions",
    "schemathesis-session-threads": "GET /aibridge/sessions/{session_id}",
    "schemathesis-models": "GET /aibridge/models",
    "schemathesis-clients": "GET /aibridge/clients",
}
_Q_ENDPOINT = {
    "/aibridge/interceptions": "interceptions",
    "/aibridge/sessions": "sessions",
    "/aibridge/models": "models",
    "/aibridge/clients": "clients",
}
_SHOWN_HEADERS = {"coder-session-token", "authorization", "cookie"}
_REFUSED = {401, 403}
MAX_PER_OPERATION = 5
Notify = Callable[[str], None]


@schemathesis.check
def coderd_rejects_what_it_must(ctx: Any, response: Any, case: Any) -> bool | None:
    """A request coderd answers with 400 must not be accepted (ST201); the judge is coderd's parsers."""
    operation = operation_of(case.operation.label)
    request = response.request
    if operation is None or response.status_code >= 400 or (request.method or "").upper() != "GET":
        return None
    reason = rejection(operation, urlsplit(request.url or "").query)
    if reason is None:
        return None
    raise AcceptedNegativeData(
        operation=case.operation.label,
        message=f"coderd rejects this request with 400: {reason}\nExpected: 4xx",
        status_code=response.status_code,
        expected_statuses=["4xx"],
    )


ENABLED_CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "positive_data_acceptance",
    "ignored_auth",
    "missing_required_header",
    coderd_rejects_what_it_must.__name__,
]


@dataclass(frozen=True)
class FuzzSettings:
    strictness: str
    max_examples: int
    seed: int
    rate_limit: str | None = None


@dataclass
class OperationOutcome:
    """What schemathesis found for one operation."""

    label: str
    cases: int = 0
    violations: list[SchemathesisViolation] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)  # "METHOD URL" in the order sent: same seed, same list
    statuses: list[int] = field(default_factory=list)  # answers to positive cases, the token's own requests
    refused: str = ""  # the first of them answered 401/403, as a curl line


def served_labels(facts: Facts) -> list[str]:
    """The operations (``GET /aibridge/...``) this server serves."""
    return [label for label, operation in LABEL_OPERATIONS.items() if facts.serves(operation)]


def document(strictness: str, facts: Facts) -> dict[str, Any]:
    """The generation's document, only what the server serves, with a ``q`` format and pattern each."""
    doc = facts.era.document(strictness)
    served = served_labels(facts)
    for path in list(doc["paths"]):
        if f"GET {path}" not in served:
            doc["paths"].pop(path)
    for path, endpoint in _Q_ENDPOINT.items():
        for param in doc["paths"].get(path, {}).get("get", {}).get("parameters", []):
            if param["name"] == "q":
                param["schema"] = {
                    **param["schema"],
                    "format": f"aibridge-q-{endpoint}",
                    "pattern": PATTERNS[endpoint],
                }
    return doc


def _config(client: ContractClient, settings: FuzzSettings) -> SchemathesisConfig:
    project: dict[str, Any] = {
        "seed": settings.seed,
        "base-url": client.api_url,
        "continue-on-failure": True,
        "generation": {
            "max-examples": settings.max_examples,
            "deterministic": True,
            "no-shrink": True,
            "database": "none",
        },
        "phases": {"stateful": {"enabled": False}},
        "analysis": {"constants": {"enabled": False}},  # mined constants would differ in-process vs over HTTP
        "cache": {"enabled": False},
        "auth": {"openapi": {"CoderSessionToken": {"api_key": client.token or ""}}},
        "checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "404", "429"]}},
    }
    if settings.rate_limit:
        project["rate-limit"] = settings.rate_limit
    return SchemathesisConfig.from_dict(project)


@contextmanager
def _hypothesis_files_elsewhere() -> Iterator[None]:
    """Hypothesis writes caches under ``.hypothesis/`` in the working directory; keep the caller's clean."""
    with tempfile.TemporaryDirectory(prefix="aibridge-verify-") as directory:
        set_hypothesis_home_dir(directory)
        try:
            yield
        finally:
            set_hypothesis_home_dir(None)


def _query_of(case: Any) -> str:
    """The query string a positive case will carry, near enough to judge it; without ``q``, which
    ``map_case`` replaces by a valid one unless the grammar produced it."""
    query = {k: v for k, v in (case.query or {}).items() if k != "q"}
    pairs = [(k, v) for k, vs in query.items() for v in (vs if isinstance(vs, list) else [vs])]
    return urlencode([(k, _wire(v)) for k, v in pairs])


def _wire(value: Any) -> str:
    if value is None:
        return ""
    return str(value).lower() if isinstance(value, bool) else str(value)


def run_schemathesis(
    client: ContractClient,
    facts: Facts,
    settings: FuzzSettings,
    labels: Iterable[str],
    notify: Notify | None = None,
) -> dict[str, OperationOutcome]:
    """Fuzz the operations named by ``labels`` (``GET /aibridge/...``); one outcome per label."""
    wanted = set(labels)
    shaper = CaseShaper(facts)
    for endpoint in _Q_ENDPOINT.values():
        strategy = valid_q(endpoint, facts.vocab, facts.era).map(shaper.remember)
        schemathesis.openapi.format(f"aibridge-q-{endpoint}", strategy)
    config = _config(client, settings)
    schema = schemathesis.openapi.from_dict(document(settings.strictness, facts), config=config)
    schema.config.checks.update(included_check_names=ENABLED_CHECKS)

    # Hooks must be plain functions (schemathesis sets attributes on them), not bound methods.
    def filter_case(context: Any, case: Any) -> bool:
        """Drop positive cases coderd rejects anyway (a cursor with an offset, after_id with before_id)."""
        operation = operation_of(case.operation.label)
        return not (_positive(case) and operation is not None and rejection(operation, _query_of(case)))

    def map_case(context: Any, case: Any) -> Any:
        return shaper.map_case(context, case)

    schema.hook("filter_case")(filter_case)
    schema.hook("map_case")(map_case)
    selected = schema.include(lambda ctx: ctx.operation.label in wanted)
    outcomes = {label: OperationOutcome(label) for label in wanted}
    with _hypothesis_files_elsewhere():
        for event in from_schema(selected).execute():
            _handle(event, outcomes, client, notify)
    for outcome in outcomes.values():
        if outcome.statuses and all(s in _REFUSED for s in outcome.statuses):
            outcome.violations.append(
                SchemathesisViolation(
                    f"all {len(outcome.statuses)} valid requests were refused with 401/403: "
                    "the token does not authenticate here",
                    code="ST401",
                    title="Authentication failed",
                    request=outcome.refused,
                )
            )
    return outcomes


def _handle(
    event: Any, outcomes: dict[str, OperationOutcome], client: ContractClient, notify: Notify | None
) -> None:
    if isinstance(event, events.ScenarioStarted) and notify is not None and event.label:
        notify(f"schemathesis {event.phase}: {event.label}")
    elif isinstance(event, events.ScenarioFinished) and event.label in outcomes:
        _collect(outcomes[event.label], event.recorder, client)
    elif isinstance(event, events.NonFatalError) and event.label in outcomes:
        outcomes[event.label].violations.append(
            SchemathesisViolation(
                f"schemathesis could not test this operation: {event.value}",
                code="ERROR",
                title="Run error",
            )
        )
    elif isinstance(event, events.FatalError):
        raise RuntimeError(f"schemathesis failed: {event.exception}") from event.exception


def _positive(case: Any) -> bool:
    return case.meta is None or case.meta.generation.mode.is_positive


def _collect(outcome: OperationOutcome, recorder: ScenarioRecorder, client: ContractClient) -> None:
    outcome.cases += len(recorder.cases)
    outcome.requests += [f"{i.request.method} {i.request.uri}" for i in recorder.interactions.values()]
    for case_id, exchange in recorder.interactions.items():
        case_node = recorder.cases.get(case_id)
        if case_node is None or case_node.parent_id is not None or exchange.response is None:
            continue  # probes derived by checks (ignored_auth drops the token on purpose)
        if _positive(case_node.value) and exchange.request.method == "GET":
            outcome.statuses.append(exchange.response.status_code)
            if exchange.response.status_code in _REFUSED and not outcome.refused:
                outcome.refused = _curl(exchange.request, client)
    seen = {(v.code, v.title, v.path) for v in outcome.violations}
    for case_id, nodes in recorder.checks.items():
        for node in nodes:
            if node.failure_info is None or len(outcome.violations) >= MAX_PER_OPERATION:
                continue
            failure = node.failure_info.failure
            interaction = recorder.interactions.get(failure.case_id or case_id)
            curl = _curl(interaction.request, client) if interaction is not None else ""
            instance_path = getattr(failure, "instance_path", None)
            path = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in instance_path or [])
            key = (failure.code, failure.title, path)
            if key in seen:
                continue
            seen.add(key)
            message = getattr(failure, "validation_message", "") or failure.message
            outcome.violations.append(
                SchemathesisViolation(
                    _first_lines(message), code=failure.code, title=failure.title, request=curl, path=path
                )
            )


def _curl(request: Any, client: ContractClient) -> str:
    headers = {k: v[0] for k, v in request.headers.items() if k.lower() in _SHOWN_HEADERS and v}
    return curl_command(request.method, request.uri, headers, client.secrets)


def _first_lines(text: str, lines: int = 4) -> str:
    kept = [line for line in text.strip().splitlines() if line.strip()][:lines]
    return " / ".join(kept)[:400]
