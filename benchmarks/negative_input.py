"""Negative-input run (GitHub issue 11): thousands of malformed requests, then is the server still well?

Starts the mock itself (``aibridge-mock serve``, one worker, 20,000 interceptions, as the issue's
run did) or uses ``--url``; sends every case of ``negative_cases`` on its own connection (raw bytes,
a few connections at a time); and prints, per kind of input, the answers by status class, the 5xx
answers (goal: 0), the hangs (no complete answer within ``--timeout``; goal: 0), the slowest answer,
and whether ``/healthz`` answers afterwards. Same seed and scale: same requests.

    .venv/bin/python benchmarks/negative_input.py                 # about 3,000 requests
    .venv/bin/python benchmarks/negative_input.py --scale 0.1 --check
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import rawhttp
import servers
from negative_cases import API, Case, Generator, request


@dataclass
class Tally:
    """Answers of one kind of input."""

    cases: int = 0
    classes: Counter[str] = field(default_factory=Counter)
    slowest: float = 0.0
    examples: list[str] = field(default_factory=list)

    def add(self, case: Case, answers: list[rawhttp.Answer]) -> None:
        self.cases += 1
        missing = case.answers - len(answers)
        for answer in answers:
            self.slowest = max(self.slowest, answer.seconds)
            kind = f"{answer.status // 100}xx" if answer.status is not None else answer.outcome
            self.classes[kind] += 1
            if (kind in ("5xx", "timeout")) and len(self.examples) < 5:
                self.examples.append(f"{kind} {case.name!r}: {answer.head[:80]!r} {answer.body[:200]!r}")
        if missing > 0 and answers and answers[-1].status is not None:
            self.classes["closed"] += missing


def first_session(base: str, token: str) -> str:
    sessions = servers.get_json(f"{base}{API}/sessions?limit=1", token)["sessions"]
    return str(sessions[0]["id"]) if sessions else "no-session"


def run_cases(host: str, port: int, cases: list[Case], concurrency: int, timeout: float) -> dict[str, Tally]:
    tallies: dict[str, Tally] = defaultdict(Tally)

    def send(case: Case) -> tuple[Case, list[rawhttp.Answer]]:
        answers = rawhttp.exchange(
            host,
            port,
            case.payload,
            answers=case.answers,
            half_close=case.half_close,
            head_request=case.head,
            timeout=timeout,
        )
        return case, answers

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        for case, answers in pool.map(send, cases):
            tallies[case.category].add(case, answers)
    return tallies


def health(host: str, port: int) -> tuple[int | None, float]:
    answer = rawhttp.exchange(host, port, request("GET", "/healthz"), timeout=10)[0]
    return answer.status, answer.seconds


COLUMNS = ("2xx", "3xx", "4xx", "5xx", "closed", "reset", "timeout")


def render(tallies: dict[str, Tally], seconds: float) -> list[str]:
    lines = [
        "| input | requests | " + " | ".join(COLUMNS) + " | slowest |",
        "|---|---:|" + "---:|" * len(COLUMNS) + "---:|",
    ]
    total = Tally()
    for category, tally in tallies.items():
        cells = [str(tally.classes.get(c, 0)) for c in COLUMNS]
        lines.append(f"| {category} | {tally.cases} | " + " | ".join(cells) + f" | {tally.slowest:.2f}s |")
        total.cases += tally.cases
        total.classes.update(tally.classes)
        total.slowest = max(total.slowest, tally.slowest)
    cells = [f"**{total.classes.get(c, 0)}**" for c in COLUMNS]
    lines.append(f"| **all** | **{total.cases}** | " + " | ".join(cells) + f" | {total.slowest:.2f}s |")
    lines.append(f"\n{total.cases} connections in {seconds:.1f}s")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", help="a running mock instead of starting one (needs --token)")
    parser.add_argument("--token", help="an owner's session token for --url")
    parser.add_argument("--interceptions", type=int, default=20_000, help="data set of the started mock")
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies the random cases (1.0: ~3,000)")
    parser.add_argument("--seed", type=int, default=11, help="seed of the random cases")
    parser.add_argument(
        "--timeout", type=float, default=10.0, help="seconds without an answer that make a hang"
    )
    parser.add_argument("--concurrency", type=int, default=4, help="connections at a time")
    parser.add_argument("--check", action="store_true", help="exit 1 on any 5xx, hang or silent /healthz")
    parser.add_argument("--json", action="store_true", help="print the counts as JSON too")
    args = parser.parse_args(argv)

    process = None
    if args.url:
        if not args.token:
            parser.error("--url needs --token")
        base, token = args.url.rstrip("/"), args.token
    else:
        port = servers.free_port()
        print(
            f"starting aibridge-mock serve --interceptions {args.interceptions} --workers 1 ...", flush=True
        )
        process = servers.start_mock(port, args.interceptions)
        base, token = process.base, servers.owner_token()
    parts = urlsplit(base)
    host, port_ = parts.hostname or "127.0.0.1", parts.port or 80
    try:
        cases = list(Generator(token, first_session(base, token), args.seed, args.scale).cases())
        print(f"sending {len(cases):,} hostile requests to {base} ({args.concurrency} at a time)", flush=True)
        started = time.monotonic()
        tallies = run_cases(host, port_, cases, args.concurrency, args.timeout)
        seconds = time.monotonic() - started
        status, health_seconds = health(host, port_)
        alive = process is None or process.proc.poll() is None
    finally:
        if process is not None:
            process.stop()
    print("\n".join(render(tallies, seconds)))
    print(f"/healthz afterwards: {status} in {health_seconds * 1000:.0f} ms; server process alive: {alive}")
    examples = [e for t in tallies.values() for e in t.examples]
    if examples:
        print("examples of 5xx and hangs:\n  " + "\n  ".join(examples))
    errors = sum(t.classes.get("5xx", 0) for t in tallies.values())
    hangs = sum(t.classes.get("timeout", 0) for t in tallies.values())
    if args.json:
        counts = {c: dict(t.classes) | {"requests": t.cases} for c, t in tallies.items()}
        print(json.dumps({"5xx": errors, "hangs": hangs, "healthz": status, "by_input": counts}))
    if args.check and (errors or hangs or status != 200 or not alive):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
