"""Seeded, vectorised generation of the interception columns.

Sessions are drawn first (user, client, provider instance, main model, number of threads), then
threads (length of the agentic loop, model), then interceptions, and times are laid out so that
every session ends before the anchor (when they happen is :mod:`.timeline`'s business). A few
sessions are cut at the anchor, leaving their last interception in flight. Everything is a pure
function of (seed, count, anchor).

A live data set (:func:`generate_live_columns`) goes on after the anchor: the sessions cut at the
anchor end, and new ones start through the live hours. A request sees them as its clock reaches
them (:mod:`.interceptions`, :mod:`.live_sessions`); nothing in the data set changes.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from aibridge_mock.server.dataset.catalog import CLIENTS, ClientProfile
from aibridge_mock.server.dataset.columns import NULL_TIME, Columns, Tables, uuid_text
from aibridge_mock.server.dataset.timeline import SECOND, Placement, future, history, live_interceptions

LONG_SESSION_SHARE = 0.004  # past 50 threads the real server's thread query shows its cap


def generate_columns(
    seed: int,
    count: int,
    anchor: int,
    user_weights: npt.NDArray[np.float64],
    tables: Tables,
    *,
    live: bool = False,
) -> Columns:
    """``count`` interceptions for users with the given relative weights, ending at the anchor.

    With ``live`` the interceptions in flight at the anchor get the end they will have; the rows
    are otherwise the same, so a live data set at its anchor answers as the static one does.
    """
    rng = np.random.default_rng([seed, 20260415])
    sessions = _draw_sessions(rng, count, user_weights, tables)
    threads = _draw_threads(rng, sessions, count, tables)
    return _lay_out(rng, sessions, threads, count, tables, history(anchor, live), 0)


def generate_live_columns(
    seed: int,
    count: int,
    anchor: int,
    user_weights: npt.NDArray[np.float64],
    tables: Tables,
    first_record: int,
) -> Columns:
    """The sessions that start after the anchor, through ``LIVE_HORIZON`` (a stream of their own)."""
    rng = np.random.default_rng([seed, 20260415, 1])
    extra = live_interceptions(count)
    sessions = _draw_sessions(rng, extra, user_weights, tables)
    threads = _draw_threads(rng, sessions, extra, tables)
    return _lay_out(rng, sessions, threads, extra, tables, future(anchor), first_record)


def _weights(items: list[int]) -> npt.NDArray[np.float64]:
    w = np.asarray(items, dtype=np.float64)
    normalised: npt.NDArray[np.float64] = w / w.sum()
    return normalised


def _draw_sessions(
    rng: np.random.Generator, count: int, user_weights: npt.NDArray[np.float64], tables: Tables
) -> dict[str, np.ndarray]:
    n = max(4, count // 5 + 8)  # more than enough; trimmed once threads are drawn
    client_idx = rng.choice(len(CLIENTS), size=n, p=_weights([c.weight for c in CLIENTS]))
    instance = np.zeros(n, dtype=np.int32)
    model = np.zeros(n, dtype=np.int32)
    for ci, profile in enumerate(CLIENTS):
        mask = client_idx == ci
        k = int(mask.sum())
        if not k:
            continue
        choices = rng.choice(len(profile.providers), size=k, p=_weights([w for _, w in profile.providers]))
        inst_codes = np.empty(k, dtype=np.int32)
        model_codes = np.empty(k, dtype=np.int32)
        for pi, (inst, _) in enumerate(profile.providers):
            sel = choices == pi
            inst_codes[sel] = tables.instance_code(inst.provider, inst.name)
            picks = rng.choice(len(inst.models), size=int(sel.sum()), p=_weights([w for _, w in inst.models]))
            model_codes[sel] = np.array(
                [tables.models.code(inst.models[p][0]) for p in range(len(inst.models))]
            )[picks]
        instance[mask] = inst_codes
        model[mask] = model_codes
    multi = np.array([CLIENTS[c].sends_session_id for c in client_idx])
    n_threads = np.where(multi, np.minimum(rng.geometric(0.22, size=n), 40), 1)
    long = multi & (rng.random(n) < LONG_SESSION_SHARE)
    n_threads[long] = rng.integers(51, 80, size=int(long.sum()))
    user = rng.choice(len(user_weights), size=n, p=user_weights)
    return {"client": client_idx, "instance": instance, "model": model, "n_threads": n_threads, "user": user}


def _draw_threads(
    rng: np.random.Generator, sessions: dict[str, np.ndarray], count: int, tables: Tables
) -> dict[str, np.ndarray]:
    session_of = np.repeat(np.arange(len(sessions["n_threads"])), sessions["n_threads"])
    t = len(session_of)
    length = np.minimum(rng.geometric(0.4, size=t), 14)
    small_share = np.where(
        np.array([CLIENTS[c].name == "Claude Code" for c in sessions["client"]]), 0.15, 0.05
    )
    small = rng.random(t) < small_share[session_of]
    length[small] = 1
    model = sessions["model"][session_of].copy()
    small_codes = _small_model_codes(tables)
    model[small] = small_codes[sessions["instance"][session_of][small]]
    # Keep whole sessions up to ``count`` interceptions, then shorten the last thread to fit exactly.
    ends = np.cumsum(length)
    last = int(np.searchsorted(ends, count))
    if last >= t:
        raise ValueError("session draw too small for the requested count")  # n is sized to avoid this
    length = length[: last + 1].copy()
    length[-1] -= int(ends[last] - count)
    return {"session": session_of[: last + 1], "length": length, "model": model[: last + 1]}


def _small_model_codes(tables: Tables) -> npt.NDArray[np.int32]:
    from aibridge_mock.server.dataset.catalog import PROVIDER_INSTANCES

    by_pair = {(i.provider, i.name): i for i in PROVIDER_INSTANCES}
    return np.array(
        [tables.models.code(by_pair[pair].small_model) for pair in tables.instances], dtype=np.int32
    )


def _lay_out(
    rng: np.random.Generator,
    sessions: dict[str, np.ndarray],
    threads: dict[str, np.ndarray],
    count: int,
    tables: Tables,
    place: Placement,
    first_record: int,
) -> Columns:
    length = threads["length"]
    thread_of = np.repeat(np.arange(len(length)), length)
    session_of = threads["session"][thread_of]
    thread_start = np.cumsum(length) - length
    seq = np.arange(count) - thread_start[thread_of]
    last_in_thread = seq == length[thread_of] - 1
    root = thread_start[thread_of].astype(np.int64)
    model = threads["model"][thread_of]
    small = np.isin(model, _small_model_codes(tables))

    dur = np.clip(rng.lognormal(np.log(7 * SECOND), 0.8, count), 0.4 * SECOND, 180 * SECOND)
    dur[small] = np.clip(
        rng.lognormal(np.log(1.5 * SECOND), 0.4, int(small.sum())), 0.3 * SECOND, 10 * SECOND
    )
    tool_gap = np.clip(rng.lognormal(np.log(1.2 * SECOND), 0.9, count), 0.1 * SECOND, 300 * SECOND)
    user_gap = np.clip(rng.lognormal(np.log(120 * SECOND), 1.2, count), 5 * SECOND, 3 * 3600 * SECOND)
    step = (dur + np.where(last_in_thread, user_gap, tool_gap)).astype(np.int64)
    dur = dur.astype(np.int64)

    first_row_of_session = np.r_[0, np.flatnonzero(np.diff(session_of)) + 1]
    rows_per_session = np.diff(np.r_[first_row_of_session, count])
    used_sessions = session_of[first_row_of_session]
    offset = np.cumsum(step) - step
    offset -= np.repeat(offset[first_row_of_session], rows_per_session)
    last_row = first_row_of_session + rows_per_session - 1
    span = offset[last_row] + dur[last_row]
    start, still_open = place(rng, span, offset[last_row], dur[last_row])
    started = np.repeat(start, rows_per_session) + offset
    ended = started + dur
    flight_rows = last_row[still_open]
    ended[flight_rows] = NULL_TIME

    id_hi, id_lo = _uuid4_halves(rng, count)
    session_codes = _session_codes(
        rng, sessions, used_sessions, first_row_of_session, rows_per_session, root, id_hi, id_lo, tables
    )
    client_codes = np.array([tables.clients.code(c.name) for c in CLIENTS], dtype=np.int32)[
        sessions["client"][session_of]
    ]
    tokens = _tokens(rng, tables, sessions["instance"][session_of], small, count)
    n_tools = np.where(last_in_thread, 0, 1 + (rng.random(count) < 0.25) + (rng.random(count) < 0.08)).astype(
        np.int32
    )
    prompt_at = np.where(seq == 0, started + rng.integers(5_000, 250_000, count), NULL_TIME)
    for arr in tokens:
        arr[flight_rows] = 0
    n_tools[flight_rows] = 0
    return Columns(
        id_hi=id_hi,
        id_lo=id_lo,
        started=started.astype(np.int64),
        ended=ended.astype(np.int64),
        user=sessions["user"][session_of].astype(np.int32),
        instance=sessions["instance"][session_of].astype(np.int32),
        model=model.astype(np.int32),
        client=client_codes,
        session=session_codes,
        root=root,
        prompt_at=prompt_at.astype(np.int64),
        tok_in=tokens[0],
        tok_out=tokens[1],
        tok_cache_read=tokens[2],
        tok_cache_write=tokens[3],
        n_tools=n_tools,
        detail_ref=np.arange(first_record, first_record + count, dtype=np.int64),
    )


def _uuid4_halves(rng: np.random.Generator, count: int) -> tuple[np.ndarray, np.ndarray]:
    hi = rng.integers(0, 2**64, size=count, dtype=np.uint64, endpoint=False)
    lo = rng.integers(0, 2**64, size=count, dtype=np.uint64, endpoint=False)
    hi = (hi & np.uint64(0xFFFF_FFFF_FFFF_0FFF)) | np.uint64(0x4000)
    lo = (lo & np.uint64(0x3FFF_FFFF_FFFF_FFFF)) | np.uint64(0x8000_0000_0000_0000)
    return hi, lo


def _session_codes(
    rng: np.random.Generator,
    sessions: dict[str, np.ndarray],
    used: np.ndarray,
    first_row: np.ndarray,
    rows: np.ndarray,
    root: np.ndarray,
    id_hi: np.ndarray,
    id_lo: np.ndarray,
    tables: Tables,
) -> np.ndarray:
    """COALESCE(client_session_id, thread_root_id, id) for every row, interned."""
    codes = np.empty(len(first_row), dtype=np.int32)
    client_hi, client_lo = _uuid4_halves(rng, len(first_row))
    for i, (s, row) in enumerate(zip(used.tolist(), first_row.tolist(), strict=True)):
        profile: ClientProfile = CLIENTS[int(sessions["client"][s])]
        if profile.sends_session_id:
            text = uuid_text(client_hi[i], client_lo[i])
            if profile.session_id_prefix:
                text = profile.session_id_prefix + text.replace("-", "")[:12]
        else:
            text = uuid_text(id_hi[row], id_lo[row])  # one thread per session: its root's id
        codes[i] = tables.session_ids.code(text)
    return np.repeat(codes, rows)


def _tokens(
    rng: np.random.Generator, tables: Tables, instance: np.ndarray, small: np.ndarray, count: int
) -> list[np.ndarray]:
    provider = np.array([p for p, _ in tables.instances])[instance]
    anth, oai = provider == "anthropic", provider == "openai"
    ln = rng.lognormal
    tok_in = np.where(anth, rng.integers(1, 80, count), ln(np.log(4000), 0.9, count))
    tok_out = ln(np.log(450), 0.9, count)
    # Anthropic clients lean on prompt caching; OpenAI caches most prompts, Copilot about half.
    cached_share = np.where(oai, 0.8, 0.5)
    cache_read = np.where(
        anth,
        ln(np.log(30000), 0.6, count),
        ln(np.log(12000), 0.8, count) * (rng.random(count) < cached_share),
    )
    cache_write = np.where(anth, ln(np.log(2500), 1.0, count), 0)
    tok_in = np.where(small, ln(np.log(600), 0.5, count), tok_in)
    tok_out = np.where(small, ln(np.log(40), 0.5, count), tok_out)
    cache_read = np.where(small, 0, cache_read)
    cache_write = np.where(small, 0, cache_write)
    return [np.maximum(a, 0).astype(np.int64) for a in (tok_in, tok_out, cache_read, cache_write)]
