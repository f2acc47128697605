"""Helpers the rule checks share: the table an operation or statement acts on, existing tables."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from sqlglot import exp

from sqlgen.lint.model import (
    Hit,
    Statement,
    StepView,
)

Check = Callable[[StepView], Iterator[Hit]]


# --- helpers over operations and parsed statements ------------------------------------


def qualified(table: str | None, schema: str | None) -> str:
    name = table or "?"
    return f"{schema}.{name}" if schema else name


def _table_of(expression: exp.Expr | None) -> tuple[str | None, str | None]:
    """(table, schema) of a sqlglot Table node; (None, None) when it is something else."""
    if isinstance(expression, exp.Schema):  # CREATE TABLE t (...): the table is inside
        expression = expression.this
    if not isinstance(expression, exp.Table):
        return None, None
    return expression.name, expression.db or None


def _kind(expression: exp.Expr) -> str:
    return str(expression.args.get("kind") or "").upper()


def _alter_actions(expression: exp.Expr) -> list[exp.Expr]:
    """The actions of ALTER TABLE; [] for any other statement."""
    if not isinstance(expression, exp.Alter) or _kind(expression) != "TABLE":
        return []
    return list(expression.args.get("actions") or [])


def _column_constraints(column: exp.ColumnDef) -> list[exp.Expr]:
    return [c.args.get("kind") for c in column.args.get("constraints") or []]


def _op_table(operation: Any) -> tuple[str | None, str | None]:
    table = getattr(operation, "table_name", None) or getattr(operation, "source_table", None)
    schema = getattr(operation, "schema", None)
    if schema is None:
        schema = getattr(operation, "kw", {}).get("source_schema")
    return table, schema


def _existing(view: StepView, index: int, operation: Any) -> bool:
    table, schema = _op_table(operation)
    return view.existing_table(table, schema, index)


def _raw_existing(view: StepView, statement: Statement, table: exp.Expr | None) -> bool:
    name, schema = _table_of(table)
    return view.existing_table(name, schema, statement.call_index)


def _kw(operation: Any, name: str) -> bool:
    return bool(getattr(operation, "kw", {}).get(name))
