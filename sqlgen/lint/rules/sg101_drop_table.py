"""A table dropped by an upgrade: `op.drop_table()`, or `DROP TABLE` in SQL the
migration writes itself.

The table and every row in it are gone, and code still using the table fails
as soon as the upgrade runs. A downgrade that creates the table again brings back
an empty one. Drops in a downgrade are SG105's.

```python
def upgrade():
    op.drop_table("legacy_orders")  # SG101
```
"""

from __future__ import annotations

from collections.abc import Iterator

from alembic.operations import ops
from sqlglot import exp

from sqlgen.lint.model import UPGRADE_ONLY, Hit, Rule, Severity, StepView
from sqlgen.lint.rules.helpers import kind_of, qualified, table_of

RULE = Rule(
    id="SG101",
    severity=Severity.ERROR,
    dialects=None,
    message="the table and every row in it are deleted",
    hint="Stop using the table first and drop it in a later release, with a backup; "
    "then suppress with a reason.",
    title="Table dropped",
    directions=UPGRADE_ONLY,  # a downgrade's drops are SG105
    operations=(ops.DropTableOp,),
    docs=__doc__,
)


def check(view: StepView) -> Iterator[Hit]:
    for _, call in view.calls():
        operation = call.operation
        if isinstance(operation, ops.DropTableOp):
            yield Hit(call.line, f"drops table {qualified(operation.table_name, operation.schema)}")
    for statement in view.raw_statements():
        expression = statement.expression
        if isinstance(expression, exp.Drop) and kind_of(expression) == "TABLE":
            for table in expression.args.get("tables") or []:
                yield Hit(statement.item.line, f"drops table {qualified(*table_of(table))}")
