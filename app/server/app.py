"""``create_app``: the Flask application of the mock, wired from its parts."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from flask import Flask, Response
from werkzeug.exceptions import HTTPException, InternalServerError

from aibridge_mock.schemas import load_openapi
from aibridge_mock.server import accesslog, cors, hooks, hostcheck, journal, sync
from aibridge_mock.server.adminaccess import with_admin_token
from aibridge_mock.server.config import Config
from aibridge_mock.server.dataset.clock import Clock, LiveClock, parse_anchor
from aibridge_mock.server.dataset.loader import DatasetOptions, resolved_anchor
from aibridge_mock.server.errors import ApiError, PlainTextError, route_not_found
from aibridge_mock.server.extension import Mock
from aibridge_mock.server.generations import load_generation
from aibridge_mock.server.hostcheck import is_loopback
from aibridge_mock.server.providers import views as provider_views
from aibridge_mock.server.request import GoFlask
from aibridge_mock.server.runtime import Runtime
from aibridge_mock.server.shared import StateBackend, open_state
from aibridge_mock.server.state import Datasets
from aibridge_mock.server.validation import ResponseValidator
from aibridge_mock.server.views import admin, admin_traffic, api, health, openapi
from aibridge_mock.server.views.responses import error_response, text_response

__all__ = ["create_app", "dataset_options", "state_shape"]

log = logging.getLogger("aibridge_mock.server")


def dataset_options(config: Config) -> DatasetOptions:
    """The data set a configuration asks for; ``now`` in the anchor is read here, once."""
    anchor = parse_anchor(config.anchor) if config.anchor else 0
    return DatasetOptions(
        seed=config.seed,
        interceptions=config.interceptions,
        anchor=anchor,
        fixtures=config.fixtures,
        live=config.live,
    )


def _validator(config: Config) -> ResponseValidator | None:
    if config.validation == "off":
        return None
    return ResponseValidator(load_openapi(config.generation, "strict"))


def state_shape(config: Config) -> tuple[object, ...]:
    """What shapes a mock's data: mocks that differ in it never share state (see shared.namespace)."""
    return (config.seed, config.interceptions, config.anchor, config.fixtures, config.generation, config.live)


def wall_clock() -> int:
    """The wall clock in microseconds since the epoch (UTC)."""
    return time.time_ns() // 1_000


def create_app(
    config: Config | None = None,
    *,
    load: bool = True,
    clock: Clock | None = None,
    state: StateBackend | None = None,
    traffic_clock: Callable[[], int] | None = None,
) -> Flask:
    """Wire the mock: its state, the request hooks, the routes and one handler per error type.

    With ``config.live``, requests see the data set as of ``clock.now()``; the default clock starts
    at the anchor and follows the monotonic clock. Tests pass a ``ManualClock``. ``state`` is where
    the admin API's settings live (default: in this process, or the Redis of ``config.state``);
    ``serve`` passes the embedded state its workers share. ``traffic_clock`` times recorded provider
    traffic (microseconds; default: the live clock in live mode, else the wall clock).
    """
    config = with_admin_token(config or Config())  # a random per-start token, made once (adminaccess)
    app = GoFlask(__name__, static_folder=None)  # coderd serves no /static here
    generation = load_generation(config.generation)
    options = dataset_options(config)
    if config.live and clock is None:
        clock = LiveClock(resolved_anchor(options))
    runtime = Runtime(state or open_state(config.state, None, state_shape(config)))
    datasets = Datasets(options, _validator(config), generation, runtime)
    mock = Mock(config, generation, datasets, runtime, clock=clock if config.live else None)
    mock.init_app(app)
    if traffic_clock is None:
        live = mock.clock
        traffic_clock = live.now if live is not None else wall_clock
    before: list[hooks.Before] = [journal.start_clock]  # first: every request is timed, even early answers
    if is_loopback(config.host):
        before.append(hostcheck.check_host)  # then: a foreign Host gets nothing else
    before += [sync.catch_up, cors.preflight]  # current settings for all later steps; preflights answered
    hooks.init_app(app, before, after=[cors.allow_origin, journal.record_response, accesslog.log_response])
    api.init_app(app, generation)
    provider_views.init_app(app, mock, traffic_clock)
    app.register_blueprint(health.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(admin_traffic.bp)
    app.register_blueprint(openapi.bp)
    app.register_error_handler(ApiError, error_response)
    app.register_error_handler(PlainTextError, text_response)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(InternalServerError, _internal_error)
    if load:
        datasets.load()
    return app


def _http_error(exc: HTTPException) -> Response:
    """Werkzeug's own errors (an unknown path outside /api, a wrong method on /healthz) in Coder's body."""
    if exc.code == 404:
        return error_response(route_not_found())
    return error_response(ApiError(exc.code or 500, exc.name, exc.description or ""))


def _internal_error(exc: InternalServerError) -> Response:
    """An exception no handler expected: logged with its traceback, answered in Coder's body."""
    cause = exc.original_exception or exc
    log.error("unhandled error", exc_info=cause)
    return error_response(
        ApiError(500, "An internal server error occurred.", f"{type(cause).__name__}: {cause}")
    )
