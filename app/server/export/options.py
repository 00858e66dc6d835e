"""What ``aibridge-mock export`` writes: flags and ``AIBRIDGE_MOCK_EXPORT_*`` variables."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aibridge_mock.schemas import GENERATIONS
from aibridge_mock.server.dataset.clock import FIXED_ANCHOR, AnchorError, parse_anchor
from aibridge_mock.settings import setting

__all__ = ["ENV_PREFIX", "ExportOptions"]

ENV_PREFIX = "AIBRIDGE_MOCK_EXPORT_"


def _anchor(value: str) -> str | None:
    try:
        parse_anchor(value)
    except AnchorError as exc:
        return str(exc)
    return None


def _not_negative(value: int) -> str | None:
    return None if value >= 0 else "must be at least 0"


@dataclass(frozen=True)
class ExportOptions:
    """The data set to export and where to write it."""

    out: Path = setting(  # noqa: RUF009  # setting() makes a dataclass field; a Path default is immutable
        Path("aibridge-mock-export"),
        help="directory for aibridge-mock.har, handlers.js and handlers.d.ts",
        metavar="DIR",
    )
    seed: int = setting(1, help="seed of the data set and the tokens", check=_not_negative)
    interceptions: int = setting(5_000, help="how many interceptions to generate", check=_not_negative)
    anchor: str = setting(
        FIXED_ANCHOR,
        help="when the data set ends: an RFC 3339 time (the same bytes every run), now or now-2h",
        check=_anchor,
        metavar="TIME",
    )
    fixtures: tuple[Path, ...] = setting(
        (), help="fixture JSON files loaded on top of the data", metavar="PATH"
    )
    generation: str = setting("v5", help="API generation to emulate", choices=GENERATIONS)
    persona: tuple[str, ...] = setting(
        (), help="export for these personas only, by username or role (default: every persona)", metavar="WHO"
    )
    base_url: str = setting("http://127.0.0.1:8080", help="origin the HAR's request URLs name", metavar="URL")
    requests: tuple[str, ...] = setting(
        (), help="more requests to export, below the API prefix (flag --request)", flag=False
    )
