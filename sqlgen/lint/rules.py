"""The lint rules: a table of `Rule` records, and one check function per rule.

A check function gets a `StepView` (one revision's capture for one dialect) and
yields a `Hit` for every place its rule fires. Checks read the Alembic
operations the migration invoked (`capture.calls`, batch operations included)
and the captured SQL parsed with sqlglot (`view.statements`), never the SQL text
itself. Where an Alembic operation says what happens, its statements are left to
the operation check; the statement side of a check covers SQL the migration wrote
itself (`op.execute`, the bind), so nothing is reported twice.

The engine decides which rules run where (dialects, directions, configuration).
"""

from __future__ import annotations

import ast
import functools
import inspect
import textwrap
from collections.abc import Callable, Iterator
from typing import Any, cast

import sqlglot
from alembic.operations import ops
from sqlalchemy import Column, Sequence
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.elements import ClauseElement, TextClause
from sqlglot import exp
from sqlglot.errors import ParseError

from sqlgen.lint.model import (
    DOWNGRADE_ONLY,
    UPGRADE_ONLY,
    Hit,
    Rule,
    Severity,
    Statement,
    StepView,
)

Check = Callable[[StepView], Iterator[Hit]]

POSTGRESQL = frozenset({"postgresql"})
MYSQL_FAMILY = frozenset({"mysql", "mariadb"})
ERROR, WARNING, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO

RULES: tuple[Rule, ...] = (
    # --- destructive ---
    Rule(
        "SG101",
        ERROR,
        None,
        "the table and every row in it are deleted",
        "Stop using the table first and drop it in a later release, with a backup; "
        "then suppress with a reason.",
        "Table dropped",
        directions=UPGRADE_ONLY,  # a downgrade's drops are SG105
    ),
    Rule(
        "SG102",
        ERROR,
        None,
        "the column's data is deleted, and code still reading it fails",
        "Remove every use of the column in an earlier release, then drop it; "
        "then suppress with a reason.",
        "Column dropped",
        directions=UPGRADE_ONLY,
    ),
    Rule(
        "SG103",
        ERROR,
        None,
        "every object in it, and all their data, are deleted",
        "Drop schemas and databases by hand, outside migrations, after a backup.",
        "Schema or database dropped",
    ),
    Rule(
        "SG104",
        ERROR,
        None,
        "every row of the table is deleted",
        "Delete only the rows that must go (DELETE ... WHERE), or copy them away first.",
        "Table truncated",
    ),
    Rule(
        "SG105",
        WARNING,
        None,
        "whatever was written into it since the upgrade is lost when the downgrade runs",
        "Back the data up before downgrading, or keep it (rename instead of drop).",
        "Downgrade drops data",
        directions=DOWNGRADE_ONLY,
    ),
    # --- locking on PostgreSQL ---
    Rule(
        "SG201",
        WARNING,
        POSTGRESQL,
        "CREATE INDEX blocks every write to the table until the index is built",
        "Pass postgresql_concurrently=True, inside `with op.get_context().autocommit_block():`.",
        "Index created without CONCURRENTLY",
    ),
    Rule(
        "SG202",
        WARNING,
        POSTGRESQL,
        "DROP INDEX takes an ACCESS EXCLUSIVE lock: every read and write of the table waits",
        "Pass postgresql_concurrently=True, inside `with op.get_context().autocommit_block():`.",
        "Index dropped without CONCURRENTLY",
    ),
    Rule(
        "SG203",
        ERROR,
        POSTGRESQL,
        "PostgreSQL refuses CONCURRENTLY inside a transaction block: the script fails here",
        "Run the operation inside `with op.get_context().autocommit_block():`.",
        "CONCURRENTLY inside a transaction",
    ),
    Rule(
        "SG204",
        WARNING,
        POSTGRESQL,
        "every existing row is checked while writes to the table are blocked",
        "Add it with postgresql_not_valid=True, then VALIDATE CONSTRAINT in a later "
        "migration (that only takes a SHARE UPDATE EXCLUSIVE lock).",
        "Constraint validated under lock",
    ),
    Rule(
        "SG205",
        WARNING,
        POSTGRESQL,
        "SET NOT NULL scans the whole table under an ACCESS EXCLUSIVE lock",
        "Add CHECK (column IS NOT NULL) NOT VALID, VALIDATE it, then SET NOT NULL "
        "(PostgreSQL 12+ then skips the scan) and drop the check.",
        "SET NOT NULL on an existing column",
    ),
    Rule(
        "SG206",
        WARNING,
        POSTGRESQL,
        "the table and its indexes are rewritten under an ACCESS EXCLUSIVE lock",
        "Add a new column, backfill it in batches and switch over; widening a VARCHAR "
        "or changing it to TEXT does not rewrite.",
        "Type change rewrites the table",
    ),
    Rule(
        "SG207",
        WARNING,
        POSTGRESQL,
        "every existing row gets its own value: the table is rewritten under an "
        "ACCESS EXCLUSIVE lock",
        "Add the column without a default (or with a constant one), backfill it in "
        "batches, then set the default.",
        "Added column with a volatile default",
    ),
    Rule(
        "SG208",
        WARNING,
        POSTGRESQL,
        "the unique index is built from every row, and the migration fails if "
        "existing rows have duplicates",
        "Remove duplicates first; CREATE UNIQUE INDEX CONCURRENTLY, then "
        "ADD CONSTRAINT ... UNIQUE USING INDEX.",
        "Unique constraint on an existing table",
    ),
    # --- locking on MySQL / MariaDB ---
    Rule(
        "SG301",
        WARNING,
        MYSQL_FAMILY,
        "MySQL changes a column's type by copying the whole table; writes wait until it is done",
        "Use an online schema change tool (gh-ost, pt-online-schema-change) or a "
        "maintenance window.",
        "Type change copies the table",
    ),
    # --- backward-incompatible ---
    Rule(
        "SG401",
        WARNING,
        None,
        "code still using the old name fails as soon as this runs",
        "Move the application to the new name first (e.g. through a view with the old "
        "name), and remove the old name in a later release.",
        "Table renamed",
    ),
    Rule(
        "SG402",
        WARNING,
        None,
        "code still using the old name fails as soon as this runs",
        "Add the new column, write both, backfill, move reads over, and drop the old "
        "column in a later release.",
        "Column renamed",
    ),
    Rule(
        "SG403",
        ERROR,
        None,
        "adding it fails on a table that has rows, and inserts from code that does not "
        "know the column fail",
        "Add it nullable or with a server_default, backfill, then make it NOT NULL.",
        "NOT NULL column without a default",
    ),
    # --- data-dependent ---
    Rule(
        "SG501",
        WARNING,
        None,
        "it changes every row of the table",
        "Add a WHERE clause, or suppress with a reason if every row is meant.",
        "UPDATE or DELETE without WHERE",
    ),
    Rule(
        "SG502",
        WARNING,
        None,
        "offline, the SQL was rendered as if it returned no rows; against a real "
        "database the migration may do something else",
        "Provide reviewed SQL for this revision as an override, or make the migration "
        "independent of what it reads.",
        "Migration reads data",
    ),
    Rule(
        "SG503",
        INFO,
        None,
        "what runs is not what the migration alone would produce, so review it by hand",
        "Review this revision's SQL by hand before running it.",
        "SQL not rendered from the migration alone",
        # SG502 already reports every read; this one is for teams that want every such
        # revision listed, reviewed overrides included
        enabled_by_default=False,
    ),
    # --- downgrade gaps ---
    Rule(
        "SG601",
        WARNING,
        None,
        "downgrading past this revision leaves its schema changes in place",
        "Write a downgrade() that undoes the upgrade, or raise to say it is irreversible.",
        "Missing or empty downgrade",
        directions=UPGRADE_ONLY,  # judged from the upgrade: did it change anything?
    ),
    Rule(
        "SG602",
        WARNING,
        None,
        "this revision cannot be rolled back",
        "Make the downgrade work, or document that the revision is irreversible.",
        "Downgrade raises",
        directions=DOWNGRADE_ONLY,
    ),
)

RULES_BY_ID = {rule.id: rule for rule in RULES}


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


def rewriting_type_change(view: StepView) -> Iterator[Hit]:
    for index, call in view.calls():
        operation = call.operation
        if (
            isinstance(operation, ops.AlterColumnOp)
            and operation.modify_type is not None
            and _existing(view, index, operation)
            and rewrites_table(operation.existing_type, operation.modify_type)
        ):
            table = qualified(operation.table_name, operation.schema)
            change = f"{_type_sql(operation.existing_type)} to {_type_sql(operation.modify_type)}"
            if operation.existing_type is None:
                change += " (no existing_type given, so it cannot be shown to be safe)"
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


# --- data-dependent -------------------------------------------------------------------


def unbounded_write(view: StepView) -> Iterator[Hit]:
    # every statement: raw SQL and SQLAlchemy constructs compile to the same thing here
    for statement in view.statements:
        expression = statement.expression
        if isinstance(expression, exp.Update | exp.Delete) and not expression.args.get("where"):
            verb = type(expression).__name__.upper()
            table = qualified(*_table_of(expression.this))
            yield Hit(statement.item.line, f"{verb} of {table} has no WHERE clause")


def data_read(view: StepView) -> Iterator[Hit]:
    for read in view.capture.reads:
        yield Hit(read.line, f"reads data ({read.summary()}) through {read.what}")


def not_from_migration(view: StepView) -> Iterator[Hit]:
    capture = view.capture
    if capture.override is not None:
        yield Hit(None, f"is rendered from the reviewed override {capture.override.name}")
    elif capture.reads and capture.failure is None:
        yield Hit(capture.reads[0].line, "was rendered with --data-reads=empty")


# --- downgrade gaps -------------------------------------------------------------------


def _is_filler(statement: ast.stmt) -> bool:
    """`pass`, a docstring or `...`: a statement that does nothing."""
    if isinstance(statement, ast.Pass):
        return True
    return isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)


@functools.cache
def _function_body(function: Callable[..., Any]) -> tuple[bool, int] | None:
    """(whether the function does nothing, the line of its `def`); None if unreadable."""
    try:
        lines, start = inspect.getsourcelines(function)
        tree = ast.parse(textwrap.dedent("".join(lines)))
    except (OSError, TypeError, SyntaxError):
        return None
    definition = tree.body[0] if tree.body else None
    if not isinstance(definition, ast.FunctionDef | ast.AsyncFunctionDef):
        return None
    empty = all(_is_filler(statement) for statement in definition.body)
    return empty, start + definition.lineno - 1


def _emitted_sql(view: StepView) -> bool:
    return any(
        not item.version and item.kind in {"statement", "raw"} for item in view.capture.items
    )


def missing_downgrade(view: StepView) -> Iterator[Hit]:
    if not _emitted_sql(view):
        return
    module = view.capture.step.revision.module
    downgrade = getattr(module, "downgrade", None)
    if not callable(downgrade):
        upgrade = getattr(module, "upgrade", None)
        known = _function_body(upgrade) if callable(upgrade) else None
        yield Hit(known[1] if known else None, "has no downgrade() function")
        return
    known = _function_body(downgrade)
    if known is not None and known[0]:
        yield Hit(known[1], "has a downgrade() that does nothing")


def downgrade_raises(view: StepView) -> Iterator[Hit]:
    failure = view.capture.failure
    # "failed: ..." is the runner's wording for an exception the migration raised; other
    # failures are sqlgen declining to render something (data reads, rollback(), ...)
    if failure is not None and failure.reason.startswith("failed:"):
        yield Hit(failure.line, f"downgrade() {failure.reason}")


CHECKS: dict[str, Check] = {
    "SG101": drop_table,
    "SG102": drop_column,
    "SG103": drop_schema,
    "SG104": truncate,
    "SG105": downgrade_drops,
    "SG201": index_without_concurrently,
    "SG202": drop_index_without_concurrently,
    "SG203": concurrently_in_transaction,
    "SG204": constraint_without_not_valid,
    "SG205": set_not_null,
    "SG206": rewriting_type_change,
    "SG207": volatile_default,
    "SG208": unique_on_existing_table,
    "SG301": copying_type_change,
    "SG401": rename_table,
    "SG402": rename_column,
    "SG403": not_null_without_default,
    "SG501": unbounded_write,
    "SG502": data_read,
    "SG503": not_from_migration,
    "SG601": missing_downgrade,
    "SG602": downgrade_raises,
}
