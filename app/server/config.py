"""The mock's options: ``aibridge-mock serve`` flags, ``AIBRIDGE_MOCK_<NAME>`` variables, ``Config(...)``.

Every field is read by :mod:`aibridge_mock.settings`; its help text is the flag's help, and a
value that fails its check is refused with one line naming the flag or the variable.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from aibridge_mock.schemas import GENERATIONS
from aibridge_mock.server.dataset.clock import FIXED_ANCHOR, AnchorError, parse_anchor
from aibridge_mock.settings import Check, setting

ENV_PREFIX = "AIBRIDGE_MOCK_"
VALIDATION_MODES = ("strict", "lenient", "off")
HTTP_SERVERS = ("granian", "gunicorn")  # granian serves; gunicorn stays for comparison (make bench)


def cores() -> int:
    """The cores this process may run on (a container's CPU set, not the host's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


def _at_least(low: int) -> Check:
    def check(value: int) -> str | None:
        return None if value >= low else f"must be at least {low}"

    return check


def _port(value: int) -> str | None:
    return None if 1 <= value <= 65535 else "must be a TCP port between 1 and 65535"


def _state(value: str) -> str | None:
    if value and not value.startswith(("redis://", "rediss://", "unix://")):
        return "must be empty (embedded: shared by this server's workers) or a redis:// URL"
    return None


def _anchor(value: str) -> str | None:
    if not value:
        return None
    try:
        parse_anchor(value)
    except AnchorError as exc:
        return str(exc)
    return None


def _providers(value: tuple[str, ...]) -> str | None:
    from aibridge_mock.server.providers.instances import InstanceError, parse_specs

    try:
        parse_specs(value, 0)
    except InstanceError as exc:
        return str(exc)
    return None


@dataclass(frozen=True)
class Config:
    """Everything that shapes the mock's behaviour.

    In code and tests (``Config()``, ``create_app()``, the pytest plugin, ``export``) the data ends
    at the fixed anchor, so that the same seed gives the same bytes; ``serve`` (and so ``make run``
    and the image) ends it when the mock starts, because a person is looking (:class:`ServeConfig`).
    """

    host: str = setting("127.0.0.1", help="address to listen on")
    port: int = setting(8080, help="TCP port to listen on", check=_port)
    seed: int = setting(
        1, help="seed of the data set and the tokens: same seed, same bytes", check=_at_least(0)
    )
    interceptions: int = setting(5_000, help="how many interceptions to generate", check=_at_least(0))
    anchor: str = setting(
        FIXED_ANCHOR,
        help="when the data set ends: now, now-2h (units d, h, m, s) or an RFC 3339 time; "
        "data covers the 30 days before it",
        check=_anchor,
        metavar="TIME",
    )
    live: bool = setting(
        False,
        help="live clock: the data set goes on after the anchor and each request sees it as of the "
        "anchor plus the time elapsed since start (new sessions appear, in-flight interceptions end)",
    )
    fixtures: tuple[Path, ...] = setting(
        (), help="fixture JSON files loaded on top of the data", metavar="PATH"
    )
    unlicensed: bool = setting(False, help="answer like a server without the AI Bridge licence (403)")
    no_auth: bool = setting(False, help="treat every request as the owner")
    validation: str = setting("strict", help="response validation", choices=VALIDATION_MODES)
    generation: str = setting("v5", help="API generation to emulate", choices=GENERATIONS)
    workers: int = setting(
        help="worker processes (default: one per core)", check=_at_least(1), default_factory=cores
    )
    threads: int = setting(8, help="threads per worker running requests", check=_at_least(1))
    state: str = setting(
        "",
        help="where workers and replicas share the admin API's state: empty for embedded (this "
        "server's workers), or redis://HOST:PORT/DB (every replica using it)",
        check=_state,
        metavar="URL",
    )
    http_server: str = setting("granian", help="HTTP server", choices=HTTP_SERVERS)
    # UNCONFIRMED (spec §8): which release first shipped the target era is not known; v2.32 is a
    # plausible release between GA in v2.30 and ESR 2.34, marked as the mock's own build.
    build_version: str = setting("v2.32.0+aibridge-mock", help="X-Coder-Build-Version header", flag=False)
    access_log: bool = setting(True, help="one log line per request", flag=False)
    cors_origins: tuple[str, ...] = setting(
        (),
        help="browser origins allowed to call the mock (fnmatch patterns; default: localhost ports)",
        metavar="ORIGIN",
    )
    providers: tuple[str, ...] = setting(
        ("anthropic", "openai"),
        help="AI provider instances as TYPE[:NAME] (types anthropic, openai, copilot), e.g. "
        "copilot:copilot-business openai:chatgpt; AIBRIDGE_MOCK_PROVIDER_<N>_TYPE/NAME/KEY/BASE_URL "
        "configure them as Coder's CODER_AIBRIDGE_PROVIDER_<N>_* do",
        check=_providers,
        metavar="TYPE[:NAME]",
    )
    # UNCONFIRMED (providers reference 2.2, 7.2): the docs of the era say BYOK is allowed by default.
    allow_byok: bool = setting(True, help="accept BYOK provider requests (X-Coder-AI-Governance-Token)")
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


@dataclass(frozen=True)
class ServeConfig(Config):
    """``aibridge-mock serve``: the same options, with the data ending when the mock starts."""

    anchor: str = setting(
        "now",
        help="when the data set ends: now, now-2h (units d, h, m, s) or an RFC 3339 time such as "
        f"{FIXED_ANCHOR} (pin it for byte-identical answers); data covers the 30 days before it",
        check=_anchor,
        metavar="TIME",
    )
