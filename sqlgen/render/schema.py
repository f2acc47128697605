"""A schema model as the CREATE statements that would build it.

Schemas first, then tables in dependency order, each followed by its indexes;
foreign keys that close a cycle are added at the end, as SQLAlchemy's
`create_all` does. Each statement is compiled for the dialect and laid out as
in a script, so what a reviewer reads is what the migrations' own DDL compiles to.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Column, MetaData, Table
from sqlalchemy.engine import Dialect
from sqlalchemy.schema import (
    AddConstraint,
    CreateIndex,
    CreateSchema,
    CreateTable,
    sort_tables_and_constraints,
)
from sqlalchemy.types import NullType

from sqlgen.dialects.corrections import correct, correction_note
from sqlgen.dialects.profiles import Profile
from sqlgen.model import SchemaModel, TableModel, to_metadata
from sqlgen.model.tables import build_table
from sqlgen.pipeline.captured import one_line
from sqlgen.render.compile import compile_statement
from sqlgen.render.layout import lay_out
from sqlgen.runtime import internals


def _with_referred_tables(metadata: MetaData, tables: Sequence[TableModel]) -> None:
    """Stand-ins for tables the foreign keys name but the metadata lacks.

    A foreign key is compiled from the table it refers to; one that refers to a
    table not shown (or no longer there) still compiles, from its stand-in,
    which is never emitted.
    """
    for table in tables:
        for fk in table.foreign_keys:
            key = f"{fk.referred_schema}.{fk.referred_table}" if fk.referred_schema else None
            if (key or fk.referred_table) in metadata.tables:
                continue
            columns = [Column(name, NullType()) for name in fk.referred_columns]
            Table(fk.referred_table, metadata, *columns, schema=fk.referred_schema)


def _created_order(item: Any) -> int:
    return internals.creation_order(item)


def _table_statements(table: Table, foreign_keys: Any = None) -> list[Any]:
    statements: list[Any] = [CreateTable(table, include_foreign_key_constraints=foreign_keys)]
    statements += [CreateIndex(index) for index in sorted(table.indexes, key=_created_order)]
    return statements


def schema_statements(model: SchemaModel) -> list[Any]:
    """The DDL elements that build the model, in an order a database accepts.

    Raises UncertainTable when a table's shape is unknown.
    """
    metadata = to_metadata(model)
    tables = list(metadata.tables.values())  # to_metadata orders them by (schema, name)
    _with_referred_tables(metadata, list(model.tables.values()))
    statements: list[Any] = [CreateSchema(name) for name in sorted(model.schemas)]
    for table, foreign_keys in sort_tables_and_constraints(tables):  # type: ignore[no-untyped-call]
        if table is not None:
            statements += _table_statements(table, foreign_keys)
        else:  # the foreign keys of a cycle: once every table exists
            statements += [AddConstraint(fk) for fk in foreign_keys]
    return statements


def table_statements(table: TableModel) -> list[Any]:
    """CREATE TABLE and CREATE INDEX for one table, its foreign keys inline."""
    metadata = MetaData()
    built = build_table(table, metadata)
    _with_referred_tables(metadata, [table])
    return _table_statements(built)


def render_statements(statements: Sequence[Any], profile: Profile, dialect: Dialect) -> list[str]:
    """Each statement compiled and laid out, with the dialect's terminator and separator."""
    texts = []
    for statement in statements:
        corrected = correct(compile_statement(statement, dialect), profile.corrections)
        note = ""
        if corrected.applied:
            note = f"-- {correction_note(', '.join(corrected.applied), profile.name)}\n"
        for sql in corrected.statements:
            text = lay_out(sql, profile.sqlglot).text + profile.terminator
            if profile.batch_separator:
                text += f"\n{profile.batch_separator}"
            texts.append(note + text)
            note = ""
    return texts


def render_schema(
    model: SchemaModel, profile: Profile, dialect: Dialect, header: Sequence[str]
) -> str:
    """The whole schema as a script: `header` lines as comments, then the statements."""
    blocks = ["\n".join(f"-- {one_line(line)}" for line in header)]
    blocks += render_statements(schema_statements(model), profile, dialect)
    return "\n\n".join(blocks) + "\n"
