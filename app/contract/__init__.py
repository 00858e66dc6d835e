"""The AI Bridge contract suite: verify any AI Bridge server, the mock or a real Coder deployment.

No Flask, numpy or Faker here, and nothing from the mock server: the suite talks HTTP only, so it
runs against any URL. Layers, one-way::

    options (what to verify; standard library only)
    era (the API generations, from their documents)  rejections (what coderd's parsers reject)
    client (HTTP + curl lines)  <-  body / walks / facts (reading answers, walking lists, discovery
    and which generation the server speaks)
    <-  checks (semantic checks)  and  schemathesis_run (fuzzing the generation's OpenAPI document)
    <-  runner (one result per check)  <-  report / cli / pytest_suite

The public names are imported on first use, so ``aibridge_mock.contract.cli`` can build the
``verify`` flags without the ``contract`` extra installed.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aibridge_mock.contract.options import VerifyOptions
    from aibridge_mock.contract.runner import CheckResult, Report, Verifier, all_check_names
    from aibridge_mock.contract.violations import CannotRunError, CheckSkipped, ContractViolation

__all__ = [
    "CannotRunError",
    "CheckResult",
    "CheckSkipped",
    "ContractViolation",
    "Report",
    "Verifier",
    "VerifyOptions",
    "all_check_names",
]
_HOME = {
    "VerifyOptions": "options",
    "CheckResult": "runner",
    "Report": "runner",
    "Verifier": "runner",
    "all_check_names": "runner",
    "CannotRunError": "violations",
    "CheckSkipped": "violations",
    "ContractViolation": "violations",
}


def __getattr__(name: str) -> Any:
    if name in _HOME:
        return getattr(importlib.import_module(f"aibridge_mock.contract.{_HOME[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
