"""The summary a person reads in ten seconds, and the markdown and JUnit XML files CI keeps."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from aibridge_mock.contract.runner import CheckResult, Report
from aibridge_mock.contract.violations import ContractViolation

__all__ = ["summary", "write_junit", "write_markdown"]

_LABEL = {"pass": "PASS", "fail": "FAIL", "skip": "SKIP", "error": "ERROR"}


def _headline(report: Report) -> str:
    o = report.options
    return (
        f"aibridge-mock verify {o.url} (strictness {o.strictness}, seed {o.seed}, "
        f"max-examples {o.max_examples})"
    )


def _totals(report: Report) -> str:
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


def summary(report: Report) -> str:
    """One line per check; under each failure its violation (with JSON path) and the request as curl."""
    width = max((len(r.name) for r in report.results), default=10)
    lines = [_headline(report)]
    for result in report.results:
        detail = result.reason if result.status == "skip" else result.description
        lines.append(f"  {_LABEL[result.status]:<5} {result.name:<{width}}  {detail}")
        if result.status in {"fail", "error"}:
            lines.extend(f"        {line}" for line in _explain(result))
    lines.append(_totals(report))
    return "\n".join(lines)


def write_markdown(report: Report, path: Path) -> None:
    """A markdown report: the verdict table, then each failure with its curl command."""
    verdict = "PASS" if report.exit_code == 0 else "FAIL"
    out = [
        f"# AI Bridge contract: {verdict}",
        "",
        f"`{_headline(report)}`",
        "",
        _totals(report),
        "",
        "| Result | Check | What it verifies |",
        "|---|---|---|",
    ]
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
    """JUnit XML: one testcase per check, failures carrying the violation and the curl command."""
    suites = ET.Element("testsuites")
    suite = ET.SubElement(
        suites,
        "testsuite",
        name="aibridge-contract",
        tests=str(len(report.results)),
        failures=str(report.count("fail")),
        errors=str(report.count("error")),
        skipped=str(report.count("skip")),
        time=f"{report.seconds:.3f}",
    )
    for r in report.results:
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
