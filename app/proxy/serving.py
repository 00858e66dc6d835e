"""Start the proxy: detect the generation, print where it listens, serve, summarise at exit.

Serving is one small function (``_run_server``) so the WSGI server can be swapped in one place.
The proxy runs one process: its report and its recording live there. The application is built
in that process (not before a fork), so the recorder's writer thread runs where requests arrive.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from typing import Any

from gunicorn.app.base import BaseApplication

from aibridge_mock.proxy.anonymize import Anonymizer
from aibridge_mock.proxy.app import HEALTH_PATH, REPORT_PATH, ProxyApp
from aibridge_mock.proxy.config import AUTO, ProxyConfig
from aibridge_mock.proxy.detect import Detection, detect_generation
from aibridge_mock.proxy.recorder import Recorder
from aibridge_mock.proxy.redact import redact_url
from aibridge_mock.server.generations import load_generation

__all__ = ["build_proxy", "detect", "serve"]


def detect(config: ProxyConfig) -> Detection:
    """The generation to check against: forced by ``--generation``, or probed."""
    if config.generation != AUTO:
        return Detection(config.generation, "forced by --generation")
    return detect_generation(config.upstream_base)


def build_proxy(config: ProxyConfig, detection: Detection) -> ProxyApp:
    """The WSGI application, with its recorder when ``--record`` is given."""
    recorder = None
    if config.record_path is not None:
        anonymizer = Anonymizer(config.anonymize_salt) if config.anonymize else None
        recorder = Recorder(config.record_path, redact_url(config.upstream_base), anonymizer)
    return ProxyApp(config, load_generation(detection.generation), detection.reason, recorder)


def banner(config: ProxyConfig, detection: Detection) -> str:
    url = f"http://{'localhost' if config.host in ('0.0.0.0', '::', '') else config.host}:{config.port}"
    lines = [
        f"aibridge-mock proxy on {url} -> {redact_url(config.upstream_base)}",
        f"  AI Bridge API {detection.generation} ({detection.reason})",
        f"  validation {config.validation} against the {config.strictness} schemas; "
        f"report: {url}{REPORT_PATH}, health: {url}{HEALTH_PATH}",
    ]
    if config.record_path is not None:
        lines.append(f"  recording into {config.record_path}{' (anonymized)' if config.anonymize else ''}")
    return "\n".join(lines)


def _record_problem(config: ProxyConfig) -> str | None:
    path = config.record_path
    if path is None:
        return None
    folder = path.parent if str(path.parent) else path.cwd()
    if not folder.is_dir() or not os.access(folder, os.W_OK):
        return f"--record {path}: the folder {folder} does not exist or cannot be written"
    return None


def serve(config: ProxyConfig) -> int:
    """Serve until SIGINT/SIGTERM; the summary goes to stdout at exit."""
    problem = _record_problem(config)
    if problem:
        print(f"aibridge-mock proxy: {problem}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    detection = detect(config)
    print(banner(config, detection), flush=True)
    built: list[ProxyApp] = []

    def make() -> ProxyApp:
        built.append(build_proxy(config, detection))
        return built[0]

    def finish() -> None:
        for app in built:
            app.close()
            print(app.summary(), flush=True)

    _run_server(make, finish, config)
    return 0


class _Gunicorn(BaseApplication):  # type: ignore[misc]  # gunicorn ships no type hints
    def __init__(self, make: Callable[[], Any], options: dict[str, Any]) -> None:
        self._make = make
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return self._make()


def _run_server(make: Callable[[], ProxyApp], finish: Callable[[], None], config: ProxyConfig) -> None:
    """Serve the application ``make`` builds (in the serving process) and call ``finish`` on the way out."""
    options = {
        "bind": f"{config.host}:{config.port}",
        "workers": 1,  # one process holds the report and the recording
        "worker_class": "gthread",
        "threads": config.threads,
        "preload_app": False,  # build the app (and the recorder's thread) in the worker
        "graceful_timeout": 10,
        "control_socket_disable": True,
        "timeout": 0,  # streams may stay open for minutes; the worker is not a hung one
        "keepalive": 30,
        "accesslog": None,  # the app logs each request itself, tokens redacted
        "errorlog": "-",
        "loglevel": "warning",
        "worker_exit": lambda server, worker: finish(),
    }
    _Gunicorn(make, options).run()
