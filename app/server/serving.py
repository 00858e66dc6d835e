"""Serve the mock with gunicorn (a production WSGI server), after loading the data set once."""

from __future__ import annotations

import gc
import sys
import time
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from aibridge_mock.server.accesslog import RedactingLogger
from aibridge_mock.server.adminaccess import admin_token, with_admin_token
from aibridge_mock.server.app import create_app
from aibridge_mock.server.config import Config
from aibridge_mock.server.extension import mock_of
from aibridge_mock.server.hostcheck import is_loopback
from aibridge_mock.server.progress import ProgressBar

ACCESS_LOG_FORMAT = '%(t)s "%(r)s" %(s)s %(B)sB %(M)sms'


class _Gunicorn(BaseApplication):  # type: ignore[misc]  # gunicorn ships no type hints
    def __init__(self, app: Flask, options: dict[str, Any]) -> None:
        self._app = app
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self._app


def banner(config: Config, app: Flask, seconds: float) -> str:
    """What a person needs to start using the mock: URL, data set, personas and tokens."""
    state = mock_of(app).datasets
    assert state.snapshot is not None
    ds = state.snapshot.dataset
    # Bound to every interface (a container): a browser reaches it as localhost.
    host = "localhost" if config.host in ("0.0.0.0", "::", "") else config.host
    url = f"http://{host}:{config.port}"
    lines = [
        f"aibridge-mock serving Coder's AI Bridge API ({config.generation}) on {url}/api/v2/aibridge",
        f"  data set: seed {config.seed}, {ds.n_ended:,} ended interceptions "
        f"({len(ds) - ds.n_ended} in flight), "
        f"{ds.session_count:,} sessions, {len(ds.users)} users; loaded in {seconds:.2f}s",
        f"  mode: {'UNLICENSED (403 everywhere) ' if config.unlicensed else ''}"
        f"{'no auth (every request is the owner) ' if config.no_auth else ''}validation {config.validation}",
        "  personas (token: Coder-Session-Token header, Bearer, or coder_session_token cookie):",
    ]
    lines += [f"    {p.user.role:<8} {p.user.username:<8} {p.token}" for p in ds.personas]
    owner = ds.personas[0].token
    lines.append(f"  try: curl -H 'Coder-Session-Token: {owner}' {url}/api/v2/aibridge/sessions?limit=5")
    # A token the operator chose is not echoed; a generated one must be, or nobody could use it.
    token = "<AIBRIDGE_MOCK_ADMIN_TOKEN>" if config.admin_token else admin_token(config)
    lines.append(f"  admin API: {url}/__admin/state with 'Authorization: Bearer {token}'")
    if not config.admin_token and not is_loopback(config.host):
        lines.append(
            f"    (random for this start: {config.host or 'every interface'} is reachable from other "
            "machines; set AIBRIDGE_MOCK_ADMIN_TOKEN to choose the token)"
        )
    if config.workers > 1:
        lines.append(
            f"  note: {config.workers} workers each keep their own admin settings and reloads; "
            "test suites want --workers 1"
        )
    return "\n".join(lines)


def serve(config: Config) -> int:
    """Load the data set, print the banner, and serve until SIGTERM/SIGINT."""
    started = time.monotonic()
    try:
        # The admin token goes into the configuration the workers get: one token for all of them.
        app = create_app(with_admin_token(config), load=False)
        state = mock_of(app).datasets
        state.progress = ProgressBar()
        state.load()
        # The data set lives as long as the process: keep the collector from scanning it on every
        # full collection (pauses of 0.4 s at 1M rows), and keep its pages shared after the fork.
        gc.freeze()
    except (OSError, ValueError) as exc:
        print(f"aibridge-mock: {exc}", file=sys.stderr)
        return 2
    print(banner(config, app, time.monotonic() - started), flush=True)
    options = {
        "bind": f"{config.host}:{config.port}",
        "workers": config.workers,
        "worker_class": "gthread",
        "threads": config.threads,
        "preload_app": True,  # the data set is built once, before workers fork
        "graceful_timeout": 10,  # SIGTERM (docker stop): requests in flight get 10 s to finish
        "control_socket_disable": True,  # gunicornc is not needed, and its socket wants a writable $HOME
        "timeout": 60,
        "accesslog": "-" if config.access_log else None,
        "access_log_format": ACCESS_LOG_FORMAT,
        "logger_class": RedactingLogger,  # tokens in a query or header never reach the log
        "errorlog": "-",
        "loglevel": "warning",
    }
    _Gunicorn(app, options).run()
    return 0
