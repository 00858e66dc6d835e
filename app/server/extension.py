"""The mock's state as one typed Flask extension: ``current_mock()`` instead of ``current_app.config``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import Flask, current_app

from aibridge_mock.server.config import Config
from aibridge_mock.server.dataset.clock import Clock
from aibridge_mock.server.generations import Generation
from aibridge_mock.server.runtime import Runtime
from aibridge_mock.server.state import Datasets
from aibridge_mock.server.validation import ResponseValidator

if TYPE_CHECKING:  # the provider emulation imports this module: type names only
    from aibridge_mock.server.providers.bridge import Services
    from aibridge_mock.server.providers.instances import Instance
    from aibridge_mock.server.providers.scripts import ScriptBook
    from aibridge_mock.server.traffic import Traffic

__all__ = ["Mock", "current_mock", "mock_of"]

EXTENSION = "aibridge_mock"


@dataclass
class Mock:
    """Everything a request of this app reads: options, generation, data sets, runtime settings."""

    config: Config
    generation: Generation
    datasets: Datasets
    runtime: Runtime
    clock: Clock | None = None  # live mode only: requests see the data set as of clock.now()
    instances: tuple[Instance, ...] = ()  # the configured AI providers (provider routes)
    providers: Services | None = None  # what bridged provider requests use (recorder, upstream, ...)
    traffic: Traffic | None = None  # the recorded provider traffic this process has read
    scripts: ScriptBook | None = None  # scripted upstream answers (admin API)

    def now(self) -> int | None:
        """The data set's time for this request (live mode), or None: every ended row is visible."""
        return self.clock.now() if self.clock is not None else None

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
