"""``aibridge-mock verify``: exit status 0/1/2, one-line reasons, the summary, JUnit and markdown reports."""

from __future__ import annotations

import io
import socket
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from aibridge_mock.contract.cli import EXTRA_MISSING, cli_verify, options_from
from aibridge_mock.contract.runner import all_check_names

VERIFY = [sys.executable, "-m", "aibridge_mock", "verify"]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_verify_exits_0_and_writes_passing_reports_when_the_server_conforms(
    mock_url: str, tokens: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junit, markdown = tmp_path / "report.xml", tmp_path / "report.md"
    code = cli_verify(
        [
            "--url",
            mock_url,
            "--token",
            tokens[0],
            "--check",
            "order-models",
            "--check",
            "error-no-token",
            "--junit",
            str(junit),
            "--report",
            str(markdown),
        ]
    )
    assert code == 0
    assert "2 checks: 2 passed" in capsys.readouterr().out
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None and (suite.get("tests"), suite.get("failures")) == ("2", "0")
    assert markdown.read_text().startswith("# AI Bridge contract: PASS")


def test_verify_exits_1_and_shows_the_redacted_request_and_json_path_of_a_violation(
    mock_url: str, tokens: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junit, markdown = tmp_path / "report.xml", tmp_path / "report.md"
    code = cli_verify(
        [
            "--url",
            f"{mock_url}/bug/reverse-models",
            "--token",
            tokens[0],
            "--check",
            "order-models",
            "--junit",
            str(junit),
            "--report",
            str(markdown),
        ]
    )
    out = capsys.readouterr().out
    assert code == 1
    assert "FAIL  order-models" in out and "ordering at $[1]" in out
    curl = f'curl -sS -H "Coder-Session-Token: $AIBRIDGE_MOCK_VERIFY_TOKEN" \'{mock_url}/bug/reverse-models'
    assert curl in out
    assert tokens[0] not in out + junit.read_text() + markdown.read_text()
    failure = ET.parse(junit).getroot().find("testsuite/testcase/failure")
    assert failure is not None and "$[1]" in failure.get("message", "")
    assert "## Failures" in markdown.read_text()


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--url", "http://127.0.0.1:{closed}", "--token", "{owner}"], "cannot reach http://127.0.0.1:"),
        (
            ["--url", "{url}", "--token", "abcdefghij-abcdefghijabcdefghijab"],
            "the token (--token) was rejected with 401",
        ),
        (
            ["--url", "{url}", "--token", "{owner}", "--member-token", "nope"],
            "the member token (--member-token) was rejected",
        ),
        (
            ["--url", "{url}", "--token", "{member}"],
            "the token (--token) belongs to a member and sees no other user's data; "
            "use an owner's or auditor's token",
        ),
        (
            ["--url", "{url}", "--token", "{owner}", "--member-token", "{auditor}"],
            "the member token (--member-token) has the auditor role and reads everyone's data",
        ),
        (["--url", "{url}/elsewhere", "--token", "{owner}"], "answered 404"),
        (["--url", "{url}", "--token", "{owner}", "--check", "nope"], "unknown checks ['nope']"),
        (["--url", "{url}"], "--token (or AIBRIDGE_MOCK_VERIFY_TOKEN) is required"),
        (["--url", "ftp://example.com", "--token", "{owner}"], "is not an http(s) URL"),
    ],
)
def test_verify_exits_2_with_a_one_line_reason_when_it_cannot_run(
    mock_url: str,
    tokens: list[str],
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    reason: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("AIBRIDGE_MOCK_VERIFY_TOKEN", raising=False)
    filled = [
        a.format(closed=_closed_port(), owner=tokens[0], auditor=tokens[1], member=tokens[2], url=mock_url)
        for a in args
    ]
    assert cli_verify(filled) == 2
    err = capsys.readouterr().err
    assert reason in err
    assert err.count("\n") == 1 and err.startswith("aibridge-mock verify: ")


def test_verify_reads_the_url_and_tokens_from_the_environment(
    mock_url: str, tokens: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AIBRIDGE_MOCK_VERIFY_URL", f"{mock_url}/bug/member-sees-owner-data")
    monkeypatch.setenv("AIBRIDGE_MOCK_VERIFY_TOKEN", tokens[0])
    monkeypatch.setenv("AIBRIDGE_MOCK_VERIFY_MEMBER_TOKEN", tokens[2])
    assert cli_verify(["--check", "member-visibility"]) == 1
    assert "$AIBRIDGE_MOCK_VERIFY_MEMBER_TOKEN" in capsys.readouterr().out


def test_verify_lists_every_check(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_verify(["--list-checks"]) == 0
    assert capsys.readouterr().out.split() == all_check_names()


@pytest.mark.parametrize(
    ("flags", "max_examples", "seed"),
    [
        ([], 50, 1),
        (["--ci"], 20, 1),
        (["--ci", "--max-examples", "5", "--seed", "9"], 5, 9),
    ],
)
def test_ci_preset_fixes_the_seed_and_keeps_examples_small(
    flags: list[str], max_examples: int, seed: int
) -> None:
    options, _ = options_from(["--url", "http://coder.example.com", "--token", "t", *flags])
    assert (options.max_examples, options.seed, options.strictness) == (max_examples, seed, "compatible")


def test_json_answers_with_a_wrong_content_type_are_a_violation_not_a_reason_to_stop(
    mock_url: str, tokens: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"{mock_url}/bug/json-as-text-plain"
    checks = ["--check", "limit-honoured", "--check", "schemathesis-models", "--max-examples", "5"]
    code = cli_verify(["--url", url, "--token", tokens[0], *checks])
    captured = capsys.readouterr()
    assert code == 1, captured.err
    assert "FAIL  limit-honoured" in captured.out
    assert "Content-Type is 'text/plain; charset=utf-8', not application/json" in captured.out
    assert "ST105" in captured.out
    assert captured.err == ""


@pytest.mark.parametrize("suffix", ["", "/", "/api/v2", "/api/v2/", "/api/v2/aibridge", "/api/v2/aibridge/"])
def test_the_url_may_be_the_deployment_its_api_or_the_ai_bridge_routes_the_banner_prints(
    mock_url: str, tokens: list[str], suffix: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli_verify(["--url", mock_url + suffix, "--token", tokens[0], "--check", "order-models"]) == 0
    assert "1 checks: 1 passed" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--url", "http://127.0.0.1:{closed}", "--token", "{owner}"], "cannot reach http://127.0.0.1:"),
        (
            ["--url", "{url}", "--token", "abcdefghij-abcdefghijabcdefghijab"],
            "the token (--token) was rejected with 401",
        ),
        (["--url", "{url}"], "--token (or AIBRIDGE_MOCK_VERIFY_TOKEN) is required"),
    ],
)
def test_a_run_that_cannot_start_still_writes_both_reports_saying_why(
    mock_url: str,
    tokens: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    reason: str,
) -> None:
    monkeypatch.delenv("AIBRIDGE_MOCK_VERIFY_TOKEN", raising=False)
    junit, markdown = tmp_path / "report.xml", tmp_path / "report.md"
    filled = [a.format(closed=_closed_port(), owner=tokens[0], url=mock_url) for a in args]
    assert cli_verify([*filled, "--junit", str(junit), "--report", str(markdown)]) == 2
    assert reason in capsys.readouterr().err
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None and (suite.get("tests"), suite.get("errors")) == ("1", "1")
    error = suite.find("testcase/error")
    assert error is not None and reason in error.get("message", "")
    text = markdown.read_text()
    assert text.startswith("# AI Bridge contract: COULD NOT RUN")
    assert reason in text


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_each_check_shows_as_it_finishes_with_what_runs_meanwhile(
    mock_url: str, tokens: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    checks = ["--check", "schemathesis-models", "--check", "order-models", "--max-examples", "3"]
    assert cli_verify(["--url", mock_url, "--token", tokens[0], *checks]) == 0
    out = terminal.getvalue()
    lines = [line.rsplit("\x1b[K", 1)[-1] for line in out.split("\n")]
    assert lines[0].startswith(f"aibridge-mock verify {mock_url} (generation v5 (detected")
    assert "  ...   schemathesis " in out and "  ...   running order-models" in out
    assert (
        out.index("PASS  schemathesis-models")
        < out.index("running order-models")
        < out.index("PASS  order-models")
    )
    assert lines[-2].startswith("2 checks: 2 passed")


def test_verify_leaves_nothing_in_the_working_directory(
    mock_url: str, tokens: list[str], tmp_path: Path
) -> None:
    command = [
        *VERIFY,
        "--url",
        mock_url,
        "--token",
        tokens[0],
        "--check",
        "schemathesis-clients",
        "--max-examples",
        "3",
    ]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert list(tmp_path.iterdir()) == []


# ``schemathesis`` made unimportable, as on an install without the ``contract`` extra.
WITHOUT_EXTRA = (
    "import sys; sys.modules['schemathesis'] = None; "
    "from aibridge_mock.cli import main; sys.exit(main(sys.argv[1:]))"
)


@pytest.mark.parametrize(
    "args", [["verify", "--help"], ["verify", "--url", "http://127.0.0.1:9", "--token", "t"]]
)
def test_without_the_contract_extra_verify_names_the_extra_in_one_line_and_exits_2(args: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-c", WITHOUT_EXTRA, *args], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == f"aibridge-mock verify: {EXTRA_MISSING}\n"
    assert "pip install 'aibridge-mock[contract]'" in result.stderr
