"""What rule checks share: the table an operation or statement acts on, whether it
existed before, the parts of parsed statements, batch blocks that recreate their table.

Helpers only one rule needs live in that rule's module.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, cast

from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlglot import exp

from sqlgen.lint.model import Statement, StepView
from sqlgen.pipeline.captured import BatchFlush, OperationCall

if TYPE_CHECKING:
    from alembic.operations.ops import MigrateOperation

Action = TypeVar("Action", bound=exp.Expr)

# The dialect sets rules declare (`Rule.dialects`), by profile name
POSTGRESQL = frozenset({"postgresql"})
MYSQL_FAMILY = frozenset({"mysql", "mariadb"})
MSSQL = frozenset({"mssql"})
SQLITE = frozenset({"sqlite"})

# PostgreSQL's own spelling of SQLAlchemy types and defaults (its dialect is untyped)
POSTGRESQL_DIALECT: Dialect = cast(Any, postgresql.dialect)()


# --- names ----------------------------------------------------------------------------


def qualified(table: str | None, schema: str | None) -> str:
    name = table or "?"
    return f"{schema}.{name}" if schema else name


# --- parsed statements ----------------------------------------------------------------


def table_of(expression: exp.Expr | None) -> tuple[str | None, str | None]:
    """(table, schema) of a sqlglot Table node; (None, None) when it is something else."""
    if isinstance(expression, exp.Schema):  # CREATE TABLE t (...): the table is inside
        expression = expression.this
    if not isinstance(expression, exp.Table):
        return None, None
    return expression.name, expression.db or None


def kind_of(expression: exp.Expr) -> str:
    """What a CREATE, DROP or ALTER acts on, upper case: "TABLE", "INDEX", ...; "" if none."""
    return str(expression.args.get("kind") or "").upper()


def alter_actions(expression: exp.Expr) -> list[exp.Expr]:
    """The actions of ALTER TABLE; [] for any other statement."""
    if not isinstance(expression, exp.Alter) or kind_of(expression) != "TABLE":
        return []
    return list(expression.args.get("actions") or [])


def column_constraints(column: exp.ColumnDef) -> list[exp.Expr]:
    return [c.args.get("kind") for c in column.args.get("constraints") or []]


def sql_on_existing_table(view: StepView, statement: Statement, table: exp.Expr | None) -> bool:
    """Whether the table a statement acts on existed before it (was not created in the range)."""
    name, schema = table_of(table)
    return view.existing_table(name, schema, statement.call_index)


def alter_actions_on_existing_tables(
    view: StepView, kind: type[Action]
) -> Iterator[tuple[Statement, Action, str]]:
    """(statement, action, qualified table name) for each action of this kind in an
    ALTER TABLE the migration wrote itself, on a table that existed before it."""
    for statement in view.raw_statements():
        expression = statement.expression
        for action in alter_actions(expression):
            if isinstance(action, kind) and sql_on_existing_table(view, statement, expression.this):
                yield statement, action, qualified(*table_of(expression.this))


# --- operations -----------------------------------------------------------------------


def operation_table(operation: Any) -> tuple[str | None, str | None]:
    """(table, schema) an Alembic operation acts on."""
    table = getattr(operation, "table_name", None) or getattr(operation, "source_table", None)
    schema = getattr(operation, "schema", None)
    if schema is None:
        schema = getattr(operation, "kw", {}).get("source_schema")
    return table, schema


def _operation_on_existing_table(view: StepView, index: int, operation: Any) -> bool:
    """Whether the table call `index` acts on existed before it (was not created in the range)."""
    table, schema = operation_table(operation)
    return view.existing_table(table, schema, index)


def calls_on_existing_tables(
    view: StepView, *kinds: type[MigrateOperation]
) -> Iterator[tuple[int, OperationCall]]:
    """(index, call) for each call of these operation classes on a table that existed
    before it (was not created earlier in the range)."""
    for index, call in view.calls():
        if isinstance(call.operation, kinds) and _operation_on_existing_table(
            view, index, call.operation
        ):
            yield index, call


def has_option(operation: Any, name: str) -> bool:
    """Whether a dialect option such as postgresql_concurrently is set on the operation."""
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
            if not (isinstance(expression, exp.Drop) and kind_of(expression) == "TABLE"):
                continue
            dropped = [table_of(t) for t in expression.args.get("tables") or []]
            match = [(n, s) for n, s in dropped if n and n.lower() == flush.table.lower()]
            if match:
                name, schema = match[0]
                found.append(Rebuild(name, schema, statement.item.line, calls, position))
                break
    return found
