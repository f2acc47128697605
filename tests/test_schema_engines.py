"""`sqlgen schema` prints each engine's own DDL: it runs there, and rows that leave
every defaulted column out go in (issue 13, part A).

For each engine sqlgen can start: print the example's schema for its dialect, apply it
to an empty database, then insert one row per table (parents first) giving only the
columns that have neither a default nor a self-numbering key.
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from sqlgen import api
from sqlgen.dialects.profiles import load_profiles
from sqlgen.model import to_metadata
from sqlgen.model.at_revision import model_at
from sqlgen.runtime.runner import dialect_available
from sqlgen.verify.mariadb_server import MariaDBServer
from sqlgen.verify.postgres_server import PostgresServer
from sqlgen.verify.split import split_script


def _value(column: sa.Column[Any], parents: dict[str, Any]) -> Any:
    for fk in column.foreign_keys:
        return parents[fk.column.table.name][fk.column.name]
    python = column.type.python_type
    samples: dict[type, Any] = {
        int: 7,
        str: "x",
        decimal.Decimal: decimal.Decimal("1.50"),
        float: 1.5,
        bool: True,
        datetime.datetime: datetime.datetime(2026, 1, 2, 3, 4, 5),
        datetime.date: datetime.date(2026, 1, 2),
    }
    return samples[python]


def _needs_value(column: sa.Column[Any]) -> bool:
    """NOT NULL, no default, and not the key the engine numbers itself."""
    if column.nullable or column.server_default is not None:
        return False
    return column is not column.table.autoincrement_column


def _insert_defaults(url: str, metadata: sa.MetaData) -> dict[str, dict[str, Any]]:
    """One row per table of the model's `metadata`, parents first (not reflected: not
    every engine's SQLAlchemy dialect reflects)."""
    engine = sa.create_engine(url)
    parents: dict[str, dict[str, Any]] = {}
    try:
        with engine.begin() as connection:
            for table in metadata.sorted_tables:
                if table.name == "alembic_version":
                    continue
                given = {c.name: _value(c, parents) for c in table.columns if _needs_value(c)}
                connection.execute(table.insert().values(**given))
                row = connection.execute(sa.select(table)).mappings().one()
                parents[table.name] = dict(row)
    finally:
        engine.dispose()
    return parents


def _apply(url: str, script: str, sqlglot: str) -> None:
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            for unit in split_script(script, sqlglot, ""):
                connection.exec_driver_sql(unit.sql)
    finally:
        engine.dispose()


def _check(example_dir: Path, dialect: str, url: str) -> None:
    profile = load_profiles()[dialect]
    workspace = api.open_project(example_dir)
    printed = api.schema(workspace, "heads", dialect)
    _apply(url, printed, profile.sqlglot)
    rows = _insert_defaults(url, to_metadata(model_at(workspace, "heads", dialect).model))
    assert set(rows) == {"customers", "products", "orders", "order_items", "audit_events"}
    # the defaults the migrations gave, filled in by the engine itself
    assert rows["orders"]["status"] == "new"
    assert rows["audit_events"]["source"] == "app"
    assert rows["customers"]["created_at"] is not None


def test_sqlite(example_dir: Path, tmp_path: Path) -> None:
    _check(example_dir, "sqlite", f"sqlite:///{tmp_path / 'schema.db'}")


def test_duckdb(example_dir: Path, tmp_path: Path) -> None:
    if not dialect_available(load_profiles()["duckdb"]):
        pytest.skip("duckdb-engine is not installed")
    _check(example_dir, "duckdb", f"duckdb:///{tmp_path / 'schema.duckdb'}")


def test_postgresql(example_dir: Path, postgres_server: PostgresServer) -> None:
    name = postgres_server.create_database()
    try:
        _check(example_dir, "postgresql", postgres_server.url(name))
    finally:
        postgres_server.drop_database(name)


@pytest.fixture
def maria_database(maria_server: MariaDBServer) -> Iterator[Callable[[], str]]:
    name = maria_server.create_database()
    yield lambda: maria_server.url(name)
    maria_server.execute(None, f"DROP DATABASE `{name}`")


def test_mariadb(example_dir: Path, maria_database: Callable[[], str]) -> None:
    _check(example_dir, "mariadb", maria_database())
