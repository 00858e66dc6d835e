"""The proxy's subcommand: ``aibridge-mock proxy --upstream URL``."""

from __future__ import annotations

import argparse

from aibridge_mock import settings
from aibridge_mock.proxy.config import ENV_PREFIX, ProxyConfig

__all__ = ["config_from", "register"]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``proxy`` to the console script."""
    proxy = sub.add_parser(
        "proxy",
        help="relay a real Coder, check every AI Bridge answer, record fixtures",
        description="Forward every request to a Coder deployment and answer with its answers; hold each "
        "AI Bridge management answer to the contract, report violations, and optionally record what the "
        f"answers show as a fixture file. Every option can also be set as {ENV_PREFIX}<NAME>; flags win.",
    )
    settings.add_arguments(proxy, ProxyConfig, ENV_PREFIX)
    proxy.set_defaults(run=_proxy)


def config_from(args: argparse.Namespace) -> ProxyConfig:
    """Defaults, then AIBRIDGE_MOCK_PROXY_* variables, then flags; the upstream is required."""
    config = settings.resolve(ProxyConfig, args, ENV_PREFIX)
    if not config.upstream:
        raise settings.SettingsError("--upstream", f"is required (or {ENV_PREFIX}UPSTREAM)")
    if config.anonymize and not config.record:
        raise settings.SettingsError("--anonymize", "applies to a recording: give --record FILE too")
    return config


def _proxy(args: argparse.Namespace) -> int:
    from aibridge_mock.proxy.serving import serve

    return serve(config_from(args))
