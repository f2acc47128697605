"""Destructive changes: dropped tables, columns, schemas; TRUNCATE; lossy downgrades."""

from __future__ import annotations

from collections.abc import Iterator

from alembic.operations import ops
from sqlglot import exp

from sqlgen.lint.model import (
    Hit,
    StepView,
)
from sqlgen.lint.rules.common import _alter_actions, _kind, _table_of, qualified

# --- destructive ----------------------------------------------------------------------


def _dropped(view: StepView, *, tables: bool, columns: bool) -> Iterator[Hit]:
    for _, call in view.calls():
        operation = call.operation
        if tables and isinstance(operation, ops.DropTableOp):
            yield Hit(call.line, f"drops table {qualified(operation.table_name, operation.schema)}")
        if columns and isinstance(operation, ops.DropColumnOp):
            table = qualified(operation.table_name, operation.schema)
            yield Hit(call.line, f"drops column {table}.{operation.column_name}")
    for statement in view.raw_statements():
        expression, line = statement.expression, statement.item.line
        if tables and isinstance(expression, exp.Drop) and _kind(expression) == "TABLE":
            for table in expression.args.get("tables") or []:
                yield Hit(line, f"drops table {qualified(*_table_of(table))}")
        for action in _alter_actions(expression) if columns else []:
            if isinstance(action, exp.Drop) and _kind(action) == "COLUMN":
                table = qualified(*_table_of(expression.this))
                for column in action.args.get("tables") or []:
                    yield Hit(line, f"drops column {table}.{column.name}")


def drop_table(view: StepView) -> Iterator[Hit]:
    return _dropped(view, tables=True, columns=False)


def drop_column(view: StepView) -> Iterator[Hit]:
    return _dropped(view, tables=False, columns=True)


def downgrade_drops(view: StepView) -> Iterator[Hit]:
    return _dropped(view, tables=True, columns=True)


def drop_schema(view: StepView) -> Iterator[Hit]:
    for statement in view.statements:
        expression = statement.expression
        if isinstance(expression, exp.Drop) and _kind(expression) in {"SCHEMA", "DATABASE"}:
            names = ", ".join(t.sql() for t in expression.args.get("tables") or [])
            yield Hit(statement.item.line, f"drops {_kind(expression).lower()} {names}")


def truncate(view: StepView) -> Iterator[Hit]:
    for statement in view.statements:
        expression = statement.expression
        if isinstance(expression, exp.TruncateTable):
            names = ", ".join(qualified(*_table_of(t)) for t in expression.expressions)
            yield Hit(statement.item.line, f"truncates {names}")
