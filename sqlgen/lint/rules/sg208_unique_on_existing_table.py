"""A unique constraint or unique index added to an existing table, on PostgreSQL:
`op.create_unique_constraint()`, `op.create_index(..., unique=True)` (CONCURRENTLY
or not), or the same in SQL the migration writes itself.

The unique index is built from every existing row, and if any two rows already
share a value the migration fails there. Remove duplicates first; then build
the index with `CREATE UNIQUE INDEX CONCURRENTLY` and make it the constraint with
`ADD CONSTRAINT ... UNIQUE USING INDEX`.

```python
def upgrade():
    op.create_unique_constraint("uq_users_email", "users", ["email"])  # SG208
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
    kind_of,
    operation_table,
    qualified,
    sql_on_existing_table,
)

RULE = Rule(
    id="SG208",
    severity=Severity.WARNING,
    dialects=POSTGRESQL,
    message="the unique index is built from every row, and the migration fails if "
    "existing rows have duplicates",
    hint="Remove duplicates first; CREATE UNIQUE INDEX CONCURRENTLY, then "
    "ADD CONSTRAINT ... UNIQUE USING INDEX.",
    title="Unique constraint on an existing table",
    operations=(ops.CreateUniqueConstraintOp, ops.CreateIndexOp),
    docs=__doc__,
)


def check(view: StepView) -> Iterator[Hit]:
    kinds = (ops.CreateUniqueConstraintOp, ops.CreateIndexOp)
    for _, call in calls_on_existing_tables(view, *kinds):
        operation = call.operation
        table = qualified(*operation_table(operation))
        if isinstance(operation, ops.CreateUniqueConstraintOp):
            name = operation.constraint_name or "(unnamed)"
            yield Hit(call.line, f"adds unique constraint {name} to {table}")
        elif operation.unique:  # concurrently or not: duplicates still make it fail
            yield Hit(call.line, f"creates unique index {operation.index_name} on {table}")
    for statement in view.raw_statements():
        expression = statement.expression
        if isinstance(expression, exp.Create) and kind_of(expression) == "INDEX":
            table = expression.this.args.get("table")
            if expression.args.get("unique") and sql_on_existing_table(view, statement, table):
                name = expression.this.name
                yield Hit(statement.item.line, f"creates unique index {name} on {table.sql()}")
    for statement, action, table_name in alter_actions_on_existing_tables(view, exp.AddConstraint):
        if action.find(exp.UniqueColumnConstraint) is not None:
            yield Hit(statement.item.line, f"adds a unique constraint to {table_name}")
