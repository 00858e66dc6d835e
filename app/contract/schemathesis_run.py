"""The schemathesis part: the derived OpenAPI document, fuzzed with valid and invalid ``q`` strings.

Built-in checks: server errors, status codes, content types, response schemas, negative data
rejection, positive data acceptance (without 401/403 among the accepted answers, so a bad token
cannot pass) and ignored auth. Provider traffic answers undeclared methods (spec 1.7), so
``unsupported_method`` is off. Generation is deterministic for a seed, never shrinks, and uses
no example database or cache.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events, from_schema
from schemathesis.engine.recorder import ScenarioRecorder

from aibridge_mock.contract.casemap import CaseShaper
from aibridge_mock.contract.client import ContractClient, curl_command
from aibridge_mock.contract.facts import Facts
from aibridge_mock.contract.qgrammar import PATTERNS, valid_q
from aibridge_mock.contract.violations import SchemathesisViolation
from aibridge_mock.schemas import load_openapi

__all__ = ["OPERATIONS", "FuzzSettings", "OperationOutcome", "run_schemathesis"]

OPERATIONS = {
    "schemathesis-interceptions": "GET /aibridge/interceptions",
    "schemathesis-sessions": "GET /aibridge/sessions",
    "schemathesis-session-threads": "GET /aibridge/sessions/{session_id}",
    "schemathesis-models": "GET /aibridge/models",
    "schemathesis-clients": "GET /aibridge/clients",
}
BUILTIN_CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "positive_data_acceptance",
    "ignored_auth",
    "missing_required_header",
]
_Q_ENDPOINT = {
    "/aibridge/interceptions": "interceptions",
    "/aibridge/sessions": "sessions",
    "/aibridge/models": "models",
    "/aibridge/clients": "clients",
}
_SHOWN_HEADERS = {"coder-session-token", "authorization", "cookie"}
MAX_PER_OPERATION = 5


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
    successes: int = 0  # 2xx answers; none at all means the token never worked (schemathesis' missing_auth)


def document(strictness: str, facts: Facts) -> dict[str, Any]:
    """The derived document with a per-endpoint ``q`` format and grammar pattern."""
    doc = load_openapi("v5", strictness)
    if not facts.interceptions_served:
        doc["paths"].pop("/aibridge/interceptions", None)
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


def run_schemathesis(
    client: ContractClient, facts: Facts, settings: FuzzSettings, labels: Iterable[str]
) -> dict[str, OperationOutcome]:
    """Fuzz the operations named by ``labels`` (``GET /aibridge/...``); one outcome per label."""
    wanted = set(labels)
    shaper = CaseShaper(facts)
    for endpoint in _Q_ENDPOINT.values():
        strategy = valid_q(endpoint, facts.vocab).map(shaper.remember)
        schemathesis.openapi.format(f"aibridge-q-{endpoint}", strategy)
    config = _config(client, settings)
    schema = schemathesis.openapi.from_dict(document(settings.strictness, facts), config=config)
    schema.config.checks.update(included_check_names=BUILTIN_CHECKS)

    # Hooks must be plain functions (schemathesis sets attributes on them), not bound methods.
    def filter_case(context: Any, case: Any) -> bool:
        return shaper.filter_case(context, case)

    def map_case(context: Any, case: Any) -> Any:
        return shaper.map_case(context, case)

    schema.hook("filter_case")(filter_case)
    schema.hook("map_case")(map_case)
    selected = schema.include(lambda ctx: ctx.operation.label in wanted)
    outcomes = {label: OperationOutcome(label) for label in wanted}
    for event in from_schema(selected).execute():
        if isinstance(event, events.ScenarioFinished) and event.label in outcomes:
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
    for outcome in outcomes.values():
        if outcome.cases and not outcome.successes:
            outcome.violations.append(
                SchemathesisViolation(
                    f"none of {outcome.cases} requests succeeded: the token does not authenticate here",
                    code="ST401",
                    title="Authentication failed",
                )
            )
    return outcomes


def _collect(outcome: OperationOutcome, recorder: ScenarioRecorder, client: ContractClient) -> None:
    outcome.cases += len(recorder.cases)
    outcome.requests += [f"{i.request.method} {i.request.uri}" for i in recorder.interactions.values()]
    outcome.successes += sum(
        1
        for i in recorder.interactions.values()
        if i.response is not None and 200 <= i.response.status_code < 300
    )
    seen = {(v.code, v.title, v.path) for v in outcome.violations}
    for case_id, nodes in recorder.checks.items():
        for node in nodes:
            if node.failure_info is None or len(outcome.violations) >= MAX_PER_OPERATION:
                continue
            failure = node.failure_info.failure
            interaction = recorder.interactions.get(failure.case_id or case_id)
            curl = ""
            if interaction is not None:
                request = interaction.request
                headers = {k: v[0] for k, v in request.headers.items() if k.lower() in _SHOWN_HEADERS and v}
                curl = curl_command(request.method, request.uri, headers, client.secrets)
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


def _first_lines(text: str, lines: int = 4) -> str:
    kept = [line for line in text.strip().splitlines() if line.strip()][:lines]
    return " / ".join(kept)[:400]
