"""Helpers the rule checks share: the table an operation or statement acts on, existing
tables, batch blocks that recreate their table."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlglot import exp

from sqlgen.captured import BatchFlush
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


# --- batch blocks that move and copy their table ----------------------------------------


@dataclass(frozen=True)
class Rebuild:
    """A batch block that recreated its table: CREATE _alembic_tmp_t, copy, DROP t, rename.

    `calls` are the block's operations (indexes into the step's calls; empty when
    they are not known); `drop` indexes the DROP TABLE among the step's statements.
    """

    table: str
    schema: str | None
    line: int | None
    calls: range
    drop: int


def _batch_blocks(view: StepView) -> dict[str, list[range]]:
    """The calls of each batch block, by table, in order.

    A block's operations are collected, not applied, until it ends: they are
    consecutive batch calls on one table that all saw the same model of it.
    """
    blocks: dict[str, list[range]] = {}
    previous: tuple[str, int] | None = None  # (table, id of table_before) of the last one
    for index, call in view.calls():
        if call.batch_table is None:
            continue  # op.* inside a block runs at once: it does not end the block
        key = (call.batch_table, id(call.table_before))
        ranges = blocks.setdefault(call.batch_table, [])
        if key == previous:
            ranges[-1] = range(ranges[-1].start, index + 1)
        else:
            ranges.append(range(index, index + 1))
        previous = key
    return blocks


def rebuilds(view: StepView) -> list[Rebuild]:
    """The batch blocks of the step that moved and copied their table, in order."""
    flushes: dict[int, tuple[BatchFlush, list[int]]] = {}
    for position, statement in enumerate(view.statements):
        flush = statement.item.operation
        if isinstance(flush, BatchFlush):
            flushes.setdefault(id(flush), (flush, []))[1].append(position)
    blocks = _batch_blocks(view)
    taken: dict[str, int] = {}
    found = []
    end = len(view.capture.calls)
    for flush, positions in flushes.values():
        number = taken.get(flush.table, 0)
        taken[flush.table] = number + 1
        ranges = blocks.get(flush.table, [])
        calls = ranges[number] if number < len(ranges) else range(end, end)
        for position in positions:
            statement = view.statements[position]
            expression = statement.expression
            if not (isinstance(expression, exp.Drop) and _kind(expression) == "TABLE"):
                continue
            dropped = [_table_of(t) for t in expression.args.get("tables") or []]
            match = [(n, s) for n, s in dropped if n and n.lower() == flush.table.lower()]
            if match:
                name, schema = match[0]
                found.append(Rebuild(name, schema, statement.item.line, calls, position))
                break
    return found
