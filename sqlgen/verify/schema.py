"""Reflecting a database's schema with SQLAlchemy's inspector, and comparing two.

The snapshot is plain sorted data, so two snapshots are equal exactly when the
tables, columns (type, nullability, default), primary keys, indexes, foreign
keys, unique and check constraints are. The version table is left out: its rows
are checked on their own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

Snapshot = dict[str, dict[str, Any]]  # table -> facet -> sorted facts


def _optional(reflect_facet: Callable[[str], Any], table: str) -> list[dict[str, Any]]:
    """Some dialects cannot reflect some facets (check constraints): treat as none."""
    try:
        return list(reflect_facet(table))
    except NotImplementedError:
        return []


def _names(values: Iterable[Any] | None) -> tuple[str, ...]:
    return tuple(str(v) for v in values or ())


def reflect(engine: Any, version_table: str = "alembic_version") -> Snapshot:
    """Every table but the version table, in a comparable form."""
    from sqlalchemy import inspect

    if engine.dialect.name == "duckdb":
        # duckdb-engine's inspector queries PostgreSQL catalogs DuckDB no longer has
        return _reflect_duckdb(engine, version_table)

    inspector = inspect(engine)
    snapshot: Snapshot = {}
    for table in sorted(inspector.get_table_names()):
        if table == version_table:
            continue
        columns = [
            (c["name"], str(c["type"]), bool(c.get("nullable")), str(c.get("default")))
            for c in inspector.get_columns(table)
        ]
        pk = inspector.get_pk_constraint(table) or {}
        snapshot[table] = {
            "columns": columns,  # in table order: a moved column is a difference too
            "primary key": _names(pk.get("constrained_columns")),
            "indexes": sorted(
                (str(i["name"]), _names(i.get("column_names")), bool(i.get("unique")))
                for i in inspector.get_indexes(table)
            ),
            "foreign keys": sorted(
                (
                    str(fk.get("name")),
                    _names(fk.get("constrained_columns")),
                    str(fk.get("referred_table")),
                    _names(fk.get("referred_columns")),
                )
                for fk in inspector.get_foreign_keys(table)
            ),
            "unique constraints": sorted(
                (str(u.get("name")), _names(u.get("column_names")))
                for u in _optional(inspector.get_unique_constraints, table)
            ),
            "check constraints": sorted(
                (str(c.get("name")), " ".join(str(c.get("sqltext")).split()))
                for c in _optional(inspector.get_check_constraints, table)
            ),
        }
    return snapshot


def _reflect_duckdb(engine: Any, version_table: str) -> Snapshot:
    """The same snapshot from DuckDB's own catalog functions."""
    from sqlalchemy import text

    def rows(sql: str) -> list[Any]:
        with engine.connect() as connection:
            return list(connection.execute(text(sql)))

    tables = [
        name
        for (name,) in rows("SELECT table_name FROM duckdb_tables() WHERE NOT internal")
        if name != version_table
    ]
    columns = rows(
        "SELECT table_name, column_name, data_type, is_nullable, column_default"
        " FROM duckdb_columns() WHERE NOT internal ORDER BY table_name, column_index"
    )
    constraints = rows(
        "SELECT table_name, constraint_type, constraint_name, constraint_column_names,"
        " referenced_table, referenced_column_names, expression"
        " FROM duckdb_constraints()"
    )
    indexes = rows("SELECT table_name, index_name, expressions, is_unique FROM duckdb_indexes()")
    snapshot: Snapshot = {}
    for table in sorted(tables):
        mine = [c for c in constraints if c[0] == table]
        primary = [c for c in mine if c[1] == "PRIMARY KEY"]
        snapshot[table] = {
            "columns": [(c[1], str(c[2]), bool(c[3]), str(c[4])) for c in columns if c[0] == table],
            "primary key": _names(primary[0][3]) if primary else (),
            "indexes": sorted(
                (str(i[1]), (str(i[2]),), bool(i[3])) for i in indexes if i[0] == table
            ),
            "foreign keys": sorted(
                (str(c[2]), _names(c[3]), str(c[4]), _names(c[5]))
                for c in mine
                if c[1] == "FOREIGN KEY"
            ),
            "unique constraints": sorted(
                (str(c[2]), _names(c[3])) for c in mine if c[1] == "UNIQUE"
            ),
            "check constraints": sorted(
                (str(c[2]), " ".join(str(c[6]).split())) for c in mine if c[1] == "CHECK"
            ),
        }
    return snapshot


_SINGULAR = {
    "indexes": "index",
    "foreign keys": "foreign key",
    "unique constraints": "unique constraint",
    "check constraints": "check constraint",
}


@dataclass(frozen=True)
class Difference:
    table: str
    what: str  # "table", "index", "foreign key", "columns", ...
    name: str | None  # the object's name, when it has one
    kind: str  # "missing", "left over" or "changed"
    detail: str = ""

    def line(self) -> str:
        if self.what == "table":
            return f"table {self.table} is {self.kind}"
        subject = f"{self.what} {self.name}" if self.name else self.what
        return f"table {self.table}: {subject} is {self.kind}{self.detail}"


def differences(expected: Snapshot, actual: Snapshot) -> list[Difference]:
    """What `actual` has or lacks compared with `expected`."""
    found_differences: list[Difference] = []
    for table in sorted(set(expected) | set(actual)):
        if table not in actual or table not in expected:
            kind = "missing" if table not in actual else "left over"
            found_differences.append(Difference(table, "table", table, kind))
            continue
        for facet, wanted in expected[table].items():
            found = actual[table][facet]
            if facet in ("columns", "primary key"):
                if wanted != found:
                    detail = f": {list(found)} instead of {list(wanted)}"
                    found_differences.append(Difference(table, facet, None, "changed", detail))
                continue
            singular = _SINGULAR[facet]
            for extra in sorted(set(found) - set(wanted)):
                found_differences.append(Difference(table, singular, str(extra[0]), "left over"))
            for missing in sorted(set(wanted) - set(found)):
                found_differences.append(Difference(table, singular, str(missing[0]), "missing"))
    return found_differences
