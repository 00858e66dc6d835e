"""A small HTTP client for the AI Bridge API: base URL, token, rate limit, and a curl line per request.

Every request is recorded as a ready-to-paste curl command with the token replaced by
``$AIBRIDGE_MOCK_VERIFY_TOKEN``, so a failure report never leaks a credential. The client only
sends GET requests: the suite is read-only and safe against production.
"""

from __future__ import annotations

import json
import shlex
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import requests

__all__ = [
    "API_PREFIX",
    "MEMBER_TOKEN_PLACEHOLDER",
    "TOKEN_HEADER",
    "TOKEN_PLACEHOLDER",
    "ContractClient",
    "Exchange",
    "RateLimiter",
    "UnreachableError",
    "curl_command",
    "normalise_base_url",
]

API_PREFIX = "/api/v2"
# What a user may paste after the deployment's root: the API's root or the AI Bridge routes
# (the mock's banner prints ``.../api/v2/aibridge``); longest first.
_API_SUFFIXES = (
    "/api/experimental/aibridge",
    "/api/v2/ai-gateway",
    "/api/v2/aibridge",
    "/api/experimental",
    "/api/v2",
)
TOKEN_HEADER = "Coder-Session-Token"
TOKEN_PLACEHOLDER = "$AIBRIDGE_MOCK_VERIFY_TOKEN"
MEMBER_TOKEN_PLACEHOLDER = "$AIBRIDGE_MOCK_VERIFY_MEMBER_TOKEN"
_NO_BODY = object()
_RETRIES_ON_429 = 3
Params = dict[str, str | int]


class UnreachableError(Exception):
    """The server could not be reached at all (DNS, refused connection, TLS, timeout)."""


def normalise_base_url(url: str) -> str:
    """The deployment's root URL: no trailing slash, no ``/api/v2`` or ``/api/v2/aibridge`` suffix."""
    parts = urlsplit(url.strip())
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ValueError(f"{url!r} is not an http(s) URL")
    path = parts.path.rstrip("/")
    path = next((path.removesuffix(s) for s in _API_SUFFIXES if path.endswith(s)), path)
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def curl_command(method: str, url: str, headers: dict[str, str], secrets: dict[str, str]) -> str:
    """A curl line for a request; each secret becomes its placeholder variable (double-quoted to expand)."""
    parts = ["curl", "-sS"]
    if method.upper() != "GET":
        parts += ["-X", method.upper()]
    for name, value in headers.items():
        redacted = _redact(value, secrets)
        header = f"{name}: {redacted}"
        parts += ["-H", f'"{header}"' if redacted != value else shlex.quote(header)]
    parts.append(shlex.quote(url))
    return " ".join(parts)


def _redact(value: str, secrets: dict[str, str]) -> str:
    for secret, placeholder in secrets.items():
        if secret:
            value = value.replace(secret, placeholder)
    return value


class RateLimiter:
    """Spaces requests evenly so a run stays under a per-minute budget (Coder allows 512/min)."""

    def __init__(self, per_minute: int) -> None:
        self._interval = 60.0 / per_minute if per_minute > 0 else 0.0
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        if not self._interval:
            return
        with self._lock:
            now = time.monotonic()
            delay = self._next - now
            self._next = max(now, self._next) + self._interval
        if delay > 0:
            time.sleep(delay)


@dataclass(frozen=True)
class Exchange:
    """One request and its answer."""

    method: str
    url: str
    curl: str
    status: int
    headers: dict[str, str]
    content: bytes
    _json: Any = field(default=_NO_BODY, repr=False, compare=False)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    @property
    def is_json(self) -> bool:
        return self.content_type.split(";")[0].strip().lower() == "application/json"

    def json(self) -> Any:
        """The decoded body; raises ``ValueError`` when it is not JSON."""
        if self._json is _NO_BODY:
            object.__setattr__(self, "_json", json.loads(self.content))
        return self._json

    def text(self, limit: int = 200) -> str:
        body = self.content.decode("utf-8", "replace")
        return body if len(body) <= limit else body[:limit] + "..."


class _Tally:
    """Requests sent, shared by a client and its clones."""

    def __init__(self) -> None:
        self.sent = 0


class ContractClient:
    """GET requests against ``<base>/api/v2`` (or another API prefix) with one token, recorded as curl."""

    def __init__(
        self,
        base_url: str,
        token: str | None,
        *,
        secrets: dict[str, str] | None = None,
        limiter: RateLimiter | None = None,
        timeout: float = 30.0,
        api_prefix: str = API_PREFIX,
    ) -> None:
        self.base_url = normalise_base_url(base_url)
        self.token = token
        self.api_prefix = api_prefix
        # secret -> the variable standing for it in curl lines; the main token is $AIBRIDGE_MOCK_VERIFY_TOKEN
        default = {token: TOKEN_PLACEHOLDER} if token else {}
        self.secrets = dict(secrets) if secrets is not None else default
        self.limiter = limiter or RateLimiter(0)
        self.timeout = timeout
        self._tally = _Tally()
        self._session = requests.Session()
        self._session.trust_env = False  # a CI proxy must not see (or break) the token-bearing requests

    def close(self) -> None:
        """Close the connection pool (shared with every clone)."""
        self._session.close()

    @property
    def requests_sent(self) -> int:
        """Requests sent by this client and every clone of it."""
        return self._tally.sent

    @property
    def api_url(self) -> str:
        return self.base_url + self.api_prefix

    def with_token(self, token: str | None) -> ContractClient:
        """The same server, prefix and limiter with another token (None: send no token at all)."""
        return self._clone(token, self.api_prefix)

    def with_prefix(self, api_prefix: str) -> ContractClient:
        """The same server, token and limiter under another API prefix (``/api/experimental``)."""
        return self._clone(self.token, api_prefix)

    def _clone(self, token: str | None, api_prefix: str) -> ContractClient:
        clone = ContractClient(
            self.base_url,
            token,
            secrets=self.secrets,
            limiter=self.limiter,
            timeout=self.timeout,
            api_prefix=api_prefix,
        )
        clone._session, clone._tally = self._session, self._tally
        return clone

    def get(
        self, path: str, params: Params | None = None, *, headers: dict[str, str] | None = None
    ) -> Exchange:
        """GET ``/api/v2`` + path; raises :class:`UnreachableError` when the server cannot be reached."""
        query = urlencode({k: str(v) for k, v in (params or {}).items()})
        url = self.api_url + path + (f"?{query}" if query else "")
        sent = dict(headers or {})
        if self.token is not None and TOKEN_HEADER not in sent:
            sent[TOKEN_HEADER] = self.token
        curl = curl_command("GET", url, sent, self.secrets)
        for attempt in range(_RETRIES_ON_429 + 1):
            self.limiter.wait()
            try:
                response = self._session.get(url, headers=sent, timeout=self.timeout, allow_redirects=False)
            except requests.RequestException as exc:
                raise UnreachableError(f"{url.split('?')[0]}: {type(exc).__name__}: {exc}") from None
            self._tally.sent += 1
            if response.status_code != 429 or attempt == _RETRIES_ON_429:
                break
            # Over Coder's API rate limit: wait as told (or for the window to pass) and retry.
            time.sleep(_retry_after(response.headers.get("Retry-After", "")))
        headers_out = {k.lower(): v for k, v in response.headers.items()}
        return Exchange("GET", url, curl, response.status_code, headers_out, response.content)


def _retry_after(value: str) -> float:
    try:
        return min(max(float(value), 1.0), 60.0)
    except ValueError:
        return 15.0
