"""Stand-in for `structlog`: get_logger returns a logger that takes key=value context."""

from __future__ import annotations

import logging
from typing import Any


class _Logger:
    def __init__(self, name: str | None) -> None:
        self._logger = logging.getLogger(name)

    def _log(self, level: int, event: str, **context: Any) -> None:
        extra = " ".join(f"{k}={v!r}" for k, v in context.items())
        self._logger.log(level, "%s %s", event, extra)

    def debug(self, event: str, **context: Any) -> None:
        self._log(logging.DEBUG, event, **context)

    def info(self, event: str, **context: Any) -> None:
        self._log(logging.INFO, event, **context)

    def warning(self, event: str, **context: Any) -> None:
        self._log(logging.WARNING, event, **context)

    def error(self, event: str, **context: Any) -> None:
        self._log(logging.ERROR, event, **context)

    def exception(self, event: str, **context: Any) -> None:
        self._log(logging.ERROR, event, **context)


def get_logger(name: str | None = None) -> _Logger:
    return _Logger(name)
