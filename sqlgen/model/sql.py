"""Raw SQL a migration executed -> changes to the schema model.

sqlglot reads the SQL in the target dialect. DDL it reads and sqlgen
understands changes the model; queries and DML change nothing; DDL it cannot
read, or that sqlgen does not understand, makes the tables it may touch
uncertain (the whole schema when it names none). The model never guesses.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import sqlalchemy as sa
import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel, ParseError, TokenError
from sqlglot.tokenizer_core import TokenType

from sqlgen.model import edit, naming, scan
from sqlgen.model.edit import Gap
from sqlgen.model.naming import Created
from sqlgen.model.schema import (
    CheckModel,
    IndexModel,
    SchemaModel,
    TableKey,
    VerbatimType,
    options,
)
from sqlgen.model.sqlalter import alter
from sqlgen.model.sqlread import SQLALCHEMY_NAMES, SqlContext, TableBuilder, Unsupported

# sqlglot logs every statement it falls back to reading as a Command; the model
# reports those itself (as uncertain tables)
logging.getLogger("sqlglot").setLevel(logging.ERROR)

# statements that change no table
_IGNORED = tuple(
    cls
    for cls in (
        getattr(exp, name, None)
        for name in (
            "Query",
            "Insert",
            "Update",
            "Delete",
            "Merge",
            "Set",
            "Pragma",
            "Transaction",
            "Commit",
            "Rollback",
            "Grant",
            "Revoke",
            "TruncateTable",
            "Analyze",
            "Describe",
            "Show",
            "Copy",
            "Cache",
            "Uncache",
            "Refresh",
            "Kill",
            "Declare",
        )
    )
    if isinstance(cls, type)
)
# CREATE kinds that make no table
_OTHER_OBJECTS = frozenset(
    {
        "FUNCTION",
        "PROCEDURE",
        "TRIGGER",
        "SEQUENCE",
        "TYPE",
        "DOMAIN",
        "EXTENSION",
        "ROLE",
        "USER",
        "DATABASE",
        "MACRO",
        "TAG",
        "STAGE",
        "WAREHOUSE",
        "POLICY",
        "RULE",
        "COLLATION",
    }
)


def apply_sql(model: SchemaModel, sql: str, sqlglot_dialect: str, where: str = "") -> None:
    """Apply raw SQL (one or more statements) written in `sqlglot_dialect`.

    `where` ("revision X, line N") goes into the message of a table it makes uncertain.
    """
    if _ROWS_ONLY.match(sql) and ";" not in sql:
        return  # one INSERT, UPDATE or DELETE: rows change, the schema does not
    context = SqlContext(model, sqlglot_dialect, where)
    for text, statement in _statements(sql, sqlglot_dialect):
        if statement is None:
            _unreadable(context, text)
            continue
        try:
            _statement(context, statement, text)
        except Gap as gap:
            context.uncertain(gap.key, gap.reason)
        except Unsupported:
            _unreadable(context, text)


_BLOCK = re.compile(r"\bBEGIN\b", re.IGNORECASE)
_ROWS_ONLY = re.compile(r"\s*(?:INSERT|UPDATE|DELETE)\s", re.IGNORECASE)


def _statements(sql: str, dialect: str) -> list[tuple[str, exp.Expr | None]]:
    """Each statement with its text; None for a statement sqlglot cannot read."""
    reader = sqlglot.Dialect.get_or_raise(dialect)
    try:
        parsed = [s for s in reader.parse(sql, error_level=ErrorLevel.RAISE) if s is not None]
        if len(parsed) == 1:
            return [(sql, parsed[0])]
        return [(s.sql(dialect=dialect), s) for s in parsed]
    except (ParseError, TokenError):
        pass
    if _BLOCK.search(sql):
        # a procedural block (BEGIN ... END): its inner statements are not run one by one
        return [(sql, None)]
    # one statement at a time, so one that cannot be read spoils no other
    try:
        ends = [t.start for t in reader.tokenize(sql) if t.token_type == TokenType.SEMICOLON]
    except TokenError:
        return [(sql, None)]
    found: list[tuple[str, exp.Expr | None]] = []
    start = 0
    for end in [*ends, len(sql)]:
        text = sql[start:end].strip()
        start = end + 1
        if not text:
            continue
        try:
            statements = [s for s in reader.parse(text, error_level=ErrorLevel.RAISE) if s]
        except (ParseError, TokenError):
            found.append((text, None))
            continue
        found += [(text, s) for s in statements]
    return found


def _statement(context: SqlContext, statement: exp.Expr, text: str) -> None:
    if isinstance(statement, _IGNORED):
        return
    handler = _HANDLERS.get(type(statement))
    if handler is not None:
        handler(context, statement, text)
    elif scan.touched(text) != []:  # DDL-looking: the tables it names are unknown now
        _unreadable(context, text)


def _unreadable(context: SqlContext, text: str) -> None:
    """SQL sqlgen cannot read: the tables it may touch become uncertain."""
    if scan.harmless(text):
        return
    try:
        if _understood_command(context, text):
            return
    except Gap as gap:
        context.uncertain(gap.key, gap.reason)
        return
    touched = scan.touched(text)
    if touched is None:
        context.unknown()
        return
    for found in touched:
        parts = [context.part(p) for p in found.parts]
        schema = parts[-2] if len(parts) > 1 else None
        context.uncertain((schema, parts[-1]), existence=found.existence)


def _understood_command(context: SqlContext, text: str) -> bool:
    """A few statements sqlglot reads only as a Command, applied after all."""
    model = context.model
    if m := scan.RENAME_CONSTRAINT.match(text):
        key = _scanned_table(context, m.group("table"))
        _rename_constraint(model, key, context.part(m["old"]), context.part(m["new"]))
        return True
    if m := scan.ADD_CHECK.match(text):
        key = _scanned_table(context, m.group("table"))
        name = context.part(m["name"]) if m["name"] else None
        edit.add_check(model, key, CheckModel(name, m["check"].strip()))
        return True
    if m := scan.COMMENT_NULL.match(text):
        parts = [context.part(p) for p in scan.split_name(m["target"])]
        if m["kind"].upper() == "TABLE":
            edit.set_comment(model, _scanned_table(context, m["target"]), None)
        elif len(parts) >= 2:
            key = edit.require(model, parts[-2], parts[-3] if len(parts) > 2 else None)
            edit.alter_column(model, key, parts[-1], comment=None)
        return True
    return False


def _scanned_table(context: SqlContext, written: str) -> TableKey:
    parts = [context.part(p) for p in scan.split_name(written)]
    return edit.require(context.model, parts[-1], parts[-2] if len(parts) > 1 else None)


def _rename_constraint(model: SchemaModel, key: TableKey, old: str, new: str) -> None:
    table = model.tables[key]
    pk = table.primary_key

    def named(item: Any) -> Any:
        return replace(item, name=new) if item.name == old else item

    renamed = replace(
        table,
        primary_key=None if pk is None else named(pk),
        uniques=tuple(named(u) for u in table.uniques),
        checks=tuple(named(c) for c in table.checks),
        foreign_keys=tuple(named(f) for f in table.foreign_keys),
    )
    if renamed == table:
        raise Gap(key, f"had constraint {old} renamed, which sqlgen's model of it lacks")
    model.put(renamed)


# --- CREATE ---


def _create(context: SqlContext, statement: exp.Create, text: str) -> None:
    kind = str(statement.args.get("kind") or "").upper()
    target = statement.this
    if kind == "TABLE":
        _create_table(context, statement)
    elif kind == "INDEX" and isinstance(target, exp.Index):
        _create_index(context, statement, target)
    elif kind == "SCHEMA":
        context.model.schemas.add(
            context.ident(target.args.get("db")) or context.ident(target) or ""
        )
    elif kind == "VIEW":
        context.model.views.add(context.view_key(target))
    elif kind not in _OTHER_OBJECTS:
        raise Unsupported(kind)


def _properties(statement: exp.Expr) -> list[exp.Expr]:
    properties = statement.args.get("properties")
    return list(properties.expressions) if isinstance(properties, exp.Properties) else []


def _create_table(context: SqlContext, statement: exp.Create) -> None:
    properties = _properties(statement)
    if any(isinstance(p, exp.TemporaryProperty) for p in properties):
        return  # a temporary table is not part of the schema
    target = statement.this
    key = context.table_key(target)
    existing = context.model.find(key[1], key[0])
    if existing is not None and statement.args.get("exists"):
        return  # IF NOT EXISTS
    if existing is not None:
        context.model.remove(existing)
    likes = any(isinstance(p, exp.LikeProperty) for p in properties)
    if not isinstance(target, exp.Schema) or likes or _has_like(target):
        # CREATE TABLE ... AS SELECT / LIKE: the columns come from elsewhere
        reason = "was created from a query or another table, whose columns sqlgen does not know"
        context.uncertain(key, reason)
        return
    builder = TableBuilder(context, key)
    for element in target.expressions:
        builder.element(element)
    # the statement's order is the model's: only where each CHECK was declared is told
    created = Created(column_level=frozenset(builder.column_checks))
    context.model.put(naming.name_new_table(context.model, builder.table(), created))


def _has_like(schema: exp.Schema) -> bool:
    return any(isinstance(e, exp.LikeProperty) for e in schema.expressions)


def _create_index(context: SqlContext, statement: exp.Create, index: exp.Index) -> None:
    table = index.args.get("table")
    if table is None:
        raise Unsupported("an index without a table")
    key = context.find(table)
    params = index.args.get("params")
    columns: list[str | None] = []
    expressions: list[str] = []
    sorting: list[tuple[str, tuple[str, ...]]] = []
    elements = (params.args.get("columns") or []) if params is not None else []
    for element in elements:
        inner = element.this if isinstance(element, exp.Ordered) else element
        if isinstance(inner, exp.Column) and not inner.table:
            name = context.ident(inner) or ""
            columns.append(name)
            expressions.append(name)
            if isinstance(element, exp.Ordered) and element.args.get("desc"):
                sorting.append((name, ("desc",)))
        else:
            columns.append(None)
            expressions.append(context.sql(element))
    dialect_options: dict[str, Any] = {}
    where = params.args.get("where") if params is not None else None
    if isinstance(where, exp.Where):
        prefix = SQLALCHEMY_NAMES.get(context.dialect, context.dialect)
        dialect_options[f"{prefix}_where"] = context.sql(where.this)
    model = IndexModel(
        name=context.ident(index.this),
        columns=tuple(columns),
        unique=bool(statement.args.get("unique")),
        expressions=tuple(expressions) if None in columns else (),
        sorting=tuple(sorting),
        dialect_options=options(dialect_options),
    )
    edit.add_index(context.model, key, model, if_not_exists=bool(statement.args.get("exists")))


# --- DROP ---


def _drop(context: SqlContext, statement: exp.Drop, text: str) -> None:
    kind = str(statement.args.get("kind") or "").upper()
    cascade = bool(statement.args.get("cascade"))
    targets = statement.args.get("tables") or [statement.this]
    model = context.model
    for target in targets:
        if target is None:
            continue
        if kind == "TABLE":
            schema, name = context.table_key(target)
            key = model.find(name, schema)
            if key is not None:
                edit.drop_table(model, key, cascade)
        elif kind == "VIEW":
            model.views.discard(context.view_key(target))
        elif kind == "INDEX":
            _drop_index(context, statement, target)
        elif kind == "SCHEMA":
            _drop_schema(context, context.ident(target.args.get("db")) or context.ident(target))
        elif cascade:
            reason = f"was changed by DROP {kind} ... CASCADE, whose reach sqlgen cannot trace"
            context.unknown(reason)


def _drop_index(context: SqlContext, statement: exp.Drop, target: exp.Expr) -> None:
    schema, name = context.table_key(target)
    on = statement.args.get("cluster")  # MySQL: DROP INDEX ix ON t
    if isinstance(on, exp.OnProperty):
        key: TableKey | None = context.find(on.this)
    else:
        # every table the model knows lists its indexes: one not found is on an
        # uncertain table, or does not exist
        key = edit.find_index(context.model, name, schema)
    if key is None:
        return
    if statement.args.get("exists") and not any(
        i.name == name for i in context.model.tables[key].indexes
    ):
        return
    edit.drop_index(context.model, key, name)


def _drop_schema(context: SqlContext, schema: str | None) -> None:
    model = context.model
    for key in [k for k in model.tables if k[0] == schema]:
        model.remove(key)
    model.views -= {k for k in model.views if k[0] == schema}
    if schema is not None:
        model.schemas.discard(schema)


# --- COMMENT ON, USE, ALTER TYPE ---


def _comment(context: SqlContext, statement: exp.Comment, text: str) -> None:
    kind = str(statement.args.get("kind") or "").upper()
    value = statement.args.get("expression")
    comment = None if value is None or isinstance(value, exp.Null) else value.name
    target = statement.this
    if kind == "TABLE":
        edit.set_comment(context.model, context.find(target), comment)
    elif kind == "COLUMN" and isinstance(target, exp.Column):
        table = target.args.get("table")
        schema = target.args.get("db")
        key = edit.require(context.model, context.ident(table) or "", context.ident(schema))
        edit.alter_column(context.model, key, context.ident(target) or "", comment=comment)
    # comments on anything else (an index, a schema...) are not part of the model


def _use(context: SqlContext, statement: exp.Expr, text: str) -> None:
    context.unknown("was switched to another database (USE), so later SQL may touch other tables")


def _command(context: SqlContext, statement: exp.Expr, text: str) -> None:
    if text.strip().upper().startswith("ALTER TYPE"):
        _alter_type(context, text)
        return
    _unreadable(context, text)


_LITERAL = r"'(?:[^']|'')*'"
_ALTER_TYPE = re.compile(r"\s*ALTER\s+TYPE\s+(?P<name>\S+)\s+(?P<action>.*?)[\s;]*", re.I | re.S)
_ADD_VALUE = re.compile(
    rf"ADD\s+VALUE\s+(?:IF\s+NOT\s+EXISTS\s+)?(?P<value>{_LITERAL})"
    rf"(?:\s+(?P<where>BEFORE|AFTER)\s+(?P<other>{_LITERAL}))?",
    re.I | re.S,
)
_RENAME_VALUE = re.compile(
    rf"RENAME\s+VALUE\s+(?P<old>{_LITERAL})\s+TO\s+(?P<new>{_LITERAL})", re.I | re.S
)
_RENAME_TYPE = re.compile(r"RENAME\s+TO\s+(?P<new>\S+)", re.I | re.S)
_SET_SCHEMA = re.compile(r"SET\s+SCHEMA\s+(?P<schema>\S+)", re.I | re.S)
_OWNER = re.compile(r"OWNER\s+TO\s+\S+", re.I | re.S)


def _string(literal: str) -> str:
    return literal[1:-1].replace("''", "'")


def _alter_type(context: SqlContext, text: str) -> None:
    """ALTER TYPE (PostgreSQL): the columns of that type follow the change.

    An enum's values added or renamed, and the type renamed, are followed
    exactly. Any other change (a composite type's attributes...) leaves the
    table known, with the column's type kept as the SQL names it (VerbatimType):
    the column still has that type, whatever its definition now is.
    """
    match = _ALTER_TYPE.fullmatch(text)
    parts = scan.split_name(match["name"]) if match is not None else []
    if match is None or not parts or _OWNER.fullmatch(match["action"]):
        return  # not an ALTER TYPE the database takes; an owner changes no column
    written, action = match["name"], match["action"]
    name = context.part(parts[-1])
    for table in list(context.model.tables.values()):
        columns = []
        for column in table.columns:
            type_name = getattr(column.type, "name", None)
            verbatim = column.type.sql if isinstance(column.type, VerbatimType) else None
            if name in (type_name, verbatim):
                column = replace(column, type=_retyped(column.type, written, action, context))
            columns.append(column)
        if tuple(columns) != table.columns:
            context.model.put(replace(table, columns=tuple(columns)))


def _retyped(type_: Any, written: str, action: str, context: SqlContext) -> Any:
    """`type_` (named `written`) after ALTER TYPE ... `action`."""
    renamed = _RENAME_TYPE.fullmatch(action)
    moved = _SET_SCHEMA.fullmatch(action)
    if isinstance(type_, sa.Enum) and not type_.native_enum:
        return type_  # a VARCHAR (and CHECK) of the same name, not that database type
    if isinstance(type_, sa.Enum):
        values = list(type_.enums)
        added = _ADD_VALUE.fullmatch(action)
        if added is not None:
            value = _string(added["value"])
            if value in values:
                return type_  # ADD VALUE IF NOT EXISTS, on a value it has
            at = len(values)
            if added["other"] is not None and _string(added["other"]) in values:
                at = values.index(_string(added["other"]))
                at += 1 if added["where"].upper() == "AFTER" else 0
            elif added["other"] is not None:
                return VerbatimType(written)  # a neighbour sqlgen's model lacks
            return _enum(type_, [*values[:at], value, *values[at:]], type_.name)
        rename = _RENAME_VALUE.fullmatch(action)
        if rename is not None and _string(rename["old"]) in values:
            new = _string(rename["new"])
            return _enum(type_, [new if v == _string(rename["old"]) else v for v in values])
        if renamed is not None:
            return _enum(type_, values, context.part(scan.split_name(renamed["new"])[-1]))
    if renamed is not None:
        parts = scan.split_name(written)
        return VerbatimType(".".join([*parts[:-1], renamed["new"]]))
    if moved is not None:
        return VerbatimType(f"{moved['schema']}.{scan.split_name(written)[-1]}")
    return VerbatimType(written)


def _enum(type_: sa.Enum, values: list[str], name: str | None = None) -> sa.Enum:
    """An Enum like `type_` (its class, schema, flags) with other values, or another name."""
    options: dict[str, Any] = {
        "name": type_.name if name is None else name,
        "schema": type_.schema,
        "native_enum": type_.native_enum,
        "create_constraint": type_.create_constraint,
        "inherit_schema": type_.inherit_schema,
        "metadata": type_.metadata,
        "validate_strings": type_.validate_strings,
    }
    if hasattr(type_, "create_type"):  # postgresql.ENUM
        options["create_type"] = type_.create_type
    return type(type_)(*values, **options)


_HANDLERS: dict[type, Callable[[SqlContext, Any, str], None]] = {
    exp.Create: _create,
    exp.Drop: _drop,
    exp.Alter: alter,
    exp.Comment: _comment,
    exp.Command: _command,
    exp.Use: _use,
}
