"""Load from a separate process: Debian's ``wrk``, with a Lua script that reports a JSON summary."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

# wrk calls done() once with the merged statistics of every thread; latencies are in microseconds.
_REPORT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests":%d,"bytes":%d,"duration_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,' ..
    '"mean_us":%f,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\\n',
    summary.requests, summary.bytes, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.mean, e.connect, e.read, e.write, e.status, e.timeout))
end
"""

# Rotates over many paths (one per request, round robin per thread): pages no cache has seen yet.
_ROTATE = """
local paths = {}
for line in io.lines("%s") do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i %% #paths + 1
  return wrk.format(nil, paths[i])
end
"""


class LoadError(RuntimeError):
    """wrk is missing, failed, or the server answered errors under load."""


@dataclass(frozen=True)
class Result:
    """What one wrk run measured."""

    requests: int
    bytes: int
    seconds: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    errors: int  # socket errors, timeouts and non-2xx/3xx answers

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    @property
    def bytes_per_s(self) -> float:
        return self.bytes / self.seconds

    @property
    def bytes_per_request(self) -> float:
        return self.bytes / max(self.requests, 1)


def ensure_wrk() -> str:
    """The wrk binary; installed with apt-get when missing and running as root."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise LoadError("wrk is not installed. Install Debian's wrk (`sudo apt-get install -y wrk`) "
                        "or run the benchmark as root on Debian/Ubuntu so it can install it.")
    print("installing wrk with apt-get ...", flush=True)
    if _apt(["install", "-y", "wrk"]) != 0 and (_apt(["update"]) != 0 or _apt(["install", "-y", "wrk"]) != 0):
        raise LoadError("apt-get could not install wrk; install it by hand (`apt-get install -y wrk`)")
    found = shutil.which("wrk")
    if not found:
        raise LoadError("apt-get install wrk succeeded but wrk is not on PATH")
    return found


def _apt(args: list[str]) -> int:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    done = subprocess.run(["apt-get", *args], env=env, check=False, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL)
    return done.returncode


def wrk_version() -> str:
    out = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
    return (out.stdout + out.stderr).splitlines()[0].strip() if (out.stdout + out.stderr) else "?"


def run(url: str, *, token: str = "", connections: int = 1, threads: int = 1, seconds: float = 5.0,
        rotate: list[str] | None = None) -> Result:
    """One wrk run against ``url`` (or round robin over the ``rotate`` paths on the same host)."""
    with tempfile.TemporaryDirectory(prefix="aibridge-bench-") as tmp:
        script = Path(tmp) / "bench.lua"
        lua = _REPORT
        if rotate:
            paths = Path(tmp) / "paths.txt"
            paths.write_text("\n".join(rotate) + "\n")
            lua = _ROTATE % paths + lua
        script.write_text(lua)
        args = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "10s",
                "-s", str(script)]
        if token:
            args += ["-H", f"Coder-Session-Token: {token}"]
        out = subprocess.run([*args, url], capture_output=True, text=True, check=False)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("BENCH ")), None)
    if out.returncode != 0 or line is None:
        raise LoadError(f"wrk failed ({out.returncode}) on {url}:\n{out.stdout}\n{out.stderr}")
    data = json.loads(line.removeprefix("BENCH "))
    errors = sum(data[k] for k in ("connect", "read", "write", "status", "timeout"))
    if data["requests"] == 0:
        raise LoadError(f"wrk completed no request on {url}:\n{out.stdout}")
    return Result(
        requests=data["requests"],
        bytes=data["bytes"],
        seconds=data["duration_us"] / 1e6,
        p50_ms=data["p50_us"] / 1000,
        p90_ms=data["p90_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        errors=errors,
    )
