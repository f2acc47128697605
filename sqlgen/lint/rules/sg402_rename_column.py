"""A column of an existing table renamed: `op.alter_column(..., new_column_name=...)`,
or `ALTER TABLE ... RENAME COLUMN` in SQL the migration writes itself.

Application code still using the old name fails as soon as the rename runs, and
during a deployment the running code is the old code.

```python
def upgrade():
    op.alter_column("users", "mail", new_column_name="email")  # SG402
```
"""

from __future__ import annotations

from collections.abc import Iterator

from alembic.operations import ops
from sqlglot import exp

from sqlgen.lint.model import Hit, Rule, Severity, StepView
from sqlgen.lint.rules.helpers import (
    alter_actions_on_existing_tables,
    calls_on_existing_tables,
    qualified,
)

RULE = Rule(
    id="SG402",
    severity=Severity.WARNING,
    dialects=None,
    message="code still using the old name fails as soon as this runs",
    hint="Add the new column, write both, backfill, move reads over, and drop the old "
    "column in a later release.",
    title="Column renamed",
    operations=(ops.AlterColumnOp,),
    docs=__doc__,
)


def check(view: StepView) -> Iterator[Hit]:
    for _, call in calls_on_existing_tables(view, ops.AlterColumnOp):
        operation = call.operation
        if operation.modify_name is not None:
            table = qualified(operation.table_name, operation.schema)
            yield Hit(
                call.line,
                f"renames column {table}.{operation.column_name} to {operation.modify_name}",
            )
    for statement, action, table in alter_actions_on_existing_tables(view, exp.RenameColumn):
        old, new = action.this.name, action.args["to"].name
        yield Hit(statement.item.line, f"renames column {table}.{old} to {new}")
