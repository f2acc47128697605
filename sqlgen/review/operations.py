"""What each Alembic operation does to a table, in a reviewer's words.

One handler per operation class, in DESCRIBE (looked up along the class's MRO, so
subclasses such as PostgreSQL's exclude constraint are covered by their base). Raw SQL is
read with sqlglot (sqlgen.review.statements), never with patterns.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from alembic.operations import ops
from sqlalchemy import Column

from sqlgen.model.operations import OperationTable
from sqlgen.review.statements import Statement, parse_statements
from sqlgen.runtime.internals import BATCH_TEMP_PREFIX

# Alembic's batch mode on SQLite copies a table through a temporary one (named with
# BATCH_TEMP_PREFIX); that INSERT ... SELECT is Alembic moving rows, not the migration
# changing data.

# Statements, by verb, as a change to the table they act on.
_STATEMENT_KINDS = {
    "CREATE TABLE": "table created",
    "DROP TABLE": "table dropped",
    "ALTER TABLE": "table altered",
    "CREATE INDEX": "index added",
    "COMMENT": "comment changed",
    "INSERT": "data inserted",
    "UPDATE": "data updated",
    "DELETE": "data deleted",
    "TRUNCATE": "data deleted",
    "MERGE": "data changed",
}
_DATA_KINDS = {"data inserted", "data updated", "data deleted", "data changed"}


@dataclass(frozen=True)
class Found:
    """A change to one table, not yet tied to a revision or dialects."""

    table: str
    kind: str
    detail: str
    line: int | None = None
    column: str | None = None


def changes_of_call(
    operation: Any,
    line: int | None,
    batch_table: str | None,
    sql: Sequence[str],
    dialect: str,
) -> list[Found]:
    """The changes of one invoked operation; `sql` is what it emitted (for raw SQL)."""
    if isinstance(operation, ops.ExecuteSQLOp):
        return changes_of_statements(sql, dialect, "raw SQL", line)
    handler = DESCRIBE.handler(operation)
    if handler is not None:
        return [_at(found, line) for found in handler(operation)]
    table = getattr(operation, "table_name", None) or batch_table
    if not table:
        return []  # an operation of a kind unknown here that names no table
    name = _qualified(table, getattr(operation, "schema", None))
    return [Found(name, "other operation", type(operation).__name__, line)]


def changes_of_statements(
    sql: Iterable[str], dialect: str, source: str, line: int | None, *, data_only: bool = False
) -> list[Found]:
    """The tables `sql` acts on; `source` says where it came from (raw SQL, an override)."""
    found: list[Found] = []
    for text in sql:
        for statement in parse_statements(text, dialect):
            kind = _STATEMENT_KINDS.get(statement.verb)
            if kind is None or (data_only and kind not in _DATA_KINDS):
                continue
            for table in statement.tables:
                if data_only and table.startswith(BATCH_TEMP_PREFIX):
                    continue
                found += _statement_changes(statement, table, kind, source, line)
    return found


def _statement_changes(
    statement: Statement, table: str, kind: str, source: str, line: int | None
) -> list[Found]:
    columns = [
        Found(table, "column added", f"{name} ({source})", line, name)
        for name in statement.added_columns
    ] + [
        Found(table, "column dropped", f"{name} ({source})", line, name)
        for name in statement.dropped_columns
    ]
    # An ALTER TABLE is told by its column changes when sqlglot sees any.
    return columns or [Found(table, kind, f"{statement.verb} ({source})", line)]


def _at(found: Found, line: int | None) -> Found:
    return Found(found.table, found.kind, found.detail, line, found.column)


def _qualified(table: str, schema: str | None) -> str:
    return f"{schema}.{table}" if schema else table


def _text(value: Any) -> str:
    """SQL-ish text of a type, default or expression, for one line of the review."""
    value = getattr(value, "arg", value)  # a DefaultClause holds its value in .arg
    if isinstance(value, str):
        return repr(value)
    text = getattr(value, "text", None)  # sa.text(...)
    if isinstance(text, str):
        return text
    try:
        return " ".join(str(value).split())  # compiles with SQLAlchemy's default dialect
    except Exception:  # a dialect-only construct that the default dialect cannot compile
        return type(value).__name__


def _columns(names: Iterable[Any]) -> str:
    return ", ".join(_text(name) if not isinstance(name, str) else name for name in names)


# --- one handler per operation --------------------------------------------------------

_Describe = Callable[[Any], list[Found]]
# A kind not here is "other operation" on the table it names.
DESCRIBE = OperationTable[_Describe]("review")


@DESCRIBE.register(ops.CreateTableOp)
def _create_table(op: ops.CreateTableOp) -> list[Found]:
    columns = [c.name for c in op.columns if isinstance(c, Column)]
    detail = f"columns {', '.join(columns)}" if columns else ""
    return [Found(_qualified(op.table_name, op.schema), "table created", detail)]


@DESCRIBE.register(ops.DropTableOp)
def _drop_table(op: ops.DropTableOp) -> list[Found]:
    return [Found(_qualified(op.table_name, op.schema), "table dropped", "")]


@DESCRIBE.register(ops.RenameTableOp)
def _rename_table(op: ops.RenameTableOp) -> list[Found]:
    old = _qualified(op.table_name, op.schema)
    new = _qualified(op.new_table_name, op.schema)
    return [
        Found(old, "table renamed", f"to {new}"),
        Found(new, "table renamed", f"from {old}"),
    ]


@DESCRIBE.register(ops.AddColumnOp)
def _add_column(op: ops.AddColumnOp) -> list[Found]:
    column = op.column
    facts = [_text(column.type), "nullable" if column.nullable else "NOT NULL"]
    if column.server_default is not None:
        facts.append(f"default {_text(column.server_default)}")
    detail = f"{column.name} {', '.join(facts)}"
    return [Found(_qualified(op.table_name, op.schema), "column added", detail, column=column.name)]


@DESCRIBE.register(ops.DropColumnOp)
def _drop_column(op: ops.DropColumnOp) -> list[Found]:
    table = _qualified(op.table_name, op.schema)
    return [Found(table, "column dropped", op.column_name, column=op.column_name)]


def _nullability(nullable: bool | None) -> str:
    return "?" if nullable is None else ("nullable" if nullable else "NOT NULL")


@DESCRIBE.register(ops.AlterColumnOp)
def _alter_column(op: ops.AlterColumnOp) -> list[Found]:
    """One change per aspect altered, so that the rollback can pick out type changes."""
    table = _qualified(op.table_name, op.schema)
    name = op.column_name
    found = []
    if op.modify_type is not None:
        old = _text(op.existing_type) if op.existing_type is not None else "?"
        detail = f"{name} {old} -> {_text(op.modify_type)}"
        found.append(Found(table, "column type changed", detail, column=name))
    if op.modify_nullable is not None:
        change = f"{_nullability(op.existing_nullable)} -> {_nullability(op.modify_nullable)}"
        found.append(Found(table, "column nullability changed", f"{name} {change}", column=name))
    if op.modify_server_default is not False:
        new = "none" if op.modify_server_default is None else _text(op.modify_server_default)
        found.append(Found(table, "column default changed", f"{name} -> {new}", column=name))
    if op.modify_comment is not False:
        found.append(Found(table, "column comment changed", name, column=name))
    if op.modify_name is not None:
        detail = f"{name} to {op.modify_name}"
        found.append(Found(table, "column renamed", detail, column=name))
    return found or [Found(table, "column altered", name, column=name)]


@DESCRIBE.register(ops.CreateIndexOp)
def _create_index(op: ops.CreateIndexOp) -> list[Found]:
    unique = ", unique" if op.unique else ""
    detail = f"{op.index_name} ({_columns(op.columns)}){unique}"
    return [Found(_qualified(op.table_name, op.schema), "index added", detail)]


@DESCRIBE.register(ops.DropIndexOp)
def _drop_index(op: ops.DropIndexOp) -> list[Found]:
    if not op.table_name:
        return []  # drop_index() without table_name: which table is not known
    return [Found(_qualified(op.table_name, op.schema), "index dropped", f"{op.index_name}")]


@DESCRIBE.register(ops.AddConstraintOp)
def _add_constraint(op: ops.AddConstraintOp) -> list[Found]:
    """A constraint kind without a handler of its own (e.g. PostgreSQL's EXCLUDE)."""
    table = getattr(op, "table_name", None)
    if not table:
        return []
    try:
        kind = op.constraint_type
    except NotImplementedError:
        kind = type(op).__name__
    name = getattr(op, "constraint_name", None)
    detail = f"{kind} {name}" if name else kind
    return [Found(_qualified(table, getattr(op, "schema", None)), "constraint added", detail)]


@DESCRIBE.register(ops.CreatePrimaryKeyOp)
def _primary_key(op: ops.CreatePrimaryKeyOp) -> list[Found]:
    detail = f"primary key {op.constraint_name} ({_columns(op.columns)})"
    return [Found(_qualified(op.table_name, op.schema), "constraint added", detail)]


@DESCRIBE.register(ops.CreateUniqueConstraintOp)
def _unique(op: ops.CreateUniqueConstraintOp) -> list[Found]:
    detail = f"unique {op.constraint_name} ({_columns(op.columns)})"
    return [Found(_qualified(op.table_name, op.schema), "constraint added", detail)]


@DESCRIBE.register(ops.CreateForeignKeyOp)
def _foreign_key(op: ops.CreateForeignKeyOp) -> list[Found]:
    local = _qualified(op.source_table, op.kw.get("source_schema"))
    remote = _qualified(op.referent_table, op.kw.get("referent_schema"))
    detail = (
        f"foreign key {op.constraint_name} ({_columns(op.local_cols)}) "
        f"-> {remote} ({_columns(op.remote_cols)})"
    )
    return [Found(local, "constraint added", detail)]


@DESCRIBE.register(ops.CreateCheckConstraintOp)
def _check(op: ops.CreateCheckConstraintOp) -> list[Found]:
    detail = f"check {op.constraint_name}: {_text(op.condition)}"
    return [Found(_qualified(op.table_name, op.schema), "constraint added", detail)]


@DESCRIBE.register(ops.DropConstraintOp)
def _drop_constraint(op: ops.DropConstraintOp) -> list[Found]:
    kind = f"{op.constraint_type} " if op.constraint_type else ""
    detail = f"{kind}{op.constraint_name}"
    return [Found(_qualified(op.table_name, op.schema), "constraint dropped", detail)]


@DESCRIBE.register(ops.CreateTableCommentOp)
def _table_comment(op: ops.CreateTableCommentOp) -> list[Found]:
    return [Found(_qualified(op.table_name, op.schema), "comment changed", "set")]


@DESCRIBE.register(ops.DropTableCommentOp)
def _drop_table_comment(op: ops.DropTableCommentOp) -> list[Found]:
    return [Found(_qualified(op.table_name, op.schema), "comment changed", "table dropped")]


@DESCRIBE.register(ops.BulkInsertOp)
def _bulk_insert(op: ops.BulkInsertOp) -> list[Found]:
    table = _qualified(op.table.name, getattr(op.table, "schema", None))
    return [Found(table, "data inserted", f"{len(op.rows)} row(s) (bulk_insert)")]
