"""Servers under test, started as subprocesses: our mock (granian or gunicorn) and its peers.

Our server runs on a pseudo-terminal so that its progress bar shows exactly as it would for a
person at a terminal; the benchmark reads that output to check the bar is there.
"""

from __future__ import annotations

import json
import os
import pty
import re
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "benchmarks" / ".work"
MOCK = ROOT / ".venv" / "bin" / "aibridge-mock"
PRISM = WORK / "node_modules" / ".bin" / "prism"
BAR = re.compile(r"\[[#-]{30}\]")  # app/progress.py draws a 30-cell bar
LOADED = re.compile(r"loaded in ([0-9.]+)s")  # the banner's data set load time
READY_TIMEOUT = 300.0


class ServerError(RuntimeError):
    """A server under test did not start or answered something unexpected."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def http_get(
    url: str, token: str = "", timeout: float = 60.0, headers: dict[str, str] | None = None
) -> tuple[int, bytes]:
    sent = {**({"Coder-Session-Token": token} if token else {}), **(headers or {})}
    request = urllib.request.Request(url, headers=sent)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def get_json(url: str, token: str = "") -> Any:
    status, body = http_get(url, token)
    if status != 200:
        raise ServerError(f"GET {url} answered {status}: {body[:300]!r}")
    return json.loads(body)


@dataclass(frozen=True)
class Memory:
    """Memory of a server process and its workers, in bytes."""

    pss_total: int  # proportional set size summed: pages shared after fork counted once
    rss_master: int
    rss_workers: int
    hwm_master: int  # peak RSS of the master (it builds the data set before forking)


def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _pss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds of a process and its children (workers), so far."""
    total = 0
    for p in [pid, *children(pid)]:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found += [int(t) for t in text]
    return found


def memory_of(pid: int) -> Memory:
    workers = children(pid)
    return Memory(
        pss_total=1024 * sum(_pss_kb(p) for p in [pid, *workers]),
        rss_master=1024 * _status_kb(pid, "VmRSS"),
        rss_workers=1024 * sum(_status_kb(p, "VmRSS") for p in workers),
        hwm_master=1024 * _status_kb(pid, "VmHWM"),
    )


class _PtyReader(threading.Thread):
    """Drains a pty so the child never blocks on a full terminal buffer; keeps what it read."""

    def __init__(self, fd: int) -> None:
        super().__init__(daemon=True)
        self.fd = fd
        self.chunks: list[bytes] = []

    def run(self) -> None:
        while True:
            try:
                data = os.read(self.fd, 65536)
            except OSError:  # EIO once the child side closes
                return
            if not data:
                return
            if sum(len(c) for c in self.chunks) < 1_000_000:
                self.chunks.append(data)

    def text(self) -> str:
        return b"".join(self.chunks).decode(errors="replace")


class Process:
    """A started server: its process, its base URL and how long it took to answer ready."""

    def __init__(
        self,
        args: list[str],
        base: str,
        ready_path: str,
        env: dict[str, str] | None = None,
        ready_token: str = "",
        on_pty: bool = False,
    ) -> None:
        self.base = base
        self.name = Path(args[0]).name
        self._reader: _PtyReader | None = None
        started = time.monotonic()
        if on_pty:
            master, slave = pty.openpty()
            self.proc = subprocess.Popen(
                args, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave, env=env, start_new_session=True
            )
            os.close(slave)
            self._reader = _PtyReader(master)
            self._reader.start()
        else:
            self.proc = subprocess.Popen(
                args,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env=env,
                start_new_session=True,
            )
        self.startup = self._await_ready(started, ready_path, ready_token)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def output(self) -> str:
        return self._reader.text() if self._reader else ""

    def load_seconds(self) -> float | None:
        """The data set load time the banner reports (the part a progress bar covers)."""
        found = LOADED.search(self.output())
        return float(found.group(1)) if found else None

    def _await_ready(self, started: float, path: str, token: str) -> float:
        while time.monotonic() - started < READY_TIMEOUT:
            if self.proc.poll() is not None:
                raise ServerError(f"{self.name} exited with {self.proc.returncode}:\n{self.output()}")
            try:
                status, _ = http_get(self.base + path, token, timeout=2)
                if status == 200:
                    return time.monotonic() - started
            except OSError:
                pass
            time.sleep(0.01)
        self.stop()
        raise ServerError(f"{self.base}{path} not ready after {READY_TIMEOUT:.0f}s")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self._reader is not None:
            self._reader.join(timeout=2)


def start_mock(
    port: int, interceptions: int, workers: int = 1, threads: int = 8, http_server: str = "granian"
) -> Process:
    """``aibridge-mock serve`` with validation on (strict, the default) and no access log."""
    env = {
        **os.environ,
        "AIBRIDGE_MOCK_ACCESS_LOG": "false",
        "AIBRIDGE_MOCK_VALIDATION": "strict",
        "AIBRIDGE_MOCK_HTTP_SERVER": http_server,
    }
    args = [
        str(MOCK),
        "serve",
        "--port",
        str(port),
        "--seed",
        "1",
        "--interceptions",
        str(interceptions),
        "--workers",
        str(workers),
        "--threads",
        str(threads),
    ]
    return Process(args, f"http://127.0.0.1:{port}", "/readyz", env, on_pty=True)


def personas(seed: int = 1) -> list[dict[str, str]]:
    """``aibridge-mock personas --json``: the owner first, then the auditor and the members."""
    out = subprocess.run(
        [str(MOCK), "personas", "--json", "--seed", str(seed)], check=True, capture_output=True, text=True
    ).stdout
    found: list[dict[str, str]] = json.loads(out)
    return found


def owner_token(seed: int = 1) -> str:
    return personas(seed)[0]["token"]


def ensure_prism() -> Path:
    """Prism from the npm registry, installed once into the gitignored benchmarks/.work."""
    if not PRISM.exists():
        WORK.mkdir(parents=True, exist_ok=True)
        print("installing @stoplight/prism-cli into benchmarks/.work (npm) ...", flush=True)
        subprocess.run(
            ["npm", "install", "--silent", "--prefix", str(WORK), "@stoplight/prism-cli"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return PRISM


def prism_version() -> str:
    package = WORK / "node_modules" / "@stoplight" / "prism-cli" / "package.json"
    return str(json.loads(package.read_text())["version"]) if package.exists() else "?"


def start_prism(port: int, document: Path, token: str) -> tuple[Process, str]:
    """Prism in static mock mode on our document; returns the process and its path prefix.

    The document's ``servers`` URL is ``/api/v2``; Prism serves the paths without it, so the prefix
    is discovered rather than assumed.
    """
    base = f"http://127.0.0.1:{port}"
    process = Process(
        [str(ensure_prism()), "mock", str(document), "-p", str(port), "-h", "127.0.0.1"],
        base,
        "/aibridge/models",
        ready_token=token,
    )
    for prefix in ("", "/api/v2"):
        status, _ = http_get(f"{base}{prefix}/aibridge/interceptions?limit=1", token)
        if status == 200:
            return process, prefix
    process.stop()
    raise ServerError("Prism answers /aibridge/interceptions under neither / nor /api/v2")
