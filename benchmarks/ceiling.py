"""What moving limit=100's bytes costs: a static app's big answer against its small one.

``interceptions?limit=100`` answers ~155 KB; ``/healthz`` 16 bytes. On a small machine, where wrk
shares the cores with the server, moving the bytes alone caps the ratio of the two throughputs. This
script measures that cap with no Python work at all: a WSGI app that returns a constant body of
either size, under granian with the same workers and threads as ``serve``, each driven by wrk like
``run.py`` does (8 connections, 2 threads), in alternating rounds. Run it beside ``make bench``:

    .venv/bin/python benchmarks/ceiling.py [--bytes 155000] [--seconds 5]
"""

from __future__ import annotations

import argparse
import os
import sys
import textwrap
from pathlib import Path

import load
import servers

APP = """
BIG = b"x" * {size}
SMALL = b'{{"status":"ok"}}\\n'
def app(environ, start_response):
    body = BIG if environ["PATH_INFO"] == "/big" else SMALL
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
"""


def start_static(size: int, workers: int) -> servers.Process:
    """granian serving the static app (``/small``, ``/big`` of ``size`` bytes) on a free port."""
    work = servers.WORK / "ceiling"
    work.mkdir(parents=True, exist_ok=True)
    (work / "static_app.py").write_text(textwrap.dedent(APP.format(size=size)))
    port = servers.free_port()
    granian = Path(sys.executable).with_name("granian")
    command = [str(granian), "--interface", "wsgi", "--workers", str(workers), "--blocking-threads", "8"]
    command += ["--port", str(port), "--log-level", "error", "--working-dir", str(work), "static_app:app"]
    return servers.Process(command, f"http://127.0.0.1:{port}", "/small")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks/ceiling.py", description=__doc__)
    parser.add_argument("--bytes", type=int, default=155_000, help="size of the big answer")
    parser.add_argument("--seconds", type=float, default=5.0, help="per run (3 rounds of each)")
    args = parser.parse_args(argv)
    load.ensure_wrk()
    static = start_static(args.bytes, os.cpu_count() or 1)
    try:
        runs: dict[str, list[load.Result]] = {"small": [], "big": []}
        for _ in range(3):
            for name in runs:
                url = f"{static.base}/{name}"
                runs[name].append(load.run(url, lambda: 0.0, connections=8, threads=2, seconds=args.seconds))
        small, big = load.merge(runs["small"]), load.merge(runs["big"])
    finally:
        static.stop()
    print(f"static 16-byte answer:      {small.rps:,.0f} req/s")
    print(f"static {args.bytes:,}-byte answer: {big.rps:,.0f} req/s ({big.bytes_per_s / 1e6:,.0f} MB/s)")
    print(f"ratio big / small: {big.rps / small.rps:.2f} (for a server that does nothing else)")
    print(f"moving the bytes costs {(1 / big.rps - 1 / small.rps) * 1e6:.0f} us of this machine per request")
    return 0


if __name__ == "__main__":
    sys.exit(main())
