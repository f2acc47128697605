"""Alembic operations (and a step's captured SQL) -> changes to the schema model.

`apply_operation` applies one MigrateOperation a migration invoked;
`apply_sql` (from sqlgen.model.sql) applies raw SQL it executed; `replay_step`
applies a whole captured step, in the order the database saw it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import sqlalchemy as sa
from alembic import op as op_proxy
from alembic.ddl.mysql import MySQLImpl
from alembic.operations import ops
from alembic.operations.schemaobj import SchemaObjects
from alembic.runtime.migration import MigrationContext

from sqlgen.model import edit
from sqlgen.model.edit import Gap
from sqlgen.model.naming import Created, type_checks_created
from sqlgen.model.operations import OperationTable
from sqlgen.model.schema import (
    CheckModel,
    ComputedModel,
    ForeignKeyModel,
    IndexModel,
    PrimaryKeyModel,
    SchemaModel,
    TableKey,
    Uncertainty,
    UniqueModel,
    options,
)
from sqlgen.model.sql import apply_sql
from sqlgen.model.tables import (
    check_constraints,
    column_from,
    default_text,
    fresh_type,
    from_table,
    index_from,
    name_of,
    sql_text,
)
from sqlgen.pipeline.captured import BatchFlush, Item, OperationCall, StepCapture
from sqlgen.runtime import internals

__all__ = ["apply_operation", "apply_sql", "create_table", "replay_step"]

_Handler = Callable[[SchemaModel, Any, str | None], None]

# How each kind of operation changes the model; a kind not here is applied from its SQL.
APPLY = OperationTable[_Handler]("model")


def _table_of(operation: Any, batch_table: str | None) -> str:
    # operations made inside batch_alter_table() carry the batch's table already
    name = getattr(operation, "table_name", None) or batch_table
    if not name:
        raise ValueError(f"{type(operation).__name__} names no table")
    return str(name)


def _detached(column: sa.Column[Any], owned: Sequence[object] = ()) -> sa.Column[Any]:
    """A copy of a column as the migration wrote it, its ForeignKey included.

    By the time the model sees an operation, Alembic has put its columns on a
    Table, and Column._copy() leaves out a ForeignKey the table's constraint
    holds. `owned`: constraints given beside the columns, which keep their own.
    """
    copy = internals.copy_item(column)
    for fk in column.foreign_keys:
        # by identity: `in` would compare SQL elements with ==
        if fk.constraint is not None and not any(fk.constraint is o for o in owned):
            copy.append_foreign_key(internals.copy_item(fk))
    return copy


def _plain(column: sa.Column[Any]) -> bool:
    """A column that brings no constraint, index or key along with it."""
    return not (
        column.primary_key
        or column.unique
        or column.index
        or column.foreign_keys
        or column.constraints
        or column.computed is not None
        or column.identity is not None
    )


@APPLY.register(ops.CreateTableOp)
def _create_table(model: SchemaModel, op: ops.CreateTableOp, batch: str | None) -> None:
    # what op.to_table() builds, from columns that still carry their ForeignKeys
    elements = [_detached(e, op.columns) if isinstance(e, sa.Column) else e for e in op.columns]
    built = SchemaObjects().table(
        op.table_name,
        *elements,
        schema=op.schema,
        comment=op.comment,
        **internals.constraints_included(op),
        **op.kw,
    )
    _create(model, built, bool(op.if_not_exists))


def create_table(model: SchemaModel, table: sa.Table, if_not_exists: bool = False) -> None:
    """CREATE TABLE for `table` (as Alembic's create_table or metadata.create_all write
    it): the model gets the table with the names the database gives its unnamed
    constraints, where the model's `naming` says how. For tables that exist before the
    first revision too (a baseline made by create_all): put(from_table(t)) would keep
    those names unknown."""
    _create(model, table, if_not_exists)


def _create(model: SchemaModel, table: sa.Table, if_not_exists: bool) -> None:
    """CREATE TABLE for `table`, as Alembic's create_table writes it."""
    found = from_table(table)
    edit.create_table(model, found, if_not_exists, _created(table, found.checks))


def _created(table: sa.Table, checks: Sequence[CheckModel]) -> Created:
    """What CREATE TABLE's text says about the table's CHECKs (see naming.Created)."""
    if not checks:
        return Created()
    constraints = check_constraints(table)
    column_level = frozenset(i for i, (_, inline) in enumerate(constraints) if inline)
    # the statement writes a column's CHECK in the column's line, before the table's own
    order = tuple(sorted(range(len(constraints)), key=lambda i: i not in column_level))
    context = _running_context()
    absent, unsure = type_checks_created(
        checks, lambda i: _creates(constraints[i][0], context) if context else None
    )
    return Created(order, column_level, absent, unsure)


def _creates(constraint: sa.CheckConstraint, context: MigrationContext) -> bool:
    """Whether the dialect creates a type's CHECK (a native BOOLEAN or ENUM makes none)."""
    rule = internals.create_rule(constraint)
    compiler = context.dialect.statement_compiler(context.dialect, None)
    return rule is None or bool(rule(compiler))


@APPLY.register(ops.DropTableOp)
def _drop_table(model: SchemaModel, op: ops.DropTableOp, batch: str | None) -> None:
    key = model.find(op.table_name, op.schema)
    if key is not None:
        edit.drop_table(model, key)


@APPLY.register(ops.RenameTableOp)
def _rename_table(model: SchemaModel, op: ops.RenameTableOp, batch: str | None) -> None:
    key = model.find(op.table_name, op.schema)
    if key is None:  # what arrives under the new name is unknown, not the old name
        raise Gap((op.schema, op.new_table_name), edit.NOT_CREATED)
    edit.rename_table(model, key, op.new_table_name)


@APPLY.register(ops.AddColumnOp)
def _add_column(model: SchemaModel, op: ops.AddColumnOp, batch: str | None) -> None:
    name = _table_of(op, batch)
    key = edit.require(model, name, op.schema)
    if op.if_not_exists and model.tables[key].column_name(op.column.name) is not None:
        return
    # As Alembic does: the column on a Table of its own, whose constraints and
    # indexes (from ForeignKey, unique=, index=, CheckConstraint) are added too.
    # A copy, so the operation's own Column is never attached to anything.
    column = op.column
    if _plain(column):  # nothing beside the column itself: no Table needed
        edit.add_column(model, key, column_from(column))
        return
    alone = SchemaObjects().table(name, _detached(column), schema=op.schema)
    added = from_table(alone)
    edit.add_column(model, key, added.columns[0])
    # the column's own CHECKs are in ADD COLUMN's text; then Alembic adds the table's
    # constraints (unique, the type's CHECKs, foreign keys) one ALTER TABLE each
    context = _running_context()
    constraints = check_constraints(alone)
    for check, (_, inline) in zip(added.checks, constraints, strict=True):
        if inline:
            edit.add_check(model, key, check, column_level=True)
    for unique in added.uniques:
        edit.add_unique(model, key, unique)
    for check, (constraint, inline) in zip(added.checks, constraints, strict=True):
        if not inline:
            made = _creates(constraint, context) if context is not None else None
            edit.add_check(model, key, check, created=made if check.type_bound else True)
    for fk in added.foreign_keys:
        edit.add_foreign_key(model, key, fk)
    for index in added.indexes:
        edit.add_index(model, key, index)
    if op.inline_primary_key and added.primary_key is not None:
        edit.set_primary_key(model, key, added.primary_key)


@APPLY.register(ops.DropColumnOp)
def _drop_column(model: SchemaModel, op: ops.DropColumnOp, batch: str | None) -> None:
    key = edit.require(model, _table_of(op, batch), op.schema)
    if op.if_exists and model.tables[key].column_name(op.column_name) is None:
        return
    edit.drop_column(model, key, op.column_name)


def _server_default_changes(default: Any) -> dict[str, Any]:
    if isinstance(default, sa.Computed):
        return {"computed": ComputedModel(sql_text(default.sqltext), default.persisted)}
    if isinstance(default, sa.Identity):
        keys = ("always", "on_null", "start", "increment", "minvalue", "maxvalue", "cycle")
        return {"identity": options({k: getattr(default, k, None) for k in keys})}
    return {"server_default": default_text(default), "computed": None, "identity": None}


@APPLY.register(ops.AlterColumnOp)
def _alter_column(model: SchemaModel, op: ops.AlterColumnOp, batch: str | None) -> None:
    key = edit.require(model, _table_of(op, batch), op.schema)
    changes: dict[str, Any] = {}
    if op.modify_type is not None:
        changes["type"] = fresh_type(op.modify_type)
        _retype_checks(model, key, op, batch)
    if op.modify_nullable is not None:
        changes["nullable"] = bool(op.modify_nullable)
    if op.modify_server_default is not False:  # None drops the default
        changes.update(_server_default_changes(op.modify_server_default))
    if op.modify_comment is not False:  # None drops the comment
        changes["comment"] = op.modify_comment
    if "autoincrement" in op.kw and op.kw["autoincrement"] is not None:
        changes["autoincrement"] = op.kw["autoincrement"]
    if changes:
        edit.alter_column(model, key, op.column_name, **changes)
    if op.modify_name is not None and op.modify_name != op.column_name:
        edit.rename_column(model, key, op.column_name, op.modify_name)


def _running_context() -> MigrationContext | None:
    """The migration context of the Alembic operation being applied, if one is running.

    Its dialect decides which CHECK constraints a type makes (a native ENUM or
    BOOLEAN makes none) and its target_metadata's naming convention names
    them, exactly as for the SQL Alembic emitted. None outside a run (a model
    replayed from captured calls): every constraint a type can make then counts,
    as in `from_table`.
    """
    try:
        return op_proxy.get_context()
    except (NameError, AttributeError):  # no proxy installed (or removed): no migration runs
        return None


def _type_checks(
    op: ops.AlterColumnOp,
    batch: str | None,
    type_: Any,
    context: MigrationContext | None,
) -> list[sa.CheckConstraint]:
    """The CHECK constraints a column of `type_` brings (an Enum's or a Boolean's), as
    Alembic's alter_column builds them: on a table of its own, with the naming
    convention, only those the dialect creates."""
    table = SchemaObjects(context).table(
        _table_of(op, batch), sa.Column(op.column_name, fresh_type(type_)), schema=op.schema
    )
    compiler = context.dialect.statement_compiler(context.dialect, None) if context else None
    return [
        c
        for c in sorted(table.constraints, key=internals.creation_order)
        if isinstance(c, sa.CheckConstraint) and (compiler is None or _created_for(c, compiler))
    ]


def _created_for(constraint: sa.CheckConstraint, compiler: Any) -> bool:
    rule = internals.create_rule(constraint)
    return not rule or bool(rule(compiler))


def _retype_checks(
    model: SchemaModel, key: TableKey, op: ops.AlterColumnOp, batch: str | None
) -> None:
    """A column's type changes: the CHECK constraints of its types follow, as in the database.

    Alembic's alter_column drops the constraints of `existing_type` (by name; not
    on MySQL) and adds those of the new type. A constraint the old type made that was not
    dropped stays in the database, no longer bound to the column's type (a
    batch rebuild must copy it); one the dialect never created goes.
    """
    table = model.tables[key]
    column = table.column(op.column_name)
    if column is None:
        return  # edit.alter_column reports the missing column
    context = _running_context()
    # Alembic's MySQL impl never drops a type's CHECK (MySQL before 8.0.16 had none)
    keeps_them = context is not None and isinstance(context.impl, MySQLImpl)
    if op.existing_type is not None and not keeps_them:
        for constraint in _type_checks(op, batch, op.existing_type, context):
            edit.drop_constraint(model, key, name_of(constraint.name), "check")
    old_sql = {sql_text(c.sqltext) for c in _type_checks(op, batch, column.type, None)}
    created = {sql_text(c.sqltext) for c in _type_checks(op, batch, column.type, context)}
    checks: list[CheckModel] = []
    for check in model.tables[key].checks:
        if not (check.type_bound and check.sqltext in old_sql):
            checks.append(check)
        elif check.sqltext in created:
            checks.append(replace(check, type_bound=False))
    model.put(replace(model.tables[key], checks=tuple(checks)))
    # Alembic adds the new type's CHECKs, the ones the dialect creates, one ALTER TABLE each
    for c in _type_checks(op, batch, op.modify_type, context):
        check = CheckModel(name_of(c.name), sql_text(c.sqltext), type_bound=True)
        edit.add_check(model, key, check, created=True if context is not None else None)


@APPLY.register(ops.CreateIndexOp)
def _create_index(model: SchemaModel, op: ops.CreateIndexOp, batch: str | None) -> None:
    key = edit.require(model, _table_of(op, batch), op.schema)
    edit.add_index(model, key, _index_of(op), if_not_exists=bool(op.if_not_exists))


def _index_of(op: ops.CreateIndexOp) -> IndexModel:
    if op.index_name is not None and all(isinstance(c, str) for c in op.columns) and not op.kw:
        # plain column names: what to_index() would give, without building a Table
        columns = tuple(str(c) for c in op.columns)
        return IndexModel(name_of(op.index_name), columns, bool(op.unique))
    # to_index() resolves a naming-convention name and wraps text() expressions
    return index_from(op.to_index())


@APPLY.register(ops.DropIndexOp)
def _drop_index(model: SchemaModel, op: ops.DropIndexOp, batch: str | None) -> None:
    name = str(op.index_name)
    table = op.table_name or batch
    if table:
        key = model.find(table, op.schema)
        if key is None:
            if op.if_exists:
                return
            raise Gap((op.schema, table), edit.NOT_CREATED)
    else:
        # Without a table: every table the model knows lists all its indexes, so an
        # index found on none of them is on an uncertain table (or does not exist).
        key = edit.find_index(model, name, op.schema)
        if key is None:
            return
    if op.if_exists and not any(i.name == name for i in model.tables[key].indexes):
        return
    edit.drop_index(model, key, name)


@APPLY.register(ops.CreatePrimaryKeyOp)
def _create_primary_key(model: SchemaModel, op: ops.CreatePrimaryKeyOp, batch: str | None) -> None:
    key = edit.require(model, _table_of(op, batch), op.schema)
    pk = PrimaryKeyModel(name_of(op.constraint_name), tuple(op.columns))
    edit.set_primary_key(model, key, pk)


@APPLY.register(ops.CreateUniqueConstraintOp)
def _create_unique(model: SchemaModel, op: ops.CreateUniqueConstraintOp, batch: str | None) -> None:
    key = edit.require(model, _table_of(op, batch), op.schema)
    edit.add_unique(model, key, UniqueModel(name_of(op.constraint_name), tuple(op.columns)))


@APPLY.register(ops.CreateCheckConstraintOp)
def _create_check(model: SchemaModel, op: ops.CreateCheckConstraintOp, batch: str | None) -> None:
    key = edit.require(model, _table_of(op, batch), op.schema)
    edit.add_check(model, key, CheckModel(name_of(op.constraint_name), sql_text(op.condition)))


@APPLY.register(ops.CreateForeignKeyOp)
def _create_foreign_key(model: SchemaModel, op: ops.CreateForeignKeyOp, batch: str | None) -> None:
    kw = op.kw
    key = edit.require(model, op.source_table or batch or "", kw.get("source_schema"))
    fk = ForeignKeyModel(
        name=name_of(op.constraint_name),
        columns=tuple(op.local_cols),
        referred_schema=kw.get("referent_schema"),
        referred_table=op.referent_table,
        referred_columns=tuple(op.remote_cols),
        options=options(
            {k: kw.get(k) for k in ("ondelete", "onupdate", "deferrable", "initially", "match")}
        ),
    )
    edit.add_foreign_key(model, key, fk)


@APPLY.register(ops.DropConstraintOp)
def _drop_constraint(model: SchemaModel, op: ops.DropConstraintOp, batch: str | None) -> None:
    key = model.find(_table_of(op, batch), op.schema)
    if key is None:
        raise Gap((op.schema, _table_of(op, batch)), edit.NOT_CREATED)
    name = name_of(op.constraint_name)
    if op.if_exists:
        edit.drop_constraint_if_exists(model, key, name, op.constraint_type)
        return
    edit.drop_constraint(model, key, name, op.constraint_type)


@APPLY.register(ops.CreateTableCommentOp)
def _table_comment(model: SchemaModel, op: ops.CreateTableCommentOp, batch: str | None) -> None:
    edit.set_comment(model, edit.require(model, _table_of(op, batch), op.schema), op.comment)


@APPLY.register(ops.DropTableCommentOp)
def _drop_table_comment(model: SchemaModel, op: ops.DropTableCommentOp, batch: str | None) -> None:
    edit.set_comment(model, edit.require(model, _table_of(op, batch), op.schema), None)


@APPLY.register(ops.BulkInsertOp)
def _no_change(model: SchemaModel, op: Any, batch: str | None) -> None:
    """Rows only (bulk_insert): the schema stays as it is."""


def understands(operation: object) -> bool:
    """Whether apply_operation applies this kind of operation itself."""
    if isinstance(operation, ops.OpContainer):
        return all(understands(o) for o in operation.ops)
    return APPLY.handler(operation) is not None


def apply_operation(
    model: SchemaModel,
    operation: object,
    batch_table: str | None = None,
    where: str = "",
    result: object = None,
) -> bool:
    """Apply one Alembic operation to the model.

    False for what it does not apply: ExecuteSQLOp (its SQL, compiled for the
    dialect, is in the captured items: pass that to apply_sql) and operation
    kinds it does not know (a project's own, registered with Alembic: apply the
    SQL they emitted). `where` ("revision X, line N") goes into the message of
    a table this makes uncertain. `result`: what invoking the operation returned
    (the Table of a create_table), read instead of building it again.
    """
    if isinstance(operation, ops.OpContainer):  # UpgradeOps / ModifyTableOps
        results = [apply_operation(model, o, batch_table, where) for o in operation.ops]
        return all(results)
    handler = APPLY.handler(operation)
    if handler is None:
        return False
    try:
        if isinstance(operation, ops.CreateTableOp) and isinstance(result, sa.Table):
            # the Table Alembic built and created: read it, rather than build it again
            _create(model, result, bool(operation.if_not_exists))
        else:
            handler(model, operation, batch_table)
    except Gap as gap:
        model.mark_uncertain(gap.key, Uncertainty(where, gap.reason))
    return True


# --- a captured step, in the order the database saw it ---


def _where(step: StepCapture, line: int | None) -> str:
    revision = getattr(step.step.revision, "revision", "?")
    return f"revision {revision}, line {line}" if line is not None else f"revision {revision}"


def replay_step(model: SchemaModel, step: StepCapture, sqlglot_dialect: str) -> None:
    """Apply a captured step: its operations and the raw SQL it executed, in order.

    The calls and the items are two lists; the items say where each call's SQL
    went, so calls are applied when their first statement comes (batch calls when
    their batch's SQL comes), and raw SQL (op.execute, the bind, a reviewed
    override file) between them. Version-table bookkeeping is left out.
    """
    pending: list[OperationCall] = list(step.calls)

    def apply_through(found: Callable[[OperationCall], bool]) -> None:
        # the calls up to the last one `found` matches: the SQL they emitted came before
        last = max((i for i, c in enumerate(pending) if found(c)), default=-1)
        for call in pending[: last + 1]:
            _apply_call(model, call, step)
        del pending[: last + 1]

    for item in step.items:
        if item.version or item.kind in ("begin", "commit"):
            continue
        operation = item.operation
        if isinstance(operation, BatchFlush):
            apply_through(_in_batch(operation.table))
            continue
        if operation is not None:
            apply_through(_invoking(operation))
        # raw SQL (op.execute, the bind, an override file), or what an operation kind
        # the model does not know emitted
        if operation is None or not understands(operation):
            _apply_item(model, item, step, sqlglot_dialect)
    for call in pending:
        _apply_call(model, call, step)


def _in_batch(table: str) -> Callable[[OperationCall], bool]:
    return lambda call: call.batch_table == table


def _invoking(operation: object) -> Callable[[OperationCall], bool]:
    return lambda call: call.operation is operation


def _apply_call(model: SchemaModel, call: OperationCall, step: StepCapture) -> None:
    apply_operation(model, call.operation, call.batch_table, _where(step, call.line))


def _apply_item(model: SchemaModel, item: Item, step: StepCapture, dialect: str) -> None:
    if item.sql:
        apply_sql(model, item.sql, dialect, _where(step, item.line))


def replay(model: SchemaModel, steps: Sequence[StepCapture], sqlglot_dialect: str) -> None:
    """replay_step for each step, in order."""
    for step in steps:
        replay_step(model, step, sqlglot_dialect)
