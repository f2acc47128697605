"""SQLAlchemy types for the column types of raw SQL, read by sqlglot.

Only types with a generic SQLAlchemy equivalent are mapped; the rest become
VerbatimType (a NullType keeping the type as written), so nothing is compared as a type it is not.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.types import TypeEngine
from sqlglot import exp

from sqlgen.model.schema import VerbatimType

T = exp.DataType.Type


def _numbers(dtype: exp.DataType) -> list[int | None]:
    """The type's parameters: VARCHAR(20) -> [20]; VARCHAR(MAX) -> [None]."""
    found: list[int | None] = []
    for param in dtype.expressions:
        value = param.this if isinstance(param, exp.DataTypeParam) else param
        is_number = isinstance(value, exp.Literal) and not value.is_string
        found.append(int(value.name) if is_number else None)
    return found


def _length(make: Callable[..., TypeEngine[Any]]) -> Callable[[exp.DataType], TypeEngine[Any]]:
    def build(dtype: exp.DataType) -> TypeEngine[Any]:
        numbers = _numbers(dtype)
        return make(numbers[0]) if numbers else make()

    return build


def _plain(make: Callable[[], TypeEngine[Any]]) -> Callable[[exp.DataType], TypeEngine[Any]]:
    return lambda dtype: make()


def _numeric(dtype: exp.DataType) -> TypeEngine[Any]:
    # sqlglot reads NUMERIC and DECIMAL alike; NUMERIC is the generic spelling
    numbers = [*_numbers(dtype), None, None]
    return sa.Numeric(numbers[0], numbers[1])


def _enum(dtype: exp.DataType) -> TypeEngine[Any]:
    values = [e.name for e in dtype.expressions if isinstance(e, exp.Literal)]
    return sa.Enum(*values)


_TYPES: dict[Any, Callable[[exp.DataType], TypeEngine[Any]]] = {
    T.INT: _plain(sa.Integer),
    T.SERIAL: _plain(sa.Integer),
    T.BIGINT: _plain(sa.BigInteger),
    T.BIGSERIAL: _plain(sa.BigInteger),
    T.SMALLINT: _plain(sa.SmallInteger),
    T.SMALLSERIAL: _plain(sa.SmallInteger),
    T.VARCHAR: _length(sa.String),
    T.NVARCHAR: _length(sa.NVARCHAR),
    T.CHAR: _length(sa.CHAR),
    T.NCHAR: _length(sa.NCHAR),
    T.TEXT: _plain(sa.Text),
    T.DECIMAL: _numeric,
    T.FLOAT: _plain(sa.Float),
    T.DOUBLE: _plain(sa.Double),
    T.BOOLEAN: _plain(sa.Boolean),
    T.DATE: _plain(sa.Date),
    T.TIME: _plain(sa.Time),
    T.TIMETZ: lambda dtype: sa.Time(timezone=True),
    T.DATETIME: _plain(sa.DateTime),
    T.TIMESTAMP: _plain(sa.DateTime),
    T.TIMESTAMPTZ: lambda dtype: sa.DateTime(timezone=True),
    T.BLOB: _plain(sa.LargeBinary),
    T.VARBINARY: _length(sa.VARBINARY),
    T.BINARY: _length(sa.BINARY),
    T.UUID: _plain(sa.Uuid),
    T.JSON: _plain(sa.JSON),
    T.JSONB: _plain(postgresql.JSONB),
    T.INTERVAL: _plain(sa.Interval),
    T.ENUM: _enum,
}

# the serial types also make the column autoincrement and NOT NULL
SERIAL = frozenset({T.SERIAL, T.BIGSERIAL, T.SMALLSERIAL})


def sa_type(dtype: exp.DataType, dialect: str) -> TypeEngine[Any]:
    """The SQLAlchemy type for a sqlglot DataType, or VerbatimType with the SQL as written."""
    build = _TYPES.get(dtype.this)
    nested = bool(dtype.args.get("nested")) or dtype.this == T.ARRAY
    if build is None or nested:
        return VerbatimType(dtype.sql(dialect=dialect))
    try:
        return build(dtype)
    except (TypeError, ValueError):  # parameters the type does not take
        return VerbatimType(dtype.sql(dialect=dialect))
