"""Semantic checks no schema can express, grouped by concern; importing this package registers them."""

from __future__ import annotations

from aibridge_mock.contract.checks import (  # noqa: F401  (imported for their @check registrations)
    consistency,
    cursors,
    errors,
    filters,
    ordering,
    pagination,
    permissions,
)
from aibridge_mock.contract.checks.registry import REGISTRY, Check, CheckContext, check

__all__ = ["REGISTRY", "Check", "CheckContext", "check"]
