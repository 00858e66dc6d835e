"""Fixtures of the proxy tests; their helpers are in tests/proxy_helpers.py."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def record_file(tmp_path: Path) -> Path:
    return tmp_path / "recording.json"
