"""No false alarm: ``verify`` with its default options passes every correct mock it is pointed at.

A matrix sized for CI: every API generation, both strictness levels, data sets from empty to
100,000 interceptions, the example fixtures, a live clock, several seeds, and ``--max-examples``
from the CI preset to 200, each value of each dimension at least once, always with a member token. Each case
is one ``aibridge-mock verify`` run against the mock served over HTTP, and must exit 0. The full
product of these dimensions is ``benchmarks/verify_matrix.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from served import served

from aibridge_mock.contract.cli import cli_verify
from aibridge_mock.schemas import example_fixtures
from aibridge_mock.server.app import create_app
from aibridge_mock.server.config import Config
from aibridge_mock.server.extension import mock_of

FIXTURES = tuple(Path(str(f)) for f in example_fixtures())


@dataclass(frozen=True)
class Case:
    generation: str
    seed: int
    interceptions: int
    strictness: str = "compatible"
    max_examples: int | None = None  # None: verify's default (50)
    fixtures: tuple[Path, ...] = ()
    live: bool = False  # data ending now and going on while the suite runs (--anchor now --live)

    @property
    def id(self) -> str:
        data = (
            f"{self.interceptions}" + ("+fixtures" if self.fixtures else "") + ("-live" if self.live else "")
        )
        examples = f"n{self.max_examples}" if self.max_examples else "default"
        return f"{self.generation}-seed{self.seed}-{data}-{self.strictness}-{examples}"


CASES = [
    Case("v5", 11, 3000),  # issue 10's false alarm: after_id=&before_id= on a session
    Case("v5", 2, 0),  # nothing to test: checks skip with a reason, none fails
    Case("v5", 3, 1, "strict", 20),
    Case("v5", 4, 50, "strict", 100),
    Case("v5", 5, 5000, "compatible", 200),
    Case("v5", 6, 100_000, "compatible", 20),
    Case("v5", 1, 0, "strict", fixtures=FIXTURES),
    Case("v5", 12, 50, "compatible", 100, FIXTURES),
    Case("v4", 7, 5000, "strict"),
    Case("v3", 8, 5000, "compatible"),
    Case("v2", 9, 50, "strict"),
    Case("v1", 10, 5000, "strict"),
    Case("v1", 13, 0, "compatible", fixtures=FIXTURES),
    Case("v5", 14, 5000, "compatible", 20, live=True),
]


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_verify_passes_a_correct_mock(case: Case, capsys: pytest.CaptureFixture[str]) -> None:
    config = Config(
        seed=case.seed,
        interceptions=case.interceptions,
        generation=case.generation,
        fixtures=case.fixtures,
        access_log=False,
        **({"anchor": "now", "live": True} if case.live else {}),
    )
    app = create_app(config)
    tokens = [p.token for p in mock_of(app).datasets.snapshot.dataset.personas]
    args = ["--token", tokens[0], "--member-token", tokens[2], "--strictness", case.strictness]
    if case.max_examples:
        args += ["--max-examples", str(case.max_examples)]
    with served(app) as url:
        code = cli_verify(["--url", url, *args])
    out = capsys.readouterr()
    assert code == 0, out.out + out.err
    assert "FAIL" not in out.out and "ERROR" not in out.out
    assert f"(generation {case.generation} (" in out.out
