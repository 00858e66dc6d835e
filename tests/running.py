"""Real servers for the serving tests: ``aibridge-mock serve`` and ``redis-server`` as subprocesses.

Every server listens on a free loopback port and is stopped (SIGTERM, then SIGKILL) by the test
that started it; requests use a proxy-less opener so that the machine's proxy settings never apply.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

MOCK = Path(sys.executable).with_name("aibridge-mock")
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
API = "/api/v2/aibridge"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def request(
    url: str,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: Any = None,
    timeout: float = 30,
) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) of one request; HTTP errors are answers too."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with OPENER.open(req, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


class Mock:
    """``aibridge-mock serve`` in a subprocess, its output in a file."""

    def __init__(self, tmp: Path, *args: str, env: dict[str, str] | None = None, wait: bool = True) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tmp / f"mock-{self.port}.log"
        self.admin_token = "test-admin-token"
        environment = {
            **os.environ,
            "AIBRIDGE_MOCK_ADMIN_TOKEN": self.admin_token,
            "AIBRIDGE_MOCK_ACCESS_LOG": "false",
            **(env or {}),
        }
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                [str(MOCK), "serve", "--port", str(self.port), *args],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=environment,
            )
        if wait:
            self.wait_ready()

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"the mock exited with {self.proc.returncode}:\n{self.output()}")
            try:
                if request(self.url + "/readyz", timeout=2)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise AssertionError(f"the mock was not ready after {timeout:.0f} s:\n{self.output()}")

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        headers = {"Authorization": f"Bearer {self.admin_token}"}
        status, _, raw = request(f"{self.url}/__admin{path}", method, headers, body, timeout=120)
        assert status in (200, 204), raw
        return json.loads(raw) if raw else None

    def owner(self) -> dict[str, str]:
        return {"Coder-Session-Token": self.admin("GET", "/state")["personas"][0]["token"]}

    def workers(self) -> list[int]:
        """The worker processes' ids (children of the server process)."""
        found: list[int] = []
        for task in Path(f"/proc/{self.proc.pid}/task").iterdir():
            found += [int(pid) for pid in (task / "children").read_text().split()]
        return sorted(found)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


@contextmanager
def running(tmp: Path, *args: str, env: dict[str, str] | None = None) -> Iterator[Mock]:
    mock = Mock(tmp, *args, env=env)
    try:
        yield mock
    finally:
        mock.stop()


def wait_for(condition: Any, timeout: float = 15, what: str = "condition") -> Any:
    """Poll ``condition()`` until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"{what} not met after {timeout:.0f} s")


@contextmanager
def redis_server(tmp: Path) -> Iterator[str]:
    """A throw-away redis-server on a free port (no persistence); its URL. Skips without the binary."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip(
            "redis-server is not installed (Debian: apt-get install redis-server; .ci/run installs it)"
        )
    port = free_port()
    proc = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise AssertionError("redis-server did not start") from None
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
