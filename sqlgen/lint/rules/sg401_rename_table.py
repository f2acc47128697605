"""An existing table renamed: `op.rename_table()`, or `ALTER TABLE ... RENAME` in SQL
the migration writes itself.

Application code still using the old name fails as soon as the rename runs, and
during a deployment the running code is the old code. A rename in raw SQL is
reported with the old name only: sqlglot reads PostgreSQL's `ALTER TABLE t
RENAME a TO b` (a column, without the COLUMN keyword) as a table rename.

```python
def upgrade():
    op.rename_table("customer", "customers")  # SG401
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
    id="SG401",
    severity=Severity.WARNING,
    dialects=None,
    message="code still using the old name fails as soon as this runs",
    hint="Move the application to the new name first (e.g. through a view with the old "
    "name), and remove the old name in a later release.",
    title="Table renamed",
    operations=(ops.RenameTableOp,),
    docs=__doc__,
)


def check(view: StepView) -> Iterator[Hit]:
    for _, call in calls_on_existing_tables(view, ops.RenameTableOp):
        operation = call.operation
        old = qualified(operation.table_name, operation.schema)
        yield Hit(call.line, f"renames table {old} to {operation.new_table_name}")
    for statement, _, table in alter_actions_on_existing_tables(view, exp.AlterRename):
        # only the old name: sqlglot reads PostgreSQL's `RENAME a TO b` (a column,
        # without the COLUMN keyword) as a table rename, so the target may be wrong
        yield Hit(statement.item.line, f"renames table {table}")
