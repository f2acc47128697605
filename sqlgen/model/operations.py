"""The one table of Alembic operations sqlgen understands.

Three layers act on a captured Alembic operation: the schema model applies it,
the review describes it, and lint checks it. Each registers what it does per
operation class in an `OperationTable` of its own, and all three tables are
checked against `KNOWN` (tests/test_operations.py), so an operation added to
one layer and forgotten in another shows up as a failing test rather than as a
change that silently goes unreviewed.

Lookups follow the class's MRO, so a project's subclass of an Alembic operation
is handled as its base is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from alembic.operations import ops

H = TypeVar("H")

# What the schema model applies and the review describes: every schema-changing
# operation Alembic's `op.*` offers, plus bulk_insert (rows only).
# ExecuteSQLOp is not here: raw SQL is read from its emitted statements.
# A layer may also register a base class of these as the fallback for subclasses
# it has no handler of its own for: the review describes any AddConstraintOp (e.g.
# PostgreSQL's exclude constraint), while the model leaves such a constraint to the
# SQL it emitted, so AddConstraintOp is no member here that every layer must cover.
KNOWN: tuple[type[ops.MigrateOperation], ...] = (
    ops.CreateTableOp,
    ops.DropTableOp,
    ops.RenameTableOp,
    ops.AddColumnOp,
    ops.DropColumnOp,
    ops.AlterColumnOp,
    ops.CreateIndexOp,
    ops.DropIndexOp,
    ops.CreatePrimaryKeyOp,
    ops.CreateUniqueConstraintOp,
    ops.CreateCheckConstraintOp,
    ops.CreateForeignKeyOp,
    ops.DropConstraintOp,
    ops.CreateTableCommentOp,
    ops.DropTableCommentOp,
    ops.BulkInsertOp,
)


class OperationTable(Generic[H]):
    """Handlers of one layer (`role`), keyed by Alembic operation class."""

    def __init__(self, role: str) -> None:
        self.role = role
        self._handlers: dict[type, H] = {}
        self._resolved: dict[type, H | None] = {}

    def register(self, *kinds: type[ops.MigrateOperation]) -> Callable[[H], H]:
        """Decorator: `handler` handles operations of these classes."""

        def add(handler: H) -> H:
            for kind in kinds:
                if kind in self._handlers:
                    raise ValueError(f"{self.role}: {kind.__name__} registered twice")
                self._handlers[kind] = handler
            self._resolved.clear()
            return handler

        return add

    def handler(self, operation: object) -> H | None:
        """The handler for this operation (its class or the nearest base), or None."""
        kind = type(operation)
        if kind not in self._resolved:
            self._resolved[kind] = next(
                (self._handlers[c] for c in kind.__mro__ if c in self._handlers), None
            )
        return self._resolved[kind]

    def kinds(self) -> Iterator[type]:
        """The operation classes registered, in registration order."""
        return iter(self._handlers)
