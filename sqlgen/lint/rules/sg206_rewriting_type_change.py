"""A column type change that rewrites the table, on PostgreSQL:
`op.alter_column(..., type_=...)`, or `ALTER COLUMN ... TYPE` in SQL the migration
writes itself.

Changing a column's type rewrites the whole table and rebuilds its indexes under
an ACCESS EXCLUSIVE lock, unless PostgreSQL knows the old and new types to be
binary coercible. Only such changes are not reported: to the same type,
VARCHAR(n) to VARCHAR(m) with m >= n, and VARCHAR or TEXT to TEXT or to VARCHAR
without a length. The old type is the one the migration gives as
`existing_type`, else the one sqlgen's schema model has; when neither is known
(and in raw SQL, always) the change cannot be shown to be safe, so it is reported.

```python
def upgrade():
    op.alter_column("orders", "total", type_=sa.Numeric(12, 2),
                    existing_type=sa.Integer())  # SG206
    op.alter_column("users", "name", type_=sa.String(100),
                    existing_type=sa.String(50))  # not reported: widening
```
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from alembic.operations import ops
from sqlglot import exp

from sqlgen.lint.model import Hit, Rule, Severity, StepView
from sqlgen.lint.rules.helpers import (
    POSTGRESQL,
    POSTGRESQL_DIALECT,
    alter_actions_on_existing_tables,
    calls_on_existing_tables,
    qualified,
)
from sqlgen.pipeline.captured import OperationCall

RULE = Rule(
    id="SG206",
    severity=Severity.WARNING,
    dialects=POSTGRESQL,
    message="the table and its indexes are rewritten under an ACCESS EXCLUSIVE lock",
    hint="Add a new column, backfill it in batches and switch over; widening a VARCHAR "
    "or changing it to TEXT does not rewrite.",
    title="Type change rewrites the table",
    operations=(ops.AlterColumnOp,),
    docs=__doc__,
)


def _postgresql_type(type_: Any) -> exp.DataType | None:
    """A SQLAlchemy type as PostgreSQL spells it, parsed; None when that fails."""
    try:
        sql = type_.compile(dialect=POSTGRESQL_DIALECT)
        return exp.DataType.build(sql, dialect="postgres")
    except Exception:  # an unusual type: treat the change as unknown, hence rewriting
        return None


def _length(data_type: exp.DataType) -> int | None:
    params = data_type.expressions
    if not params:
        return None
    try:
        return int(params[0].name)
    except ValueError:
        return None


_UNBOUNDED_TEXT = {exp.DataType.Type.TEXT}
_VARCHAR = {exp.DataType.Type.VARCHAR}


def rewrites_table(old: Any, new: Any) -> bool:
    """Whether changing a column from SQLAlchemy type `old` to `new` rewrites the table.

    Only changes PostgreSQL documents as binary coercible count as safe: VARCHAR(n)
    to VARCHAR(m >= n), to unbounded VARCHAR or to TEXT. Anything unknown rewrites.
    """
    if old is None:
        return True
    before, after = _postgresql_type(old), _postgresql_type(new)
    if before is None or after is None:
        return True
    if before == after:
        return False
    if before.this in _VARCHAR | _UNBOUNDED_TEXT and after.this in _UNBOUNDED_TEXT:
        return False
    if before.this in _VARCHAR | _UNBOUNDED_TEXT and after.this in _VARCHAR:
        new_length = _length(after)
        if new_length is None:
            return False
        old_length = _length(before) if before.this in _VARCHAR else None
        return old_length is None or new_length < old_length
    return True


def _type_sql(type_: Any) -> str:
    data_type = _postgresql_type(type_) if type_ is not None else None
    return data_type.sql(dialect="postgres") if data_type is not None else "?"


def _type_before(call: OperationCall) -> Any:
    """The column's type before the call: as the migration says, else as the model has it."""
    operation = call.operation
    if operation.existing_type is not None:
        return operation.existing_type
    column = call.table_before.column(operation.column_name) if call.table_before else None
    return column.type if column is not None else None


def check(view: StepView) -> Iterator[Hit]:
    for _, call in calls_on_existing_tables(view, ops.AlterColumnOp):
        operation = call.operation
        if operation.modify_type is None:
            continue
        before = _type_before(call)
        if rewrites_table(before, operation.modify_type):
            table = qualified(operation.table_name, operation.schema)
            change = f"{_type_sql(before)} to {_type_sql(operation.modify_type)}"
            if before is None:
                change += " (the old type is not known, so it cannot be shown to be safe)"
            elif operation.existing_type is None:
                change += " (no existing_type given; the old type is sqlgen's schema model's)"
            yield Hit(call.line, f"changes {table}.{operation.column_name} from {change}")
    for statement, action, table in alter_actions_on_existing_tables(view, exp.AlterColumn):
        if action.args.get("dtype") is not None:
            new = action.args["dtype"].sql(dialect="postgres")
            yield Hit(
                statement.item.line,
                f"changes the type of {table}.{action.name} to {new} "
                "(the old type is not known, so it cannot be shown to be safe)",
            )
