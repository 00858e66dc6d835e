"""The figures of issue 6 from the measurements, each against its target."""

from __future__ import annotations

from typing import TYPE_CHECKING

from report import mb

if TYPE_CHECKING:
    from run import Bench

LATENCY_TARGET = 1.25
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
    prism = b.prism or None
    named = list(b.ours.items()) + [(f"prism {k}", v) for k, v in b.prism.items()]
    for name, res in named:
        if res.errors:
            r.add(f"errors under load ({name})", f"{res.errors} of {res.requests}", "0", False)
    health, page = b.ours["healthz"], b.ours["limit=100"]
    r.add("/healthz throughput (ceiling of the stack)", f"{health.rps:,.0f} req/s", "reference", None)
    r.add(
        f"interceptions?limit=100 throughput, N={s.large:,}",
        f"{page.rps:,.0f} req/s ({page.rps / health.rps:.0%} of /healthz)",
        ">= 50% of /healthz",
        page.rps >= 0.5 * health.rps,
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
    for n, limit in ((s.default, 2.0), (s.large, 30.0)):
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
        "memory per 100,000 interceptions",
        f"{mb(per)} (total at N={s.large:,} / {s.large / 100_000:g}); "
        f"marginal {mb(slope)} between N={s.medium:,} and N={s.large:,}",
        "< 500 MB",
        per < 500e6,
    )
    if prism is None:
        r.skip("vs Prism: limit=1 req/s", "ours > Prism", "Prism not run (--no-peer)")
        r.skip("vs Prism: limit=100 bytes/s", "ours > Prism", "Prism not run (--no-peer)")
        return
    one, hundred = b.ours["limit=1"], b.ours["limit=100"]
    r.add(
        "vs Prism: ours limit=1 vs Prism's single item (req/s)",
        f"{one.rps:,.0f} vs {prism['limit=1'].rps:,.0f} = {one.rps / prism['limit=1'].rps:.2f}x",
        "ours > Prism",
        one.rps > prism["limit=1"].rps,
    )
    r.add(
        "vs Prism: ours limit=100 vs Prism (bytes/s)",
        f"{mb(hundred.bytes_per_s)}/s vs {mb(prism['limit=100'].bytes_per_s)}/s = "
        f"{hundred.bytes_per_s / prism['limit=100'].bytes_per_s:.1f}x",
        "ours > Prism",
        hundred.bytes_per_s > prism["limit=100"].bytes_per_s,
    )
