"""Stand-in for `dagster._core.storage.sql`: its SQL types and compiler extensions.

Importing it registers, as Dagster does, MySQL renderings with microsecond precision for
DateTime and TIMESTAMP, FLOAT(32) for floats, LONGTEXT for LongText, and
CURRENT_TIMESTAMP(6) for get_sql_current_timestamp().
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as db
from sqlalchemy.ext.compiler import compiles

MYSQL_DATE_PRECISION: int = 6
MYSQL_FLOAT_PRECISION: int = 32


@compiles(db.DateTime, "mysql")
def compile_datetime_and_add_precision_mysql(_element: Any, _compiler: Any, **_kw: Any) -> str:
    return f"DATETIME({MYSQL_DATE_PRECISION})"


class get_sql_current_timestamp(db.sql.expression.FunctionElement[Any]):
    """Like CURRENT_TIMESTAMP, but has the same semantics on MySQL, Postgres, and Sqlite."""

    type = db.types.DateTime()
    inherit_cache = True


@compiles(get_sql_current_timestamp, "mysql")
def compiles_get_sql_current_timestamp_mysql(_element: Any, _compiler: Any, **_kw: Any) -> str:
    return f"CURRENT_TIMESTAMP({MYSQL_DATE_PRECISION})"


@compiles(get_sql_current_timestamp)
def compiles_get_sql_current_timestamp_default(_element: Any, _compiler: Any, **_kw: Any) -> str:
    return "CURRENT_TIMESTAMP"


@compiles(db.types.TIMESTAMP, "mysql")
def add_precision_to_mysql_timestamps(_element: Any, _compiler: Any, **_kw: Any) -> str:
    return f"TIMESTAMP({MYSQL_DATE_PRECISION})"


@compiles(db.types.Float, "mysql")
def add_precision_to_mysql_floats(_element: Any, _compiler: Any, **_kw: Any) -> str:
    return f"FLOAT({MYSQL_FLOAT_PRECISION})"


@compiles(db.types.FLOAT, "mysql")
def add_precision_to_mysql_FLOAT(_element: Any, _compiler: Any, **_kw: Any) -> str:
    return f"FLOAT({MYSQL_FLOAT_PRECISION})"


class LongText(db.Text):
    """TEXT, and LONGTEXT on MySQL."""


@compiles(LongText, "mysql")
def compile_longtext_mysql(_element: Any, _compiler: Any, **_kw: Any) -> str:
    return "LONGTEXT"


class MySQLCompatabilityTypes:
    UniqueText = db.String(512)
    LongText = LongText
