"""What a migration prints while it runs: comments in the script, and lines on stderr.

Under `alembic --sql` a migration's print() lands in the SQL on stdout (that is
how migrations leave `-- WARNING: ...` notes for the DBA). sqlgen's stdout is
the script (`--stdout`) or JSON (`--json`), so nothing the migration prints may
reach it. While a revision's function runs, what it writes to sys.stdout and
sys.stderr (print(), sys.stdout.write(), logging handlers that write to stdout)
is taken line by line: each line becomes a `-- ` comment at the place it was
printed (see Recorder.note), and, unless the run is the silent replay before a
range, a `note:` line on sqlgen's stderr.
"""

from __future__ import annotations

import contextlib
import io
import logging
import sys
from collections.abc import Callable, Iterator
from typing import TextIO, cast

from sqlgen.pipeline.captured import printed_lines
from sqlgen.runtime.capture import Recorder


class _Printed(io.TextIOBase):
    """A text stream that hands on each complete line written to it."""

    def __init__(self, sink: Callable[[str], None]) -> None:
        super().__init__()
        self._sink = sink
        self._pending = ""

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        self._pending += text
        complete, newline, rest = self._pending.rpartition("\n")
        if newline:
            self._pending = rest
            self._sink(complete)
        return len(text)

    def finish(self, fallback: TextIO) -> None:
        """Hand on a last line written without its newline; later writes go to `fallback`.

        (A logging handler made while the revision ran may keep this stream: what it
        writes after the revision is not the revision's, and never stdout's.)
        """
        pending, self._pending = self._pending, ""
        if pending:
            self._sink(pending)
        self._sink = lambda text: print(text, file=fallback)


@contextlib.contextmanager
def printed_output(recorder: Recorder, echo: TextIO | None, where: str) -> Iterator[None]:
    """Capture what the migration prints into `recorder`'s notes, and `echo` each line.

    `where`: the dialect and revision ("[postgresql] revision abc123 (path"),
    completed with the line that printed and the text on `echo`.
    """

    def sink(text: str) -> None:
        lines = printed_lines(text)
        if not lines:
            return
        line = recorder.line()
        recorder.note(lines)
        if echo is not None:
            at = f"{where}:{line})" if line is not None else f"{where})"
            for printed in lines:
                echo.write(f"note: {at} printed: {printed}\n")

    out, err = _Printed(sink), _Printed(sink)
    stdout = cast(TextIO, out)
    handlers = [(handler, handler.stream) for handler in _stdout_handlers(sys.stdout)]
    for handler, _ in handlers:
        handler.setStream(stdout)
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(cast(TextIO, err)):
            yield
    finally:
        for handler, stream in handlers:
            if handler.stream is stdout:
                handler.setStream(stream)
        out.finish(sys.stderr)
        err.finish(sys.stderr)


def _stdout_handlers(stdout: TextIO) -> list[logging.StreamHandler[TextIO]]:
    """The logging handlers that write to stdout (configured before the run, e.g. by
    env.py or the application's code): their records are printed output too."""
    streams = {id(stdout), id(sys.__stdout__)}
    loggers: list[logging.Logger] = [logging.getLogger()]
    loggers += [
        logger
        for logger in list(logging.Logger.manager.loggerDict.values())
        if isinstance(logger, logging.Logger)
    ]
    found: dict[int, logging.StreamHandler[TextIO]] = {}
    for logger in loggers:
        for handler in logger.handlers:
            if (
                isinstance(handler, logging.StreamHandler)
                and not isinstance(handler, logging.FileHandler)
                and id(handler.stream) in streams
            ):
                found[id(handler)] = handler
    return list(found.values())
