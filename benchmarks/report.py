"""The benchmark's output: the targets table, every load run, and the machine it ran on."""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from load import Result


@dataclass(frozen=True)
class Row:
    """One figure of the issue: what was measured, what it must be, and whether it is."""

    figure: str
    measured: str
    target: str
    verdict: str  # PASS, FAIL, info or SKIP


@dataclass(frozen=True)
class Run:
    """One wrk run, kept for the raw table."""

    server: str
    label: str
    connections: int
    result: Result


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    runs: list[Run] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    sections: list[tuple[str, list[str]]] = field(default_factory=list)  # (title, markdown lines)

    def add(self, figure: str, measured: str, target: str, passed: bool | None) -> None:
        verdict = "info" if passed is None else ("PASS" if passed else "FAIL")
        self.rows.append(Row(figure, measured, target, verdict))

    def skip(self, figure: str, target: str, why: str) -> None:
        self.rows.append(Row(figure, why, target, "SKIP"))

    def record(self, server: str, label: str, connections: int, result: Result) -> Result:
        self.runs.append(Run(server, label, connections, result))
        return result


def _cmd(args: list[str]) -> str:
    try:
        out = subprocess.run(args, capture_output=True, text=True, check=False, cwd=Path(__file__).parent)
    except OSError:
        return "?"
    return out.stdout.strip() or "?"


def machine() -> list[str]:
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    total_kb = next((int(ln.split()[1]) for ln in meminfo if ln.startswith("MemTotal:")), 0)
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    model = next((ln.split(":", 1)[1].strip() for ln in cpuinfo if ln.startswith("model name")), "?")
    dirty = " (with uncommitted changes)" if _cmd(["git", "status", "--porcelain"]) not in ("", "?") else ""
    return [
        f"uname -a: `{_cmd(['uname', '-a'])}`",
        f"CPU: {os.cpu_count()} cores ({model})",
        f"memory: {total_kb / 1024 / 1024:.1f} GiB",
        f"Python {platform.python_version()}; commit {_cmd(['git', 'rev-parse', '--short', 'HEAD'])}{dirty}",
    ]


def mb(n: float) -> str:
    return f"{n / 1e6:,.1f} MB"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return lines + ["| " + " | ".join(cells) + " |" for cells in rows]


def render(report: Report, *, command: str, settings: list[str]) -> str:
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    passed = sum(r.verdict == "PASS" for r in report.rows)
    failed = sum(r.verdict == "FAIL" for r in report.rows)
    lines = [
        "# Benchmark results (GitHub issues 6 and 13)",
        "",
        f"Run on {now} with `{command}`.",
        "",
        *(f"- {m}" for m in machine()),
        *(f"- {s}" for s in settings),
        "",
        f"## Targets: {passed} pass, {failed} fail",
        "",
        *_table(
            ["Figure", "Measured", "Target", "Result"],
            [
                [r.figure, r.measured, r.target, f"**{r.verdict}**" if r.verdict == "FAIL" else r.verdict]
                for r in report.rows
            ],
        ),
        *[line for title, body in report.sections for line in ("", f"## {title}", "", *body)],
        "",
        "## Every load run",
        "",
        *_table(
            [
                "Server",
                "Request",
                "Conns",
                "req/s",
                "MB/s",
                "bytes/req",
                "p50 ms",
                "p90 ms",
                "p99 ms",
                "errors",
                "server CPU",
                "others' CPU",
                "steal",
            ],
            [
                [
                    run.server,
                    run.label,
                    str(run.connections),
                    f"{run.result.rps:,.0f}",
                    f"{run.result.bytes_per_s / 1e6:,.2f}",
                    f"{run.result.bytes_per_request:,.0f}",
                    f"{run.result.p50_ms:.2f}",
                    f"{run.result.p90_ms:.2f}",
                    f"{run.result.p99_ms:.2f}",
                    str(run.result.errors),
                    f"{run.result.server_cpu:.0%}",
                    f"{run.result.other_cpu:.0%}",
                    f"{run.result.steal:.0%}",
                ]
                for run in report.runs
            ],
        ),
    ]
    if report.notes:
        lines += ["", "## Notes", "", *(f"- {n}" for n in report.notes)]
    return "\n".join(lines) + "\n"
