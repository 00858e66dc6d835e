"""Benchmark of GitHub issue 15: the latency the validating proxy adds to an AI Bridge page.

Starts the mock (``aibridge-mock serve``, validation strict, no access log) and the proxy in front
of it (``aibridge-mock proxy``, validation lenient against the compatible schemas, no access log),
each as a subprocess on a free port, then times ``GET /api/v2/aibridge/interceptions?limit=100``
(a page of 100 interceptions, about 140 kB) straight to the mock and through the proxy, one
keep-alive connection each, in alternation so that a busy moment on a shared machine hits both
sides alike. The overhead is the median through the proxy minus the median direct (target: at
most 2 ms). ``--record`` measures with recording on as well.

    .venv/bin/python benchmarks/proxy.py              # 400 requests per side after a warm-up
    .venv/bin/python benchmarks/proxy.py --requests 2000 --record
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from servers import MOCK, free_port, owner_token

TARGET = "/api/v2/aibridge/interceptions?limit=100"
TARGET_MS = 2.0


def _wait(port: int, path: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server on port {port} exited with {process.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                conn.close()
                return
            conn.close()
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"server on port {port} did not answer {path}")


@contextmanager
def started(args: list[str], port: int, ready: str) -> Iterator[None]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIBRIDGE_MOCK_")}
    env |= {"AIBRIDGE_MOCK_ACCESS_LOG": "false", "AIBRIDGE_MOCK_PROXY_ACCESS_LOG": "false"}
    process = subprocess.Popen(
        [str(MOCK), *args, "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait(port, ready, process)
        yield
    finally:
        process.terminate()
        process.wait(timeout=30)


def timed(conn: http.client.HTTPConnection, token: str) -> tuple[float, int]:
    started_at = time.perf_counter()
    conn.request("GET", TARGET, headers={"Coder-Session-Token": token})
    response = conn.getresponse()
    body = response.read()
    elapsed = time.perf_counter() - started_at
    if response.status != 200:
        raise SystemExit(f"{TARGET} answered {response.status}: {body[:200]!r}")
    return elapsed * 1000, len(body)


def measure(mock_port: int, proxy_port: int, token: str, requests: int) -> dict[str, float]:
    direct = http.client.HTTPConnection("127.0.0.1", mock_port)
    proxied = http.client.HTTPConnection("127.0.0.1", proxy_port)
    for _ in range(50):  # warm-up: connections, caches, the validators' compiled schemas
        timed(direct, token)
        timed(proxied, token)
    times: dict[str, list[float]] = {"direct": [], "proxied": []}
    size = 0
    for i in range(requests):
        pair = [("direct", direct), ("proxied", proxied)]
        for name, conn in pair if i % 2 == 0 else pair[::-1]:
            ms, size = timed(conn, token)
            times[name].append(ms)
    direct.close()
    proxied.close()
    med = {name: statistics.median(values) for name, values in times.items()}
    p90 = {name: statistics.quantiles(values, n=10)[-1] for name, values in times.items()}
    return {
        "bytes": size,
        "direct_median": med["direct"],
        "proxied_median": med["proxied"],
        "overhead_median": med["proxied"] - med["direct"],
        "direct_p90": p90["direct"],
        "proxied_p90": p90["proxied"],
    }


def run(requests: int, seed: int, interceptions: int, record: bool) -> dict[str, float]:
    mock_port, proxy_port = free_port(), free_port()
    token = owner_token(seed)
    serve = ["serve", "--seed", str(seed), "--interceptions", str(interceptions), "--validation", "strict"]
    with tempfile.TemporaryDirectory() as folder, started(serve, mock_port, "/readyz"):
        proxy = ["proxy", "--upstream", f"http://127.0.0.1:{mock_port}", "--generation", "v5"]
        if record:
            proxy += ["--record", str(Path(folder) / "recording.json")]
        with started(proxy, proxy_port, "/__proxy/health"):
            return measure(mock_port, proxy_port, token, requests)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=400, help="timed requests per side (default 400)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--interceptions", type=int, default=5000)
    parser.add_argument("--record", action="store_true", help="also measure with --record on")
    args = parser.parse_args()
    modes = [False, True] if args.record else [False]
    worst = 0.0
    print(f"GET {TARGET}: {args.requests} requests per side, alternating, one keep-alive connection each")
    for record in modes:
        found = run(args.requests, args.seed, args.interceptions, record)
        worst = max(worst, found["overhead_median"])
        label = "proxy --record" if record else "proxy"
        print(
            f"  {label:<15} page {found['bytes'] / 1000:.0f} kB: "
            f"direct median {found['direct_median']:.2f} ms "
            f"(p90 {found['direct_p90']:.2f}), through the proxy {found['proxied_median']:.2f} ms "
            f"(p90 {found['proxied_p90']:.2f}); added median {found['overhead_median']:.2f} ms"
        )
    verdict = "PASS" if worst <= TARGET_MS else "FAIL"
    print(f"  target: at most {TARGET_MS:.0f} ms added (median): {verdict}")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
