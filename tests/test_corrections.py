"""Reviewed corrections: SQL a dialect package compiles but its engine rejects (issue 13C).

DuckDB is the case: duckdb-engine writes PostgreSQL's SERIAL for an autoincrement
integer key, and DuckDB has no such type. The duckdb profile declares the
serial-as-sequence correction; every use is marked in the script and the manifest.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from sqlgen.dialects import profiles
from sqlgen.dialects.corrections import correct
from sqlgen.errors import ConfigError
from tests.projects import make_project, revision_source

SERIAL = "serial-as-sequence"

TABLES = """
op.create_table(
    "customers",
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(20), nullable=False),
)
op.create_table(
    "orders",
    sa.Column("id", sa.BigInteger, primary_key=True),
    sa.Column("customer_id", sa.Integer, sa.ForeignKey("customers.id"), nullable=False),
)
"""


def test_serial_becomes_a_sequence_and_a_nextval_default() -> None:
    sql = "CREATE TABLE s.posts (\n\tid SERIAL NOT NULL, \n\tn BIGSERIAL, \n\tx VARCHAR(5)\n)"
    done = correct(sql, [SERIAL])
    assert done.applied == (SERIAL,)
    assert done.statements == [
        "CREATE SEQUENCE IF NOT EXISTS s.posts_id_seq",
        "CREATE SEQUENCE IF NOT EXISTS s.posts_n_seq",
        "CREATE TABLE s.posts (\n\tid INTEGER DEFAULT nextval('s.posts_id_seq') NOT NULL, "
        "\n\tn BIGINT DEFAULT nextval('s.posts_n_seq'), \n\tx VARCHAR(5)\n)",
    ]
    added = correct("ALTER TABLE t ADD COLUMN n SMALLSERIAL NOT NULL", [SERIAL])
    assert (
        added.statements[-1]
        == "ALTER TABLE t ADD COLUMN n SMALLINT DEFAULT nextval('t_n_seq') NOT NULL"
    )


def test_a_statement_without_serial_is_left_alone() -> None:
    for sql in ("CREATE TABLE t (id INTEGER, note VARCHAR(9) DEFAULT 'SERIAL')", "DROP TABLE t"):
        assert correct(sql, [SERIAL]).statements == [sql]
        assert correct(sql, [SERIAL]).applied == ()


def test_a_profile_naming_an_unknown_correction_is_refused() -> None:
    data = {"name": "x", "sqlalchemy": "duckdb", "sqlglot": "duckdb", "corrections": ["magic"]}
    with pytest.raises(ConfigError, match="unknown correction 'magic'"):
        profiles.profile_from_data(data, "x.toml")


def test_duckdb_script_runs_marks_the_correction_and_the_manifest_lists_it(
    cli: Callable[..., Result], tmp_path: Path
) -> None:
    duckdb: Any = pytest.importorskip("duckdb")
    project = make_project(tmp_path / "p", {"0001_t.py": revision_source("c0001", None, TABLES)})
    out = tmp_path / "out"
    result = cli("-p", project, "upgrade", "base:heads", "-d", "duckdb", "-o", out)
    assert result.exit_code == 0, result.output
    script = (out / "duckdb" / "upgrade-base-c0001.sql").read_text()
    # one note for the statements one correction wrote from one statement
    assert script.count(f"-- sqlgen: correction {SERIAL} (dialects/duckdb.toml)") == 2
    manifest = json.loads((out / "manifest.json").read_text())
    listed = json.dumps(manifest)
    assert f'"correction": "{SERIAL}"' in listed and "nextval('orders_id_seq')" in listed

    con = duckdb.connect()
    con.execute(script)
    con.execute("INSERT INTO customers (name) VALUES ('a'), ('b')")
    con.execute("INSERT INTO orders (customer_id) VALUES (2)")
    assert con.execute("SELECT id, customer_id FROM orders").fetchall() == [(1, 2)]


def test_sqlgen_schema_for_duckdb_is_corrected_too(
    cli: Callable[..., Result], tmp_path: Path
) -> None:
    duckdb: Any = pytest.importorskip("duckdb")
    project = make_project(tmp_path / "p", {"0001_t.py": revision_source("c0001", None, TABLES)})
    result = cli("-p", project, "schema", "heads", "-d", "duckdb")
    assert result.exit_code == 0, result.output
    statements = [line for line in result.stdout.splitlines() if not line.startswith("--")]
    assert "SERIAL" not in "\n".join(statements)
    con = duckdb.connect()
    con.execute(result.stdout)
    con.execute("INSERT INTO customers (name) VALUES ('a')")
    assert con.execute("SELECT id FROM customers").fetchall() == [(1,)]
