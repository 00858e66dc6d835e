"""Bad option values of ``aibridge-mock serve``: one line naming the option and the accepted form, exit 2.

And the anchor's forms: ``now``, ``now-<duration>``, an RFC 3339 time; ``serve`` ends the data now,
code and tests keep the fixed anchor.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from aibridge_mock.cli import build_parser, main
from aibridge_mock.server import create_app
from aibridge_mock.server.cli import config_from
from aibridge_mock.server.config import Config
from aibridge_mock.server.dataset.clock import FIXED_ANCHOR, AnchorError, parse_anchor, wall_now
from aibridge_mock.server.extension import mock_of

HOUR = 3600 * 1_000_000
NOW = parse_anchor("2026-06-02T09:00:00Z")
ANCHOR_FORMS = (
    "must be now, now-<duration> such as now-2h or now-1d12h (units d, h, m, s), "
    "or an RFC 3339 time with a zone such as 2026-05-15T12:00:00Z"
)


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["--workers", "0"], "--workers: must be at least 1 (got 0)"),
        (["--threads", "0"], "--threads: must be at least 1 (got 0)"),
        (["--port", "99999"], "--port: must be a TCP port between 1 and 65535 (got 99999)"),
        (["--port", "http"], "--port: 'http' is not an integer"),
        (["--interceptions", "-5"], "--interceptions: must be at least 0 (got -5)"),
        (["--seed", "-1"], "--seed: must be at least 0 (got -1)"),
        (["--anchor", "notadate"], f"--anchor: {ANCHOR_FORMS} (got 'notadate')"),
        (["--anchor", "2026-05-15"], f"--anchor: {ANCHOR_FORMS} (got '2026-05-15')"),
        (["--anchor", "now-2x"], f"--anchor: {ANCHOR_FORMS} (got 'now-2x')"),
    ],
)
def test_a_bad_flag_is_one_line_naming_it_and_exit_status_2(
    capsys: pytest.CaptureFixture[str], args: list[str], line: str
) -> None:
    assert main(["serve", *args]) == 2
    captured = capsys.readouterr()
    assert captured.err == f"aibridge-mock serve: {line}\n"
    assert captured.out == ""


@pytest.mark.parametrize(
    ("name", "value", "line"),
    [
        ("AIBRIDGE_MOCK_WORKERS", "0", "AIBRIDGE_MOCK_WORKERS: must be at least 1 (got 0)"),
        ("AIBRIDGE_MOCK_ANCHOR", "yesterday", f"AIBRIDGE_MOCK_ANCHOR: {ANCHOR_FORMS} (got 'yesterday')"),
        ("AIBRIDGE_MOCK_LIVE", "maybe", "AIBRIDGE_MOCK_LIVE: 'maybe' is not a boolean (use true or false)"),
    ],
)
def test_a_bad_variable_is_one_line_naming_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, name: str, value: str, line: str
) -> None:
    monkeypatch.setenv(name, value)
    assert main(["serve"]) == 2
    assert capsys.readouterr().err == f"aibridge-mock serve: {line}\n"


@pytest.mark.slow
def test_the_console_script_prints_no_traceback_for_a_bad_value() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "aibridge_mock", "serve", "--anchor", "2026-05-15"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr == f"aibridge-mock serve: --anchor: {ANCHOR_FORMS} (got '2026-05-15')\n"
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("now", NOW),
        ("NOW", NOW),
        ("now-2h", NOW - 2 * HOUR),
        ("now+30m", NOW + 30 * 60 * 1_000_000),
        ("now-1d12h", NOW - 36 * HOUR),
        ("now-90s", NOW - 90 * 1_000_000),
        ("2026-05-15T12:00:00Z", parse_anchor(FIXED_ANCHOR)),
        ("2026-05-15T14:00:00+02:00", parse_anchor(FIXED_ANCHOR)),
        ("2026-05-15t12:00:00.5z", parse_anchor(FIXED_ANCHOR) + 500_000),
    ],
)
def test_anchor_forms(text: str, expected: int) -> None:
    assert parse_anchor(text, now=NOW) == expected


@pytest.mark.parametrize("text", ["", "today", "now-", "now-2", "now 2h", "2026-05-15", "1747310400"])
def test_anchors_in_no_accepted_form_are_refused_with_the_forms(text: str) -> None:
    with pytest.raises(AnchorError, match=r"^must be now, now-<duration>"):
        parse_anchor(text, now=NOW)


def test_now_is_the_wall_clock_in_whole_seconds() -> None:
    before = wall_now()
    found = parse_anchor("now")
    assert found % 1_000_000 == 0
    assert before <= found <= wall_now()


def test_serve_ends_the_data_now_and_code_keeps_the_fixed_anchor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIBRIDGE_MOCK_ANCHOR", raising=False)
    served = config_from(build_parser().parse_args(["serve"]))
    assert (served.anchor, Config().anchor) == ("now", FIXED_ANCHOR)
    pinned = config_from(build_parser().parse_args(["serve", "--anchor", FIXED_ANCHOR]))
    assert pinned.anchor == FIXED_ANCHOR
    monkeypatch.setenv("AIBRIDGE_MOCK_ANCHOR", "now-1d")
    assert config_from(build_parser().parse_args(["serve"])).anchor == "now-1d"


def test_the_anchor_is_read_once_when_the_app_is_built() -> None:
    before = wall_now()
    app = create_app(Config(interceptions=20, anchor="now-2h"))
    anchor = mock_of(app).datasets.snapshot.dataset.identity.anchor
    assert before - 2 * HOUR <= anchor <= wall_now() - 2 * HOUR
    assert mock_of(app).datasets.options.anchor == anchor  # a reload keeps it, it is not re-read


def test_serve_help_names_the_anchor_forms_and_live(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "now, now-2h (units d, h, m, s)" in text
    assert "env AIBRIDGE_MOCK_ANCHOR, default now" in text
    assert "--live" in text
