"""``aibridge-mock proxy`` as a person runs it: gunicorn in a subprocess, a report, a summary at exit,
and a recording that survives being killed."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from proxy_helpers import Client, Mock, json_once, run_mock, walk

from aibridge_mock.server.dataset.loader import DatasetOptions, build_dataset

pytestmark = pytest.mark.slow
SCRIPT = str(Path(sys.executable).with_name("aibridge-mock"))
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def upstream() -> Iterator[Mock]:
    with run_mock(seed=3, interceptions=200) as mock:
        yield mock


@contextmanager
def proxy_process(upstream: str, *args: str) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIBRIDGE_MOCK_")}
    process = subprocess.Popen(
        [SCRIPT, "proxy", "--upstream", upstream, "--port", str(port), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with _OPENER.open(f"{url}/__proxy/health", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise AssertionError(process.communicate(timeout=5)) from None
                time.sleep(0.1)
        yield url, process
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


def test_the_proxy_reports_summarises_at_exit_and_never_logs_the_token(
    upstream: Mock, tmp_path: Path
) -> None:
    record = tmp_path / "rec.json"
    ended = json_once(upstream.url, upstream.owner, "/api/v2/aibridge/interceptions?limit=1")["count"]
    with proxy_process(upstream.url, "--record", str(record)) as (url, process):
        with Client(url, upstream.owner) as client:
            requests = walk(client)
            client.get(f"/api/v2/aibridge/sessions?coder_session_token={upstream.owner}")
        with _OPENER.open(f"{url}/__proxy/report") as response:
            report = json.loads(response.read())
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0
    assert report["generation"] == "v5" and report["generation_source"].startswith("detected: ")
    assert report["requests"]["total"] == len(requests) + 1 and report["violations"]["total"] == 0
    assert f"aibridge-mock proxy: {len(requests) + 1} requests to {upstream.url} (v5)" in out
    assert f"recorded into {record}: {ended} interceptions" in out
    assert "coder_session_token=REDACTED" in err and upstream.owner not in out + err
    assert build_dataset(DatasetOptions(seed=3, interceptions=0, fixtures=(record,))).n_ended == ended


def test_a_recording_killed_without_warning_is_still_a_loadable_fixture(
    upstream: Mock, tmp_path: Path
) -> None:
    record = tmp_path / "rec.json"
    ended = json_once(upstream.url, upstream.owner, "/api/v2/aibridge/interceptions?limit=1")["count"]
    with proxy_process(upstream.url, "--record", str(record), "--anonymize") as (url, process):
        with Client(url, upstream.owner) as client:
            walk(client)
        time.sleep(1.5)  # one write interval
        process.kill()
        process.communicate()
    # Anonymised users are new users to a mock of another seed (seed 3 has the real ones).
    assert build_dataset(DatasetOptions(seed=4, interceptions=0, fixtures=(record,))).n_ended == ended


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "aibridge-mock proxy: --upstream: is required (or AIBRIDGE_MOCK_PROXY_UPSTREAM)\n"),
        (["--upstream", "ftp://x"], "aibridge-mock proxy: --upstream: must be an http(s) URL"),
        (
            ["--upstream", "http://x", "--anonymize"],
            "aibridge-mock proxy: --anonymize: applies to a recording",
        ),
        (
            ["--upstream", "http://x", "--record", "/no/such/dir/r.json"],
            "aibridge-mock proxy: --record /no/such/dir",
        ),
    ],
)
def test_bad_options_are_refused_in_one_line_with_status_2(args: list[str], message: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIBRIDGE_MOCK_")}
    done = subprocess.run([SCRIPT, "proxy", *args], capture_output=True, text=True, env=env, timeout=30)
    assert done.returncode == 2 and done.stderr.startswith(message) and done.stderr.count("\n") == 1
