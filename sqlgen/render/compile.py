"""Compiling captured constructs for one dialect. SQLAlchemy decides the SQL.

This follows Alembic's offline `_exec`: DDL compiles as it is, everything else
with literal binds. The dialect is built with the named paramstyle, so a `%`
in a statement is never doubled.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Dialect
from sqlalchemy.schema import DDLElement
from sqlalchemy.sql.dml import ValuesBase
from sqlalchemy.sql.elements import ClauseElement, TextClause


def bind_parameters(construct: ClauseElement, params: Mapping[str, Any]) -> ClauseElement:
    """Fold execute() parameters into the construct so they render as literals."""
    if not params:
        return construct
    if isinstance(construct, TextClause):
        return construct.bindparams(**params)
    if isinstance(construct, ValuesBase):
        return construct.values(**params)
    return construct.params(**params)


def compile_statement(construct: ClauseElement | str, dialect: Dialect) -> str:
    """The SQL text of one construct, without a terminator."""
    if isinstance(construct, str):
        construct = text(construct)
    if isinstance(construct, DDLElement):
        compiled = construct.compile(dialect=dialect)
    else:
        compiled = construct.compile(dialect=dialect, compile_kwargs={"literal_binds": True})
    return str(compiled).strip()
