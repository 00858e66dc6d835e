"""Load from a separate process: Debian's ``wrk``, with a Lua script that reports a JSON summary."""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
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

# Rotates over many paths, one per request: pages no cache has seen yet. Each wrk thread starts at
# its own share of the list, or the threads would walk it in step and the second would hit the
# pages the first had just cached.
_ROTATE = """
local paths = {}
for line in io.lines("%s") do paths[#paths + 1] = line end
local threads = 0
setup = function(thread)
  thread:set("id", threads)
  threads = threads + 1
end
local i = 0
init = function(args)
  i = math.floor((id or 0) * #paths / %d)
end
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
    server_cpu: float  # CPU seconds per second of the server under test (1.0 = one core)
    other_cpu: float  # share of the machine's CPU used by processes other than the server and wrk
    steal: float  # share of the machine's CPU the hypervisor gave to other virtual machines

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
        raise LoadError(
            "wrk is not installed. Install Debian's wrk (`sudo apt-get install -y wrk`) "
            "or run the benchmark as root on Debian/Ubuntu so it can install it."
        )
    print("installing wrk with apt-get ...", flush=True)
    if apt(["install", "-y", "wrk"]) != 0 and (apt(["update"]) != 0 or apt(["install", "-y", "wrk"]) != 0):
        raise LoadError("apt-get could not install wrk; install it by hand (`apt-get install -y wrk`)")
    found = shutil.which("wrk")
    if not found:
        raise LoadError("apt-get install wrk succeeded but wrk is not on PATH")
    return found


def _cpu_times() -> tuple[float, float]:
    """(busy, stolen) CPU seconds of the whole machine since boot; stolen: taken by the hypervisor."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    tick = os.sysconf("SC_CLK_TCK")
    return (user + nice + system + irq + softirq) / tick, steal / tick


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def apt(args: list[str]) -> int:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    done = subprocess.run(
        ["apt-get", *args], env=env, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    return done.returncode


def wrk_version() -> str:
    out = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
    return (out.stdout + out.stderr).splitlines()[0].strip() if (out.stdout + out.stderr) else "?"


def run(
    url: str,
    server_cpu: Callable[[], float],
    *,
    token: str = "",
    connections: int = 1,
    threads: int = 1,
    seconds: float = 5.0,
    rotate: list[str] | None = None,
    headers: dict[str, str] | None = None,
) -> Result:
    """One wrk run against ``url`` (or round robin over the ``rotate`` paths on the same host).

    ``server_cpu`` reads the CPU seconds the server has used so far: with the machine's and wrk's,
    it tells how much of the machine other processes took during the run (the run is then noisy).
    """
    with tempfile.TemporaryDirectory(prefix="aibridge-bench-") as tmp:
        script = Path(tmp) / "bench.lua"
        lua = _REPORT
        if rotate:
            paths = Path(tmp) / "paths.txt"
            paths.write_text("\n".join(rotate) + "\n")
            lua = _ROTATE % (paths, threads) + lua
        script.write_text(lua)
        args = [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
        ]
        if token:
            args += ["-H", f"Coder-Session-Token: {token}"]
        for name, value in (headers or {}).items():
            args += ["-H", f"{name}: {value}"]
        before = (time.monotonic(), _cpu_times(), server_cpu(), _children_cpu())
        out = subprocess.run([*args, url], capture_output=True, text=True, check=False)
        wall = time.monotonic() - before[0]
        after = _cpu_times()
        busy, steal = after[0] - before[1][0], after[1] - before[1][1]
        server, wrk = server_cpu() - before[2], _children_cpu() - before[3]
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
        server_cpu=server / wall,
        other_cpu=max(0.0, busy - server - wrk) / (wall * (os.cpu_count() or 1)),
        steal=steal / (wall * (os.cpu_count() or 1)),
    )


def merge(results: list[Result]) -> Result:
    """Several runs of one request as one: totals, and the time-weighted mean of the rest."""
    seconds = sum(r.seconds for r in results)

    def mean(values: list[float]) -> float:
        return sum(v * r.seconds for v, r in zip(values, results, strict=True)) / seconds

    return Result(
        requests=sum(r.requests for r in results),
        bytes=sum(r.bytes for r in results),
        seconds=seconds,
        p50_ms=mean([r.p50_ms for r in results]),
        p90_ms=mean([r.p90_ms for r in results]),
        p99_ms=mean([r.p99_ms for r in results]),
        errors=sum(r.errors for r in results),
        server_cpu=mean([r.server_cpu for r in results]),
        other_cpu=mean([r.other_cpu for r in results]),
        steal=mean([r.steal for r in results]),
    )
