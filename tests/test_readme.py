"""The README's examples, run exactly as written.

Every fenced code block with a language is marked by the comment line above it, which says how it is
tested: ``<!-- example: client of ... -->`` (shell run against ``aibridge-mock serve`` started here;
curl's own config sends 127.0.0.1:8080 to that server's port and fails on HTTP errors),
``<!-- example: starts the mock -->`` (run with ``AIBRIDGE_MOCK_PORT`` set; it must become ready and
answer), ``<!-- example: run -->`` (run in a scratch copy of the checkout; it must succeed),
``<!-- example: pytest ... -->`` (the files of the block, run by pytest against a running mock),
``<!-- example: compose ... -->`` (the compose file's settings served and checked), or
``<!-- example: not run (why) -->``. A new example without a marker fails the first test.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from aibridge_mock import settings
from aibridge_mock.server import create_app
from aibridge_mock.server.config import ENV_PREFIX, ServeConfig
from aibridge_mock.server.dataset.clock import parse_anchor

ROOT = Path(__file__).parents[1]
README = ROOT / "README.md"
MARKER = re.compile(r"<!-- example: (.+) -->")
FENCE = re.compile(r"```(\S+)")
KINDS = {
    "client": "client",
    "starts the mock": "server",
    "run": "run",
    "pytest": "pytest",
    "compose": "compose",
}
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass(frozen=True)
class Example:
    kind: str  # client, server, run, pytest, compose, skip ("" when unmarked)
    marker: str
    language: str
    text: str
    line: int

    def __str__(self) -> str:
        return f"README.md:{self.line}"


def _kind(marker: str) -> str:
    if marker.startswith("not run"):
        return "skip"
    return next((kind for prefix, kind in KINDS.items() if marker.startswith(prefix)), "")


def examples() -> list[Example]:
    lines = README.read_text(encoding="utf-8").splitlines()
    found, i = [], 0
    while i < len(lines):
        fence = FENCE.fullmatch(lines[i])
        if fence is None:
            i += 1
            continue
        end = lines.index("```", i + 1)
        marked = MARKER.fullmatch(lines[i - 1].strip()) if i else None
        marker = marked.group(1) if marked else ""
        text = "\n".join(lines[i + 1 : end]) + "\n"
        found.append(Example(_kind(marker), marker, fence.group(1), text, i + 1))
        i = end + 1
    return found


def of_kind(kind: str) -> list[Example]:
    return [e for e in examples() if e.kind == kind]


def test_every_example_says_how_it_is_tested() -> None:
    unmarked = [str(e) for e in examples() if not e.kind]
    assert not unmarked, (
        f"mark these examples with <!-- example: ... --> (see tests/test_readme.py): {unmarked}"
    )
    reasonless = [str(e) for e in of_kind("skip") if not re.fullmatch(r"not run \(.+\)", e.marker)]
    assert not reasonless, f"say why these examples are not run: {reasonless}"
    assert {e.kind for e in examples()} >= {"client", "server", "run", "pytest", "compose"}


# -- running a mock as the README does ----------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_ready(url: str, process: subprocess.Popen[str], seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(
                f"the mock exited with {process.returncode}: {process.communicate()[1][-2000:]}"
            )
        try:
            with _OPENER.open(url + "/readyz", timeout=2):
                return
        except (OSError, urllib.error.HTTPError):
            time.sleep(0.2)
    raise AssertionError(f"{url} not ready after {seconds}s")


@contextmanager
def _running(command: list[str] | str, port: int, cwd: Path = ROOT) -> Iterator[str]:
    """Run a command that serves the mock on ``port`` (given as AIBRIDGE_MOCK_PORT); its URL once ready."""
    env = {**os.environ, "AIBRIDGE_MOCK_PORT": str(port), "AIBRIDGE_MOCK_ACCESS_LOG": "false"}
    env.pop("AIBRIDGE_MOCK_ANCHOR", None)
    process = subprocess.Popen(
        command,
        shell=isinstance(command, str),
        executable="/bin/bash" if isinstance(command, str) else None,
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # a process group of its own, so that the whole of it can be stopped
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, process)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()


def _serve(port: int) -> list[str]:
    return [sys.executable, "-m", "aibridge_mock", "serve", "--port", str(port)]


def _get(url: str, token: str | None = None, admin: str | None = None) -> Any:
    headers = {"Coder-Session-Token": token} if token else {"Authorization": f"Bearer {admin}"}
    with _OPENER.open(urllib.request.Request(url, headers=headers), timeout=10) as response:
        return json.loads(response.read())


def _admin_token(url: str) -> str:
    from aibridge_mock.server.views.admin import admin_token

    return admin_token(ServeConfig())


def _curl_home(tmp_path: Path, port: int) -> dict[str, str]:
    """curl reads this config: the README's 127.0.0.1:8080 reaches the test's server, HTTP errors fail."""
    (tmp_path / ".curlrc").write_text(
        f"connect-to = 127.0.0.1:8080:127.0.0.1:{port}\n"
        f"connect-to = localhost:8080:127.0.0.1:{port}\n"
        "fail-with-body\n"
        "noproxy = *\n"
    )
    return {**os.environ, "CURL_HOME": str(tmp_path)}


# -- the examples -------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("example", of_kind("client"), ids=str)
def test_client_examples_run_as_written(example: Example, tmp_path: Path) -> None:
    port = _free_port()
    with _running(_serve(port), port):
        result = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", example.text],
            env=_curl_home(tmp_path, port),
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 0, result.stderr + result.stdout
    answers = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert answers, "the example printed the mock's answers"
    if "started_after" in example.text:  # the quick start: the last 24 hours fill a UI's page of 25
        every, _, last_day, _ = answers  # the curls' answers, in order
        assert 25 <= last_day["count"] < every["count"]
        assert len(last_day["sessions"]) == 25


@pytest.mark.slow
@pytest.mark.parametrize("example", of_kind("server"), ids=str)
def test_examples_that_start_the_mock_serve_it(example: Example) -> None:
    port = _free_port()
    with _running(example.text, port) as url:
        state = _get(url + "/__admin/state", admin=_admin_token(url))
        token = state["personas"][0]["token"]
        assert _get(url + "/api/v2/aibridge/sessions?limit=1", token=token)["count"] > 0


@pytest.mark.slow
@pytest.mark.parametrize("example", of_kind("run"), ids=str)
def test_commands_succeed_in_a_checkout(example: Example, tmp_path: Path) -> None:
    for name in (".venv", "fixtures"):
        (tmp_path / name).symlink_to(ROOT / name)  # a scratch checkout: commands write here, not in ours
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", example.text],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    written = [p for p in tmp_path.rglob("*") if p.is_file() and ".venv" not in p.parts]
    assert written, "the command wrote its output"


def _files(example: Example) -> dict[str, str]:
    """A block of several files, each introduced by a ``# name.py`` line."""
    files: dict[str, list[str]] = {}
    current = None
    for line in example.text.splitlines():
        header = re.fullmatch(r"# (\S+\.py)", line)
        if header:
            current = files.setdefault(header.group(1), [])
        elif current is not None:
            current.append(line)
    return {name: "\n".join(lines) + "\n" for name, lines in files.items()}


@pytest.mark.slow
@pytest.mark.parametrize("example", of_kind("pytest"), ids=str)
def test_pytest_examples_pass_and_leave_the_shared_mock_as_they_found_it(
    example: Example, tmp_path: Path
) -> None:
    for name, text in _files(example).items():
        (tmp_path / name).write_text(text)
    port = _free_port()
    with _running(_serve(port), port) as url:
        admin = _admin_token(url)
        before = _get(url + "/__admin/state", admin=admin)
        env = {**os.environ, "AIBRIDGE_MOCK_URL": url}
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)]
        result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
        after = _get(url + "/__admin/state", admin=admin)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " passed" in result.stdout and "failed" not in result.stdout
    assert after["runtime"]["scenario"] == before["runtime"]["scenario"] == "normal"
    assert after["dataset"] == before["dataset"]


# -- the compose file -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    (example,) = of_kind("compose")
    document: dict[str, Any] = yaml.safe_load(example.text)
    return document["services"]


def _environment(service: dict[str, Any]) -> dict[str, str]:
    return {str(k): str(v) for k, v in service.get("environment", {}).items()}


def test_the_compose_file_needs_no_checkout_of_the_mock_and_publishes_no_port(
    compose: dict[str, Any],
) -> None:
    mock = compose["aibridge-mock"]
    source = mock.get("image") or mock["build"]
    context = source if isinstance(source, str) else source["context"]
    assert urlsplit(context).scheme in ("https", "git", "ssh") or "image" in mock, context
    assert "ports" not in mock
    assert "HEALTHCHECK" in (ROOT / "Dockerfile").read_text()  # what condition: service_healthy waits for


def test_the_compose_tests_wait_for_a_healthy_mock_and_find_it_by_name(compose: dict[str, Any]) -> None:
    tests = compose["ui-tests"]
    assert tests["depends_on"]["aibridge-mock"]["condition"] == "service_healthy"
    url = urlsplit(_environment(tests)["AIBRIDGE_MOCK_URL"])
    port = int(_environment(compose["aibridge-mock"]).get("AIBRIDGE_MOCK_PORT", "8080"))
    assert (url.hostname, url.port) == ("aibridge-mock", port)
    assert (
        _environment(tests)["AIBRIDGE_MOCK_ADMIN_TOKEN"]
        == _environment(compose["aibridge-mock"])["AIBRIDGE_MOCK_ADMIN_TOKEN"]
    )


def test_the_compose_mock_lets_the_test_browser_in_and_answers_the_same_every_run(
    compose: dict[str, Any],
) -> None:
    environment = _environment(compose["aibridge-mock"])
    config = settings.resolve(ServeConfig, None, ENV_PREFIX, environ=environment)
    parse_anchor(config.anchor)  # pinned, not "now"
    assert config.anchor != "now" and not config.anchor.startswith("now")
    origins = config.cors_origins
    assert origins, "the test browser's origin is not localhost: it must be allowed"
    preflight = {
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "coder-session-token",
    }
    served = create_app(replace(config, interceptions=50)).test_client()
    unset = create_app(replace(config, interceptions=50, cors_origins=())).test_client()
    for origin in origins:
        headers = {"Origin": origin, **preflight}
        assert served.options("/api/v2/aibridge/sessions", headers=headers).status_code == 204
        assert unset.options("/api/v2/aibridge/sessions", headers=headers).status_code == 403
    admin = {"Authorization": f"Bearer {_environment(compose['ui-tests'])['AIBRIDGE_MOCK_ADMIN_TOKEN']}"}
    assert served.get("/__admin/state", headers=admin).status_code == 200
