"""The summary a person reads in ten seconds, and the markdown and JUnit XML files CI keeps.

A run that could not start still gets both files: they say why, so a CI step that publishes them
(``if: always()``) shows the reason instead of failing on a missing file.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from aibridge_mock.contract.options import VerifyOptions
from aibridge_mock.contract.runner import CheckResult, Report, all_check_names
from aibridge_mock.contract.violations import ContractViolation

__all__ = ["headline", "result_lines", "summary", "totals", "write_junit", "write_markdown"]

_LABEL = {"pass": "PASS", "fail": "FAIL", "skip": "SKIP", "error": "ERROR"}


def headline(options: VerifyOptions, generation: str = "") -> str:
    """``aibridge-mock verify URL (generation v5 (...), strictness ..., seed 1, max-examples 50)``."""
    where = f"{generation}, " if generation else ""
    return (
        f"aibridge-mock verify {options.url} ({where}strictness {options.strictness}, seed {options.seed}, "
        f"max-examples {options.max_examples})"
    )


def totals(report: Report) -> str:
    if report.cannot_run:
        return f"could not run: {report.cannot_run}"
    words = (("pass", "passed"), ("fail", "failed"), ("skip", "skipped"), ("error", "crashed"))
    parts = [f"{report.count(s)} {word}" for s, word in words if report.count(s)]
    sent = f", {report.requests} requests" if report.requests else ""
    return f"{len(report.results)} checks: {', '.join(parts)} in {report.seconds:.1f}s{sent}"


def _explain(result: CheckResult) -> list[str]:
    lines = []
    if result.reason:
        lines.append(result.reason)
    for violation in result.violations:
        lines.append(str(violation))
        if violation.request:
            lines.append(violation.request)
    return lines


def result_lines(result: CheckResult) -> list[str]:
    """The line of one check; under a failure its violation (with JSON path) and the request as curl."""
    detail = result.reason if result.status == "skip" else result.description
    width = max(len(n) for n in all_check_names())  # columns line up whichever checks run
    lines = [f"  {_LABEL[result.status]:<5} {result.name:<{width}}  {detail}"]
    if result.status in {"fail", "error"}:
        lines.extend(f"        {line}" for line in _explain(result))
    return lines


def summary(report: Report) -> str:
    """The headline, one line per check, the totals."""
    lines = [headline(report.options, report.generation)]
    for result in report.results:
        lines.extend(result_lines(result))
    lines.append(totals(report))
    return "\n".join(lines)


def write_markdown(report: Report, path: Path) -> None:
    """A markdown report: the verdict table, then each failure with its curl command."""
    verdict = {0: "PASS", 1: "FAIL"}.get(report.exit_code, "COULD NOT RUN")
    out = [f"# AI Bridge contract: {verdict}", "", f"`{headline(report.options, report.generation)}`", ""]
    if report.cannot_run:
        out += [
            "The suite could not run, so the server was not verified (exit status 2):",
            "",
            f"> {report.cannot_run}",
        ]
        path.write_text("\n".join(out) + "\n", encoding="utf-8")
        return
    out += [totals(report), "", "| Result | Check | What it verifies |", "|---|---|---|"]
    for r in report.results:
        what = (r.reason if r.status == "skip" else r.description).replace("|", "\\|")
        out.append(f"| {_LABEL[r.status]} | `{r.name}` | {what} |")
    failures = [r for r in report.results if r.status in {"fail", "error"}]
    if failures:
        out += ["", "## Failures"]
    for r in failures:
        out += ["", f"### `{r.name}`", "", r.description]
        if r.reason:
            out += ["", r.reason]
        for v in r.violations:
            out += ["", f"- **{_kind(v)}** at `{v.path}`: {v.message}"]
            if v.request:
                out += ["", "  ```sh", f"  {v.request}", "  ```"]
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


def _kind(violation: ContractViolation) -> str:
    code = getattr(violation, "code", "")
    return f"{code} {getattr(violation, 'title', '')}".strip() if code else type(violation).__name__


def write_junit(report: Report, path: Path) -> None:
    """JUnit XML: one testcase per check, failures carrying the violation and the curl command.

    A run that could not start is one errored test case, ``preflight``, whose message is the reason.
    """
    results = report.results
    errors = report.count("error") + (1 if report.cannot_run else 0)
    suites = ET.Element("testsuites")
    suite = ET.SubElement(
        suites,
        "testsuite",
        name="aibridge-contract",
        tests=str(len(results) + (1 if report.cannot_run else 0)),
        failures=str(report.count("fail")),
        errors=str(errors),
        skipped=str(report.count("skip")),
        time=f"{report.seconds:.3f}",
    )
    if report.cannot_run:
        case = ET.SubElement(
            suite, "testcase", classname="aibridge.preflight", name="preflight", time="0.000"
        )
        error = ET.SubElement(case, "error", message=report.cannot_run, type="CannotRun")
        error.text = f"The suite could not run, so the server was not verified: {report.cannot_run}"
    for r in results:
        case = ET.SubElement(
            suite, "testcase", classname=f"aibridge.{r.group}", name=r.name, time=f"{r.seconds:.3f}"
        )
        if r.status == "skip":
            ET.SubElement(case, "skipped", message=r.reason)
        elif r.status in {"fail", "error"}:
            first = str(r.violations[0]) if r.violations else r.reason
            element = ET.SubElement(
                case,
                "failure" if r.status == "fail" else "error",
                message=first,
                type=_kind(r.violations[0]) if r.violations else "CheckCrashed",
            )
            element.text = "\n".join(_explain(r))
    ET.indent(suites)
    ET.ElementTree(suites).write(path, encoding="utf-8", xml_declaration=True)
