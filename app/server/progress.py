"""A one-line progress bar on a terminal, for data set loads that last more than a second."""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO

# Stages of build_dataset in order, with their rough share of the load time (measured at 1M rows).
STAGES = {"generating": 0.0, "indexing": 0.40, "deriving sessions": 0.65, "ready": 1.0}
WIDTH = 30
SHOW_AFTER_S = 1.0  # quick loads stay quiet
TICK_S = 0.2


class ProgressBar:
    """Draws ``[#####-----]  40% indexing   1.4s`` with carriage returns.

    Stages are reported by the loader; a ticker thread redraws the bar (and its clock) once the
    load has lasted ``SHOW_AFTER_S``, so any load over a second shows a bar whatever its size.
    Silent when the stream is not a terminal.
    """

    def __init__(self, stream: TextIO = sys.stderr, enabled: bool | None = None) -> None:
        self.stream = stream
        self.enabled = stream.isatty() if enabled is None else enabled
        self.stage = "generating"
        self.started = time.monotonic()
        self.drawn = False
        self._done = threading.Event()
        self._ticker: threading.Thread | None = None

    def __call__(self, stage: str) -> None:
        if not self.enabled:
            return
        if self._ticker is None:
            self.started = time.monotonic()
            self._ticker = threading.Thread(target=self._tick, name="progress", daemon=True)
            self._ticker.start()
        self.stage = stage
        if stage == "ready":
            self._done.set()
            self._ticker.join()
            if self.drawn:
                self._draw(final=True)

    def _tick(self) -> None:
        while not self._done.wait(TICK_S):
            if time.monotonic() - self.started >= SHOW_AFTER_S:
                self._draw()

    def _draw(self, final: bool = False) -> None:
        share = STAGES.get(self.stage, 0.0)
        done = int(share * WIDTH)
        elapsed = time.monotonic() - self.started
        line = f"\r[{'#' * done}{'-' * (WIDTH - done)}] {share:4.0%} {self.stage:<18} {elapsed:5.1f}s"
        self.stream.write(line + ("\n" if final else ""))
        self.stream.flush()
        self.drawn = True
