"""A column of an existing table made NOT NULL, on PostgreSQL:
`op.alter_column(..., nullable=False)`, or `ALTER COLUMN ... SET NOT NULL` in SQL
the migration writes itself.

SET NOT NULL reads the whole table to check that no row is NULL, under an ACCESS
EXCLUSIVE lock: nothing reads or writes the table meanwhile. From PostgreSQL 12 a
validated `CHECK (column IS NOT NULL)` constraint lets it skip that scan.

```python
def upgrade():
    op.alter_column("orders", "placed_at", nullable=False)  # SG205
```
"""

from __future__ import annotations

from collections.abc import Iterator

from alembic.operations import ops
from sqlglot import exp

from sqlgen.lint.model import Hit, Rule, Severity, StepView
from sqlgen.lint.rules.helpers import (
    POSTGRESQL,
    alter_actions_on_existing_tables,
    calls_on_existing_tables,
    qualified,
)

RULE = Rule(
    id="SG205",
    severity=Severity.WARNING,
    dialects=POSTGRESQL,
    message="SET NOT NULL scans the whole table under an ACCESS EXCLUSIVE lock",
    hint="Add CHECK (column IS NOT NULL) NOT VALID, VALIDATE it, then SET NOT NULL "
    "(PostgreSQL 12+ then skips the scan) and drop the check.",
    title="SET NOT NULL on an existing column",
    operations=(ops.AlterColumnOp,),
    docs=__doc__,
)


def check(view: StepView) -> Iterator[Hit]:
    for _, call in calls_on_existing_tables(view, ops.AlterColumnOp):
        operation = call.operation
        if operation.modify_nullable is False:
            table = qualified(operation.table_name, operation.schema)
            yield Hit(call.line, f"sets {table}.{operation.column_name} NOT NULL")
    for statement, action, table in alter_actions_on_existing_tables(view, exp.AlterColumn):
        if action.args.get("allow_null") is False:
            yield Hit(statement.item.line, f"sets {table}.{action.name} NOT NULL")
