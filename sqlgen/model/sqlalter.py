"""ALTER TABLE (and ALTER INDEX / ALTER VIEW) in raw SQL -> changes to the model."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from sqlglot import exp

from sqlgen.model import edit
from sqlgen.model.edit import Gap
from sqlgen.model.schema import CheckModel, PrimaryKeyModel, SchemaModel, TableKey, UniqueModel
from sqlgen.model.sqlread import (
    SqlContext,
    Unsupported,
    add_constraint,
    column_from,
    default_of,
    foreign_key,
    table_constraint,
)
from sqlgen.model.sqltypes import sa_type


def alter(context: SqlContext, statement: exp.Alter, text: str) -> None:
    """ALTER TABLE's actions one by one; ALTER INDEX and ALTER VIEW renames."""
    kind = str(statement.args.get("kind") or "").upper()
    target = statement.this
    actions = statement.args.get("actions") or []
    if kind == "INDEX":
        _alter_index(context, target, actions)
        return
    if kind == "VIEW":
        for action in actions:
            if isinstance(action, exp.AlterRename):
                context.model.views.discard(context.view_key(target))
                context.model.views.add(
                    (context.view_key(target)[0], context.table_key(action.this)[1])
                )
        return
    if kind != "TABLE":
        raise Unsupported(kind)
    schema, name = context.table_key(target)
    if context.model.find(name, schema) is None and statement.args.get("exists"):
        return  # ALTER TABLE IF EXISTS, on a table that is not there
    key = context.find(target)
    for action in actions:
        key = _alter_action(context, key, action)


def _alter_index(context: SqlContext, target: exp.Expr, actions: list[exp.Expr]) -> None:
    schema, name = context.table_key(target)
    for action in actions:
        if not isinstance(action, exp.AlterRename):
            continue  # ALTER INDEX ... SET TABLESPACE and the like change no name
        key = edit.find_index(context.model, name, schema)
        if key is None:
            return
        _rename_index(context.model, key, name, context.table_key(action.this)[1])


def _rename_index(model: SchemaModel, key: TableKey, old: str, new: str) -> None:
    table = model.tables[key]
    indexes = tuple(replace(i, name=new) if i.name == old else i for i in table.indexes)
    if indexes == table.indexes:
        raise Gap(key, f"had index {old} renamed, which sqlgen's model of it lacks")
    model.put(replace(table, indexes=indexes))


_Action = Callable[[SqlContext, TableKey, Any], TableKey | None]


def _alter_action(context: SqlContext, key: TableKey, action: exp.Expr) -> TableKey:
    handler = _ACTIONS.get(type(action))
    if handler is None:
        raise Gap(
            key, f"was changed by ALTER TABLE {type(action).__name__}, which sqlgen does not read"
        )
    return handler(context, key, action) or key


def _add_column(context: SqlContext, key: TableKey, definition: exp.ColumnDef) -> None:
    model = context.model
    column, inline = column_from(context, definition)
    if definition.args.get("exists") and model.tables[key].column_name(column.name) is not None:
        return  # ADD COLUMN IF NOT EXISTS
    edit.add_column(model, key, column)
    position = definition.args.get("position")
    if isinstance(position, exp.ColumnPosition):
        _move_column(context, key, column.name, position)
    for constraint_name, kind in inline:
        if isinstance(kind, exp.PrimaryKeyColumnConstraint):
            edit.set_primary_key(model, key, PrimaryKeyModel(constraint_name, (column.name,)))
        elif isinstance(kind, exp.UniqueColumnConstraint):
            edit.add_unique(model, key, UniqueModel(constraint_name, (column.name,)))
        elif isinstance(kind, exp.CheckColumnConstraint):
            check = CheckModel(constraint_name, context.sql(kind.this))
            edit.add_check(model, key, check, column_level=True)
        elif isinstance(kind, exp.Reference):
            fk = foreign_key(context, constraint_name, (column.name,), kind)
            edit.add_foreign_key(model, key, fk)


def _move_column(
    context: SqlContext, key: TableKey, name: str, position: exp.ColumnPosition
) -> None:
    """MySQL's FIRST / AFTER x."""
    table = context.model.tables[key]
    moving = [c for c in table.columns if c.name == name]
    rest = [c for c in table.columns if c.name != name]
    where = str(position.args.get("position") or "").upper()
    if where == "FIRST":
        columns = moving + rest
    else:
        after = table.column_name(context.ident(position.this) or "")
        if after is None:
            raise Gap(key, f"had a column placed after {position.this}, which sqlgen's model lacks")
        at = [c.name for c in rest].index(after) + 1
        columns = rest[:at] + moving + rest[at:]
    context.model.put(replace(table, columns=tuple(columns)))


def _drop_action(context: SqlContext, key: TableKey, drop: exp.Drop) -> None:
    kind = str(drop.args.get("kind") or "").upper()
    model = context.model
    for target in drop.args.get("tables") or [drop.this]:
        name = context.ident(target) or ""
        if kind == "COLUMN":
            if drop.args.get("exists") and model.tables[key].column_name(name) is None:
                continue
            edit.drop_column(model, key, name)
        elif kind in ("INDEX", "KEY"):
            edit.drop_index(model, key, name)
        elif kind in ("CONSTRAINT", "FOREIGN KEY", "CHECK"):
            constraint_kind = {"FOREIGN KEY": "foreignkey", "CHECK": "check"}.get(kind)
            if drop.args.get("exists"):
                edit.drop_constraint_if_exists(model, key, name, constraint_kind)
                continue
            edit.drop_constraint(model, key, name, constraint_kind)
        elif kind == "PRIMARY KEY":
            edit.drop_constraint(model, key, None, "primary")
        else:
            raise Gap(key, f"was changed by ALTER TABLE DROP {kind}, which sqlgen does not read")


def _rename_column(context: SqlContext, key: TableKey, action: exp.RenameColumn) -> None:
    old = context.ident(action.this) or ""
    new = context.ident(action.args.get("to")) or ""
    edit.rename_column(context.model, key, old, new)


def _alter_column(context: SqlContext, key: TableKey, action: exp.AlterColumn) -> None:
    name = context.ident(action.this) or ""
    known = {"this", "dtype", "collate", "using", "default", "drop", "allow_null", "comment"}
    if any(v not in (None, False) for k, v in action.args.items() if k not in known):
        raise Gap(key, f"had column {name} altered in a way sqlgen does not read")
    changes: dict[str, Any] = {}
    dtype = action.args.get("dtype")
    allow_null = action.args.get("allow_null")
    if isinstance(dtype, exp.DataType):
        changes["type"] = sa_type(dtype, context.dialect)
        if context.dialect == "tsql" and allow_null is None:
            # SQL Server's ALTER COLUMN redefines nullability too, by session settings
            raise Gap(key, f"had column {name} redefined without NULL or NOT NULL")
    if allow_null is not None:
        changes["nullable"] = bool(allow_null)
    default = action.args.get("default")
    if default is not None:
        changes["server_default"] = default_of(context, default)
    elif action.args.get("drop") and allow_null is None:
        changes["server_default"] = None  # DROP DEFAULT
    comment = action.args.get("comment")
    if isinstance(comment, exp.Expr):
        changes["comment"] = comment.name
    if changes:
        edit.alter_column(context.model, key, name, **changes)


def _modify_column(context: SqlContext, key: TableKey, action: exp.Expr) -> None:
    """MySQL's MODIFY / CHANGE: the new definition replaces the column's whole definition."""
    definition = action.this
    if not isinstance(definition, exp.ColumnDef):
        raise Gap(key, "was changed by a MODIFY sqlgen does not read")
    column, inline = column_from(context, definition)
    if inline:
        raise Gap(key, f"had column {column.name} redefined with a key sqlgen does not read")
    old = context.ident(action.args.get("rename_from")) or column.name
    if old != column.name:
        edit.rename_column(context.model, key, old, column.name)
    edit.alter_column(
        context.model,
        key,
        column.name,
        type=column.type,
        nullable=column.nullable,
        server_default=column.server_default,
        comment=column.comment,
        autoincrement=column.autoincrement,
    )
    position = definition.args.get("position") or action.args.get("position")
    if isinstance(position, exp.ColumnPosition):
        _move_column(context, key, column.name, position)


def _rename_table(context: SqlContext, key: TableKey, action: exp.AlterRename) -> TableKey:
    schema, name = context.table_key(action.this)
    if schema is not None and schema != key[0]:
        raise Gap(key, "was moved to another schema")
    edit.rename_table(context.model, key, name)
    return (key[0], name)


def _add_constraint(context: SqlContext, key: TableKey, action: exp.AddConstraint) -> None:
    for element in action.expressions:
        made = table_constraint(context, element)
        for model in made if isinstance(made, list) else [made]:
            add_constraint(context.model, key, model)


def _rename_index_action(context: SqlContext, key: TableKey, action: exp.Expr) -> None:
    old = context.ident(action.this) or ""
    _rename_index(context.model, key, old, context.ident(action.args.get("to")) or "")


def _drop_primary_key(context: SqlContext, key: TableKey, action: exp.Expr) -> None:
    edit.drop_constraint(context.model, key, None, "primary")


def _harmless_set(context: SqlContext, key: TableKey, action: exp.Expr) -> None:
    """ALTER TABLE ... SET TABLESPACE / SET (storage options): no change the model shows."""
    if action.args.get("schema") is not None or action.args.get("access_method") is not None:
        raise Gap(key, "was changed by ALTER TABLE SET, which sqlgen does not read")


def _actions() -> dict[type, _Action]:
    found: dict[type, _Action] = {
        exp.ColumnDef: _add_column,
        exp.Drop: _drop_action,
        exp.RenameColumn: _rename_column,
        exp.AlterColumn: _alter_column,
        exp.AlterRename: _rename_table,
        exp.AddConstraint: _add_constraint,
    }
    # newer in sqlglot than the rest: only where this sqlglot has them
    for name, function in (
        ("ModifyColumn", _modify_column),
        ("RenameIndex", _rename_index_action),
        ("DropPrimaryKey", _drop_primary_key),
        ("AlterSet", _harmless_set),
    ):
        cls = getattr(exp, name, None)
        if isinstance(cls, type):
            found[cls] = function
    return found


_ACTIONS = _actions()
