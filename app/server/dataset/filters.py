"""What a list request asks the data set for: the filters of a ``q`` string, already resolved."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Filter"]


@dataclass(frozen=True)
class Filter:
    """Equality and time-range filters; empty strings and None mean "do not filter"."""

    initiator_id: str | None = None
    provider: str = ""
    provider_name: str = ""
    model: str = ""
    client: str = ""
    session_id: str = ""
    started_after: int | None = None  # inclusive, microseconds
    started_before: int | None = None  # inclusive, microseconds
