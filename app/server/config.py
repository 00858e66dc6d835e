"""The mock's options: ``aibridge-mock serve`` flags, ``AIBRIDGE_MOCK_<NAME>`` variables, ``Config(...)``.

Every field is read by :mod:`aibridge_mock.settings`; its help text is the flag's help, and a
value that fails its check is refused with one line naming the flag or the variable.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aibridge_mock.schemas import GENERATIONS
from aibridge_mock.settings import Check, setting

ENV_PREFIX = "AIBRIDGE_MOCK_"
VALIDATION_MODES = ("strict", "lenient", "off")


def _at_least(low: int) -> Check:
    def check(value: int) -> str | None:
        return None if value >= low else f"must be at least {low}"

    return check


def _port(value: int) -> str | None:
    return None if 1 <= value <= 65535 else "must be a TCP port between 1 and 65535"


def _anchor(value: str) -> str | None:
    from aibridge_mock.server.gocompat import TimeParseError, parse_rfc3339_nano

    if not value:
        return None
    try:
        parse_rfc3339_nano(value.upper())
    except TimeParseError:
        return "must be an RFC 3339 time with a zone, such as 2026-05-15T12:00:00Z"
    return None


@dataclass(frozen=True)
class Config:
    """Everything that shapes the mock's behaviour."""

    host: str = setting("127.0.0.1", help="address to listen on")
    port: int = setting(8080, help="TCP port to listen on", check=_port)
    seed: int = setting(
        1, help="seed of the data set and the tokens: same seed, same bytes", check=_at_least(0)
    )
    interceptions: int = setting(5_000, help="how many interceptions to generate", check=_at_least(0))
    anchor: str = setting(
        "",
        help="RFC 3339 time the data set ends at (default 2026-05-15T12:00:00Z)",
        check=_anchor,
        metavar="TIME",
    )
    fixtures: tuple[Path, ...] = setting(
        (), help="fixture JSON files loaded on top of the data", metavar="PATH"
    )
    unlicensed: bool = setting(False, help="answer like a server without the AI Bridge licence (403)")
    no_auth: bool = setting(False, help="treat every request as the owner")
    validation: str = setting("strict", help="response validation", choices=VALIDATION_MODES)
    generation: str = setting("v5", help="API generation to emulate", choices=GENERATIONS)
    workers: int = setting(1, help="worker processes", check=_at_least(1))
    threads: int = setting(8, help="threads per worker", check=_at_least(1))
    # UNCONFIRMED (spec §8): which release first shipped the target era is not known; v2.32 is a
    # plausible release between GA in v2.30 and ESR 2.34, marked as the mock's own build.
    build_version: str = setting("v2.32.0+aibridge-mock", help="X-Coder-Build-Version header", flag=False)
    access_log: bool = setting(True, help="one log line per request", flag=False)
    cors_origins: tuple[str, ...] = setting(
        (),
        help="browser origins allowed to call the mock (fnmatch patterns; default: localhost ports)",
        metavar="ORIGIN",
    )
    admin_token: str = setting(
        "",
        help="token of the admin API (default: derived from the seed on a loopback address, else "
        "random per start; printed)",
        metavar="TOKEN",
    )
    admin_fixture_dir: tuple[Path, ...] = setting(
        (),
        help="directories whose fixture files POST /__admin/dataset may load (besides those of --fixtures)",
        metavar="DIR",
    )
    allowed_hosts: tuple[str, ...] = setting(
        (),
        help="Host names served besides loopback ones while listening on a loopback address (fnmatch "
        "patterns, e.g. a reverse proxy's name)",
        metavar="HOST",
    )
