"""Backward-incompatible changes: renames, NOT NULL columns without a default."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from alembic.operations import ops
from sqlalchemy import Column
from sqlglot import exp

from sqlgen.lint.model import (
    Hit,
    StepView,
)
from sqlgen.lint.rules.common import (
    _alter_actions,
    _column_constraints,
    _existing,
    _raw_existing,
    _table_of,
    qualified,
)

# --- backward-incompatible ------------------------------------------------------------


def rename_table(view: StepView) -> Iterator[Hit]:
    for index, call in view.calls():
        operation = call.operation
        if isinstance(operation, ops.RenameTableOp) and _existing(view, index, operation):
            old = qualified(operation.table_name, operation.schema)
            yield Hit(call.line, f"renames table {old} to {operation.new_table_name}")
    for statement in view.raw_statements():
        expression = statement.expression
        for action in _alter_actions(expression):
            if isinstance(action, exp.AlterRename) and _raw_existing(
                view, statement, expression.this
            ):
                # only the old name: sqlglot reads PostgreSQL's `RENAME a TO b` (a column,
                # without the COLUMN keyword) as a table rename, so the target may be wrong
                yield Hit(
                    statement.item.line, f"renames table {qualified(*_table_of(expression.this))}"
                )


def rename_column(view: StepView) -> Iterator[Hit]:
    for index, call in view.calls():
        operation = call.operation
        if (
            isinstance(operation, ops.AlterColumnOp)
            and operation.modify_name is not None
            and _existing(view, index, operation)
        ):
            table = qualified(operation.table_name, operation.schema)
            yield Hit(
                call.line,
                f"renames column {table}.{operation.column_name} to {operation.modify_name}",
            )
    for statement in view.raw_statements():
        expression = statement.expression
        for action in _alter_actions(expression):
            if isinstance(action, exp.RenameColumn) and _raw_existing(
                view, statement, expression.this
            ):
                table = qualified(*_table_of(expression.this))
                old, new = action.this.name, action.args["to"].name
                yield Hit(statement.item.line, f"renames column {table}.{old} to {new}")


def _fills_itself(column: Column[Any]) -> bool:
    return (
        column.server_default is not None
        or column.identity is not None
        or (column.computed is not None)
    )


def not_null_without_default(view: StepView) -> Iterator[Hit]:
    for index, call in view.calls():
        operation = call.operation
        if (
            isinstance(operation, ops.AddColumnOp)
            and not operation.column.nullable
            and not _fills_itself(operation.column)
            and _existing(view, index, operation)
        ):
            table = qualified(operation.table_name, operation.schema)
            yield Hit(call.line, f"adds NOT NULL column {table}.{operation.column.name}")
    for statement in view.raw_statements():
        expression = statement.expression
        for action in _alter_actions(expression):
            if not isinstance(action, exp.ColumnDef):
                continue
            constraints = _column_constraints(action)
            not_null = any(
                isinstance(c, exp.NotNullColumnConstraint) and not c.args.get("allow_null")
                for c in constraints
            )
            fills = any(isinstance(c, _SELF_FILLING) for c in constraints)
            if not_null and not fills and _raw_existing(view, statement, expression.this):
                table = qualified(*_table_of(expression.this))
                yield Hit(statement.item.line, f"adds NOT NULL column {table}.{action.name}")


_SELF_FILLING = (
    exp.DefaultColumnConstraint,
    exp.GeneratedAsIdentityColumnConstraint,
    exp.ComputedColumnConstraint,
    exp.AutoIncrementColumnConstraint,
)
