"""The contract suite in pytest: against AIBRIDGE_MOCK_VERIFY_URL when set, else the mock in-process.

The tests and the verifier fixture come from aibridge_mock.contract.pytest_suite, exactly as a team would
import them; conftest.py supplies the target.
"""

from __future__ import annotations

from aibridge_mock.contract.pytest_suite import aibridge_verifier, test_server_honours_the_contract

__all__ = ["aibridge_verifier", "test_server_honours_the_contract"]
