"""A column dropped by an upgrade: `op.drop_column()` (`batch_op.drop_column()` too),
or `ALTER TABLE ... DROP COLUMN` in SQL the migration writes itself.

The column's data is gone, and code still reading or writing the column fails
as soon as the upgrade runs: deployed application code usually still does.
Drops in a downgrade are SG105's.

```python
def upgrade():
    op.drop_column("accounts", "legacy_code")  # SG102
```
"""

from __future__ import annotations

from collections.abc import Iterator

from alembic.operations import ops
from sqlglot import exp

from sqlgen.lint.model import UPGRADE_ONLY, Hit, Rule, Severity, StepView
from sqlgen.lint.rules.helpers import alter_actions, kind_of, qualified, table_of

RULE = Rule(
    id="SG102",
    severity=Severity.ERROR,
    dialects=None,
    message="the column's data is deleted, and code still reading it fails",
    hint="Remove every use of the column in an earlier release, then drop it; "
    "then suppress with a reason.",
    title="Column dropped",
    directions=UPGRADE_ONLY,
    operations=(ops.DropColumnOp,),
    docs=__doc__,
)


def check(view: StepView) -> Iterator[Hit]:
    for _, call in view.calls():
        operation = call.operation
        if isinstance(operation, ops.DropColumnOp):
            table = qualified(operation.table_name, operation.schema)
            yield Hit(call.line, f"drops column {table}.{operation.column_name}")
    for statement in view.raw_statements():
        expression, line = statement.expression, statement.item.line
        for action in alter_actions(expression):
            if isinstance(action, exp.Drop) and kind_of(action) == "COLUMN":
                table = qualified(*table_of(expression.this))
                for column in action.args.get("tables") or []:
                    yield Hit(line, f"drops column {table}.{column.name}")
