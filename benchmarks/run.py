"""Benchmark of GitHub issue 6: performance at scale, against the targets and against Stoplight Prism.

Starts the servers itself (our mock with validation on, and Prism in mock mode on our OpenAPI
document), drives them with wrk from a separate process, prints the targets table and writes it
to benchmarks/RESULTS.md. ``--quick`` is a smoke run (small data sets, short runs, no RESULTS.md).
See benchmarks/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import socket
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import load
import servers
from report import Report, mb, render

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
OPENAPI = ROOT / "schemas" / "v5" / "openapi.json"
API = "/api/v2/aibridge"
COLD_PAGES = 1_000
LATENCY_TARGET = 1.25


@dataclass(frozen=True)
class Settings:
    small: int  # latency baseline
    medium: int  # memory slope
    large: int  # latency at scale, throughput, the peer comparison
    default: int  # startup of the default data set
    latency_s: float
    throughput_s: float


FULL = Settings(small=1_000, medium=100_000, large=1_000_000, default=5_000, latency_s=5, throughput_s=8)
QUICK = Settings(small=1_000, medium=10_000, large=50_000, default=5_000, latency_s=2, throughput_s=2)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


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
    def __init__(self, settings: Settings, report: Report, token: str) -> None:
        self.s = settings
        self.report = report
        self.token = token
        self.startups: dict[int, tuple[float, bool]] = {}
        self.memory: dict[int, servers.Memory] = {}
        self.latency: dict[int, dict[str, float]] = {}
        self.ours: dict[str, load.Result] = {}

    def wrk(self, server: str, base: str, label: str, path: str, *, conns: int,
            rotate: list[str] | None = None) -> load.Result:
        seconds = self.s.latency_s if conns == 1 else self.s.throughput_s
        result = load.run(base + path, token=self.token, connections=conns, threads=min(conns, 2),
                          seconds=seconds, rotate=rotate)
        return self.report.record(server, label, conns, result)

    def start(self, n: int) -> servers.Process:
        print(f"starting aibridge-mock with {n:,} interceptions ...", flush=True)
        process = servers.start_mock(free_port(), n)
        self.startups[n] = (process.startup, bar_shown(process))
        self.memory[n] = servers.memory_of(process.pid)
        print(f"  ready in {process.startup:.2f}s, {mb(self.memory[n].pss_total)} PSS", flush=True)
        return process

    def startup_only(self, n: int) -> None:
        self.start(n).stop()

    def latencies(self, n: int, model: str | None = None) -> Targets:
        process = self.start(n)
        try:
            targets = choose_targets(process.base, self.token, model)
            server = f"mock N={n:,}"
            self.latency[n] = {
                name: self.wrk(server, process.base, name, path, conns=1).p50_ms
                for name, path in targets.paths.items()
            }
            if n == self.s.large:
                self.throughput(process, server, targets)
                self.memory[-n] = servers.memory_of(process.pid)  # after load: caches filled
        finally:
            process.stop()
        return targets

    def throughput(self, process: servers.Process, server: str, targets: Targets) -> None:
        base = process.base
        self.ours["healthz"] = self.wrk(server, base, "/healthz", "/healthz", conns=8)
        for name in ("limit=100", "limit=1"):
            self.ours[name] = self.wrk(server, base, f"list {name}", targets.paths[f"list {name}"], conns=8)
        step = max(1, (targets.n_ended - 100) // COLD_PAGES)
        cold = [f"{API}/interceptions?offset={i * step}&limit=100" for i in range(COLD_PAGES)]
        self.ours["cold"] = self.wrk(server, base, f"list limit=100, {COLD_PAGES} distinct uncached pages",
                                     cold[0], conns=8, rotate=cold)
        # Other pages than the run above filled the cache with.
        unseen = [f"{API}/interceptions?offset={i * step + step // 2}&limit=100" for i in range(COLD_PAGES)]
        self.ours["cold-latency"] = self.wrk(server, base, "list limit=100, uncached pages", unseen[0],
                                             conns=1, rotate=unseen)

    def peer(self) -> dict[str, load.Result] | None:
        print("starting Prism ...", flush=True)
        process, prefix = servers.start_prism(free_port(), OPENAPI, self.token)
        self.report.notes.append(
            f"Prism {servers.prism_version()} (`prism mock schemas/v5/openapi.json`, static examples) serves "
            f"the document's paths without its `servers` prefix `/api/v2`: requests went to "
            f"`{prefix or '(no prefix)'}/aibridge/...`. It read our OpenAPI 3.1 document as is "
            "(no conversion needed)."
        )
        try:
            url = f"{prefix}/aibridge/interceptions"
            return {
                "limit=1": self.wrk("Prism", process.base, "list limit=1", url + "?limit=1", conns=8),
                "limit=100": self.wrk("Prism", process.base, "list limit=100", url + "?limit=100", conns=8),
            }
        finally:
            process.stop()


def judge(b: Bench, prism: dict[str, load.Result] | None) -> None:
    s, r = b.s, b.report
    named = list(b.ours.items()) + [(f"prism {k}", v) for k, v in (prism or {}).items()]
    for name, res in named:
        if res.errors:
            r.add(f"errors under load ({name})", f"{res.errors} of {res.requests}", "0", False)
    health, page = b.ours["healthz"], b.ours["limit=100"]
    r.add("/healthz throughput (ceiling of the stack)", f"{health.rps:,.0f} req/s", "reference", None)
    r.add(f"interceptions?limit=100 throughput, N={s.large:,}", f"{page.rps:,.0f} req/s "
          f"({page.rps / health.rps:.0%} of /healthz)", ">= 50% of /healthz", page.rps >= 0.5 * health.rps)
    cold = b.ours["cold"]
    r.add(f"limit=100 over {COLD_PAGES} uncached pages, N={s.large:,}",
          f"{cold.rps:,.0f} req/s ({cold.rps / health.rps:.0%} of /healthz); "
          f"p50 {b.ours['cold-latency'].p50_ms:.2f} ms at 1 conn", "(no target: a page not cached)", None)
    small, large = b.latency[s.small], b.latency[s.large]
    for name in small:
        ratio = large[name] / small[name]
        target = f"<= {LATENCY_TARGET}x" if name in ("filtered list", "deep cursor page", "session detail") \
            else ""
        r.add(f"median latency, {name}: N={s.large:,} vs N={s.small:,}",
              f"{large[name]:.2f} ms vs {small[name]:.2f} ms = {ratio:.2f}x",
              target or "(no target)", ratio <= LATENCY_TARGET if target else None)
    for n, limit in ((s.default, 2.0), (s.large, 30.0)):
        secs = b.startups[n][0]
        r.add(f"startup to ready, N={n:,}", f"{secs:.2f} s", f"< {limit:.0f} s", secs < limit)
    slow = {n: shown for n, (secs, shown) in b.startups.items() if secs > 1.0}
    r.add("progress bar on a terminal for startups over 1 s",
          ", ".join(f"N={n:,}: {'bar' if shown else 'NO BAR'}" for n, shown in slow.items())
          or "no startup over 1 s",
          "a bar for each", all(slow.values()))
    for n in sorted(k for k in b.memory if k > 0):
        m = b.memory[n]
        r.add(f"memory at ready, N={n:,}", f"{mb(m.pss_total)} PSS (master RSS {mb(m.rss_master)}, peak "
              f"{mb(m.hwm_master)}; worker RSS {mb(m.rss_workers)})", "(reported)", None)
    after = b.memory[-s.large]
    r.add(f"memory after the load runs, N={s.large:,}", f"{mb(after.pss_total)} PSS "
          f"(worker RSS {mb(after.rss_workers)})", "(reported)", None)
    per = b.memory[s.large].pss_total / (s.large / 100_000)
    slope = (b.memory[s.large].pss_total - b.memory[s.medium].pss_total) / ((s.large - s.medium) / 100_000)
    r.add("memory per 100,000 interceptions", f"{mb(per)} (total at N={s.large:,} / {s.large // 100_000}); "
          f"marginal {mb(slope)} between N={s.medium:,} and N={s.large:,}", "< 500 MB", per < 500e6)
    if prism is None:
        r.skip("vs Prism: limit=1 req/s", "ours > Prism", "Prism not run (--no-peer)")
        r.skip("vs Prism: limit=100 bytes/s", "ours > Prism", "Prism not run (--no-peer)")
        return
    one, hundred = b.ours["limit=1"], b.ours["limit=100"]
    r.add("vs Prism: ours limit=1 vs Prism's single item (req/s)",
          f"{one.rps:,.0f} vs {prism['limit=1'].rps:,.0f} = {one.rps / prism['limit=1'].rps:.2f}x",
          "ours > Prism", one.rps > prism["limit=1"].rps)
    r.add("vs Prism: ours limit=100 vs Prism (bytes/s)",
          f"{mb(hundred.bytes_per_s)}/s vs {mb(prism['limit=100'].bytes_per_s)}/s = "
          f"{hundred.bytes_per_s / prism['limit=100'].bytes_per_s:.1f}x", "ours > Prism",
          hundred.bytes_per_s > prism["limit=100"].bytes_per_s)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks/run.py", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smoke run: small data sets, 2 s runs")
    parser.add_argument("--no-peer", action="store_true", help="skip Prism")
    parser.add_argument("--write", action="store_true", help="write RESULTS.md even with --quick")
    parser.add_argument("--no-write", action="store_true", help="do not write RESULTS.md")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target fails")
    args = parser.parse_args(argv)
    settings = QUICK if args.quick else FULL
    try:
        load.ensure_wrk()
    except load.LoadError as exc:
        print(f"benchmark: {exc}", file=sys.stderr)
        return 2
    report = Report()
    bench = Bench(settings, report, servers.owner_token())
    prism = None
    try:
        bench.startup_only(settings.default)
        targets = bench.latencies(settings.small)
        bench.startup_only(settings.medium)
        bench.latencies(settings.large, targets.model)
        prism = None if args.no_peer else bench.peer()
    except (servers.ServerError, load.LoadError) as exc:
        print(f"benchmark: {exc}", file=sys.stderr)
        return 1
    judge(bench, prism)
    report.notes += [
        f"Filtered list: `q=model:\"{targets.model}\"`; session detail: a session with {targets.threads} "
        "threads (the one closest to 5 among the first 1,000 sessions, chosen again at each size).",
        "Our server: `aibridge-mock serve --seed 1 --validation strict` (every response validated), "
        "1 gunicorn worker with 8 threads, access log off. wrk runs on the same machine and shares its "
        "cores.",
        "Memory: PSS counts pages the forked worker shares with the master once; RSS of master and worker "
        "would count them twice.",
    ]
    command = "make bench" + (f" ARGS='{' '.join(sys.argv[1:])}'" if len(sys.argv) > 1 else "")
    text = render(report, command=command, settings=[
        f"data sets: {settings.small:,} / {settings.default:,} (default) / {settings.medium:,} / "
        f"{settings.large:,} interceptions; wrk {settings.latency_s:g} s at 1 connection (latency), "
        f"{settings.throughput_s:g} s at 8 connections / 2 threads (throughput); {load.wrk_version()}"])
    print("\n" + text)
    if (args.write or not args.quick) and not args.no_write:
        RESULTS.write_text(text)
        print(f"written to {RESULTS.relative_to(ROOT)}")
    return 1 if args.check and any(row.verdict == "FAIL" for row in report.rows) else 0


if __name__ == "__main__":
    sys.exit(main())
