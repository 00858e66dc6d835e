"""The HTTP servers that run the mock's WSGI app in worker processes: granian (the default) and gunicorn.

Both start from an app whose data set is already loaded, fork their workers from it (the data set's
pages are shared, not copied), replace a worker that dies, drain requests in flight for up to
``DRAIN_SECONDS`` on SIGTERM (``docker stop``), and leave the access log to the app
(:mod:`aibridge_mock.server.accesslog`). granian was chosen by measurement (benchmarks/RESULTS.md):
it parses HTTP in Rust, so idle or half-sent connections never occupy a Python thread, its own
400/414/431 answers have no body, and it serves our app 1.5-2x faster. gunicorn is kept to measure
against (``--http-server gunicorn``).
"""

from __future__ import annotations

import multiprocessing
from typing import Any

from flask import Flask, Response

from aibridge_mock.server.config import Config

__all__ = ["DRAIN_SECONDS", "run"]

DRAIN_SECONDS = 10  # the image's stop grace period: requests in flight get this long to finish


def run(app: Flask, config: Config) -> None:
    """Serve ``app`` until SIGTERM/SIGINT with the server ``config.http_server`` names."""
    if config.http_server == "gunicorn":
        _gunicorn(app, config)
    else:
        _granian(app, config)


def _no_server_name(response: Response) -> Response:
    # granian names itself in a Server header unless the app sends one (emmett-framework/granian#594);
    # coderd sends none, so the closest we can send is an empty one.
    response.headers["Server"] = ""
    return response


def _granian(app: Flask, config: Config) -> None:
    from granian.constants import Interfaces
    from granian.http import HTTP1Settings
    from granian.log import LogLevels
    from granian.server import Server

    # Workers are forked from this process, which holds the loaded data set (granian follows the
    # platform's default start method; Python 3.14 changes it to forkserver on Linux).
    multiprocessing.set_start_method("fork", force=True)
    app.after_request(_no_server_name)
    server = Server(
        "aibridge_mock",  # a name only: the app itself is handed over by the loader below
        address=config.host,
        port=config.port,
        interface=Interfaces.WSGI,
        workers=config.workers,
        blocking_threads=config.threads,
        # A client gets 10 s to send its request line and headers (granian's default is 30 s);
        # until then it holds a socket, never a Python thread.
        http1_settings=HTTP1Settings(header_read_timeout=10_000),
        respawn_failed_workers=True,
        respawn_interval=1.0,
        workers_kill_timeout=DRAIN_SECONDS,
        log_enabled=True,
        # Errors only: our banner says where it listens, the app writes the access log, and its
        # advice about threads per core does not apply to threads that mostly wait (latency faults).
        log_level=LogLevels.error,
        log_access=False,
    )

    def loader(*_: Any, **__: Any) -> Flask:
        return app

    server.serve(target_loader=loader, wrap_loader=False)


class _GunicornApp:
    """gunicorn's embedding API, with the options given in code rather than a file."""

    def __init__(self, app: Flask, options: dict[str, Any]) -> None:
        from gunicorn.app.base import BaseApplication

        class Application(BaseApplication):  # type: ignore[misc]  # gunicorn ships no type hints
            def load_config(self) -> None:
                for key, value in options.items():
                    self.cfg.set(key, value)

            def load(self) -> Flask:
                return app

        self._application = Application()

    def run(self) -> None:
        self._application.run()


def _gunicorn(app: Flask, config: Config) -> None:
    import gunicorn.http.wsgi

    gunicorn.http.wsgi.SERVER = ""  # its Server header, otherwise "gunicorn" (it has no switch for it)
    options = {
        "bind": f"{config.host}:{config.port}",
        "workers": config.workers,
        "worker_class": "gthread",
        "threads": config.threads,
        "preload_app": True,  # the app arrives loaded: workers fork from it
        "graceful_timeout": DRAIN_SECONDS,
        "control_socket_disable": True,  # gunicornc is not needed, and its socket wants a writable $HOME
        "timeout": 60,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
    }
    _GunicornApp(app, options).run()
