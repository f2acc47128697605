"""Locking on MySQL and MariaDB: column type changes copy the table."""

from __future__ import annotations

from collections.abc import Iterator

from alembic.operations import ops
from sqlglot import exp

from sqlgen.lint.model import (
    Hit,
    StepView,
)
from sqlgen.lint.rules.common import _alter_actions, _existing, _raw_existing, _table_of, qualified

# --- locking on MySQL / MariaDB -------------------------------------------------------


def copying_type_change(view: StepView) -> Iterator[Hit]:
    for index, call in view.calls():
        operation = call.operation
        if (
            isinstance(operation, ops.AlterColumnOp)
            and operation.modify_type is not None
            and _existing(view, index, operation)
        ):
            table = qualified(operation.table_name, operation.schema)
            yield Hit(call.line, f"changes the type of {table}.{operation.column_name}")
    for statement in view.raw_statements():
        expression = statement.expression
        for action in _alter_actions(expression):
            # MODIFY / CHANGE restate the column's type: whether it changes is not known
            # from the SQL alone, so only an explicit ALTER COLUMN ... TYPE counts
            if (
                isinstance(action, exp.AlterColumn)
                and action.args.get("dtype") is not None
                and _raw_existing(view, statement, expression.this)
            ):
                table = qualified(*_table_of(expression.this))
                yield Hit(statement.item.line, f"changes the type of {table}.{action.name}")
