"""``create_app``: the Flask application of the mock, wired from its parts."""

from __future__ import annotations

from flask import Flask
from werkzeug.exceptions import HTTPException

from aibridge_mock.schemas import load_openapi
from aibridge_mock.server.config import Config
from aibridge_mock.server.dataset.loader import DatasetOptions
from aibridge_mock.server.errors import ApiError, route_not_found
from aibridge_mock.server.generations import load_generation
from aibridge_mock.server.gocompat import parse_rfc3339_nano
from aibridge_mock.server.request import GoQueryRequest
from aibridge_mock.server.state import MockState
from aibridge_mock.server.validation import ResponseValidator

__all__ = ["create_app", "dataset_options"]


def dataset_options(config: Config) -> DatasetOptions:
    """The data set a configuration asks for."""
    anchor = parse_rfc3339_nano(config.anchor.upper()) if config.anchor else 0
    return DatasetOptions(
        seed=config.seed, interceptions=config.interceptions, anchor=anchor, fixtures=config.fixtures
    )


def _validator(config: Config) -> ResponseValidator | None:
    if config.validation == "off":
        return None
    return ResponseValidator(load_openapi(config.generation, "strict"))


def create_app(config: Config | None = None, *, load: bool = True) -> Flask:
    """Wire the mock: state, the /api gateway, health routes and JSON error handlers."""
    from aibridge_mock.server import cors, runtime
    from aibridge_mock.server.views import admin, gateway, health, openapi
    from aibridge_mock.server.views.responses import error_response

    config = config or Config()
    app = Flask(__name__)
    app.request_class = GoQueryRequest
    app.config["MOCK"] = config
    app.config["GENERATION"] = generation = load_generation(config.generation)
    app.config["STATE"] = state = MockState(dataset_options(config), _validator(config), generation)
    runtime.init_app(app)  # first: it times every request, including those answered by a hook
    cors.init_app(app)  # before the gateway, which would send a preflight to the provider catch-all
    gateway.init_app(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(openapi.bp)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):  # type: ignore[no-untyped-def]  # Flask's handler signature
        if exc.code == 404:
            return error_response(route_not_found())
        return error_response(ApiError(exc.code or 500, exc.name, exc.description or ""))

    @app.errorhandler(Exception)
    def _crash(exc: Exception):  # type: ignore[no-untyped-def]  # Flask's handler signature
        app.logger.exception("unhandled error")
        return error_response(
            ApiError(500, "An internal server error occurred.", f"{type(exc).__name__}: {exc}")
        )

    if load:
        state.load()
    return app
