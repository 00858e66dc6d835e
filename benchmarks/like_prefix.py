"""LIKE prefix matching on /models and /clients at scale (issue 11): hostile ``q`` values answered fast.

Target: a ``q`` of 10,000 ``%`` and ``_`` characters answered in under 50 ms on ``/models`` and
``/clients`` at 1,000,000 interceptions. Each request is a call of the whole WSGI application
(query parsing, auth, the ``q`` grammar, LIKE, JSON, response validation) in this process, timed
from the call to the last byte of the body, on a WSGI environ built once: what a worker spends,
without an HTTP server. (A 10,000-character ``q`` is a 30 KB request line once ``%`` is escaped:
gunicorn's default limit of 4,094 bytes refuses it with 414 before the mock sees it, while Go's
server, with 1 MB for headers, hands it to coderd.) Each request is timed ``--repeat`` times; the
median and the slowest are printed.

    .venv/bin/python benchmarks/like_prefix.py                      # 1,000,000 interceptions
    .venv/bin/python benchmarks/like_prefix.py --interceptions 50000 --check
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
from urllib.parse import quote

from flask import Flask
from werkzeug.test import EnvironBuilder

from aibridge_mock.server import Config, create_app
from aibridge_mock.server.extension import mock_of

API = "/api/v2/aibridge"
TARGET_MS = 50.0


def shapes(seed: int) -> dict[str, str]:
    """The q values timed: hostile ones of 10,000 characters, and ordinary ones for comparison."""
    rng = random.Random(seed)
    return {
        "no q": "",
        "q=gpt (ordinary prefix)": "gpt",
        "q=%gpt% (ordinary wildcards)": "%gpt%",
        "10,000 random % and _": "".join(rng.choice("%_") for _ in range(10_000)),
        "10,000 %": "%" * 10_000,
        "10,000 % then zzz": "%" * 10_000 + "zzz",
        "5,000 %_ pairs": "%_" * 5_000,
        "10,000 _": "_" * 10_000,
        "20 % then zzz (issue: 4.6 s for 10)": "%" * 20 + "zzz",
        "%a repeated to 10,000": "%a" * 5_000,
    }


def call(app: Flask, environ: dict[str, object]) -> tuple[int, bytes]:
    """One request through the WSGI application: its status and body."""
    status: list[str] = []
    body = b"".join(app(dict(environ), lambda s, h, e=None: status.append(s)))
    return int(status[0].split()[0]), body


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--interceptions", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20, help="timed requests per q (after one warm-up)")
    parser.add_argument("--seed", type=int, default=11, help="seed of the random q")
    parser.add_argument(
        "--check", action="store_true", help=f"exit 1 when a 10,000-character q takes >= {TARGET_MS:.0f} ms"
    )
    args = parser.parse_args(argv)

    print(f"building a data set of {args.interceptions:,} interceptions ...", flush=True)
    started = time.perf_counter()
    app = create_app(Config(seed=1, interceptions=args.interceptions))
    print(f"built in {time.perf_counter() - started:.1f}s", flush=True)
    gc.freeze()  # as `aibridge-mock serve` does after loading: the collector leaves the data set alone
    headers = {"Coder-Session-Token": mock_of(app).datasets.snapshot.dataset.personas[0].token}

    rows, failed = [], False
    for endpoint in ("/models", "/clients"):
        for name, q in shapes(args.seed).items():
            path = f"{API}{endpoint}" + (f"?q={quote(q, safe='')}" if q else "")
            environ = EnvironBuilder(path=path, headers=headers).get_environ()
            first = call(app, environ)  # warm-up: caches, lazy imports
            timings = []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                answer = call(app, environ)
                timings.append((time.perf_counter() - t0) * 1000)
            assert answer == first
            median, slowest = statistics.median(timings), max(timings)
            hostile = len(q) >= 10_000
            verdict = ("PASS" if slowest < TARGET_MS else "FAIL") if hostile else ""
            failed = failed or verdict == "FAIL"
            rows.append((endpoint, name, answer[0], len(answer[1]), median, slowest, verdict))

    print(f"\n| endpoint | q | status | bytes | median ms | slowest ms | < {TARGET_MS:.0f} ms |")
    print("|---|---|---:|---:|---:|---:|---|")
    for endpoint, name, status, size, median, slowest, verdict in rows:
        print(f"| {endpoint} | {name} | {status} | {size} | {median:.2f} | {slowest:.2f} | {verdict} |")
    print(
        f"\n{args.interceptions:,} interceptions, {args.repeat} timed requests per row, in-process WSGI calls"
    )
    return 1 if args.check and failed else 0


if __name__ == "__main__":
    sys.exit(main())
