"""Benchmark of GitHub issues 6 and 13: performance at scale, HTTP servers, and peers.

Starts the servers itself (our mock with validation on, under granian and under gunicorn; Prism 5,
Mockoon CLI 9 and WireMock 3 serving the bodies our mock computed as static stubs), drives them with
wrk from a separate process, measures slow clients, prints the targets table and writes it to
benchmarks/RESULTS.md. ``--quick`` is a smoke run (small data sets, short runs, no RESULTS.md).
See benchmarks/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import ceiling
import load
import peers
import servers
import slowclients
from judge import judge
from report import Report, mb, render

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
API = "/api/v2/aibridge"
PEERS = ("prism", "mockoon", "wiremock")
LISTS = ("limit=1", "limit=100")
COLD_PAGES = 1_000
ROUNDS = 3  # latency runs alternate between the two data sets this many times
WARM_UP_S = 2  # an unrecorded wrk run per throughput request first


@dataclass(frozen=True)
class Settings:
    small: int  # latency baseline
    medium: int  # memory slope
    large: int  # latency at scale, throughput, the peer comparison
    default: int  # startup of the default data set
    latency_s: float  # per request and data set, split over ROUNDS runs
    throughput_s: float


FULL = Settings(small=1_000, medium=100_000, large=1_000_000, default=5_000, latency_s=12, throughput_s=15)
QUICK = Settings(small=1_000, medium=10_000, large=50_000, default=5_000, latency_s=3, throughput_s=3)


free_port = servers.free_port


@dataclass(frozen=True)
class Targets:
    """The requests whose latency must not grow with the data set, chosen on the running server."""

    model: str
    paths: dict[str, str]
    threads: int  # of the session detail's session
    n_ended: int


def _count(base: str, token: str, query: str) -> int:
    url = f"{base}{API}/interceptions?limit=1" + (f"&{query}" if query else "")
    count: int = servers.get_json(url, token)["count"]
    return count


def choose_targets(base: str, token: str, model: str | None) -> Targets:
    """A filtered list, a deep cursor page (~90% down the list) and a session with several threads."""
    n_ended = _count(base, token, "")
    if model is None or _count(base, token, "q=" + quote(f'model:"{model}"')) < 100:
        models: list[str] = servers.get_json(f"{base}{API}/models", token)
        model = max(models, key=lambda m: _count(base, token, "q=" + quote(f'model:"{m}"')))
    position = max(0, min(n_ended * 9 // 10, n_ended - 101))
    deep = servers.get_json(f"{base}{API}/interceptions?offset={position}&limit=1", token)["results"][0]["id"]
    sessions = servers.get_json(f"{base}{API}/sessions?limit=1000", token)["sessions"]
    several = [s for s in sessions if s["threads"] >= 3] or sessions
    session = min(several, key=lambda s: (abs(s["threads"] - 5), sessions.index(s)))
    paths = {
        "filtered list": f"{API}/interceptions?limit=100&q=" + quote(f'model:"{model}"'),
        "deep cursor page": f"{API}/interceptions?after_id={deep}&limit=100",
        "session detail": f"{API}/sessions/{quote(session['id'], safe='')}",
        "list limit=100": f"{API}/interceptions?limit=100",
        "list limit=1": f"{API}/interceptions?limit=1",
    }
    return Targets(model, paths, int(session["threads"]), n_ended)


def bar_shown(process: servers.Process) -> bool:
    return bool(servers.BAR.search(process.output()))


class Bench:
    """The measurements of one benchmark run, taken server by server."""

    def __init__(self, settings: Settings, report: Report, token: str, with_peer: bool, workers: int) -> None:
        self.s = settings
        self.workers = workers
        self.with_peer = with_peer
        self.report = report
        self.token = token
        self.startups: dict[int, tuple[float, float | None, bool]] = {}  # wall, load (banner), bar
        self.memory: dict[int, servers.Memory] = {}
        self.latency: dict[int, dict[str, float]] = {}
        self.ours: dict[str, load.Result] = {}  # granian, our server
        self.gunicorn: dict[str, load.Result] = {}  # the same app and data set under gunicorn
        self.peers: dict[str, dict[str, load.Result]] = {}  # "Prism" -> "limit=1" -> result
        self.peer_versions: dict[str, str] = {}
        self.slow: dict[str, slowclients.SlowClients] = {}  # "granian"/"gunicorn" ->
        self.ceiling: dict[str, load.Result] = {}  # a static app: "small" and "big" (ceiling.py)

    def wrk(
        self,
        server: str,
        process: servers.Process,
        label: str,
        path: str,
        *,
        conns: int,
        rotate: list[str] | None = None,
        split: bool = False,
        headers: dict[str, str] | None = None,
    ) -> load.Result:
        """One wrk run; ``split``: one of ROUNDS alternating runs sharing the figure's duration."""
        seconds = self.s.latency_s if conns == 1 else self.s.throughput_s
        seconds = seconds / ROUNDS if split else seconds
        result = load.run(
            process.base + path,
            lambda: servers.cpu_seconds(process.pid),
            token=self.token,
            connections=conns,
            threads=min(conns, 2),
            seconds=seconds,
            rotate=rotate,
            headers=headers,
        )
        return self.report.record(server, label, conns, result)

    def start(self, n: int, http_server: str = "granian") -> servers.Process:
        print(f"starting aibridge-mock with {n:,} interceptions ({http_server}) ...", flush=True)
        process = servers.start_mock(free_port(), n, workers=self.workers, http_server=http_server)
        time.sleep(0.2)  # the banner is printed just before gunicorn binds: let the pty reader catch up
        self.startups[n] = (process.startup, process.load_seconds(), bar_shown(process))
        self.memory[n] = servers.memory_of(process.pid)
        print(f"  ready in {process.startup:.2f}s, {mb(self.memory[n].pss_total)} PSS", flush=True)
        return process

    def startup_only(self, n: int) -> None:
        self.start(n).stop()

    def scale(self) -> Targets:
        """Both data sets served at once, each request measured on them in alternation.

        Alternating rounds (small, large, small, large, ...) expose both sides to the same drift of a
        shared machine; each side's figure is the median of its round medians.
        """
        small = self.start(self.s.small)
        large: servers.Process | None = None
        try:
            self.startup_only(self.s.medium)
            large = self.start(self.s.large)
            picked = choose_targets(small.base, self.token, None)
            sides = [
                (self.s.small, small, picked),
                (self.s.large, large, choose_targets(large.base, self.token, picked.model)),
            ]
            for n, _, _ in sides:
                self.latency[n] = {}
            for name in picked.paths:
                medians: dict[int, list[float]] = {n: [] for n, _, _ in sides}
                for _ in range(ROUNDS):
                    for n, process, targets in sides:
                        run = self.wrk(
                            f"mock N={n:,}", process, name, targets.paths[name], conns=1, split=True
                        )
                        medians[n].append(run.p50_ms)
                for n in medians:
                    self.latency[n][name] = statistics.median(medians[n])
            small.stop()
            self.throughput(large, f"mock N={self.s.large:,}", sides[1][2])
            self.memory[-self.s.large] = servers.memory_of(large.pid)  # after load: caches filled
        finally:
            small.stop()
            if large is not None:
                large.stop()
        return picked

    def throughput(self, process: servers.Process, server: str, targets: Targets) -> None:
        """/healthz and the lists on granian and gunicorn, and the peers, in alternating rounds.

        Alternating, like the latencies: a ratio is then not a matter of which side ran while the
        machine was busier. Then pages no cache has seen, and slow clients on both servers.
        """
        paths = {"healthz": "/healthz", **{name: targets.paths[f"list {name}"] for name in LISTS}}
        labels = {"healthz": "/healthz", **{name: f"list {name}" for name in LISTS}}
        bodies = {name: servers.http_get(process.base + paths[name], self.token)[1] for name in LISTS}
        rival = self.start(self.s.large, http_server="gunicorn")
        static = ceiling.start_static(len(bodies["limit=100"]), self.workers)
        started: list[peers.Peer] = []
        # (figure bucket, key, server label, process, label, path, headers)
        plan: list[tuple[dict[str, load.Result], str, str, servers.Process, str, str, dict[str, str]]] = []
        collected: dict[tuple[int, str], list[load.Result]] = {}
        try:
            for name in paths:
                plan.append((self.ours, name, server, process, labels[name], paths[name], {}))
                plan.append((self.gunicorn, name, f"{server} gunicorn", rival, labels[name], paths[name], {}))
            for name in ("small", "big"):
                plan.append((self.ceiling, name, "static app (granian)", static, f"/{name}", f"/{name}", {}))
            if self.with_peer:
                for peer_name in PEERS:
                    peer = self.start_peer(peer_name, bodies)
                    started.append(peer)
                    bucket = self.peers.setdefault(peer.name, {})
                    for name in LISTS:
                        path = f"{peers.PATH}?{name}"
                        plan.append(
                            (bucket, name, peer.name, peer.process, labels[name], path, peer.headers[name])
                        )
            for _, _, _, proc, _, path, headers in plan:  # warm-up, not counted: JITs, our caches
                load.run(
                    proc.base + path,
                    lambda: 0.0,
                    token=self.token,
                    connections=8,
                    threads=2,
                    seconds=WARM_UP_S,
                    headers=headers,
                )
            for _ in range(ROUNDS):
                for i, (_, name, who, proc, label, path, headers) in enumerate(plan):
                    run = self.wrk(who, proc, label, path, conns=8, split=True, headers=headers)
                    collected.setdefault((i, name), []).append(run)
            sessions = f"{API}/sessions?limit=25"
            self.slow["gunicorn"] = slowclients.measure(rival.base, self.token, sessions)
        finally:
            for peer in started:
                peer.stop()
            rival.stop()
            static.stop()
        for (i, name), results in collected.items():
            plan[i][0][name] = load.merge(results)
        self.slow["granian"] = slowclients.measure(process.base, self.token, f"{API}/sessions?limit=25")
        # Pages 200 rows apart at least, so that the second set (shifted by half a step) shares no
        # row with the first: each request renders and validates 100 records nobody asked for yet.
        pages = min(COLD_PAGES, targets.n_ended // 200)
        step = targets.n_ended // pages
        cold = [f"{API}/interceptions?offset={i * step}&limit=100" for i in range(pages)]
        self.ours["cold"] = self.wrk(
            server, process, f"list limit=100, {pages} distinct uncached pages", cold[0], conns=8, rotate=cold
        )
        unseen = [f"{API}/interceptions?offset={i * step + step // 2}&limit=100" for i in range(pages)]
        self.ours["cold-latency"] = self.wrk(
            server, process, "list limit=100, uncached pages", unseen[0], conns=1, rotate=unseen
        )

    def start_peer(self, name: str, bodies: dict[str, bytes]) -> peers.Peer:
        print(f"starting {name} ...", flush=True)
        peer = peers.start(name, free_port(), bodies, servers.WORK / "peers" / name)
        self.peer_versions[peer.name] = peer.version
        return peer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks/run.py", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smoke run: small data sets, 2 s runs")
    parser.add_argument("--no-peer", action="store_true", help="skip the peers (Prism, Mockoon, WireMock)")
    parser.add_argument("--write", action="store_true", help="write RESULTS.md even with --quick")
    parser.add_argument("--no-write", action="store_true", help="do not write RESULTS.md")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target fails")
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="worker processes of our server (default: one per core, as `serve` does)",
    )
    args = parser.parse_args(argv)
    settings = QUICK if args.quick else FULL
    try:
        load.ensure_wrk()
    except load.LoadError as exc:
        print(f"benchmark: {exc}", file=sys.stderr)
        return 2
    report = Report()
    load_before = Path("/proc/loadavg").read_text().split()[:3]
    bench = Bench(settings, report, servers.owner_token(), with_peer=not args.no_peer, workers=args.workers)
    try:
        bench.startup_only(settings.default)
        targets = bench.scale()
    except (servers.ServerError, load.LoadError) as exc:
        print(f"benchmark: {exc}", file=sys.stderr)
        return 1
    judge(bench)
    load_after = Path("/proc/loadavg").read_text().split()[:3]
    report.notes += [
        f"Load average before the run {' '.join(load_before)}, after it {' '.join(load_after)}. "
        'Per run, "server CPU" is the server\'s CPU time per second (100% = one core), "others\' CPU" '
        "the share of the machine's CPU that other processes (and the kernel's network softirqs) took, "
        '"steal" the share the hypervisor gave to other machines: when the last two are high, the '
        "run's numbers are low.",
        f'Filtered list: `q=model:"{targets.model}"`; session detail: a session with {targets.threads} '
        "threads (the one closest to 5 among the first 1,000 sessions, chosen again at each size).",
        "Our server: `aibridge-mock serve --seed 1 --validation strict` (every response validated, every "
        f"request journaled in the shared state), {args.workers} worker(s) with 8 threads each, under "
        "granian (the default) and, for comparison, `--http-server gunicorn` (gthread) on the same data "
        "set, access log off. wrk runs on the same machine and shares its cores.",
        "Peers (" + ", ".join(f"{k} {v}" for k, v in bench.peer_versions.items()) + ") serve the bodies "
        "our server returned for `interceptions?limit=1` and `?limit=100`, captured in this run, as "
        "static stubs (benchmarks/peers.py); each is one process with its default settings (WireMock "
        "without its request journal). They ran in the same rounds as our servers, after a "
        f"{WARM_UP_S} s warm-up run of each request (for every server).",
        "Memory: PSS counts the pages the forked workers share with the server process (and the mapped "
        "data set files) once; summing RSS would count them once per process.",
    ]
    command = "make bench" + (f" ARGS='{' '.join(sys.argv[1:])}'" if len(sys.argv) > 1 else "")
    text = render(
        report,
        command=command,
        settings=[
            f"data sets: {settings.small:,} / {settings.default:,} (default) / {settings.medium:,} / "
            f"{settings.large:,} interceptions; wrk {settings.latency_s:g} s at 1 connection per request and "
            f"data set in {ROUNDS} runs alternating between the data sets (latency), "
            f"{settings.throughput_s:g} s at 8 connections / 2 threads "
            f"(throughput, {ROUNDS} alternating runs for /healthz and the lists); {load.wrk_version()}"
        ],
    )
    print("\n" + text)
    if (args.write or not args.quick) and not args.no_write:
        RESULTS.write_text(text)
        print(f"written to {RESULTS.relative_to(ROOT)}")
    return 1 if args.check and any(row.verdict == "FAIL" for row in report.rows) else 0


if __name__ == "__main__":
    sys.exit(main())
