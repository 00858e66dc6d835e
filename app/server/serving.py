"""``aibridge-mock serve``: check the address, load the data set once, print the banner, run the server.

Order matters to a person reading the terminal: a busy port is one line before anything else (exit
status 2), the banner is printed only once the data set is loaded, and the workers are forked from
this process afterwards, sharing the data set and the state directory created here.
"""

from __future__ import annotations

import errno
import gc
import logging
import os
import shutil
import socket
import sys
import tempfile
import time
from pathlib import Path

from flask import Flask

from aibridge_mock.server.adminaccess import admin_token
from aibridge_mock.server.app import create_app, state_shape
from aibridge_mock.server.config import Config
from aibridge_mock.server.extension import mock_of
from aibridge_mock.server.hostcheck import is_loopback
from aibridge_mock.server.progress import ProgressBar
from aibridge_mock.server.shared import open_state

__all__ = ["PortInUseError", "banner", "check_address", "serve"]


class PortInUseError(OSError):
    """The address the mock should listen on is taken (or cannot be bound)."""


def check_address(host: str, port: int) -> None:
    """Bind the address once, as the server will, so that a taken port is reported before any work."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers do: TIME_WAIT is no owner
        try:
            probe.bind((host, port))
        except OSError as exc:
            where = f"[{host}]:{port}" if family == socket.AF_INET6 else f"{host}:{port}"
            reason = "address already in use" if exc.errno == errno.EADDRINUSE else exc.strerror
            raise PortInUseError(f"cannot listen on {where}: {reason}") from None


def _quoted(text: str) -> str:
    """Single-quoted for bash and zsh, always ('?', '&' and '"' in URLs are special to them)."""
    return "'" + text.replace("'", "'\\''") + "'"


def banner(config: Config, app: Flask, seconds: float) -> str:
    """What a person needs to start using the mock: URL, data set, modes, personas, tokens, a first curl."""
    mock = mock_of(app)
    assert mock.datasets.snapshot is not None
    ds = mock.datasets.snapshot.dataset
    # Bound to every interface (a container): a browser reaches it as localhost.
    host = "localhost" if config.host in ("0.0.0.0", "::", "") else config.host
    base = f"http://[{host}]:{config.port}" if ":" in host else f"http://{host}:{config.port}"
    prefix = mock.generation.prefix
    lines = [
        f"aibridge-mock serving Coder's AI Bridge API ({config.generation}) on {base}{prefix}",
        f"  data set: seed {config.seed}, {ds.n_ended:,} ended interceptions "
        f"({len(ds) - ds.n_ended} in flight), "
        f"{ds.session_count:,} sessions, {len(ds.users)} users; loaded in {seconds:.2f}s",
        f"  validation: {config.validation}"
        + {
            "strict": " (a response that breaks the contract becomes a 500 naming the JSON path)",
            "lenient": " (a response that breaks the contract is logged and flagged in a header)",
            "off": " (responses are not checked)",
        }[config.validation],
    ]
    if config.no_auth:
        lines.append("  auth: off (--no-auth): every request is the owner")
    if config.unlicensed:
        lines.append("  licence: none (--unlicensed): every API request answers 403 Premium feature")
    lines.append(
        f"  server: {config.http_server}, {config.workers} worker{'s' if config.workers != 1 else ''}"
        f" x {config.threads} threads; admin state {mock.runtime.backend.description}"
    )
    lines.append("  personas (token: Coder-Session-Token header, Bearer, or coder_session_token cookie):")
    lines += [f"    {p.user.role:<8} {p.user.username:<8} {p.token}" for p in ds.personas]
    owner = ds.personas[0].token
    # A request that answers 200 on this generation: sessions where they exist, else interceptions.
    first = "sessions" if "sessions" in mock.generation.operations else "interceptions"
    header = _quoted(f"Coder-Session-Token: {owner}")
    lines.append(f"  try: curl -H {header} {_quoted(f'{base}{prefix}/{first}?limit=5')}")
    if mock.instances:  # the provider routes AI clients are pointed at (README: drive it with a real client)
        urls = "  ".join(f"{i.name}={base}{prefix}{i.route_prefix}" for i in mock.instances)
        lines.append(f"  AI provider base URLs (API key: a persona's token): {urls}")
    # A token the operator chose is not echoed: the command reads it from their environment instead.
    admin = (
        '"Authorization: Bearer $AIBRIDGE_MOCK_ADMIN_TOKEN"'
        if config.admin_token
        else _quoted(f"Authorization: Bearer {admin_token(config)}")
    )
    lines.append(f"  admin API: curl -H {admin} {_quoted(f'{base}/__admin/state')}")
    if not config.admin_token and not is_loopback(config.host):
        lines.append(
            f"    (random for this start: {config.host or 'every interface'} is reachable from other "
            "machines; set AIBRIDGE_MOCK_ADMIN_TOKEN to choose the token)"
        )
    return "\n".join(lines)


def _access_log_to_stdout(enabled: bool) -> None:
    log = logging.getLogger("aibridge_mock.access")
    log.propagate = False
    if enabled:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
    else:
        log.setLevel(logging.WARNING)


def serve(config: Config) -> int:
    """Load the data set, print the banner, and serve until SIGTERM/SIGINT; 2 when it cannot start."""
    from aibridge_mock.server.httpservers import run

    started = time.monotonic()
    directory = Path(tempfile.mkdtemp(prefix="aibridge-mock-state-"))
    try:
        check_address(config.host, config.port)
        state = open_state(config.state, directory, state_shape(config))
        app = create_app(config, load=False, state=state)
        datasets = mock_of(app).datasets
        datasets.progress = ProgressBar()
        datasets.load()
        # The data set lives as long as the process: keep the collector from scanning it on every
        # full collection (pauses of 0.4 s at 1M rows), and keep its pages shared after the fork.
        gc.freeze()
    except (OSError, ValueError, RuntimeError) as exc:
        shutil.rmtree(directory, ignore_errors=True)
        print(f"aibridge-mock: {exc}", file=sys.stderr)
        return 2
    print(banner(config, app, time.monotonic() - started), flush=True)
    _access_log_to_stdout(config.access_log)
    server_pid = os.getpid()
    try:
        run(app, config)
    finally:
        if os.getpid() == server_pid:  # not in a gunicorn worker leaving through SystemExit
            state.close()
            shutil.rmtree(directory, ignore_errors=True)
    return 0
