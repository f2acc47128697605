"""A SQLAlchemy Inspector that answers from the schema model, not a database.

ModelInspector subclasses SQLAlchemy's Inspector so that everything built on
the public methods works unchanged: `reflect_table` (and `Table(...,
autoload_with=inspector.bind)`), `get_sorted_table_and_fkc_names`, Alembic's
autogenerate. Only the methods that would ask the database are replaced. A
question about a table whose shape the model does not know raises
UncertainTable.
"""

from __future__ import annotations

import contextlib
from collections.abc import Generator, Sequence
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.engine.interfaces import (
    ReflectedCheckConstraint,
    ReflectedColumn,
    ReflectedForeignKeyConstraint,
    ReflectedIndex,
    ReflectedPrimaryKeyConstraint,
    ReflectedTableComment,
    ReflectedUniqueConstraint,
    TableKey,
)
from sqlalchemy.engine.reflection import Inspector, ObjectKind, ObjectScope
from sqlalchemy.exc import NoSuchTableError

from sqlgen.model.reflected import as_reflected
from sqlgen.model.schema import (
    ColumnModel,
    SchemaModel,
    TableModel,
    UncertainTable,
    Uncertainty,
)
from sqlgen.runtime import internals


class ModelBind:
    """The inspector's `bind`: carries the dialect, and `sqlalchemy.inspect()` maps it back.

    So `Table(name, metadata, autoload_with=inspector.bind)` reflects from the model.
    """

    def __init__(self, inspector: ModelInspector) -> None:
        self.inspector = inspector
        self.dialect = inspector.dialect

    @property
    def engine(self) -> ModelBind:
        return self

    def schema_for_object(self, obj: Any) -> str | None:
        return cast(str | None, obj.schema)

    def connect(self) -> ModelBind:
        return self

    def close(self) -> None:
        """Nothing to close: there is no connection."""


@internals.register_inspection(ModelBind)
def _inspect_bind(bind: ModelBind) -> ModelInspector:
    return bind.inspector


class ModelInspector(Inspector):
    """Inspector over a SchemaModel, for `dialect` (its default schema and type names)."""

    def __init__(self, model: SchemaModel, dialect: Dialect) -> None:
        # not Inspector.__init__: it is deprecated, and it connects
        self.model = model
        self.dialect = dialect
        self.bind = cast(Any, ModelBind(self))
        self.engine = cast(Any, self.bind)
        self._op_context_requires_connect = False
        self.info_cache = {}

    @contextlib.contextmanager
    def _operation_context(self) -> Generator[Any, None, None]:
        yield self.bind

    @contextlib.contextmanager
    def _inspection_context(self) -> Generator[Inspector, None, None]:
        yield self

    # --- names and keys ---

    def _schema(self, schema: str | None) -> str | None:
        """The model's key for a schema: None for the default one, however named."""
        if schema is not None and schema == self.dialect.default_schema_name:
            return None
        return self.model.normal(schema)

    def _table(self, table_name: str, schema: str | None) -> TableModel:
        key = self.model.find(table_name, self._schema(schema))
        self.model.check(key, table_name)
        if key is None:
            if (self._schema(schema), table_name) in self.model.views:
                raise UncertainTable(
                    table_name, Uncertainty("", "is a view, whose columns sqlgen does not model")
                )
            raise NoSuchTableError(table_name if schema is None else f"{schema}.{table_name}")
        return self.model.tables[key]

    def get_schema_names(self, **kw: Any) -> list[str]:
        self.model.check(None)
        names = {self.dialect.default_schema_name, *self.model.schemas}
        names.update(key[0] for key in self.model.tables)
        return sorted(n for n in names if n)

    def has_schema(self, schema_name: str, **kw: Any) -> bool:
        return schema_name in self.get_schema_names()

    def get_table_names(self, schema: str | None = None, **kw: Any) -> list[str]:
        schema = self._schema(schema)
        self.model.check_existence(schema)
        return sorted(name for s, name in self.model.tables if s == schema)

    def has_table(self, table_name: str, schema: str | None = None, **kw: Any) -> bool:
        schema = self._schema(schema)
        key = self.model.find(table_name, schema)
        self.model.check(None, table_name)
        if key is not None and key in self.model.uncertain and self.model.uncertain[key].existence:
            raise UncertainTable(table_name, self.model.uncertain[key])
        return key is not None or (schema, table_name) in self.model.views

    def has_index(
        self, table_name: str, index_name: str, schema: str | None = None, **kw: Any
    ) -> bool:
        return any(i.name == index_name for i in self._table(table_name, schema).indexes)

    def get_view_names(self, schema: str | None = None, **kw: Any) -> list[str]:
        self.model.check(None)
        schema = self._schema(schema)
        return sorted(name for s, name in self.model.views if s == schema)

    def get_materialized_view_names(self, schema: str | None = None, **kw: Any) -> list[str]:
        return []  # views are kept by name only, plain and materialized alike

    def get_temp_table_names(self, **kw: Any) -> list[str]:
        return []  # temporary tables are not part of the model

    def get_temp_view_names(self, **kw: Any) -> list[str]:
        return []

    def get_sequence_names(self, schema: str | None = None, **kw: Any) -> list[str]:
        raise NotImplementedError("sqlgen's offline schema model does not track sequences")

    def has_sequence(self, sequence_name: str, schema: str | None = None, **kw: Any) -> bool:
        raise NotImplementedError("sqlgen's offline schema model does not track sequences")

    def get_view_definition(self, view_name: str, schema: str | None = None, **kw: Any) -> str:
        raise NotImplementedError("sqlgen's offline schema model does not keep view definitions")

    # --- one table ---

    def get_columns(
        self, table_name: str, schema: str | None = None, **kw: Any
    ) -> list[ReflectedColumn]:
        table = self._table(table_name, schema)
        return [_column(table, c, self.dialect) for c in table.columns]

    def get_pk_constraint(
        self, table_name: str, schema: str | None = None, **kw: Any
    ) -> ReflectedPrimaryKeyConstraint:
        pk = self._table(table_name, schema).primary_key
        if pk is None:
            return {"constrained_columns": [], "name": None}
        return {"constrained_columns": list(pk.columns), "name": pk.name}

    def get_foreign_keys(
        self, table_name: str, schema: str | None = None, **kw: Any
    ) -> list[ReflectedForeignKeyConstraint]:
        return [
            {
                "name": fk.name,
                "constrained_columns": list(fk.columns),
                "referred_schema": fk.referred_schema,
                "referred_table": fk.referred_table,
                "referred_columns": list(fk.referred_columns),
                "options": dict(fk.options),
            }
            for fk in self._table(table_name, schema).foreign_keys
        ]

    def get_indexes(
        self, table_name: str, schema: str | None = None, **kw: Any
    ) -> list[ReflectedIndex]:
        found: list[ReflectedIndex] = []
        for index in self._table(table_name, schema).indexes:
            entry: ReflectedIndex = {
                "name": index.name,
                "column_names": list(index.columns),
                "unique": index.unique,
            }
            if index.expressions:
                entry["expressions"] = list(index.expressions)
            if index.sorting:
                entry["column_sorting"] = cast(Any, dict(index.sorting))
            if index.dialect_options:
                entry["dialect_options"] = _reflected_options(index.dialect_options)
            found.append(entry)
        return found

    def get_unique_constraints(
        self, table_name: str, schema: str | None = None, **kw: Any
    ) -> list[ReflectedUniqueConstraint]:
        return [
            {"name": u.name, "column_names": list(u.columns)}
            for u in self._table(table_name, schema).uniques
        ]

    def get_check_constraints(
        self, table_name: str, schema: str | None = None, **kw: Any
    ) -> list[ReflectedCheckConstraint]:
        return [
            {"name": c.name, "sqltext": c.sqltext} for c in self._table(table_name, schema).checks
        ]

    def get_table_comment(
        self, table_name: str, schema: str | None = None, **kw: Any
    ) -> ReflectedTableComment:
        return {"text": self._table(table_name, schema).comment}

    def get_table_options(
        self, table_name: str, schema: str | None = None, **kw: Any
    ) -> dict[str, Any]:
        self._table(table_name, schema)
        return {}

    # --- many tables: what reflect_table and Alembic's autogenerate use ---

    def _names(
        self,
        schema: str | None,
        filter_names: Sequence[str] | None,
        kind: ObjectKind,
        scope: ObjectScope,
    ) -> list[str]:
        """The tables a get_multi_* call covers; uncertain ones raise when asked for."""
        if ObjectScope.DEFAULT not in scope or ObjectKind.TABLE not in kind:
            return []  # temporary tables and views are not modelled
        model_schema = self._schema(schema)
        if filter_names is None:
            names = self.get_table_names(schema)
            for name in names:
                self.model.check(self.model.find(name, model_schema))
            return names
        names = []
        for name in filter_names:
            key = self.model.find(name, model_schema)
            if key is not None:
                self.model.check(key)
                names.append(name)
            elif ObjectKind.VIEW in kind and (model_schema, name) in self.model.views:
                self._table(name, schema)  # raises: a view's columns are unknown
        return names

    def _multi(
        self,
        method: Any,
        schema: str | None,
        filter_names: Sequence[str] | None,
        kind: ObjectKind,
        scope: ObjectScope,
    ) -> dict[TableKey, Any]:
        return {
            (schema, name): method(name, schema)
            for name in self._names(schema, filter_names, kind, scope)
        }

    def get_multi_columns(
        self,
        schema: str | None = None,
        filter_names: Sequence[str] | None = None,
        kind: ObjectKind = ObjectKind.TABLE,
        scope: ObjectScope = ObjectScope.DEFAULT,
        **kw: Any,
    ) -> dict[TableKey, list[ReflectedColumn]]:
        return self._multi(self.get_columns, schema, filter_names, kind, scope)

    def get_multi_pk_constraint(
        self,
        schema: str | None = None,
        filter_names: Sequence[str] | None = None,
        kind: ObjectKind = ObjectKind.TABLE,
        scope: ObjectScope = ObjectScope.DEFAULT,
        **kw: Any,
    ) -> dict[TableKey, ReflectedPrimaryKeyConstraint]:
        return self._multi(self.get_pk_constraint, schema, filter_names, kind, scope)

    def get_multi_foreign_keys(
        self,
        schema: str | None = None,
        filter_names: Sequence[str] | None = None,
        kind: ObjectKind = ObjectKind.TABLE,
        scope: ObjectScope = ObjectScope.DEFAULT,
        **kw: Any,
    ) -> dict[TableKey, list[ReflectedForeignKeyConstraint]]:
        return self._multi(self.get_foreign_keys, schema, filter_names, kind, scope)

    def get_multi_indexes(
        self,
        schema: str | None = None,
        filter_names: Sequence[str] | None = None,
        kind: ObjectKind = ObjectKind.TABLE,
        scope: ObjectScope = ObjectScope.DEFAULT,
        **kw: Any,
    ) -> dict[TableKey, list[ReflectedIndex]]:
        return self._multi(self.get_indexes, schema, filter_names, kind, scope)

    def get_multi_unique_constraints(
        self,
        schema: str | None = None,
        filter_names: Sequence[str] | None = None,
        kind: ObjectKind = ObjectKind.TABLE,
        scope: ObjectScope = ObjectScope.DEFAULT,
        **kw: Any,
    ) -> dict[TableKey, list[ReflectedUniqueConstraint]]:
        return self._multi(self.get_unique_constraints, schema, filter_names, kind, scope)

    def get_multi_check_constraints(
        self,
        schema: str | None = None,
        filter_names: Sequence[str] | None = None,
        kind: ObjectKind = ObjectKind.TABLE,
        scope: ObjectScope = ObjectScope.DEFAULT,
        **kw: Any,
    ) -> dict[TableKey, list[ReflectedCheckConstraint]]:
        return self._multi(self.get_check_constraints, schema, filter_names, kind, scope)

    def get_multi_table_comment(
        self,
        schema: str | None = None,
        filter_names: Sequence[str] | None = None,
        kind: ObjectKind = ObjectKind.TABLE,
        scope: ObjectScope = ObjectScope.DEFAULT,
        **kw: Any,
    ) -> dict[TableKey, ReflectedTableComment]:
        return self._multi(self.get_table_comment, schema, filter_names, kind, scope)

    def get_multi_table_options(
        self,
        schema: str | None = None,
        filter_names: Sequence[str] | None = None,
        kind: ObjectKind = ObjectKind.TABLE,
        scope: ObjectScope = ObjectScope.DEFAULT,
        **kw: Any,
    ) -> dict[TableKey, dict[str, Any]]:
        return self._multi(self.get_table_options, schema, filter_names, kind, scope)


# Index options a dialect's own reflection gives as a SQL construct, not as text: the
# model keeps every option as text, and SQLite's DDL compiler cannot compile a str.
_CLAUSE_OPTIONS = frozenset({"sqlite_where"})


def _reflected_options(options: Sequence[tuple[str, Any]]) -> dict[str, Any]:
    """An index's dialect options as the dialect's reflection gives them.

    SQLite reflects a partial index's predicate as `text()` (PostgreSQL and SQL
    Server as a string); batch mode hands them back to `Index(...)`, so the
    rebuilt table's CREATE INDEX keeps its WHERE clause.
    """
    return {
        key: sa.text(value) if key in _CLAUSE_OPTIONS and isinstance(value, str) else value
        for key, value in options
    }


def _autoincrement(table: TableModel, column: ColumnModel) -> bool:
    """SQLAlchemy's "auto" rule: the table's only key column, an integer, no default."""
    if column.autoincrement is True or column.identity is not None:
        return True
    if column.autoincrement is False or column.computed is not None:
        return False
    pk = table.primary_key
    return (
        pk is not None
        and pk.columns == (column.name,)
        and isinstance(column.type, sa.Integer)
        and column.server_default is None
        and not any(column.name in fk.columns for fk in table.foreign_keys)
    )


def _column(table: TableModel, column: ColumnModel, dialect: Dialect) -> ReflectedColumn:
    reflected = as_reflected(column.type, dialect)
    found: ReflectedColumn = {
        "name": column.name,
        # as the database would report it; each caller gets its own, as from a database
        "type": reflected.copy() if reflected is column.type else reflected,
        "nullable": column.nullable,
        "default": column.server_default,
        "autoincrement": _autoincrement(table, column),
        "comment": column.comment,
    }
    if column.computed is not None:
        found["computed"] = {"sqltext": column.computed.sqltext}
        if column.computed.persisted is not None:
            found["computed"]["persisted"] = column.computed.persisted
    if column.identity is not None:
        found["identity"] = cast(Any, dict(column.identity))
    return found
