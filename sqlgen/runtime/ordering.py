"""Making Alembic's batch mode independent of set iteration order.

`ApplyBatchImpl` copies a table's constraints and indexes by iterating
`Table.constraints` and `Table.indexes`, which are sets of objects hashed by
identity, so the order of the recreated table's constraints and of the
re-created indexes changes from run to run. While sqlgen renders, those sets
are replaced by ordered sets in creation order before Alembic reads them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from alembic.operations.batch import ApplyBatchImpl
from sqlalchemy.util import OrderedSet


def _creation_order(item: Any) -> int:
    return int(getattr(item, "_creation_order", 0))


def _in_creation_order(table: Any) -> None:
    table.constraints = OrderedSet(sorted(table.constraints, key=_creation_order))
    table.indexes = OrderedSet(sorted(table.indexes, key=_creation_order))
    for column in table.columns:
        column.constraints = OrderedSet(sorted(column.constraints, key=_creation_order))


@contextmanager
def deterministic_batch() -> Iterator[None]:
    original: Callable[[Any], None] = ApplyBatchImpl._grab_table_elements

    def grab_in_order(self: Any) -> None:
        _in_creation_order(self.table)
        original(self)

    ApplyBatchImpl._grab_table_elements = grab_in_order  # type: ignore[method-assign]
    try:
        yield
    finally:
        ApplyBatchImpl._grab_table_elements = original  # type: ignore[method-assign,assignment]
