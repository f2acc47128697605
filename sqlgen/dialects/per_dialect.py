"""`sqlgen.per_dialect(...)`: reviewed SQL per dialect inside a migration.

    op.execute(sqlgen.per_dialect(
        postgresql="UPDATE orders SET placed_at = now()",
        mysql="UPDATE orders SET placed_at = NOW(6)",
        default="UPDATE orders SET placed_at = CURRENT_TIMESTAMP",
    ))

The statement compiles for whichever dialect runs it, so the same migration works
offline in sqlgen and online under plain Alembic (chosen by the bind's dialect).
Keys are SQLAlchemy dialect names (postgresql, mysql, mariadb, sqlite, mssql,
oracle, duckdb, ...); MariaDB falls back to the `mysql` entry, then to `default`.
sqlgen never transpiles these: they are the SQL a person wrote for that dialect.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import CompileError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ClauseElement, Executable

_FALLBACKS = {"mariadb": ("mysql",)}


class PerDialect(Executable, ClauseElement):
    """One statement, written out for each dialect it must run on."""

    inherit_cache = False  # the SQL depends on the dialect: never reuse a compiled form

    def __init__(self, default: str | None = None, **by_dialect: str) -> None:
        if default is None and not by_dialect:
            raise ValueError("per_dialect() needs SQL for at least one dialect, or default=")
        self.default = default
        self.by_dialect = by_dialect

    def sql_for(self, dialect_name: str) -> str:
        for name in (dialect_name, *_FALLBACKS.get(dialect_name, ())):
            if name in self.by_dialect:
                return self.by_dialect[name]
        if self.default is None:
            given = ", ".join(sorted(self.by_dialect))
            raise CompileError(f"per_dialect() has no SQL for {dialect_name} (given: {given})")
        return self.default


def per_dialect(default: str | None = None, **by_dialect: str) -> PerDialect:
    return PerDialect(default, **by_dialect)


@compiles(PerDialect)
def _compile(element: PerDialect, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(text(element.sql_for(compiler.dialect.name)), **kw))
