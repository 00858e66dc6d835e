"""No false alarm, at full size: ``aibridge-mock verify`` against correct mocks, every combination.

For each generation, data set and seed it starts ``aibridge-mock serve`` (gunicorn, as a user runs
it: its data ends when it starts; one data set also runs a live clock), then runs ``aibridge-mock
verify`` (the console script, its default options but for the matrix's) once per strictness level
and ``--max-examples`` value, always with a member token. Every run must exit 0.
``tests/contract/test_no_false_alarm.py`` is the CI-sized subset of this.

    .venv/bin/python benchmarks/verify_matrix.py                  # the full matrix (see --help)
    .venv/bin/python benchmarks/verify_matrix.py --quick          # one seed, default and 200 examples
    .venv/bin/python benchmarks/verify_matrix.py --generations v5 --sizes 0,5000 --seeds 3

It prints one line per run and writes the table, with the machine and the load average, to
``benchmarks/VERIFY-MATRIX.md`` (``--out``); a failing run's whole output goes there too. The exit
status is 1 when any run did not exit 0.
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from servers import MOCK, ROOT, Process, free_port, personas

FIXTURES = tuple(sorted(str(p) for p in (ROOT / "fixtures").glob("*.json") if ".schema." not in p.name))
GENERATIONS = ("v1", "v2", "v3", "v4", "v5")
SIZES = (0, 1, 50, 5_000, 100_000)
SEEDS = (1, 2, 3)
STRICTNESS = ("compatible", "strict")
EXAMPLES = (0, 20, 100, 200)  # 0: verify's default (50)
OUT = ROOT / "benchmarks" / "VERIFY-MATRIX.md"
LIVE_SIZE = 5_000  # the live data set: its clock goes on while verify runs
T = TypeVar("T")


@dataclass(frozen=True)
class DataSet:
    generation: str
    seed: int
    interceptions: int
    fixtures: bool
    live: bool = False

    @property
    def label(self) -> str:
        data = (
            f"{self.interceptions:,}"
            + (" + fixtures" if self.fixtures else "")
            + (" live" if self.live else "")
        )
        return f"{self.generation} seed {self.seed} {data}"


@dataclass(frozen=True)
class Run:
    data: DataSet
    strictness: str
    max_examples: int
    code: int
    seconds: float
    summary: str  # verify's last line
    output: str

    @property
    def examples(self) -> str:
        return str(self.max_examples) if self.max_examples else "default"


def tokens(seed: int) -> tuple[str, str]:
    """The owner's and the first member's tokens of a seed."""
    found = personas(seed)
    member = next(p for p in found if p["role"] == "member")
    return found[0]["token"], member["token"]


def serve(data: DataSet) -> Process:
    port = free_port()
    args = [
        str(MOCK),
        "serve",
        "--port",
        str(port),
        "--seed",
        str(data.seed),
        "--interceptions",
        str(data.interceptions),
        "--generation",
        data.generation,
    ]
    if data.fixtures:
        args += ["--fixtures", *FIXTURES]
    if data.live:
        args.append("--live")  # serve's data already ends at start ("--anchor now"); live goes on
    env = {**os.environ, "AIBRIDGE_MOCK_ACCESS_LOG": "false"}
    return Process(args, f"http://127.0.0.1:{port}", "/readyz", env)


def verify(data: DataSet, url: str, owner: str, member: str, strictness: str, examples: int) -> Run:
    args = [str(MOCK), "verify", "--url", url, "--token", owner, "--member-token", member]
    args += ["--strictness", strictness] + (["--max-examples", str(examples)] if examples else [])
    started = time.monotonic()
    result = subprocess.run(args, capture_output=True, text=True, timeout=1800, cwd=ROOT)
    seconds = time.monotonic() - started
    output = result.stdout + result.stderr
    lines = [line for line in output.strip().splitlines() if line.strip()]
    return Run(data, strictness, examples, result.returncode, seconds, lines[-1] if lines else "", output)


def data_sets(args: argparse.Namespace) -> list[DataSet]:
    sizes = [(n, False, False) for n in args.sizes]
    sizes += [(0, True, False), (50, True, False)] if args.fixtures else []
    sizes += [(LIVE_SIZE, False, True)] if args.live else []
    return [
        DataSet(generation, seed, n, fixtures, live)
        for generation, seed, (n, fixtures, live) in itertools.product(args.generations, args.seeds, sizes)
    ]


def render(runs: list[Run], wall: float) -> str:
    failed = [r for r in runs if r.code != 0]
    load = os.getloadavg()
    lines = [
        "# The no-false-alarm matrix: `aibridge-mock verify` against correct mocks",
        "",
        f"Run {time.strftime('%Y-%m-%d %H:%M %Z')} on {platform.node() or 'this machine'} "
        f"({os.cpu_count()} cores, Python {platform.python_version()}; load average at the end "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}), by `benchmarks/verify_matrix.py "
        f"{' '.join(sys.argv[1:])}`.".replace(" `.", "`."),
        "",
        f"**{len(runs)} runs, {len(failed)} not exiting 0**, in {wall / 60:.1f} minutes "
        f"(servers started {len({r.data for r in runs})} times).",
        "",
        "| Generation, seed, data set | Strictness | Max examples | Exit | Seconds | Summary |",
        "|---|---|---|---|---|---|",
    ]
    for r in runs:
        lines.append(
            f"| {r.data.label} | {r.strictness} | {r.examples} | {r.code} | {r.seconds:.1f} | {r.summary} |"
        )
    for r in failed:
        lines += ["", f"## {r.data.label}, {r.strictness}, max-examples {r.examples}: exit {r.code}", ""]
        lines += ["```", r.output.rstrip(), "```"]
    return "\n".join(lines) + "\n"


def _list(kind: Callable[[str], T]) -> Callable[[str], tuple[T, ...]]:
    """An argparse type: comma-separated values."""
    return lambda text: tuple(kind(v) for v in text.split(",") if v)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--generations", type=_list(str), default=GENERATIONS)
    parser.add_argument("--sizes", type=_list(int), default=SIZES, help="interceptions generated")
    parser.add_argument("--seeds", type=_list(int), default=SEEDS)
    parser.add_argument("--strictness", type=_list(str), default=STRICTNESS)
    parser.add_argument("--examples", type=_list(int), default=EXAMPLES, help="--max-examples; 0 = default")
    parser.add_argument(
        "--no-fixtures", dest="fixtures", action="store_false", help="skip the fixture data sets"
    )
    parser.add_argument("--no-live", dest="live", action="store_false", help="skip the live data set")
    parser.add_argument("--quick", action="store_true", help="one seed, the default and 200 examples")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    if args.quick:
        args.seeds, args.examples = args.seeds[:1], (0, 200)
    if not MOCK.exists():
        print(f"{MOCK} not found: run `make setup` first", file=sys.stderr)
        return 2
    sets = data_sets(args)
    total = len(sets) * len(args.strictness) * len(args.examples)
    print(f"{total} runs over {len(sets)} data sets", flush=True)
    runs: list[Run] = []
    started = time.monotonic()
    for data in sets:
        owner, member = tokens(data.seed)
        server = serve(data)
        try:
            for strictness, examples in itertools.product(args.strictness, args.examples):
                run = verify(data, server.base, owner, member, strictness, examples)
                runs.append(run)
                mark = "ok  " if run.code == 0 else "FAIL"
                print(
                    f"{mark} {len(runs):>4}/{total} {data.label:<32} {strictness:<10} {run.examples:<7} "
                    f"{run.seconds:6.1f}s  {run.summary}",
                    flush=True,
                )
        finally:
            server.stop()
    wall = time.monotonic() - started
    args.out.write_text(render(runs, wall), encoding="utf-8")
    failed = sum(1 for r in runs if r.code != 0)
    print(f"{len(runs)} runs, {failed} not exiting 0, in {wall / 60:.1f} min; table in {args.out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
