"""The AI Bridge contract suite: verify any AI Bridge server, the mock or a real Coder deployment.

No Flask here: the suite talks HTTP only, so it runs against any URL. Layers, one-way:
``client`` (HTTP + curl lines) <- ``body``/``walks``/``facts`` (reading answers, walking lists,
discovery) <- ``checks`` (semantic checks) and ``schemathesis_run`` (fuzzing the OpenAPI document)
<- ``runner`` (one result per check) <- ``report`` / ``cli`` / ``pytest_suite``.
"""

from __future__ import annotations

from aibridge_mock.contract.runner import CheckResult, Report, Verifier, VerifyOptions, all_check_names
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
