"""Stand-in for `airflow.utils.sqlalchemy`: the column types, as Airflow defines them.

Only the DDL-relevant parts: the impl types and `load_dialect_impl` (value processing,
which needs Airflow's serializer, is left out; offline runs bind no values through it).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import TIMESTAMP, PickleType
from sqlalchemy.dialects import mysql
from sqlalchemy.types import JSON, Text, TypeDecorator


class UtcDateTime(TypeDecorator[Any]):
    """TIMESTAMP(timezone=True); on MySQL, TIMESTAMP(fsp=6)."""

    impl = TIMESTAMP(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Any) -> Any:
        if dialect.name == "mysql":
            return mysql.TIMESTAMP(fsp=6)
        return super().load_dialect_impl(dialect)


class ExtendedJSON(TypeDecorator[Any]):
    """Text that is JSON on every dialect (Airflow's extended JSON serialization)."""

    impl = Text
    cache_ok = True
    should_evaluate_none = True

    def load_dialect_impl(self, dialect: Any) -> Any:
        return dialect.type_descriptor(JSON)


class ExecutorConfigType(PickleType):
    """PickleType with Airflow's executor-config (de)serialization around it."""

    cache_ok = True
