"""The figures of issues 6 and 13 from the measurements, each against its target."""

from __future__ import annotations

from typing import TYPE_CHECKING

from report import mb

if TYPE_CHECKING:
    from run import Bench

LATENCY_TARGET = 1.25
PAGE_VS_HEALTHZ = 0.75  # limit=100 throughput against /healthz on the same server
VS_PRISM = 3.0  # limit=1 requests per second against Prism's
STARTUP_LARGE_S = 10.0
MEMORY_PER_100K = 62e6  # bytes, all processes together (one worker's figure before issue 13)
SLOW_CLIENTS_MS = 1000.0
FLAT_LATENCY = ("filtered list", "deep cursor page", "session detail")  # the requests with a target


BUSY = 0.15  # others' CPU share above which a run is called noisy


def judge(b: Bench) -> None:
    """Add a row per figure to the report, PASS/FAIL where the issue sets a target."""
    s, r = b.s, b.report
    busy = [run for run in r.runs if run.result.other_cpu + run.result.steal > BUSY]
    if busy:
        r.notes.insert(
            0,
            f"**The machine was shared**: in {len(busy)} of {len(r.runs)} load runs other "
            f"processes or the hypervisor took over {BUSY:.0%} of its CPU (see the last columns); "
            "absolute numbers are lower than on a quiet machine, ratios less affected.",
        )
    named = list(b.ours.items()) + [(f"gunicorn {k}", v) for k, v in b.gunicorn.items()]
    named += [(f"{peer} {k}", v) for peer, runs in b.peers.items() for k, v in runs.items()]
    for name, res in named:
        if res.errors:
            r.add(f"errors under load ({name})", f"{res.errors} of {res.requests}", "0", False)
    health, page = b.ours["healthz"], b.ours["limit=100"]
    r.add("/healthz throughput (ceiling of the stack)", f"{health.rps:,.0f} req/s", "reference", None)
    r.add(
        f"interceptions?limit=100 throughput, N={s.large:,}",
        f"{page.rps:,.0f} req/s ({page.rps / health.rps:.0%} of /healthz)",
        f">= {PAGE_VS_HEALTHZ:.0%} of /healthz",
        page.rps >= PAGE_VS_HEALTHZ * health.rps,
    )
    if b.ceiling:
        small, big = b.ceiling["small"], b.ceiling["big"]
        r.add(
            "transfer cost: a static app's answer of limit=100's size vs a 16-byte one (granian, no Python)",
            f"{big.rps:,.0f} vs {small.rps:,.0f} req/s = {big.rps / small.rps:.0%}; moving the bytes costs "
            f"{(1 / big.rps - 1 / small.rps) * 1e6:.0f} us per request of this machine",
            "(what bounds the ratio above)",
            None,
        )
    cold = b.ours["cold"]
    r.add(
        f"limit=100 over uncached pages, N={s.large:,}",
        f"{cold.rps:,.0f} req/s ({cold.rps / health.rps:.0%} of /healthz); "
        f"p50 {b.ours['cold-latency'].p50_ms:.2f} ms at 1 conn",
        "(no target: a page not cached)",
        None,
    )
    small, large = b.latency[s.small], b.latency[s.large]
    for name in small:
        ratio = large[name] / small[name]
        target = f"<= {LATENCY_TARGET}x" if name in FLAT_LATENCY else ""
        r.add(
            f"median latency, {name}: N={s.large:,} vs N={s.small:,}",
            f"{large[name]:.2f} ms vs {small[name]:.2f} ms = {ratio:.2f}x",
            target or "(no target)",
            ratio <= LATENCY_TARGET if target else None,
        )
    for n, limit in ((s.default, 2.0), (s.large, STARTUP_LARGE_S)):
        secs = b.startups[n][0]  # wall time from process start to the first 200 of /readyz
        r.add(f"startup to ready, N={n:,}", f"{secs:.2f} s", f"< {limit:.0f} s", secs < limit)
    slow = {n: shown for n, (_, loaded, shown) in b.startups.items() if loaded is None or loaded > 1.0}
    r.add(
        "progress bar on a terminal for data set loads over 1 s",
        ", ".join(f"N={n:,}: {'bar' if shown else 'NO BAR'}" for n, shown in slow.items())
        or "no load over 1 s",
        "a bar for each",
        all(slow.values()),
    )
    r.add(
        "startup to ready / data set load (banner), each size",
        ", ".join(
            f"N={n:,}: {wall:.2f} s / {'?' if loaded is None else loaded} s" + (" (bar)" if shown else "")
            for n, (wall, loaded, shown) in sorted(b.startups.items())
        ),
        "(reported)",
        None,
    )
    for n in sorted(k for k in b.memory if k > 0):
        m = b.memory[n]
        r.add(
            f"memory at ready, N={n:,}",
            f"{mb(m.pss_total)} PSS (master RSS {mb(m.rss_master)}, peak "
            f"{mb(m.hwm_master)}; worker RSS {mb(m.rss_workers)})",
            "(reported)",
            None,
        )
    after = b.memory[-s.large]
    r.add(
        f"memory after the load runs, N={s.large:,}",
        f"{mb(after.pss_total)} PSS (worker RSS {mb(after.rss_workers)})",
        "(reported)",
        None,
    )
    per = b.memory[s.large].pss_total / (s.large / 100_000)
    slope = (b.memory[s.large].pss_total - b.memory[s.medium].pss_total) / ((s.large - s.medium) / 100_000)
    r.add(
        "memory per 100,000 interceptions, all processes",
        f"{mb(per)} (total at N={s.large:,} / {s.large / 100_000:g}, {b.workers} workers); "
        f"marginal {mb(slope)} between N={s.medium:,} and N={s.large:,}",
        f"< {mb(MEMORY_PER_100K)}",
        per < MEMORY_PER_100K,
    )
    _servers(b)
    _slow_clients(b)
    _peers(b)
    _before_after(b)


# The last full run before issue 13 (benchmarks/RESULTS.md of 2026-11-22, commit 23df55d, this kind
# of machine): gunicorn gthread, 2 workers x 8 threads; `serve` then defaulted to 1 worker.
BEFORE = {
    "healthz": "2,352 req/s",
    "limit=100": "1,559 req/s (66% of /healthz); 1 worker: 682 req/s",
    "limit=1": "1,303 req/s; 1 worker: 742 req/s",
    "prism": "1.49x (Prism: its own one-item example); 1 worker: 0.88x",
    "startup": "0.75 s / 6.92 s",
    "memory": "62.1 MB (2 workers); 62.0 MB (1 worker)",
    "slow": "8 half-sent connections left /healthz unanswered (1 worker x 8 threads)",
    "workers": "1 by default; admin settings per worker",
}


def _before_after(b: Bench) -> None:
    """Issue 13's before/after table: the last run before it beside this one."""
    s, ours = b.s, b.ours
    health, page, one = ours["healthz"], ours["limit=100"], ours["limit=1"]
    prism = b.peers.get("Prism", {}).get("limit=1")
    slow = b.slow.get("granian")
    per = b.memory[s.large].pss_total / (s.large / 100_000)
    after = {
        "healthz": f"{health.rps:,.0f} req/s",
        "limit=100": f"{page.rps:,.0f} req/s ({page.rps / health.rps:.0%} of /healthz)",
        "limit=1": f"{one.rps:,.0f} req/s",
        "prism": f"{one.rps / prism.rps:.2f}x (Prism serving our captured body)" if prism else "not run",
        "startup": f"{b.startups[s.default][0]:.2f} s / {b.startups[s.large][0]:.2f} s",
        "memory": f"{mb(per)} ({b.workers} workers)",
        "slow": slow.describe() if slow else "not run",
        "workers": f"one per core ({b.workers} here); admin settings shared by all",
    }
    names = {
        "healthz": "/healthz throughput",
        "limit=100": f"interceptions?limit=100 throughput, N={s.large:,}",
        "limit=1": f"interceptions?limit=1 throughput, N={s.large:,}",
        "prism": "ours limit=1 / Prism limit=1 (req/s)",
        "startup": f"startup to ready, N={s.default:,} / N={s.large:,}",
        "memory": "memory per 100,000 interceptions, all processes",
        "slow": "a new client while slow connections are open",
        "workers": "workers of `serve`",
    }
    lines = [
        "| Figure | Before (2026-11-22, gunicorn) | After (this run, granian) |",
        "|---|---|---|",
        *(f"| {names[k]} | {BEFORE[k]} | {after[k]} |" for k in names),
    ]
    b.report.sections.append(("Before and after issue 13", lines))


def _servers(b: Bench) -> None:
    """granian (ours) against gunicorn: the same app, data set, workers and threads."""
    for name in ("healthz", "limit=1", "limit=100"):
        ours, theirs = b.ours[name], b.gunicorn[name]
        r = b.report
        r.add(
            f"HTTP server: {name} req/s, granian vs gunicorn",
            f"{ours.rps:,.0f} vs {theirs.rps:,.0f} = {ours.rps / theirs.rps:.2f}x",
            "(the choice of server)",
            None,
        )


def _slow_clients(b: Bench) -> None:
    for server, found in b.slow.items():
        worst = found.worst_ms
        ours = server == "granian"
        b.report.add(
            f"slow clients ({server}): a new client with 256 idle or half-sent connections open",
            found.describe(),
            f"every answer < {SLOW_CLIENTS_MS / 1000:g} s" if ours else "(for comparison)",
            (worst is not None and worst < SLOW_CLIENTS_MS) if ours else None,
        )


def _peers(b: Bench) -> None:
    r = b.report
    if not b.peers:
        r.skip("vs Prism: limit=1 req/s", f">= {VS_PRISM:g}x Prism", "peers not run (--no-peer)")
        return
    one = b.ours["limit=1"]
    prism = b.peers.get("Prism", {}).get("limit=1")
    if prism is not None:
        r.add(
            "vs Prism: ours limit=1 vs Prism serving the same body (req/s)",
            f"{one.rps:,.0f} vs {prism.rps:,.0f} = {one.rps / prism.rps:.2f}x",
            f">= {VS_PRISM:g}x Prism",
            one.rps >= VS_PRISM * prism.rps,
        )
    for peer, runs in b.peers.items():
        for name, theirs in runs.items():
            ours = b.ours[name]
            ratio = ours.rps / theirs.rps
            faster = "" if ratio >= 1 else f"; {peer} is {1 / ratio:.2f}x faster"
            r.add(
                f"vs {peer} (static stub of the same body): {name} req/s",
                f"{ours.rps:,.0f} vs {theirs.rps:,.0f} = {ratio:.2f}x{faster}",
                "(reported)",
                None,
            )
