"""A one-line progress bar on a terminal for data set loads that take more than a moment."""

from __future__ import annotations

import sys
import time
from typing import TextIO

# Stages of build_dataset in order, with their rough share of the load time (measured at 1M rows).
STAGES = {"generating": 0.0, "indexing": 0.40, "deriving sessions": 0.65, "ready": 1.0}
WIDTH = 30


class ProgressBar:
    """Draws ``[#####-----]  40% indexing`` with carriage returns; silent when not on a terminal."""

    def __init__(self, stream: TextIO = sys.stderr, enabled: bool | None = None) -> None:
        self.stream = stream
        self.enabled = stream.isatty() if enabled is None else enabled
        self.started = time.monotonic()

    def __call__(self, stage: str) -> None:
        if not self.enabled:
            return
        share = STAGES.get(stage, 0.0)
        done = int(share * WIDTH)
        elapsed = time.monotonic() - self.started
        line = f"\r[{'#' * done}{'-' * (WIDTH - done)}] {share:4.0%} {stage:<18} {elapsed:5.1f}s"
        self.stream.write(line + ("\n" if stage == "ready" else ""))
        self.stream.flush()
