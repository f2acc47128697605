"""Between the model and SQLAlchemy: Table objects in, Table objects out.

`from_table` reads a Table the way the database would hold it after CREATE
TABLE (what `op.create_table` and Alembic's batch `copy_from` describe);
`to_table` and `to_metadata` build Tables back, for batch mode's `copy_from`
and for printing CREATE statements.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import ClauseElement, TextClause, UnaryExpression
from sqlalchemy.sql.schema import DefaultClause
from sqlalchemy.types import TypeEngine

from sqlgen.model.schema import (
    CheckModel,
    ColumnModel,
    ComputedModel,
    ForeignKeyModel,
    IndexModel,
    PrimaryKeyModel,
    SchemaModel,
    TableModel,
    UniqueModel,
    options,
)
from sqlgen.runtime import internals

_IDENTITY_KEYS = (
    "always",
    "on_null",
    "start",
    "increment",
    "minvalue",
    "maxvalue",
    "nominvalue",
    "nomaxvalue",
    "cycle",
    "cache",
    "order",
)
_FK_OPTIONS = ("ondelete", "onupdate", "deferrable", "initially", "match")


# --- SQLAlchemy -> model ---


def name_of(value: object) -> str | None:
    """A constraint or index name as text: None when unnamed (None or SQLAlchemy's NONE_NAME)."""
    if value is None or internals.is_none_name(value):
        return None
    return str(value)


def fresh_type(type_: TypeEngine[Any] | type[TypeEngine[Any]]) -> TypeEngine[Any]:
    """An instance of its own: an Enum or Boolean attaches itself to the table it goes in."""
    instance = sa.types.to_instance(type_)
    return instance.copy()


# The dialect the migrations run for. The model keeps an expression (a server default,
# computed column, CHECK condition, index expression or predicate) as the SQL that dialect
# compiles it to, which is what its database holds and reflection gives back: a SQLite
# batch rebuild or `sqlgen schema` then writes `CURRENT_TIMESTAMP` and `0` where the
# migration said func.now() and false(), not the generic `now()` and `false`.
_EXPRESSION_DIALECT: ContextVar[Dialect | None] = ContextVar("expression_dialect", default=None)


@contextmanager
def expressions_for(dialect: Dialect) -> Iterator[None]:
    """Within: the model keeps expressions as `dialect` compiles them."""
    token = _EXPRESSION_DIALECT.set(dialect)
    try:
        yield
    finally:
        _EXPRESSION_DIALECT.reset(token)


def sql_text(element: object) -> str:
    """SQL for a default, CHECK condition or index expression, with literals inline,
    compiled for the dialect of the run (see expressions_for); text stays as written."""
    if isinstance(element, str):
        return element
    if isinstance(element, TextClause):
        return element.text
    if isinstance(element, ClauseElement):
        kwargs = {"literal_binds": True, "include_table": False}
        dialect = _EXPRESSION_DIALECT.get()
        if dialect is not None:
            try:
                return str(element.compile(dialect=dialect, compile_kwargs=kwargs))
            except (SQLAlchemyError, NotImplementedError, TypeError):
                pass  # the dialect cannot write it inline: its DDL will say so
        return str(element.compile(compile_kwargs=kwargs))
    return str(element)


def default_text(default: object) -> str | None:
    """A server default as DDL writes it: a plain string becomes a quoted literal."""
    if isinstance(default, str):
        return "'" + default.replace("'", "''") + "'"
    if isinstance(default, DefaultClause):
        return default_text(default.arg)
    if isinstance(default, ClauseElement):
        return sql_text(default)
    return None  # no default, or a FetchedValue the server fills in some other way


def column_from(column: sa.Column[Any]) -> ColumnModel:
    computed = column.computed
    identity = column.identity
    return ColumnModel(
        name=column.name,
        type=fresh_type(column.type),
        nullable=bool(column.nullable),
        server_default=None
        if computed is not None or identity is not None
        else default_text(column.server_default),
        comment=column.comment,
        autoincrement=column.autoincrement,
        computed=None
        if computed is None
        else ComputedModel(sql_text(computed.sqltext), computed.persisted),
        identity=None
        if identity is None
        else options({k: getattr(identity, k, None) for k in _IDENTITY_KEYS}),
    )


_SORTING = {
    operators.desc_op: "desc",
    operators.asc_op: "asc",
    operators.nulls_first_op: "nulls_first",
    operators.nulls_last_op: "nulls_last",
}


def _sorted_column(element: object) -> tuple[str, tuple[str, ...]] | None:
    """`t.c.a.desc()` -> ("a", ("desc",)); None for anything but a (sorted) column."""
    modifiers: list[str] = []
    while isinstance(element, UnaryExpression) and element.modifier in _SORTING:
        modifiers.insert(0, _SORTING[element.modifier])
        element = element.element
    if isinstance(element, sa.Column):
        return element.name, tuple(m for m in modifiers if m != "asc")
    return None


def index_from(index: sa.Index) -> IndexModel:
    columns: list[str | None] = []
    expressions: list[str] = []
    sorting: list[tuple[str, tuple[str, ...]]] = []
    for element in index.expressions:
        column = _sorted_column(element)
        if column is not None:
            columns.append(column[0])
            expressions.append(column[0])
            if column[1]:
                sorting.append(column)
        else:
            columns.append(None)
            expressions.append(sql_text(element))
    return IndexModel(
        name=name_of(index.name),
        columns=tuple(columns),
        unique=bool(index.unique),
        expressions=tuple(expressions) if None in columns else (),
        sorting=tuple(sorting),
        # as SQL text, the way reflection gives them (postgresql_where="a > 0")
        dialect_options=options(
            {
                k: sql_text(v) if isinstance(v, ClauseElement) else v
                for k, v in index.dialect_kwargs.items()
            }
        ),
    )


def foreign_key_from(constraint: sa.ForeignKeyConstraint) -> ForeignKeyModel:
    targets = [internals.column_tokens(element) for element in constraint.elements]
    return ForeignKeyModel(
        name=name_of(constraint.name),
        columns=tuple(constraint.column_keys),
        referred_schema=targets[0].schema if targets else None,
        referred_table=(targets[0].table_name or "") if targets else "",
        referred_columns=tuple(t.column_name or "" for t in targets),
        options=options({k: getattr(constraint, k, None) for k in _FK_OPTIONS}),
    )


def check_from(constraint: sa.CheckConstraint) -> CheckModel:
    return CheckModel(
        name_of(constraint.name), sql_text(constraint.sqltext), internals.type_bound(constraint)
    )


def _created(item: object) -> int:
    return internals.creation_order(item)


def check_constraints(table: sa.Table) -> list[tuple[sa.CheckConstraint, bool]]:
    """The table's CHECKs in the order of the model's `checks`: the table's own, then
    those declared on a column (True), which CREATE TABLE writes in the column's line."""
    constraints = sorted(table.constraints, key=internals.creation_order)
    found = [(c, False) for c in constraints if isinstance(c, sa.CheckConstraint)]
    for column in table.columns:  # column-level CHECKs live on the column, not the table
        found += [(c, True) for c in column.constraints if isinstance(c, sa.CheckConstraint)]
    return found


def from_table(table: sa.Table) -> TableModel:
    """The table as CREATE TABLE makes it, indexes included."""
    # Table.constraints is a set: creation order keeps the model deterministic
    constraints = sorted(table.constraints, key=internals.creation_order)
    checks = [check_from(c) for c, _ in check_constraints(table)]
    pk = table.primary_key
    return TableModel(
        name=table.name,
        schema=table.schema,
        columns=tuple(column_from(c) for c in table.columns),
        primary_key=PrimaryKeyModel(name_of(pk.name), tuple(c.name for c in pk.columns))
        if len(pk.columns)
        else None,
        indexes=tuple(index_from(i) for i in sorted(table.indexes, key=_created)),
        uniques=tuple(
            UniqueModel(name_of(c.name), tuple(col.name for col in c.columns))
            for c in constraints
            if isinstance(c, sa.UniqueConstraint)
        ),
        checks=tuple(checks),
        foreign_keys=tuple(
            foreign_key_from(c) for c in constraints if isinstance(c, sa.ForeignKeyConstraint)
        ),
        comment=table.comment,
    )


# --- model -> SQLAlchemy ---


def to_column(column: ColumnModel) -> sa.Column[Any]:
    args: list[Any] = []
    if column.server_default is not None:
        args.append(sa.DefaultClause(sa.text(column.server_default)))
    if column.computed is not None:
        args.append(sa.Computed(sa.text(column.computed.sqltext), column.computed.persisted))
    if column.identity is not None:
        args.append(sa.Identity(**dict(column.identity)))
    return sa.Column(
        column.name,
        fresh_type(column.type),
        *args,
        nullable=column.nullable,
        comment=column.comment,
        autoincrement=column.autoincrement,  # type: ignore[arg-type]
    )


def _target(fk: ForeignKeyModel, column: str) -> str:
    parts = [fk.referred_schema, fk.referred_table, column]
    return ".".join(p for p in parts if p is not None)


_SORT_OPERATORS = {v: k for k, v in _SORTING.items()}


def _index_elements(table: sa.Table, index: IndexModel) -> list[Any]:
    sorting = dict(index.sorting)
    expressions = index.expressions or tuple(c or "" for c in index.columns)
    elements: list[Any] = []
    for name, expression in zip(index.columns, expressions, strict=True):
        if name is None:
            elements.append(sa.text(expression))
            continue
        element: Any = table.c[name]
        for modifier in sorting.get(name, ()):
            element = _SORT_OPERATORS[modifier](element)
        elements.append(element)
    return elements


def build_table(table: TableModel, metadata: sa.MetaData) -> sa.Table:
    """A Table for `table` in `metadata`; FKs name their targets as "schema.table.column"."""
    items: list[Any] = [to_column(c) for c in table.columns]
    if table.primary_key is not None:
        items.append(
            sa.PrimaryKeyConstraint(*table.primary_key.columns, name=table.primary_key.name)
        )
    items += [sa.UniqueConstraint(*u.columns, name=u.name) for u in table.uniques]
    # type-bound CHECKs come back from the column's type: adding them would double them
    items += [
        sa.CheckConstraint(sa.text(c.sqltext), name=c.name)
        for c in table.checks
        if not c.type_bound
    ]
    items += [
        sa.ForeignKeyConstraint(
            list(fk.columns),
            [_target(fk, c) for c in fk.referred_columns],
            name=fk.name,
            **dict(fk.options),
        )
        for fk in table.foreign_keys
    ]
    built = sa.Table(table.name, metadata, *items, schema=table.schema, comment=table.comment)
    for index in table.indexes:
        kwargs: dict[str, Any] = {
            k: sa.text(v) if k.endswith("_where") and isinstance(v, str) else v
            for k, v in index.dialect_options
        }
        sa.Index(
            index.name, *_index_elements(built, index), unique=index.unique, _table=built, **kwargs
        )
    return built


def to_table(
    model: SchemaModel, name: str, schema: str | None = None, metadata: sa.MetaData | None = None
) -> sa.Table:
    """Table `name` as the model has it; UncertainTable when its shape is unknown.

    KeyError when the model has no such table.
    """
    key = model.find(name, schema)
    if key is None:
        model.check(None, name)
        raise KeyError(f"the schema has no table {name!r}" + (f" in {schema!r}" if schema else ""))
    model.check(key)
    return build_table(model.tables[key], metadata if metadata is not None else sa.MetaData())


def to_metadata(model: SchemaModel) -> sa.MetaData:
    """Every table, ordered by (schema, name); UncertainTable if any shape is unknown."""
    metadata = sa.MetaData()
    for key in sorted(model.tables, key=lambda k: (k[0] or "", k[1])):
        model.check(key)
        build_table(model.tables[key], metadata)
    return metadata
