"""Build a Dataset from options: generated rows, fixture rows, or both."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from aibridge_mock.server.dataset.catalog import PROVIDER_INSTANCES
from aibridge_mock.server.dataset.clock import FIXED_ANCHOR, parse_anchor
from aibridge_mock.server.dataset.columns import Columns, Tables
from aibridge_mock.server.dataset.details import generated_detail
from aibridge_mock.server.dataset.generate import generate_columns, generate_live_columns
from aibridge_mock.server.dataset.records import Detail, RowFacts
from aibridge_mock.server.dataset.session_order import LAST_ACTIVE_AT
from aibridge_mock.server.dataset.sources import FixtureSource
from aibridge_mock.server.dataset.store import Dataset, Identity
from aibridge_mock.server.dataset.users import User, build_personas, generate_users, seeded_chars


@dataclass(frozen=True)
class DatasetOptions:
    """Everything that determines the data set; equal options give byte-identical responses."""

    seed: int = 1
    interceptions: int = 5_000
    anchor: int = 0  # microseconds; 0 means FIXED_ANCHOR
    fixtures: tuple[FixtureSource, ...] = ()  # files, checked files or inline documents (sources.py)
    live: bool = False  # the data goes on for LIVE_HORIZON after the anchor, revealed by a clock


def resolved_anchor(options: DatasetOptions) -> int:
    """The anchor in microseconds (the fixed one when none is set)."""
    return options.anchor or parse_anchor(FIXED_ANCHOR)


@dataclass(frozen=True)
class DetailSource:
    """Materialises the details of a row: generated from the seed, or a fixture's record.

    A class rather than a closure so that a data set can be pickled (shared with other workers).
    """

    seed: int
    api_keys: list[str]
    user_of: dict[str, int]  # username -> index into the data set's users
    fixture_details: list[Detail]

    def __call__(self, facts: RowFacts) -> Detail:
        if facts.detail_ref < 0:
            return self.fixture_details[-facts.detail_ref - 1]
        return generated_detail(self.seed, facts, self.api_keys[self.user_of[facts.username]])


def users_for(count: int) -> int:
    """How many non-persona users a data set of ``count`` interceptions has."""
    return max(8, min(400, count // 250))


Progress = Callable[[str], None]


def silent(stage: str) -> None:
    """A progress callback that shows nothing (no terminal, or a build nobody watches)."""


def build_dataset(
    options: DatasetOptions, progress: Progress = silent, session_order: str = LAST_ACTIVE_AT
) -> Dataset:
    """Generate (and/or load fixtures into) an immutable, indexed data set.

    ``progress`` is told the name of each stage as it starts (the CLI draws a bar from it);
    ``session_order`` is what the served generation lists sessions by.
    """
    anchor = resolved_anchor(options)
    personas = build_personas(options.seed)
    taken = {p.user.username.lower() for p in personas}
    users = [p.user for p in personas] + generate_users(options.seed, users_for(options.interceptions), taken)
    tables = Tables()
    parts: list[Columns] = []
    progress("generating")
    weights = _user_weights(users)
    count, live = options.interceptions, options.live
    if count:
        parts.append(generate_columns(options.seed, count, anchor, weights, tables, live=live))
    fixture = None
    if options.fixtures:
        from aibridge_mock.server.dataset.fixtures import (
            load_fixture_files,  # only needed when fixtures are given
        )

        fixture = load_fixture_files(options.fixtures, users, tables, personas=len(personas))
    if fixture is not None:
        users = fixture.users
        # A fixture user with a persona's username became that persona (fixtures/README.md).
        personas = [replace(p, user=users[i]) for i, p in enumerate(personas)]
        parts.append(fixture.columns)
    if count and live:  # after the fixtures, so that they intern their strings as in a static data set
        parts.append(generate_live_columns(options.seed, count, anchor, weights, tables, first_record=count))
    columns = Columns.concat(parts) if parts else Columns.concat([_empty_columns()])
    api_keys = [seeded_chars(options.seed, f"apikey:{u.id}", 10) for u in users]
    details = DetailSource(
        seed=options.seed,
        api_keys=api_keys,
        user_of={u.username: i for i, u in enumerate(users)},
        fixture_details=fixture.details if fixture is not None else [],
    )

    identity = Identity(
        options.seed, anchor, options.interceptions, tuple(str(p) for p in options.fixtures), live
    )
    small = frozenset(i.small_model for i in PROVIDER_INSTANCES)
    progress("indexing")
    return Dataset(columns, tables, users, personas, details, small, identity, progress, session_order)


def _user_weights(users: list[User]) -> npt.NDArray[np.float64]:
    """A few heavy users and a long tail, like any real deployment; the auditor rarely codes."""
    ranks = np.arange(len(users), dtype=np.float64)
    weights = 1.0 / (ranks + 2.0) ** 0.6
    weights[1] *= 0.1
    normalised: npt.NDArray[np.float64] = weights / weights.sum()
    return normalised


def _empty_columns() -> Columns:
    def i64() -> npt.NDArray[np.int64]:
        return np.empty(0, dtype=np.int64)

    def i32() -> npt.NDArray[np.int32]:
        return np.empty(0, dtype=np.int32)

    u64: npt.NDArray[np.uint64] = np.empty(0, dtype=np.uint64)
    return Columns(
        id_hi=u64,
        id_lo=u64.copy(),
        started=i64(),
        ended=i64(),
        user=i32(),
        instance=i32(),
        model=i32(),
        client=i32(),
        session=i32(),
        root=i64(),
        prompt_at=i64(),
        tok_in=i64(),
        tok_out=i64(),
        tok_cache_read=i64(),
        tok_cache_write=i64(),
        n_tools=i32(),
        detail_ref=i64(),
    )
