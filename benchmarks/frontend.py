"""What the live clock costs a request, and what an export weighs: ``python benchmarks/frontend.py``.

In-process (Flask's test client, no HTTP server, one thread), so the figures are the mock's own work
per request: the same requests against a static data set and against a live one whose clock stands
3 hours after its anchor, once with the clock still (polls between two interception ends share the
moving sessions, cached per "epoch") and once moving 1.7 s before every request (every request a new
epoch, the worst case). Then the default export (seed 1, 5,000 interceptions): its time and sizes.
Repeatable: the same seed and clock give the same data; timings vary with the machine's load.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from aibridge_mock.server import create_app
from aibridge_mock.server.config import Config
from aibridge_mock.server.dataset.clock import ManualClock, parse_anchor
from aibridge_mock.server.export import ExportOptions, export
from aibridge_mock.server.extension import mock_of

PATHS = (
    "/sessions?limit=25",
    "/sessions?limit=25&offset=500",
    "/sessions?q=client:Codex&limit=25",
    '/sessions?q=started_after:"2026-05-15T00:00:00Z"&limit=25',
    "/interceptions?limit=100",
    "/models",
)


def _median_ms(app_get: Callable[[str], int], path: str, requests: int, tick: Callable[[], None]) -> float:
    app_get(path)  # the first request builds the lazy indexes; it is not what a poll costs
    times = []
    for _ in range(requests):
        tick()
        started = time.perf_counter()
        status = app_get(path)
        times.append(time.perf_counter() - started)
        assert status == 200, (path, status)
    return statistics.median(times) * 1000


def _measure(interceptions: int, requests: int, live: bool, moving: bool) -> list[float]:
    """Median milliseconds of each of PATHS against one data set."""
    clock = ManualClock(parse_anchor("2026-05-15T12:00:00Z"))
    clock.set_elapsed(3 * 3600)
    started = time.perf_counter()
    app = create_app(Config(interceptions=interceptions, live=live), clock=clock)
    label = "live, clock moving" if moving else "live, clock still" if live else "static"
    print(f"  built the {label} data set in {time.perf_counter() - started:.1f} s")
    token = mock_of(app).datasets.snapshot.dataset.personas[0].token
    client = app.test_client()

    def get(path: str) -> int:
        status: int = client.get(
            "/api/v2/aibridge" + path, headers={"Coder-Session-Token": token}
        ).status_code
        return status

    def tick() -> None:
        if moving:
            clock.advance(1.7)

    return [_median_ms(get, path, requests, tick) for path in PATHS]


def bench_live(interceptions: int, requests: int) -> None:
    columns = [
        _measure(interceptions, requests, live, moving)
        for live, moving in ((False, False), (True, False), (True, True))
    ]
    print(f"\nmedian ms per request, {interceptions:,} interceptions, {requests} requests each:\n")
    print(f"| {'request':<58} | static | live, still | live, moving |")
    print(f"|{'-' * 60}|-------:|-----------:|-------------:|")
    for path, static, still, moving_ms in zip(PATHS, *columns, strict=True):
        print(f"| `{path}`{' ' * (56 - len(path))} | {static:6.2f} | {still:10.2f} | {moving_ms:12.2f} |")


def bench_export() -> None:
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        result = export(ExportOptions(out=Path(out)))
        seconds = time.perf_counter() - started
        print(f"\nthe default export ({result.description}): {result.requests} requests in {seconds:.1f} s")
        for path in result.files:
            print(f"  {path.name:<18} {path.stat().st_size / 1_000_000:6.2f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interceptions", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    bench_live(args.interceptions, args.requests)
    bench_export()


if __name__ == "__main__":
    main()
