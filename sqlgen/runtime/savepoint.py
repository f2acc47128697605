"""`op.get_bind().begin_nested()` offline: a SAVEPOINT in the script.

A migration opens a savepoint to try something and handle its failure in Python
(Open WebUI: `with conn.begin_nested(): op.create_index(...)`, falling back on
error). Offline nothing fails, so the path where the block succeeds is the one
rendered: the savepoint and its release, as SQLAlchemy's dialect would emit them
online (it asks the dialect: SQL Server writes `SAVE TRANSACTION` and releases
nothing, Oracle releases nothing). The revision gets a warning saying that the
failure handling is the migration's Python and not in the script. Rolling back
to the savepoint has no offline meaning and is refused.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

from sqlgen.pipeline.captured import Refusal


class SavepointRollback(Refusal):
    """A migration rolls back to a savepoint, which cannot be rendered offline."""


class OfflineSavepoint:
    """What begin_nested() returns: a SAVEPOINT now, its RELEASE on commit()."""

    def __init__(self, connection: Any, name: str) -> None:
        self.connection = connection
        self.name = name
        self.is_active = True
        connection.dialect.do_savepoint(connection, name)

    def commit(self) -> None:
        if self.is_active:
            self.is_active = False
            self.connection.dialect.do_release_savepoint(self.connection, self.name)

    def rollback(self) -> None:
        raise SavepointRollback(
            f"rolls back to savepoint {self.name}, which cannot be rendered offline: "
            "the script cannot choose a path by whether a statement failed; provide "
            "reviewed SQL for this revision as an override"
        )

    def close(self) -> None:
        if self.is_active:  # closing an open nested transaction rolls it back
            self.rollback()

    def __enter__(self) -> OfflineSavepoint:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if error is None:
            self.commit()


SAVEPOINT_WARNING = (
    "the migration opens a savepoint (begin_nested) and handles a failure inside it in "
    "Python; offline, the path where its statements succeed is rendered"
)
