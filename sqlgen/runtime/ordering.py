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

from sqlalchemy.util import OrderedSet

from sqlgen.runtime.internals import (
    batch_grab_table_elements,
    creation_order,
    set_batch_grab_table_elements,
)


def _in_creation_order(table: Any) -> None:
    table.constraints = OrderedSet(sorted(table.constraints, key=creation_order))
    table.indexes = OrderedSet(sorted(table.indexes, key=creation_order))
    for column in table.columns:
        column.constraints = OrderedSet(sorted(column.constraints, key=creation_order))


@contextmanager
def deterministic_batch() -> Iterator[None]:
    original: Callable[[Any], None] = batch_grab_table_elements()

    def grab_in_order(self: Any) -> None:
        _in_creation_order(self.table)
        original(self)

    set_batch_grab_table_elements(grab_in_order)
    try:
        yield
    finally:
        set_batch_grab_table_elements(original)
