"""The negative-input run (issue 11) at smoke size: hostile requests against a served mock."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_hostile_requests_get_no_5xx_no_hang_and_healthz_answers_after() -> None:
    # About 150 connections of every kind the full run sends, against `aibridge-mock serve` (gunicorn).
    command = [sys.executable, "benchmarks/negative_input.py", "--scale", "0.05", "--interceptions", "2000"]
    done = subprocess.run(
        [*command, "--check", "--json", "--timeout", "20"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert (summary["5xx"], summary["hangs"], summary["healthz"]) == (0, 0, 200)
    assert set(summary["by_input"]) >= {
        "bad escapes",
        "invalid UTF-8 (path)",
        "large",
        "pipelining",
        "half-sent",
    }
