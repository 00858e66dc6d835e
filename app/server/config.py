"""Options of the mock: command-line flags with AIBRIDGE_MOCK_<NAME> environment fallbacks."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path

ENV_PREFIX = "AIBRIDGE_MOCK_"
VALIDATION_MODES = ("strict", "lenient", "off")


@dataclass(frozen=True)
class Config:
    """Everything that shapes the mock's behaviour."""

    host: str = "127.0.0.1"
    port: int = 8080
    seed: int = 1
    interceptions: int = 5_000
    anchor: str = ""  # RFC 3339; empty: the built-in anchor inside the target era
    fixtures: tuple[Path, ...] = ()
    unlicensed: bool = False
    no_auth: bool = False
    validation: str = "strict"
    generation: str = "v5"
    workers: int = 1
    threads: int = 8
    # UNCONFIRMED (spec §8): which release first shipped the target era is not known; v2.32 is a
    # plausible release between GA in v2.30 and ESR 2.34, marked as the mock's own build.
    build_version: str = "v2.32.0+aibridge-mock"
    access_log: bool = True
    cors_origins: tuple[str, ...] = field(default_factory=tuple)
    admin_token: str = ""


def env_name(option: str) -> str:
    """The environment variable of an option: ``AIBRIDGE_MOCK_<NAME>``."""
    return ENV_PREFIX + option.upper()


def env_defaults() -> dict[str, str]:
    """Option values set in the environment, by option name."""
    return {f.name: os.environ[env_name(f.name)] for f in fields(Config) if env_name(f.name) in os.environ}
