"""A NOT NULL column without a default added to an existing table: `op.add_column()`
of a `nullable=False` column with no `server_default`, identity or computed value,
or the same in SQL the migration writes itself.

Adding it fails on a table that has rows: they would hold NULL. And once it is
added, inserts from code that does not know the column yet fail.

```python
def upgrade():
    op.add_column("orders", sa.Column("currency", sa.String(3), nullable=False))  # SG403

def upgrade():  # instead
    op.add_column("orders", sa.Column("currency", sa.String(3), nullable=False,
                                      server_default="EUR"))
```
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from alembic.operations import ops
from sqlalchemy import Column
from sqlglot import exp

from sqlgen.lint.model import Hit, Rule, Severity, StepView
from sqlgen.lint.rules.helpers import (
    alter_actions_on_existing_tables,
    calls_on_existing_tables,
    column_constraints,
    qualified,
)

RULE = Rule(
    id="SG403",
    severity=Severity.ERROR,
    dialects=None,
    message="adding it fails on a table that has rows, and inserts from code that does not "
    "know the column fail",
    hint="Add it nullable or with a server_default, backfill, then make it NOT NULL.",
    title="NOT NULL column without a default",
    operations=(ops.AddColumnOp,),
    docs=__doc__,
)

_SELF_FILLING = (
    exp.DefaultColumnConstraint,
    exp.GeneratedAsIdentityColumnConstraint,
    exp.ComputedColumnConstraint,
    exp.AutoIncrementColumnConstraint,
)


def _fills_itself(column: Column[Any]) -> bool:
    return (
        column.server_default is not None
        or column.identity is not None
        or (column.computed is not None)
    )


def check(view: StepView) -> Iterator[Hit]:
    for _, call in calls_on_existing_tables(view, ops.AddColumnOp):
        column = call.operation.column
        if not column.nullable and not _fills_itself(column):
            table = qualified(call.operation.table_name, call.operation.schema)
            yield Hit(call.line, f"adds NOT NULL column {table}.{column.name}")
    for statement, action, table in alter_actions_on_existing_tables(view, exp.ColumnDef):
        constraints = column_constraints(action)
        not_null = any(
            isinstance(c, exp.NotNullColumnConstraint) and not c.args.get("allow_null")
            for c in constraints
        )
        if not_null and not any(isinstance(c, _SELF_FILLING) for c in constraints):
            yield Hit(statement.item.line, f"adds NOT NULL column {table}.{action.name}")
