"""An index created on an existing table without CONCURRENTLY, on PostgreSQL:
`op.create_index()` without `postgresql_concurrently=True`, or `CREATE INDEX` in
SQL the migration writes itself.

A plain CREATE INDEX blocks every INSERT, UPDATE and DELETE on the table until
the index is built, which on a large table takes a while. CONCURRENTLY builds it
without blocking writes, and must run outside a transaction (SG203). An index on
a table created earlier in the same revision is not reported: that table is
empty.

```python
def upgrade():
    op.create_index("ix_orders_placed_at", "orders", ["placed_at"])  # SG201

def upgrade():  # instead
    with op.get_context().autocommit_block():
        op.create_index(
            "ix_orders_placed_at", "orders", ["placed_at"], postgresql_concurrently=True
        )
```
"""

from __future__ import annotations

from collections.abc import Iterator

from alembic.operations import ops
from sqlglot import exp

from sqlgen.lint.model import Hit, Rule, Severity, StepView
from sqlgen.lint.rules.helpers import (
    POSTGRESQL,
    calls_on_existing_tables,
    has_option,
    kind_of,
    qualified,
    sql_on_existing_table,
)

RULE = Rule(
    id="SG201",
    severity=Severity.WARNING,
    dialects=POSTGRESQL,
    message="CREATE INDEX blocks every write to the table until the index is built",
    hint="Pass postgresql_concurrently=True, inside `with op.get_context().autocommit_block():`.",
    title="Index created without CONCURRENTLY",
    operations=(ops.CreateIndexOp,),
    docs=__doc__,
)


def check(view: StepView) -> Iterator[Hit]:
    for _, call in calls_on_existing_tables(view, ops.CreateIndexOp):
        operation = call.operation
        if not has_option(operation, "postgresql_concurrently"):
            table = qualified(operation.table_name, operation.schema)
            yield Hit(call.line, f"creates index {operation.index_name} on {table}")
    for statement in view.raw_statements():
        expression = statement.expression
        if (
            isinstance(expression, exp.Create)
            and kind_of(expression) == "INDEX"
            and not expression.args.get("concurrently")
        ):
            table = expression.this.args.get("table")
            if sql_on_existing_table(view, statement, table):
                name = expression.this.name
                yield Hit(statement.item.line, f"creates index {name} on {table.sql()}")
