"""The mock's state as one typed Flask extension: ``current_mock()`` instead of ``current_app.config``."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app

from aibridge_mock.server.config import Config
from aibridge_mock.server.generations import Generation
from aibridge_mock.server.runtime import Runtime
from aibridge_mock.server.state import Datasets
from aibridge_mock.server.validation import ResponseValidator

__all__ = ["Mock", "current_mock", "mock_of"]

EXTENSION = "aibridge_mock"


@dataclass
class Mock:
    """Everything a request of this app reads: options, generation, data sets, runtime settings."""

    config: Config
    generation: Generation
    datasets: Datasets
    runtime: Runtime

    @property
    def validator(self) -> ResponseValidator | None:
        return self.datasets.validator

    def init_app(self, app: Flask) -> None:
        app.extensions[EXTENSION] = self


def mock_of(app: Flask) -> Mock:
    """The mock state of an app built by ``create_app``."""
    found: Mock = app.extensions[EXTENSION]
    return found


def current_mock() -> Mock:
    """The mock state of the app handling the current request."""
    return mock_of(current_app)
