"""Stand-in for `sqlmodel`: SQLModel's metadata, Session, and the sql.sqltypes module."""

from __future__ import annotations

from typing import Any

from sqlalchemy import MetaData
from sqlalchemy.orm import Session as _Session

from sqlmodel.sql import sqltypes

__all__ = ["SQLModel", "Session", "sqltypes"]


class SQLModel:
    metadata = MetaData()


class Session(_Session):
    """sqlalchemy.orm.Session with sqlmodel's exec(): scalars for a one-entity select."""

    def exec(self, statement: Any, **kwargs: Any) -> Any:
        result = super().execute(statement, **kwargs)
        columns = getattr(statement, "column_descriptions", None)
        if columns is not None and len(columns) == 1:
            return result.scalars()
        return result
