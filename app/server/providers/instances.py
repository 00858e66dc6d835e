"""Provider instances: the AI providers a Coder deployment configures, and the routes each one serves.

An instance has a type (``anthropic``, ``openai``, ``copilot``) and a name; its routes live under
``/<name>`` (OpenAI: ``/<name>/v1``). ``provider`` on a recorded interception is the type and
``provider_name`` the instance name (coder/aibridge ``bridge.go``). Instances come from
``--providers TYPE[:NAME] ...`` or, like Coder's ``CODER_AIBRIDGE_PROVIDER_<N>_<KEY>``, from
``AIBRIDGE_MOCK_PROVIDER_<N>_TYPE|NAME|KEY|BASE_URL`` (indices from 0 without gaps; Coder's own
startup error texts). Without a base URL an instance answers from the built-in upstream.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from aibridge_mock.server.dataset.users import seeded_chars
from aibridge_mock.server.gocompat import go_quote

__all__ = [
    "TYPES",
    "Instance",
    "InstanceError",
    "Route",
    "instances_from",
    "parse_specs",
]

TYPES = ("openai", "anthropic", "copilot")
_VALID_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")  # bridge.go validateProviders
ENV_INDEXED = re.compile(r"^AIBRIDGE_MOCK_PROVIDER_(\d+)_([A-Z_]+)$")
_KNOWN_KEYS = ("TYPE", "NAME", "KEY", "BASE_URL")  # Coder also reads BEDROCK_*: Bedrock is not emulated


class InstanceError(ValueError):
    """A provider configuration Coder would refuse at startup; the text is Coder's."""


@dataclass(frozen=True)
class Route:
    """One ServeMux pattern of an instance: exact, or a subtree when it ends with ``/``."""

    pattern: str  # below the generation's prefix, e.g. /anthropic/v1/messages or /openai/v1/models/
    bridged: str | None  # "messages", "chat" or "responses" for bridged routes; None: passthrough

    @property
    def subtree(self) -> bool:
        return self.pattern.endswith("/")


# (route prefix below /<name>, bridged routes, passthrough routes) per type, from coder/aibridge
# provider/anthropic.go, openai.go, copilot.go (the target era's library, L in the reference).
_ROUTES: dict[str, tuple[str, tuple[tuple[str, str], ...], tuple[str, ...]]] = {
    "anthropic": (
        "",
        (("/v1/messages", "messages"),),
        ("/v1/models", "/v1/models/", "/v1/messages/count_tokens", "/api/event_logging/"),
    ),
    "openai": (
        "/v1",
        (("/chat/completions", "chat"), ("/responses", "responses")),
        ("/conversations", "/conversations/", "/models", "/models/", "/responses/"),
    ),
    "copilot": (
        "",
        (("/chat/completions", "chat"), ("/responses", "responses")),
        ("/models", "/models/", "/agents/", "/mcp/", "/.well-known/"),
    ),
}
# The default upstreams (provider/*.go); only used to show where a real deployment would relay.
DEFAULT_BASE_URLS = {
    "anthropic": "https://api.anthropic.com/",
    "openai": "https://api.openai.com/v1/",
    "copilot": "https://api.individual.githubcopilot.com",
}
_KEY_PREFIX = {"anthropic": "sk-ant-api03-", "openai": "sk-proj-", "copilot": ""}


@dataclass(frozen=True)
class Instance:
    """One configured provider."""

    type: str
    name: str
    key: str  # the centralized key: only its masked hint is ever recorded or shown
    base_url: str = ""  # empty: the built-in upstream answers; else requests are relayed there

    @property
    def route_prefix(self) -> str:
        return f"/{self.name}{_ROUTES[self.type][0]}"

    def routes(self) -> list[Route]:
        prefix, bridged, passthrough = _ROUTES[self.type]
        routes = [Route(f"/{self.name}{prefix}{path}", api) for path, api in bridged]
        return routes + [Route(f"/{self.name}{prefix}{path}", None) for path in passthrough]


def default_key(seed: int, provider_type: str, name: str) -> str:
    """A fake centralized key per instance, so that hints look like a real deployment's (sk-a...wxyz)."""
    if provider_type == "copilot":
        return ""  # Copilot has no centralized key: its traffic is always BYOK (reference 2.3)
    return _KEY_PREFIX[provider_type] + seeded_chars(seed, f"provider-key:{name}", 40)


def _checked(instances: list[Instance]) -> tuple[Instance, ...]:
    seen: set[str] = set()
    for inst in instances:
        if not _VALID_NAME.match(inst.name):
            raise InstanceError(
                f"invalid provider name {go_quote(inst.name)}: must contain only lowercase alphanumeric "
                "characters and hyphens"
            )
        if inst.name in seen:
            raise InstanceError(f"duplicate provider name: {go_quote(inst.name)}")
        seen.add(inst.name)
    return tuple(instances)


def parse_specs(specs: tuple[str, ...], seed: int) -> tuple[Instance, ...]:
    """``TYPE`` or ``TYPE:NAME`` specs (``--providers``), e.g. ``copilot:copilot-business``."""
    found = []
    for spec in specs:
        provider_type, _, name = spec.partition(":")
        if provider_type not in TYPES:
            raise InstanceError(
                f"unknown provider type {go_quote(provider_type)} in {go_quote(spec)} "
                f"(must be {', '.join(TYPES)})"
            )
        name = name or provider_type
        found.append(Instance(provider_type, name, default_key(seed, provider_type, name)))
    return _checked(found)


def _indexed(environ: Mapping[str, str]) -> dict[int, dict[str, str]]:
    found: dict[int, dict[str, str]] = {}
    for variable, value in environ.items():
        match = ENV_INDEXED.match(variable)
        if match and match.group(2) in _KNOWN_KEYS:  # unknown keys are ignored, as Coder does
            found.setdefault(int(match.group(1)), {})[match.group(2)] = value
    return found


def instances_from(specs: tuple[str, ...], seed: int, environ: Mapping[str, str]) -> tuple[Instance, ...]:
    """The configured instances: Coder's indexed variables when any is set, else ``specs``."""
    indexed = _indexed(environ)
    if not indexed:
        return parse_specs(specs, seed)
    found: list[Instance] = []
    names: set[str] = set()
    for index in range(len(indexed)):
        keys = indexed.get(index)
        if keys is None:  # cli/aibridge.go: indices start at 0 without gaps
            raise InstanceError(f"provider num {index} skipped: indices must be contiguous from 0")
        provider_type = keys.get("TYPE", "")
        if not provider_type:
            raise InstanceError(f"provider {index}: TYPE is required")
        if provider_type not in TYPES:
            raise InstanceError(
                f"provider {index}: unknown TYPE {go_quote(provider_type)} "
                "(must be openai, anthropic, or copilot)"
            )
        name = keys.get("NAME") or provider_type
        if name in names:
            raise InstanceError(
                f"provider {index}: duplicate NAME {go_quote(name)} (multiple providers of the same type "
                "require explicit NAME fields)"
            )
        names.add(name)
        key = keys.get("KEY") or default_key(seed, provider_type, name)
        found.append(Instance(provider_type, name, key, keys.get("BASE_URL", "")))
    return _checked(found)
