"""An index dropped without CONCURRENTLY, on PostgreSQL: `op.drop_index()` without
`postgresql_concurrently=True`, or `DROP INDEX` in SQL the migration writes itself.

DROP INDEX takes an ACCESS EXCLUSIVE lock on the table: every query on it, reads
included, waits until the drop is done, and behind a long-running query that
can be a long time. Not reported for an index of a table the same revision
created, or drops later on (that lock is taken anyway).

```python
def upgrade():
    op.drop_index("ix_orders_legacy", table_name="orders")  # SG202

def upgrade():  # instead
    with op.get_context().autocommit_block():
        op.drop_index("ix_orders_legacy", table_name="orders", postgresql_concurrently=True)
```
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from alembic.operations import ops
from sqlglot import exp

from sqlgen.lint.model import Hit, Rule, Severity, StepView
from sqlgen.lint.rules.helpers import (
    POSTGRESQL,
    calls_on_existing_tables,
    has_option,
    kind_of,
    operation_table,
)

RULE = Rule(
    id="SG202",
    severity=Severity.WARNING,
    dialects=POSTGRESQL,
    message="DROP INDEX takes an ACCESS EXCLUSIVE lock: every read and write of the table waits",
    hint="Pass postgresql_concurrently=True, inside `with op.get_context().autocommit_block():`.",
    title="Index dropped without CONCURRENTLY",
    operations=(ops.DropIndexOp, ops.DropTableOp),
    docs=__doc__,
)


def _table_dropped_later(view: StepView, index: int, operation: Any) -> bool:
    """Whether the step drops the operation's table after it (its lock is taken anyway)."""
    table, schema = operation_table(operation)
    return any(
        isinstance(call.operation, ops.DropTableOp)
        and (call.operation.table_name, call.operation.schema) == (table, schema)
        for call in view.capture.calls[index + 1 :]
    )


def check(view: StepView) -> Iterator[Hit]:
    for index, call in calls_on_existing_tables(view, ops.DropIndexOp):
        operation = call.operation
        if not has_option(operation, "postgresql_concurrently") and not _table_dropped_later(
            view, index, operation
        ):
            yield Hit(call.line, f"drops index {operation.index_name}")
    for statement in view.raw_statements():
        expression = statement.expression
        if (
            isinstance(expression, exp.Drop)
            and kind_of(expression) == "INDEX"
            and not expression.args.get("concurrently")
        ):
            names = ", ".join(t.sql() for t in expression.args.get("tables") or [])
            yield Hit(statement.item.line, f"drops index {names}")
