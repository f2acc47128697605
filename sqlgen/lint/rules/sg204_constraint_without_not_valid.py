"""A foreign key or check constraint added to an existing table without NOT VALID,
on PostgreSQL: `op.create_foreign_key()` or `op.create_check_constraint()` without
`postgresql_not_valid=True`, `op.add_column()` of a column with a `ForeignKey`
(its constraint is always validated at once), or `ALTER TABLE ... ADD CONSTRAINT`
in SQL the migration writes itself.

Adding the constraint checks every existing row while writes to the table are
blocked. Added NOT VALID, it only applies to new rows; `VALIDATE CONSTRAINT` in a
later migration then checks the old ones under a lock that lets writes through.

```python
def upgrade():
    op.create_foreign_key("fk_orders_user", "orders", "users",
                          ["user_id"], ["id"])  # SG204

def upgrade():  # instead
    op.create_foreign_key("fk_orders_user", "orders", "users",
                          ["user_id"], ["id"], postgresql_not_valid=True)
    # and in a later migration:
    # op.execute("ALTER TABLE orders VALIDATE CONSTRAINT fk_orders_user")
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
    has_option,
    operation_table,
    qualified,
)

RULE = Rule(
    id="SG204",
    severity=Severity.WARNING,
    dialects=POSTGRESQL,
    message="every existing row is checked while writes to the table are blocked",
    hint="Add it with postgresql_not_valid=True, then VALIDATE CONSTRAINT in a later "
    "migration (that only takes a SHARE UPDATE EXCLUSIVE lock).",
    title="Constraint validated under lock",
    operations=(ops.CreateForeignKeyOp, ops.CreateCheckConstraintOp, ops.AddColumnOp),
    docs=__doc__,
)


def check(view: StepView) -> Iterator[Hit]:
    kinds = (ops.CreateForeignKeyOp, ops.CreateCheckConstraintOp, ops.AddColumnOp)
    for _, call in calls_on_existing_tables(view, *kinds):
        operation = call.operation
        table = qualified(*operation_table(operation))
        if isinstance(operation, ops.AddColumnOp):
            # a column declared with a ForeignKey gets its constraint at once, never NOT VALID
            if operation.column.foreign_keys:
                column = operation.column.name
                yield Hit(call.line, f"adds column {table}.{column} with a foreign key")
        elif not has_option(operation, "postgresql_not_valid"):
            kind = "foreign key" if isinstance(operation, ops.CreateForeignKeyOp) else "check"
            name = operation.constraint_name or "(unnamed)"
            yield Hit(call.line, f"adds {kind} constraint {name} to {table}")
    for statement, action, table in alter_actions_on_existing_tables(view, exp.AddConstraint):
        checked = action.find(exp.ForeignKey, exp.CheckColumnConstraint)
        if checked is not None and not statement.expression.args.get("not_valid"):
            kind = "foreign key" if isinstance(checked, exp.ForeignKey) else "check"
            yield Hit(statement.item.line, f"adds {kind} constraint to {table}")
