"""The check registry: small functions, each registered with a name, a group and a one-line meaning."""

from __future__ import annotations

import random
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from aibridge_mock.contract.client import ContractClient
from aibridge_mock.contract.era import Era
from aibridge_mock.contract.facts import Facts
from aibridge_mock.contract.violations import CheckSkipped
from aibridge_mock.contract.walks import ListEndpoint, list_endpoint

__all__ = ["REGISTRY", "Check", "CheckContext", "check"]

REMOVED_INTERCEPTIONS = "the server does not serve /aibridge/interceptions as JSON (removed 2026-06)"


@dataclass(frozen=True)
class CheckContext:
    """Everything a check may use: clients, discovered facts, strictness and the seed."""

    client: ContractClient
    member: ContractClient | None
    facts: Facts
    strictness: str
    seed: int
    samples: int  # how many sessions/values a check examines
    cap: int = 5000  # the most items one walk may visit

    @property
    def strict(self) -> bool:
        return self.strictness == "strict"

    @property
    def era(self) -> Era:
        return self.facts.era

    @property
    def window_q(self) -> str:
        return self.facts.window_q

    def serves(self, operation: str) -> bool:
        return self.facts.serves(operation)

    def rng(self, name: str) -> random.Random:
        """A generator seeded by the run's seed and the check's name, so each check is reproducible alone."""
        return random.Random(self.seed * 1_000_003 + zlib.crc32(name.encode()))

    @property
    def interceptions(self) -> ListEndpoint:
        return list_endpoint(self.era, "interceptions")

    @property
    def sessions(self) -> ListEndpoint:
        return list_endpoint(self.era, "sessions")

    def list_endpoints(self) -> list[ListEndpoint]:
        """The ``{count, items}`` lists served: interceptions (until 2026-06), sessions (from v4)."""
        return [list_endpoint(self.era, n) for n in ("interceptions", "sessions") if self.serves(n)]


CheckFunc = Callable[[CheckContext], None]


@dataclass(frozen=True)
class Check:
    """A registered check; ``run`` raises a ContractViolation, CheckSkipped, or returns on success."""

    name: str
    group: str
    description: str
    func: CheckFunc
    needs: tuple[str, ...] = ()  # operations the check cannot do without
    needs_member: bool = False
    needs_data: bool = True

    def run(self, ctx: CheckContext) -> None:
        if self.needs_member and ctx.member is None:
            raise CheckSkipped("no member token given (--member-token)")
        for operation in self.needs:
            if not ctx.era.serves(operation):
                raise CheckSkipped(ctx.era.lacks(operation))
            if not ctx.serves(operation):
                raise CheckSkipped(REMOVED_INTERCEPTIONS)
        if self.needs_data and not ctx.facts.has_data:
            what = "sessions" if ctx.serves("sessions") else "interceptions"
            raise CheckSkipped(f"the token sees no {what} (a member token, or no AI Bridge traffic yet)")
        self.func(ctx)


REGISTRY: dict[str, Check] = {}


def check(
    name: str,
    group: str,
    description: str,
    *,
    needs: tuple[str, ...] = (),
    needs_member: bool = False,
    needs_data: bool = True,
) -> Callable[[CheckFunc], CheckFunc]:
    """Register a check function under ``name``."""

    def register(func: CheckFunc) -> CheckFunc:
        if name in REGISTRY:
            raise ValueError(f"check {name!r} registered twice")
        REGISTRY[name] = Check(name, group, description, func, needs, needs_member, needs_data)
        return func

    return register
