"""Locking on PostgreSQL: index builds, validation, NOT NULL, rewrites, volatile defaults."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

import sqlglot
from alembic.operations import ops
from sqlalchemy import Column, Sequence
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.elements import ClauseElement, TextClause
from sqlglot import exp
from sqlglot.errors import ParseError

from sqlgen.captured import OperationCall
from sqlgen.lint.model import (
    Hit,
    StepView,
)
from sqlgen.lint.rules.common import (
    _alter_actions,
    _column_constraints,
    _existing,
    _kind,
    _kw,
    _op_table,
    _raw_existing,
    _table_of,
    qualified,
)

# --- locking on PostgreSQL ------------------------------------------------------------


def index_without_concurrently(view: StepView) -> Iterator[Hit]:
    for index, call in view.calls():
        operation = call.operation
        if (
            isinstance(operation, ops.CreateIndexOp)
            and not _kw(operation, "postgresql_concurrently")
            and _existing(view, index, operation)
        ):
            table = qualified(operation.table_name, operation.schema)
            yield Hit(call.line, f"creates index {operation.index_name} on {table}")
    for statement in view.raw_statements():
        expression = statement.expression
        if (
            isinstance(expression, exp.Create)
            and _kind(expression) == "INDEX"
            and not expression.args.get("concurrently")
        ):
            table = expression.this.args.get("table")
            if _raw_existing(view, statement, table):
                name = expression.this.name
                yield Hit(statement.item.line, f"creates index {name} on {table.sql()}")


def _table_dropped_later(view: StepView, index: int, operation: Any) -> bool:
    """Whether the step drops the operation's table after it (its lock is taken anyway)."""
    table, schema = _op_table(operation)
    return any(
        isinstance(call.operation, ops.DropTableOp)
        and (call.operation.table_name, call.operation.schema) == (table, schema)
        for call in view.capture.calls[index + 1 :]
    )


def drop_index_without_concurrently(view: StepView) -> Iterator[Hit]:
    for index, call in view.calls():
        operation = call.operation
        if (
            isinstance(operation, ops.DropIndexOp)
            and not _kw(operation, "postgresql_concurrently")
            and _existing(view, index, operation)
            and not _table_dropped_later(view, index, operation)
        ):
            yield Hit(call.line, f"drops index {operation.index_name}")
    for statement in view.raw_statements():
        expression = statement.expression
        if (
            isinstance(expression, exp.Drop)
            and _kind(expression) == "INDEX"
            and not expression.args.get("concurrently")
        ):
            names = ", ".join(t.sql() for t in expression.args.get("tables") or [])
            yield Hit(statement.item.line, f"drops index {names}")


def concurrently_in_transaction(view: StepView) -> Iterator[Hit]:
    # every statement, whoever wrote it: op.create_index(postgresql_concurrently=True)
    # outside an autocommit_block() fails just like hand-written SQL
    for statement in view.statements:
        expression = statement.expression
        if (
            isinstance(expression, exp.Create | exp.Drop)
            and expression.args.get("concurrently")
            and statement.in_transaction
        ):
            what = f"{type(expression).__name__.upper()} {_kind(expression)} CONCURRENTLY"
            yield Hit(statement.item.line, f"runs {what} inside a transaction")


def constraint_without_not_valid(view: StepView) -> Iterator[Hit]:
    for index, call in view.calls():
        operation = call.operation
        validated = isinstance(
            operation, ops.CreateForeignKeyOp | ops.CreateCheckConstraintOp
        ) and not _kw(operation, "postgresql_not_valid")
        # a column declared with a ForeignKey gets its constraint at once, never NOT VALID
        referencing = isinstance(operation, ops.AddColumnOp) and operation.column.foreign_keys
        if not (validated or referencing) or not _existing(view, index, operation):
            continue
        table = qualified(*_op_table(operation))
        if isinstance(operation, ops.AddColumnOp):
            column = operation.column.name
            yield Hit(call.line, f"adds column {table}.{column} with a foreign key")
        else:
            kind = "foreign key" if isinstance(operation, ops.CreateForeignKeyOp) else "check"
            name = operation.constraint_name or "(unnamed)"
            yield Hit(call.line, f"adds {kind} constraint {name} to {table}")
    for statement in view.raw_statements():
        expression = statement.expression
        if expression.args.get("not_valid"):
            continue
        for action in _alter_actions(expression):
            if not isinstance(action, exp.AddConstraint):
                continue
            checked = action.find(exp.ForeignKey, exp.CheckColumnConstraint)
            if checked is not None and _raw_existing(view, statement, expression.this):
                kind = "foreign key" if isinstance(checked, exp.ForeignKey) else "check"
                table = qualified(*_table_of(expression.this))
                yield Hit(statement.item.line, f"adds {kind} constraint to {table}")


def set_not_null(view: StepView) -> Iterator[Hit]:
    for index, call in view.calls():
        operation = call.operation
        if (
            isinstance(operation, ops.AlterColumnOp)
            and operation.modify_nullable is False
            and _existing(view, index, operation)
        ):
            table = qualified(operation.table_name, operation.schema)
            yield Hit(call.line, f"sets {table}.{operation.column_name} NOT NULL")
    for statement in view.raw_statements():
        expression = statement.expression
        for action in _alter_actions(expression):
            if (
                isinstance(action, exp.AlterColumn)
                and action.args.get("allow_null") is False
                and _raw_existing(view, statement, expression.this)
            ):
                table = qualified(*_table_of(expression.this))
                yield Hit(statement.item.line, f"sets {table}.{action.name} NOT NULL")


# PostgreSQL's own spelling of SQLAlchemy types and defaults (its dialect is untyped)
_POSTGRESQL: Dialect = cast(Any, postgresql.dialect)()


def _postgresql_type(type_: Any) -> exp.DataType | None:
    """A SQLAlchemy type as PostgreSQL spells it, parsed; None when that fails."""
    try:
        sql = type_.compile(dialect=_POSTGRESQL)
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


def rewriting_type_change(view: StepView) -> Iterator[Hit]:
    for index, call in view.calls():
        operation = call.operation
        if not (isinstance(operation, ops.AlterColumnOp) and operation.modify_type is not None):
            continue
        before = _type_before(call)
        if _existing(view, index, operation) and rewrites_table(before, operation.modify_type):
            table = qualified(operation.table_name, operation.schema)
            change = f"{_type_sql(before)} to {_type_sql(operation.modify_type)}"
            if before is None:
                change += " (the old type is not known, so it cannot be shown to be safe)"
            elif operation.existing_type is None:
                change += " (no existing_type given; the old type is sqlgen's schema model's)"
            yield Hit(call.line, f"changes {table}.{operation.column_name} from {change}")
    for statement in view.raw_statements():
        expression = statement.expression
        for action in _alter_actions(expression):
            if (
                isinstance(action, exp.AlterColumn)
                and action.args.get("dtype") is not None
                and _raw_existing(view, statement, expression.this)
            ):
                table = qualified(*_table_of(expression.this))
                new = action.args["dtype"].sql(dialect="postgres")
                yield Hit(
                    statement.item.line,
                    f"changes the type of {table}.{action.name} to {new} "
                    "(the old type is not known, so it cannot be shown to be safe)",
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
        compiled = argument.compile(dialect=_POSTGRESQL, compile_kwargs={"literal_binds": True})
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


def volatile_default(view: StepView) -> Iterator[Hit]:
    for index, call in view.calls():
        operation = call.operation
        if isinstance(operation, ops.AddColumnOp) and _existing(view, index, operation):
            volatile = _volatile_default(operation.column)
            if volatile:
                table = qualified(operation.table_name, operation.schema)
                column = operation.column.name
                yield Hit(call.line, f"adds column {table}.{column} with {volatile}")
    for statement in view.raw_statements():
        expression = statement.expression
        for action in _alter_actions(expression):
            if not isinstance(action, exp.ColumnDef):
                continue
            volatile = _raw_volatile(action)
            if volatile and _raw_existing(view, statement, expression.this):
                table = qualified(*_table_of(expression.this))
                yield Hit(statement.item.line, f"adds column {table}.{action.name} with {volatile}")


def _raw_volatile(column: exp.ColumnDef) -> str | None:
    for constraint in _column_constraints(column):
        if isinstance(constraint, exp.GeneratedAsIdentityColumnConstraint):
            return "an identity"
        if isinstance(constraint, exp.DefaultColumnConstraint):
            call = volatile_call(constraint)
            if call:
                return f"default {call}"
    return None


def unique_on_existing_table(view: StepView) -> Iterator[Hit]:
    for index, call in view.calls():
        operation = call.operation
        constraint = isinstance(operation, ops.CreateUniqueConstraintOp)
        # concurrently or not: duplicates still make it fail
        unique_index = isinstance(operation, ops.CreateIndexOp) and operation.unique
        if not (constraint or unique_index) or not _existing(view, index, operation):
            continue
        table = qualified(*_op_table(operation))
        if isinstance(operation, ops.CreateUniqueConstraintOp):
            name = operation.constraint_name or "(unnamed)"
            yield Hit(call.line, f"adds unique constraint {name} to {table}")
        else:
            yield Hit(call.line, f"creates unique index {operation.index_name} on {table}")
    for statement in view.raw_statements():
        expression = statement.expression
        if isinstance(expression, exp.Create) and _kind(expression) == "INDEX":
            table = expression.this.args.get("table")
            if expression.args.get("unique") and _raw_existing(view, statement, table):
                name = expression.this.name
                yield Hit(statement.item.line, f"creates unique index {name} on {table.sql()}")
        for action in _alter_actions(expression):
            if (
                isinstance(action, exp.AddConstraint)
                and action.find(exp.UniqueColumnConstraint) is not None
                and _raw_existing(view, statement, expression.this)
            ):
                table_name = qualified(*_table_of(expression.this))
                yield Hit(statement.item.line, f"adds a unique constraint to {table_name}")
