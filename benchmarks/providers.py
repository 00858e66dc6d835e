"""Issue 14's figures: recording overhead, a Messages call's latency, list latency under recorded traffic.

Run: ``.venv/bin/python benchmarks/providers.py`` (``--quick`` for a smoke run). Prints:

1. Recording overhead: median time of a non-streaming Messages request in-process (Flask test
   client, the embedded SQLite state ``serve`` uses) with the recorder on, minus the median with a
   recorder that does nothing; and the median of the recorder's own work (start + end records).
2. A non-streaming Messages call over HTTP: ``aibridge-mock serve --workers 1``, one keep-alive
   connection, sequential requests; median and p95 of the client-side round trip.
3. List latency with 10,000 recorded interceptions on top of 1,000,000 generated: the median of
   each list request in-process before and after the traffic was recorded (the page cache is
   bypassed with an ignored parameter; record caches warm: the first run is discarded).
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from servers import free_port

from aibridge_mock.server import create_app
from aibridge_mock.server.config import Config
from aibridge_mock.server.extension import mock_of
from aibridge_mock.server.shared.embedded import EmbeddedState

ROOT = Path(__file__).resolve().parent.parent
API = "/api/v2/aibridge"
BODY = {
    "model": "claude-sonnet-4-5",
    "max_tokens": 256,
    "messages": [{"role": "user", "content": "explain the handler"}],
}
LISTS = (
    "/interceptions?limit=100",
    "/interceptions?limit=100&offset=5000",
    "/interceptions?limit=100&q=client:%22Claude%20Code%22",
    "/sessions?limit=100",
    "/sessions?limit=100&q=initiator:alice",
    "/models",
    "/clients",
)


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def _time(fn: Callable[[], Any], runs: int) -> list[float]:
    fn()  # warm-up
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def recording_overhead(runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(Config(interceptions=1_000, validation="strict"), state=EmbeddedState(Path(tmp)))
        mock = mock_of(app)
        token = next(p.token for p in mock.datasets.snapshot.dataset.personas if p.user.role == "member")  # type: ignore[union-attr]
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}", "User-Agent": "claude-cli/2.1.90 (external, cli)"}

        def call() -> None:
            assert client.post(API + "/anthropic/v1/messages", json=BODY, headers=headers).status_code == 200

        recorder = mock.providers.recorder  # type: ignore[union-attr]
        real_append = recorder.append
        spent: list[float] = []

        def timed_append(record: dict[str, Any]) -> int:
            start = time.perf_counter()
            try:
                return real_append(record)
            finally:
                spent.append(time.perf_counter() - start)

        recorder.append = timed_append  # type: ignore[method-assign]
        with_recording = _time(call, runs)
        per_request = [spent[i] + spent[i + 1] for i in range(2, len(spent) - 1, 2)]
        recorder.append = lambda record: 1  # type: ignore[method-assign]
        without = _time(call, runs)
    print(
        f"1. recording: Messages request in-process {_median_ms(with_recording):.2f} ms with recording, "
        f"{_median_ms(without):.2f} ms without: "
        f"{_median_ms(with_recording) - _median_ms(without):.2f} ms added "
        f"(the recorder's own appends: median {_median_ms(per_request):.2f} ms; {runs} requests each)"
    )


def messages_over_http(runs: int) -> None:
    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("aibridge-mock")), "serve", "--port", str(port), "--workers", "1",
         "--interceptions", "5000"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={"AIBRIDGE_MOCK_ACCESS_LOG": "false", "PATH": ""},
    )  # fmt: skip
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for _ in range(600):
            try:
                conn.request("GET", "/readyz")
                if conn.getresponse().read() is not None:
                    break
            except OSError:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                time.sleep(0.1)
        conn.request("GET", "/__admin/state", headers={"Authorization": "Bearer " + _admin_token()})
        personas = json.loads(conn.getresponse().read())["personas"]
        token = next(p["token"] for p in personas if p["role"] == "member")
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        body = json.dumps(BODY)

        def call() -> None:
            conn.request("POST", API + "/anthropic/v1/messages", body, headers)
            response = conn.getresponse()
            response.read()
            assert response.status == 200

        samples = _time(call, runs)
    finally:
        server.terminate()
        server.wait(timeout=30)
    p95 = sorted(samples)[int(len(samples) * 0.95)] * 1000
    print(
        f"2. non-streaming Messages over HTTP (granian, 1 worker, keep-alive, sequential): "
        f"median {_median_ms(samples):.2f} ms, p95 {p95:.2f} ms ({runs} requests)"
    )


def _admin_token() -> str:
    from aibridge_mock.server.views.admin import admin_token

    return admin_token(Config())


def list_latency(generated: int, recorded: int, runs: int) -> None:
    started = time.perf_counter()
    app = create_app(Config(interceptions=generated))
    built = time.perf_counter() - started
    mock = mock_of(app)
    personas = mock.datasets.snapshot.dataset.personas  # type: ignore[union-attr]
    owner, member = personas[0].token, personas[2].token
    client = app.test_client()
    read = {"Coder-Session-Token": owner}

    serial = iter(range(10**9))

    def uncached(path: str) -> None:
        # A parameter coderd ignores, new every time: the whole-answer page cache (pagecache.py)
        # never answers, so each request runs the query; the per-record byte caches stay warm.
        separator = "&" if "?" in path else "?"
        client.get(f"{API}{path}{separator}bench={next(serial)}", headers=read)

    def medians() -> dict[str, float]:
        return {path: _median_ms(_time(lambda p=path: uncached(p), runs)) for path in LISTS}

    before = medians()
    started = time.perf_counter()
    for n in range(recorded):
        body = {**BODY, "messages": [{"role": "user", "content": f"prompt {n}"}]}
        headers = {"Authorization": f"Bearer {member}", "X-Claude-Code-Session-Id": f"s-{n % 500}",
                   "User-Agent": "claude-cli/2.1.90 (external, cli)"}  # fmt: skip
        client.post(API + "/anthropic/v1/messages", json=body, headers=headers)
    spent = time.perf_counter() - started
    first = time.perf_counter()
    client.get(API + "/interceptions?limit=1", headers=read)  # the overlay is built on the first read
    rebuild = (time.perf_counter() - first) * 1000
    after = medians()
    count = client.get(API + "/interceptions?limit=1", headers=read).get_json()["count"]
    print(
        f"3. list latency, in-process, {generated:,} generated (built in {built:.1f} s) + "
        f"{recorded:,} recorded "
        f"({spent:.1f} s to record; count now {count:,}; first read after them {rebuild:.0f} ms):"
    )
    for path in LISTS:
        print(f"   {path:<55} {before[path]:7.2f} ms -> {after[path]:7.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 generated + 1,000 recorded, fewer runs")
    args = parser.parse_args()
    runs = 50 if args.quick else 300
    recording_overhead(runs)
    messages_over_http(runs)
    list_latency(
        100_000 if args.quick else 1_000_000, 1_000 if args.quick else 10_000, 10 if args.quick else 30
    )


if __name__ == "__main__":
    main()
