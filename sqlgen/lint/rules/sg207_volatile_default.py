"""A column added to an existing table with a value computed row by row, on
PostgreSQL: a volatile server default (`gen_random_uuid()`, `random()`,
`clock_timestamp()`, `nextval(...)`, ...), an identity, a generated column or a
`Sequence`, through `op.add_column()` or `ALTER TABLE ... ADD COLUMN` in SQL the
migration writes itself.

Since PostgreSQL 11 a column added with a constant default (or a STABLE one:
`now()`, `CURRENT_TIMESTAMP`) costs nothing: the value is stored once. A
volatile one gives every existing row a value of its own, so the whole table is
rewritten under an ACCESS EXCLUSIVE lock.

```python
def upgrade():
    op.add_column("orders", sa.Column(
        "public_id", sa.Uuid(), server_default=sa.text("gen_random_uuid()")))  # SG207
```
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sqlglot
from alembic.operations import ops
from sqlalchemy import Column, Sequence
from sqlalchemy.sql.elements import ClauseElement, TextClause
from sqlglot import exp
from sqlglot.errors import ParseError

from sqlgen.lint.model import Hit, Rule, Severity, StepView
from sqlgen.lint.rules.helpers import (
    POSTGRESQL,
    POSTGRESQL_DIALECT,
    alter_actions_on_existing_tables,
    calls_on_existing_tables,
    column_constraints,
    qualified,
)

RULE = Rule(
    id="SG207",
    severity=Severity.WARNING,
    dialects=POSTGRESQL,
    message="every existing row gets its own value: the table is rewritten under an "
    "ACCESS EXCLUSIVE lock",
    hint="Add the column without a default (or with a constant one), backfill it in "
    "batches, then set the default.",
    title="Added column with a volatile default",
    operations=(ops.AddColumnOp,),
    docs=__doc__,
)

# PostgreSQL functions marked VOLATILE that migrations use as defaults. now() and
# CURRENT_TIMESTAMP are STABLE: since PostgreSQL 11 they are evaluated once, no rewrite.
_VOLATILE_FUNCTIONS = frozenset(
    {
        "random",
        "random_normal",
        "clock_timestamp",
        "timeofday",
        "gen_random_uuid",
        "gen_random_bytes",
        "uuid_generate_v1",
        "uuid_generate_v1mc",
        "uuid_generate_v4",
        "uuidv4",
        "uuidv7",
        "nextval",
    }
)
# sqlglot parses some of them into typed nodes rather than anonymous functions
_VOLATILE_NODES: tuple[type[exp.Expr], ...] = (exp.Rand, exp.Uuid)


def volatile_call(expression: exp.Expr) -> str | None:
    """The first volatile function called in a parsed default, as written in PostgreSQL."""
    for function in expression.find_all(exp.Func):
        if isinstance(function, _VOLATILE_NODES) or (
            isinstance(function, exp.Anonymous) and function.name.lower() in _VOLATILE_FUNCTIONS
        ):
            return function.sql(dialect="postgres")
    return None


def _server_default_sql(column: Column[Any]) -> str | None:
    default = column.server_default
    argument = getattr(default, "arg", None)
    if isinstance(argument, TextClause):
        return argument.text
    if isinstance(argument, ClauseElement):
        compiled = argument.compile(
            dialect=POSTGRESQL_DIALECT, compile_kwargs={"literal_binds": True}
        )
        return str(compiled)
    return None  # none, or a plain string: a constant


def _volatile_default(column: Column[Any]) -> str | None:
    """What fills every existing row with its own value, if anything."""
    if column.identity is not None:
        return "an identity"
    if column.computed is not None:
        return "a generated value"
    if isinstance(column.default, Sequence):
        return f"nextval of sequence {column.default.name}"
    sql = _server_default_sql(column)
    if sql is None:
        return None
    try:
        parsed = sqlglot.parse_one(sql, read="postgres")
    except ParseError:
        return None
    call = volatile_call(parsed)
    return f"default {call}" if call else None


def _raw_volatile(column: exp.ColumnDef) -> str | None:
    for constraint in column_constraints(column):
        if isinstance(constraint, exp.GeneratedAsIdentityColumnConstraint):
            return "an identity"
        if isinstance(constraint, exp.DefaultColumnConstraint):
            call = volatile_call(constraint)
            if call:
                return f"default {call}"
    return None


def check(view: StepView) -> Iterator[Hit]:
    for _, call in calls_on_existing_tables(view, ops.AddColumnOp):
        operation = call.operation
        volatile = _volatile_default(operation.column)
        if volatile:
            table = qualified(operation.table_name, operation.schema)
            column = operation.column.name
            yield Hit(call.line, f"adds column {table}.{column} with {volatile}")
    for statement, action, table in alter_actions_on_existing_tables(view, exp.ColumnDef):
        volatile = _raw_volatile(action)
        if volatile:
            yield Hit(statement.item.line, f"adds column {table}.{action.name} with {volatile}")
