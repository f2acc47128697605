"""Dialect compatibility: SQL one engine refuses, or runs with effects of its own.

- SG701: raw SQL that does not parse for the dialect it is emitted to.
- SG702: a column with a default dropped on SQL Server without
  `mssql_drop_default=True`, which SQL Server refuses.
- SG703: a SQLite batch rebuild of a table that other rows reference with an
  ON DELETE action, which deletes or changes them when foreign keys are on.

SG701. sqlgen emits the SQL a migration writes itself (`op.execute("...")`, the bind's
`execute(text(...))` and `exec_driver_sql(...)`) verbatim to every target
dialect, as Alembic does; it is usually written for the dialect whose
`if bind.dialect.name == ...:` branch runs it. SG701 reads each such statement
with sqlglot, as the target profile's sqlglot dialect, and reports it when
sqlglot cannot parse it there.

The criterion, chosen to keep false positives out:

- It fires only when sqlglot *raises* (ParseError or TokenError) reading the
  statement as the target dialect, at `ErrorLevel.IMMEDIATE` (sqlglot's own
  default, set explicitly: at IGNORE or WARN sqlglot returns a partial tree for
  broken SQL and no error at all). Any other exception is a sqlglot bug, not
  evidence about the SQL, and is ignored.
- Statements sqlglot has no grammar for are read as a generic `Command`
  (PRAGMA, CREATE EXTENSION, vendor DDL, ...) without raising, so they never
  fire. Nor does SQL that parses but the dialect would still refuse
  (`ALTER TABLE t DROP CHECK c` parses for SQLite): sqlglot's grammars are far
  more lenient than the databases' own, so this rule catches SQL that is broken
  or plainly foreign to the dialect, not every incompatibility.
- Procedural code is left out: anonymous blocks (leading BEGIN, DECLARE, IF,
  WHILE) and routine or trigger definitions (CREATE [OR REPLACE]
  FUNCTION/PROCEDURE/TRIGGER/PACKAGE/TYPE BODY). sqlglot has no grammar for
  PL/SQL, T-SQL batches or routine bodies in any dialect, and raises on correct
  ones (an Oracle `BEGIN ... EXCEPTION ... END;`), so its verdict says nothing.
  SQLite is the exception: it has no procedural code but triggers, so a block
  or a routine (a PL/pgSQL function, a DO block) emitted to it is reported.

Only statements the migration wrote as text are read: items of kind
"statement" whose operation is an `ExecuteSQLOp` over a string or `text()`, or
that have no operation (the bind). SQL that SQLAlchemy or Alembic compiled for
the target (`op.execute(table.update())`, every other operation, the version
table) is the target's by construction, and `raw` items are Alembic's static
output or a reviewed override, not the migration's SQL.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import sqlglot
from alembic.operations import ops
from sqlalchemy.sql.elements import TextClause
from sqlglot import exp
from sqlglot.errors import ErrorLevel, ParseError, TokenError

from sqlgen.captured import Item, OperationCall, one_line
from sqlgen.lint.model import Hit, StepView
from sqlgen.lint.rules.common import Rebuild, _kw, qualified, rebuilds

if TYPE_CHECKING:
    from sqlgen.model.schema import ForeignKeyModel, TableKey, TableModel

# --- which SQL is the migration's own -------------------------------------------------


def written_as_text(item: Item) -> bool:
    """Whether the item is SQL text the migration wrote itself, emitted as written."""
    if item.kind != "statement" or item.version:
        return False
    operation = item.operation
    if operation is None:  # the bind: execute(text(...)), exec_driver_sql(...)
        return True
    if isinstance(operation, ops.ExecuteSQLOp):  # op.execute(...)
        return isinstance(operation.sqltext, str | TextClause)
    return False  # an Alembic operation compiled it


# --- procedural code, which sqlglot cannot judge --------------------------------------

_LEADING_COMMENTS = re.compile(r"(?:\s+|--[^\n]*(?:\n|$)|/\*.*?\*/)*", re.DOTALL)
_BLOCK = re.compile(r"(?:BEGIN|DECLARE|IF|WHILE)\b", re.IGNORECASE)
_DEFINITION = re.compile(
    r"""CREATE
        (?:\s+OR\s+(?:REPLACE|ALTER))?
        (?:\s+(?:EDITIONABLE|NONEDITIONABLE|TEMP|TEMPORARY|AGGREGATE|CONSTRAINT))*
        (?:\s+DEFINER\s*=\s*\S+)?
        \s+(?P<kind>FUNCTION|PROCEDURE|PROC|TRIGGER|PACKAGE|TYPE\s+BODY)\b""",
    re.IGNORECASE | re.VERBOSE,
)

# what procedural code a dialect (by sqlglot name) has, when it is not every kind
_PROCEDURAL_KINDS: dict[str, frozenset[str]] = {"sqlite": frozenset({"trigger"})}


def procedural_kind(sql: str) -> str | None:
    """The kind of procedural code `sql` is (block, routine, trigger); None for plain SQL."""
    comments = _LEADING_COMMENTS.match(sql)
    text = sql[comments.end() :] if comments else sql
    if _BLOCK.match(text):
        return "block"
    definition = _DEFINITION.match(text)
    if definition is None:
        return None
    return "trigger" if definition["kind"].upper() == "TRIGGER" else "routine"


def _judged_by_sqlglot(sql: str, dialect: str) -> bool:
    kind = procedural_kind(sql)
    if kind is None:
        return True
    # a kind of procedural code the dialect does not have at all: wrong there anyway
    return dialect in _PROCEDURAL_KINDS and kind not in _PROCEDURAL_KINDS[dialect]


# --- the parse ------------------------------------------------------------------------

_CLASS_NAME = re.compile(r"\s*for <class '[^']*'>")


@lru_cache(maxsize=4096)
def parse_failure(sql: str, dialect: str) -> str | None:
    """Why sqlglot cannot parse `sql` as sqlglot dialect `dialect`; None when it can.

    None as well for procedural code sqlglot cannot judge (see the module's
    docstring), and when sqlglot fails in any other way than a parse error.
    """
    if not _judged_by_sqlglot(sql, dialect):
        return None
    try:
        sqlglot.parse(sql, read=dialect, error_level=ErrorLevel.IMMEDIATE)
    except ParseError as exc:
        if not exc.errors:
            return one_line(str(exc))
        error = exc.errors[0]
        description = _CLASS_NAME.sub("", str(error.get("description") or "syntax error"))
        near = error.get("highlight")
        where = f"line {error.get('line')}, column {error.get('col')}"
        return f"{description} near {near!r}, {where}" if near else f"{description}, {where}"
    except TokenError as exc:
        return one_line(str(exc))
    except Exception:  # a sqlglot bug, not evidence about the SQL
        return None
    return None


def _excerpt(sql: str, limit: int = 60) -> str:
    flat = one_line(sql)
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


# --- the rule -------------------------------------------------------------------------


def raw_sql_does_not_parse(view: StepView) -> Iterator[Hit]:
    if view.capture.override is not None:
        return  # reviewed SQL, written for this dialect on purpose
    profile = view.profile
    for item in view.capture.items:
        if not written_as_text(item):
            continue
        failure = parse_failure(item.sql, profile.sqlglot)
        if failure is not None:
            yield Hit(
                item.line,
                f"raw SQL `{_excerpt(item.sql)}` does not parse as {profile.name} "
                f"(sqlglot: {failure})",
            )


# --- SG702: SQL Server drops no column that has a DEFAULT constraint -------------------
#
# SQL Server keeps every column default as a constraint object of its own
# (DF__table__col__XXXX unless named) and refuses `ALTER TABLE t DROP COLUMN c`
# while it exists (Msg 5074, "The object ... is dependent on column"). Alembic's
# SQL Server drop_column drops it first only when told: `mssql_drop_default=True`
# emits a DECLARE/EXEC that looks the constraint up in sys.default_constraints
# (as `mssql_drop_check` and `mssql_drop_foreign_key` do for the others). Whether
# the column has a default is the schema model's: defaults given at creation, by
# add_column or by alter_column, and removed by alter_column(server_default=None).


def _has_default_at(view: StepView, index: int, call: OperationCall) -> bool:
    """Whether the column a drop_column call drops has a server default there.

    The model's table is as it was before the call; a batch block's earlier
    operations, which the model sees only when the block ends, are read here.
    """
    operation = call.operation
    table = call.table_before
    column = table.column(operation.column_name) if table is not None else None
    has_default = column is not None and column.server_default is not None
    if call.batch_table is None:
        return has_default
    name = operation.column_name.lower()
    for before in view.capture.calls[:index]:
        earlier = before.operation
        if before.batch_table != call.batch_table or before.table_before is not table:
            continue  # another block
        if isinstance(earlier, ops.AlterColumnOp) and earlier.column_name.lower() == name:
            if earlier.modify_server_default is None:  # alter_column(server_default=None)
                has_default = False
            elif earlier.modify_server_default is not False:  # False: left as it is
                has_default = True
        elif isinstance(earlier, ops.AddColumnOp) and earlier.column.name.lower() == name:
            has_default = earlier.column.server_default is not None
    return has_default


def drop_column_with_default(view: StepView) -> Iterator[Hit]:
    # a block that recreates its table (recreate="always") drops no column in SQL
    recreated = {index for rebuild in rebuilds(view) for index in rebuild.calls}
    for index, call in view.calls():
        operation = call.operation
        if (
            not isinstance(operation, ops.DropColumnOp)
            or _kw(operation, "mssql_drop_default")
            or (call.batch_table is not None and index in recreated)
            or not _has_default_at(view, index, call)
        ):
            continue
        table = qualified(operation.table_name, operation.schema)
        yield Hit(
            call.line,
            f"drops column {table}.{operation.column_name}, which has a server default, "
            "without mssql_drop_default=True",
        )


# --- SG703: a SQLite rebuild deletes the rows that reference its table -----------------
#
# Where SQLite cannot ALTER, Alembic's batch mode moves and copies: CREATE TABLE
# _alembic_tmp_t, INSERT ... SELECT, DROP TABLE t, ALTER TABLE ... RENAME TO t.
# With `PRAGMA foreign_keys=ON`, DROP TABLE t first runs an implicit DELETE FROM t
# (https://sqlite.org/foreignkeys.html, section 5), and every foreign key that
# references t with ON DELETE CASCADE, SET NULL or SET DEFAULT acts on its rows:
# other tables' rows, and t's own copied rows when t references itself. Nothing
# fails; the rows are gone. The rule fires for a block whose SQL drops its own
# table (found in the SQL it emitted) when the schema model knows a table that
# existed before the range with such a foreign key to it, unless the revision
# turned foreign keys off first, outside a transaction (inside one SQLite ignores
# the PRAGMA) and not back on before the rebuild.

_ON_DELETE_ACTIONS = ("CASCADE", "SET NULL", "SET DEFAULT")
_OFF = frozenset({"off", "0", "false", "no"})
_ON = frozenset({"on", "1", "true", "yes"})


def _foreign_keys_setting(expression: exp.Expr) -> bool | None:
    """True for `PRAGMA foreign_keys=ON`, False for OFF, None for any other statement."""
    if not isinstance(expression, exp.Pragma) or not isinstance(expression.this, exp.EQ):
        return None
    setting = expression.this
    if setting.this.name.lower() != "foreign_keys":
        return None
    value = setting.expression
    word = str(value.this).lower() if isinstance(value, exp.Boolean) else value.name.lower()
    return True if word in _ON else False if word in _OFF else None


def _foreign_keys_off(view: StepView, before: int) -> bool:
    """Whether the revision's SQL turned foreign keys off before statement `before`."""
    off = False
    for statement in view.statements[:before]:
        setting = _foreign_keys_setting(statement.expression)
        if setting is not None and not statement.in_transaction:
            off = not setting
    return off


def _tables_after(
    view: StepView, start: Mapping[TableKey, TableModel], rebuild: Rebuild
) -> dict[TableKey, TableModel]:
    """Every table as the model had it just after the rebuild.

    A table a later call of the step acts on is as that call found it; any other
    is as the step left it, or as the step found it. Tables the step created are
    left out: they are new, so they hold no rows the rebuild could lose.
    """
    tables = dict(start)
    seen: set[TableKey] = set()
    for call in view.capture.calls[rebuild.calls.stop :]:
        known = call.table_before
        if known is not None and known.key not in seen:
            seen.add(known.key)
            tables[known.key] = known
    for key, (before, after) in view.capture.tables_changed.items():
        if key in seen or before is None:
            continue
        if after is None:
            tables.pop(key, None)
        else:
            tables[key] = after
    return tables


def _schema(view: StepView, schema: str | None) -> str | None:
    default = view.profile.default_schema
    if schema is None or (default is not None and schema.lower() == default.lower()):
        return None
    return schema.lower()


def _on_delete(foreign_key: ForeignKeyModel) -> str | None:
    action: Any = dict(foreign_key.options).get("ondelete")
    normal = " ".join(str(action).upper().split()) if action else None
    return normal if normal in _ON_DELETE_ACTIONS else None


def _referencing(
    view: StepView, rebuild: Rebuild, tables: Mapping[TableKey, TableModel]
) -> list[str]:
    """`child.column ON DELETE action` for each foreign key whose action the rebuild fires."""
    found = []
    at = rebuild.calls.start
    for table in tables.values():
        if not view.existing_table(table.name, table.schema, at):
            continue  # new in the range: no rows yet
        for foreign_key in table.foreign_keys:
            action = _on_delete(foreign_key)
            if (
                action is not None
                and foreign_key.referred_table.lower() == rebuild.table.lower()
                and _schema(view, foreign_key.referred_schema) == _schema(view, rebuild.schema)
            ):
                columns = ", ".join(foreign_key.columns)
                found.append(f"{qualified(table.name, table.schema)}.{columns} ON DELETE {action}")
    return found


def rebuild_with_cascading_references(view: StepView) -> Iterator[Hit]:
    start = None
    for rebuild in rebuilds(view):
        if _foreign_keys_off(view, rebuild.drop):
            continue
        if not view.existing_table(rebuild.table, rebuild.schema, rebuild.calls.start):
            continue  # new in the range: nothing to delete
        start = start if start is not None else view.tables_at_start()
        if start is None:
            return  # the model does not know the tables
        children = _referencing(view, rebuild, _tables_after(view, start, rebuild))
        if children:
            table = qualified(rebuild.table, rebuild.schema)
            yield Hit(
                rebuild.line,
                f"batch mode recreates table {table} (copy, then DROP TABLE {table}), "
                f"referenced by {', '.join(children)}",
            )
