"""The pytest plugin for suites that test against the mock, registered on install (``pytest11``).

The ``aibridge_mock`` fixture gives each test a :class:`MockServer` reset to a plain mock (normal
scenario, no faults, empty journal, the session's original data set). The server is the mock
started in-process on a free port, or, when ``AIBRIDGE_MOCK_URL`` is set, a running one such as a
container; its admin token then comes from ``AIBRIDGE_MOCK_ADMIN_TOKEN`` (default: the token a mock
on a loopback address derives from ``AIBRIDGE_MOCK_SEED``, itself 1 by default; a mock listening on
other interfaces, such as a container on 0.0.0.0, makes a random token at every start, so give it
and this plugin the same ``AIBRIDGE_MOCK_ADMIN_TOKEN``). A running mock is shared, so the session
leaves it as it found it: its data set, scenario and faults (the journal is emptied, and fault
counters start again). Override the ``aibridge_mock_config`` fixture to change the in-process mock;
its data ends at the fixed anchor, so answers are the same from run to run.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest

from aibridge_mock import settings

if TYPE_CHECKING:  # the server is imported when a fixture first needs it, not when pytest loads the plugin
    from aibridge_mock.server.config import Config
    from aibridge_mock.server.dataset.clock import Clock

ENV_PREFIX = "AIBRIDGE_MOCK_"
URL_ENV = ENV_PREFIX + "URL"
_RELOADABLE = ("seed", "interceptions", "anchor", "fixtures")  # what POST /__admin/dataset takes
READY_TIMEOUT_SECONDS = 60.0
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # the mock is local: no proxy


class PersonaError(LookupError):
    """No persona has that role or username; the message lists those there are."""


class AdminError(Exception):
    """The admin API answered with an error: its status and Coder-style body."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"admin API answered {status}: {body}")
        self.status = status
        self.body = body


@dataclass(frozen=True)
class AdminClient:
    """The mock's admin API (``/__admin/``) as Python calls."""

    url: str
    token: str

    def call(self, method: str, path: str, body: Any = None) -> Any:
        """One admin request; the decoded JSON answer (None for 204), or :class:`AdminError`."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            f"{self.url}/__admin{path}",
            data=data,
            method=method,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        try:
            with _OPENER.open(req, timeout=120) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            raise AdminError(exc.code, json.loads(raw) if raw else None) from None
        return json.loads(raw) if raw else None

    def state(self) -> dict[str, Any]:
        result: dict[str, Any] = self.call("GET", "/state")
        return result

    def reset(self) -> None:
        """Normal scenario, no faults, empty journal (the data set stays)."""
        self.call("POST", "/reset")

    def dataset(self, **options: Any) -> dict[str, Any]:
        """Reload the data set: ``seed``, ``interceptions``, ``anchor``, ``fixtures`` (paths or documents)."""
        result: dict[str, Any] = self.call("POST", "/dataset", options)
        return result

    def reseed(self, seed: int, interceptions: int | None = None) -> dict[str, Any]:
        options: dict[str, Any] = {"seed": seed}
        if interceptions is not None:
            options["interceptions"] = interceptions
        return self.dataset(**options)

    def scenario(self, name: str, latency_ms: int | None = None) -> None:
        """One of normal, empty, unlicensed, slow (``latency_ms`` per request), failing."""
        self.call(
            "POST",
            "/scenario",
            {"name": name} if latency_ms is None else {"name": name, "latency_ms": latency_ms},
        )

    def fault(self, route: str, **settings: Any) -> None:
        """Inject into a route ("GET /api/v2/aibridge/sessions"): latency_ms, error_rate, status, seed."""
        self.call("POST", "/faults", {"route": route, **settings})

    def clear_faults(self) -> None:
        self.call("DELETE", "/faults")

    def journal(self) -> list[dict[str, Any]]:
        """The requests received so far: method, path, query, status, duration_ms."""
        requests: list[dict[str, Any]] = self.call("GET", "/journal")["requests"]
        return requests

    def clear_journal(self) -> None:
        self.call("DELETE", "/journal")

    def answers(self, answers: list[Any], route: str = "", model: str = "") -> list[dict[str, Any]]:
        """Script the next provider answers of a route and/or model: texts, tool calls, errors, delays."""
        body: dict[str, Any] = {"answers": answers}
        if route:
            body["route"] = route
        if model:
            body["model"] = model
        scripts: list[dict[str, Any]] = self.call("POST", "/answers", body)
        return scripts

    def clear_answers(self) -> None:
        self.call("DELETE", "/answers")

    def traffic(self) -> dict[str, Any]:
        """How many provider requests were recorded (and are still in flight)."""
        found: dict[str, Any] = self.call("GET", "/traffic")
        return found

    def clear_traffic(self) -> None:
        """Forget the recorded provider traffic (the generated data set stays)."""
        self.call("DELETE", "/traffic")


@dataclass
class MockServer:
    """A running mock: its URL, the personas' tokens and the admin API."""

    url: str
    admin: AdminClient
    _baseline: dict[str, Any] = field(default_factory=dict)
    _found_runtime: dict[str, Any] = field(default_factory=dict)

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/v2"

    @property
    def personas(self) -> list[dict[str, str]]:
        """username, role, user_id and token of each persona of the current data set."""
        personas: list[dict[str, str]] = self.admin.state()["personas"]
        return personas

    @property
    def tokens(self) -> dict[str, str]:
        """Session token by role: owner, auditor and member (the first member persona)."""
        tokens: dict[str, str] = {}
        for persona in self.personas:
            tokens.setdefault(persona["role"], persona["token"])
        return tokens

    def token(self, who: str = "owner") -> str:
        """The session token of a persona, by role (owner, auditor, member) or username (alice, bob)."""
        personas = self.personas
        by_role = next((p for p in personas if p["role"] == who), None)
        found = by_role or next((p for p in personas if p["username"].lower() == who.lower()), None)
        if found is None:
            roles = ", ".join(dict.fromkeys(p["role"] for p in personas))
            names = ", ".join(p["username"] for p in personas)
            raise PersonaError(f"no persona {who!r}: use a role ({roles}) or a username ({names})")
        token: str = found["token"]
        return token

    def headers(self, who: str = "owner") -> dict[str, str]:
        """The header that authenticates as a persona, by role (``"member"``) or username (``"bob"``)."""
        return {"Coder-Session-Token": self.token(who)}

    def restore(self) -> None:
        """A plain mock for the next test: reset settings, and the session's data set if it changed."""
        self.admin.reset()
        dataset = self.admin.state()["dataset"]
        if self._baseline and dataset != self._baseline:
            self.admin.dataset(**{key: self._baseline[key] for key in _RELOADABLE})

    def remember_baseline(self) -> None:
        """Note the data set and the settings the session found (see :meth:`leave_as_found`)."""
        state = self.admin.state()
        self._baseline = dict(state["dataset"])
        self._found_runtime = dict(state["runtime"])

    def leave_as_found(self) -> None:
        """The data set, scenario and faults the session found (the journal stays empty)."""
        self.restore()
        found = self._found_runtime
        for fault in found.get("faults", []):
            settings = {k: fault[k] for k in ("latency_ms", "error_rate", "status", "seed") if k in fault}
            self.admin.fault(fault["route"], **settings)
        scenario = found.get("scenario", "normal")
        if scenario != "normal":
            self.admin.scenario(scenario, found.get("latency_ms", found.get("slow_ms")))


@dataclass(frozen=True)
class PluginSettings:
    """What the plugin reads from the environment (the same AIBRIDGE_MOCK_* names as ``serve``)."""

    url: str = settings.setting("", help="a running mock (a container) to use instead of an in-process one")
    admin_token: str = settings.setting("", help="the running mock's admin token")
    seed: int = settings.setting(
        1, help="the running mock's seed, when it listens on loopback and derives its admin token from it"
    )


def plugin_settings() -> PluginSettings:
    """The plugin's settings from the environment; a bad value fails the session with its variable named."""
    try:
        return settings.resolve(PluginSettings, prefix=ENV_PREFIX)
    except settings.SettingsError as exc:
        raise pytest.UsageError(str(exc)) from None


@contextmanager
def start_mock(config: Config | None = None, clock: Clock | None = None) -> Iterator[MockServer]:
    """Serve the mock in this process on a free loopback port until the block ends.

    With ``config.live``, ``clock`` (such as a ``ManualClock``) decides what each request sees.
    """
    from werkzeug.serving import make_server

    from aibridge_mock.server.app import create_app
    from aibridge_mock.server.config import Config
    from aibridge_mock.server.views.admin import admin_token

    config = config or Config()
    app = create_app(config, clock=clock)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_log_handler())
    thread = threading.Thread(target=server.serve_forever, name="aibridge-mock", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    try:
        yield MockServer(url, AdminClient(url, admin_token(config)))
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _log_handler() -> type[Any]:
    """Werkzeug's request handler, logging request lines with their tokens redacted."""
    from werkzeug.serving import WSGIRequestHandler

    from aibridge_mock.redaction import redact_uri

    class RedactingHandler(WSGIRequestHandler):
        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            self.path = redact_uri(self.path)  # the environ was built from it already
            super().log_request(code, size)

    return RedactingHandler


def connect(url: str, token: str | None = None) -> MockServer:
    """A running mock (a container), once its /readyz answers 200."""
    from aibridge_mock.server.config import Config
    from aibridge_mock.server.views.admin import admin_token

    url = url.rstrip("/")
    if token is None:
        found = plugin_settings()
        token = found.admin_token or admin_token(Config(seed=found.seed))
    _wait_ready(url)
    return MockServer(url, AdminClient(url, token))


def _wait_ready(url: str) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    last = "no answer"
    while time.monotonic() < deadline:
        try:
            with _OPENER.open(f"{url}/readyz", timeout=5):
                return
        except urllib.error.HTTPError as exc:
            last = f"HTTP {exc.code}"
        except OSError as exc:
            last = str(exc)
        time.sleep(0.25)
    raise RuntimeError(f"aibridge-mock at {url} is not ready after {READY_TIMEOUT_SECONDS:.0f}s ({last})")


@pytest.fixture(scope="session")
def aibridge_mock_config() -> Config:
    """The in-process mock's configuration; override this fixture to change it."""
    from aibridge_mock.server.config import Config

    return Config(interceptions=1_000)


@pytest.fixture(scope="session")
def aibridge_mock_server(aibridge_mock_config: Config) -> Iterator[MockServer]:
    """One mock for the whole session: in-process, or the one at ``AIBRIDGE_MOCK_URL``."""
    url = plugin_settings().url
    if url:
        mock = connect(url)
        mock.remember_baseline()
        try:
            yield mock
        finally:
            mock.leave_as_found()  # a shared mock: the next suite must not inherit this one's last test
        return
    with start_mock(aibridge_mock_config) as mock:
        mock.remember_baseline()
        yield mock


@pytest.fixture
def aibridge_mock(aibridge_mock_server: MockServer) -> MockServer:
    """The session's mock, reset for this test."""
    aibridge_mock_server.restore()
    return aibridge_mock_server
