"""A progress bar for long runs, drawn on a terminal only.

It appears once a run has taken `delay` seconds (short runs stay quiet),
redraws at most ten times a second on one line of stderr, and erases itself
when the run ends, so nothing of it is left in a terminal's scrollback or in
what was printed on stdout. On anything but a terminal it draws nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

WIDTH = 30
REDRAW_EVERY = 0.1  # seconds


class ProgressBar:
    def __init__(
        self,
        stream: TextIO,
        label: str = "rendering",
        *,
        delay: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream
        self.label = label
        self.delay = delay
        self.clock = clock
        self.enabled = stream.isatty()
        self.total = 0
        self.done = 0
        self.started = 0.0
        self.drawn_at: float | None = None
        self.width_drawn = 0

    def start(self, total: int) -> None:
        self.total = total
        self.done = 0
        self.started = self.clock()

    def advance(self, done: int) -> None:
        self.done = min(self.total, self.done + done)
        if not self.enabled:
            return
        now = self.clock()
        if now - self.started < self.delay:
            return
        if self.drawn_at is not None and now - self.drawn_at < REDRAW_EVERY:
            return
        self.drawn_at = now
        self._draw(self._line())

    def finish(self) -> None:
        if self.drawn_at is not None:
            self._draw("")  # erase the bar
            self.drawn_at = None

    def _line(self) -> str:
        share = self.done / self.total if self.total else 1.0
        filled = round(WIDTH * share)
        bar = "#" * filled + "." * (WIDTH - filled)
        return f"{self.label} [{bar}] {self.done}/{self.total} ({share:.0%})"

    def _draw(self, text: str) -> None:
        padding = " " * max(0, self.width_drawn - len(text))
        self.stream.write(f"\r{text}{padding}\r" if not text else f"\r{text}{padding}")
        self.stream.flush()
        self.width_drawn = len(text)
