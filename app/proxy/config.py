"""The proxy's options: ``aibridge-mock proxy`` flags, ``AIBRIDGE_MOCK_PROXY_<NAME>`` variables.

Read by :mod:`aibridge_mock.settings` like every other tool's options; a bad value is refused in
one line naming the flag or the variable.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from aibridge_mock.schemas import GENERATIONS, STRICTNESS
from aibridge_mock.settings import setting

ENV_PREFIX = "AIBRIDGE_MOCK_PROXY_"
VALIDATION_MODES = ("lenient", "strict")
AUTO = "auto"


def _url(value: str) -> str | None:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return "must be an http(s) URL such as https://coder.example.com"
    if parts.query or parts.fragment:
        return "must not carry a query or a fragment"
    return None


def _port(value: int) -> str | None:
    return None if 1 <= value <= 65535 else "must be a TCP port between 1 and 65535"


def _positive(value: float) -> str | None:
    return None if value > 0 else "must be more than 0"


@dataclass(frozen=True)
class ProxyConfig:
    """Where to forward, what to check, what to record."""

    upstream: str = setting(
        "", help="the Coder deployment to forward to, e.g. https://coder.example.com", check=_url
    )
    host: str = setting("127.0.0.1", help="address to listen on")
    port: int = setting(8081, help="TCP port to listen on", check=_port)
    validation: str = setting(
        "lenient",
        help="lenient: relay every answer and flag a violation in a header; strict: answer 502 instead",
        choices=VALIDATION_MODES,
    )
    strictness: str = setting(
        "compatible",
        help="schemas to hold answers to: compatible tolerates fields newer Coders add, strict does not",
        choices=STRICTNESS,
    )
    generation: str = setting(
        AUTO,
        help="API generation the upstream serves (auto: probe its routes once)",
        choices=(AUTO, *GENERATIONS),
    )
    record: str = setting("", help="write what the answers show as a fixture file", metavar="FILE")
    anonymize: bool = setting(
        False, help="record fake user names, avatars, prompts and tool inputs; drop key ids and hints"
    )
    anonymize_salt: str = setting(
        "", help="secret mixed into the fakes so they cannot be guessed from the real values", flag=False
    )
    threads: int = setting(
        32,
        help="requests relayed at once (streams hold one each)",
        check=lambda v: None if v >= 1 else "must be at least 1",
    )
    timeout: float = setting(300.0, help="seconds to wait for the upstream to send anything", check=_positive)
    access_log: bool = setting(True, help="one log line per request (tokens redacted)", flag=False)

    @property
    def record_path(self) -> Path | None:
        """The fixture file to record into, if any."""
        return Path(self.record) if self.record else None

    @property
    def upstream_base(self) -> str:
        """The upstream URL without a trailing slash."""
        return self.upstream.rstrip("/")
