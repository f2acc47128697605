"""`CREATE INDEX CONCURRENTLY` or `DROP INDEX CONCURRENTLY` inside a transaction, on
PostgreSQL, whoever wrote it: `op.create_index(..., postgresql_concurrently=True)`
outside an autocommit block fails just as hand-written SQL does.

PostgreSQL refuses CONCURRENTLY inside a transaction block, and on PostgreSQL
Alembic runs migrations inside one: the script stops with an error there.
`op.get_context().autocommit_block()` commits first and runs its body outside
the transaction.

```python
def upgrade():
    op.create_index("ix_orders_user_id", "orders", ["user_id"],
                    postgresql_concurrently=True)  # SG203: inside the transaction

def upgrade():  # instead
    with op.get_context().autocommit_block():
        op.create_index("ix_orders_user_id", "orders", ["user_id"],
                        postgresql_concurrently=True)
```
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlglot import exp

from sqlgen.lint.model import Hit, Rule, Severity, StepView
from sqlgen.lint.rules.helpers import POSTGRESQL, kind_of

RULE = Rule(
    id="SG203",
    severity=Severity.ERROR,
    dialects=POSTGRESQL,
    message="PostgreSQL refuses CONCURRENTLY inside a transaction block: the script fails here",
    hint="Run the operation inside `with op.get_context().autocommit_block():`.",
    title="CONCURRENTLY inside a transaction",
    docs=__doc__,
)


def check(view: StepView) -> Iterator[Hit]:
    # every statement, whoever wrote it: op.create_index(postgresql_concurrently=True)
    # outside an autocommit_block() fails just like hand-written SQL
    for statement in view.statements:
        expression = statement.expression
        if (
            isinstance(expression, exp.Create | exp.Drop)
            and expression.args.get("concurrently")
            and statement.in_transaction
        ):
            what = f"{type(expression).__name__.upper()} {kind_of(expression)} CONCURRENTLY"
            yield Hit(statement.item.line, f"runs {what} inside a transaction")
