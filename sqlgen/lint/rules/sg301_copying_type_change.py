"""A column type change on an existing table, on MySQL and MariaDB:
`op.alter_column(..., type_=...)`, or `ALTER TABLE ... ALTER COLUMN ... TYPE` in
SQL the migration writes itself.

MySQL changes a column's type by copying the whole table, and writes to it wait
until the copy is done. In raw SQL only an explicit `ALTER COLUMN ... TYPE`
counts: `MODIFY` and `CHANGE` restate the column's type, and whether it changes
is not known from the SQL alone.

```python
def upgrade():
    op.alter_column("orders", "total", type_=sa.Numeric(12, 2),
                    existing_type=sa.Integer())  # SG301
```
"""

from __future__ import annotations

from collections.abc import Iterator

from alembic.operations import ops
from sqlglot import exp

from sqlgen.lint.model import Hit, Rule, Severity, StepView
from sqlgen.lint.rules.helpers import (
    MYSQL_FAMILY,
    alter_actions_on_existing_tables,
    calls_on_existing_tables,
    qualified,
)

RULE = Rule(
    id="SG301",
    severity=Severity.WARNING,
    dialects=MYSQL_FAMILY,
    message="MySQL changes a column's type by copying the whole table; "
    "writes wait until it is done",
    hint="Use an online schema change tool (gh-ost, pt-online-schema-change) or a "
    "maintenance window.",
    title="Type change copies the table",
    operations=(ops.AlterColumnOp,),
    docs=__doc__,
)


def check(view: StepView) -> Iterator[Hit]:
    for _, call in calls_on_existing_tables(view, ops.AlterColumnOp):
        operation = call.operation
        if operation.modify_type is not None:
            table = qualified(operation.table_name, operation.schema)
            yield Hit(call.line, f"changes the type of {table}.{operation.column_name}")
    for statement, action, table in alter_actions_on_existing_tables(view, exp.AlterColumn):
        # MODIFY / CHANGE restate the column's type: whether it changes is not known
        # from the SQL alone, so only an explicit ALTER COLUMN ... TYPE counts
        if action.args.get("dtype") is not None:
            yield Hit(statement.item.line, f"changes the type of {table}.{action.name}")
