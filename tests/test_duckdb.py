"""The example project's DuckDB scripts run for real in embedded DuckDB."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sqlgen import api
from sqlgen.dialects.profiles import load_profiles
from sqlgen.runtime.runner import dialect_available

from .conftest import require

HEAD = "c5a1e7b9d312"


@pytest.fixture(scope="module")
def duckdb_module() -> Any:
    if not dialect_available(load_profiles()["duckdb"]):
        require("duckdb-engine (pip install 'sqlgen[duckdb]')")
    import duckdb

    return duckdb


@pytest.fixture(scope="module")
def scripts(example_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("duckdb-scripts")
    workspace = api.open_project(example_dir)
    for direction, spec in (("upgrade", "base:heads"), ("downgrade", "heads:base")):
        request = api.GenerateRequest(direction, spec, ["duckdb"], out=out)  # type: ignore[arg-type]
        api.generate(workspace, request)
    return out / "duckdb"


def _tables(con: Any) -> set[str]:
    rows = con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    return {name for (name,) in rows}


def test_upgrade_then_downgrade_in_duckdb(
    duckdb_module: Any, scripts: Path, tmp_path: Path
) -> None:
    con = duckdb_module.connect(str(tmp_path / "shop.duckdb"))
    con.execute((scripts / f"upgrade-base-{HEAD}.sql").read_text())  # the whole file, as written
    assert _tables(con) == {
        "alembic_version", "customers", "products", "orders", "order_items", "audit_events"
    }  # fmt: skip
    assert con.execute("SELECT version_num FROM alembic_version").fetchall() == [(HEAD,)]
    products = con.execute("SELECT sku, name FROM products ORDER BY id").fetchall()
    assert products[2] == ("GIFT-10", "Gift voucher (10%)")
    columns = dict(
        con.execute(
            "SELECT column_name, data_type FROM information_schema.columns"
            " WHERE table_name = 'order_items'"
        ).fetchall()
    )
    assert "gift_message" in columns and "gift_note" not in columns
    source = con.execute("SELECT source FROM audit_events").fetchall()
    assert source == [("app",)]
    with pytest.raises(duckdb_module.ConstraintException):
        con.execute("INSERT INTO products VALUES (9, 'NEG', 'negative', -1)")
    # integer keys number themselves (the profile's serial-as-sequence correction)
    assert con.execute("SELECT id FROM audit_events").fetchall() == [(1,)]
    con.execute("INSERT INTO customers (email, name) VALUES ('a@x', 'A'), ('b@x', 'B')")
    con.execute("INSERT INTO orders (customer_id) SELECT max(id) FROM customers")
    assert con.execute("SELECT id, customer_id FROM orders").fetchall() == [(1, 2)]
    con.execute("DELETE FROM orders")
    con.execute("DELETE FROM customers")

    con.execute((scripts / f"downgrade-{HEAD}-base.sql").read_text())
    assert _tables(con) == {"alembic_version"}
    assert con.execute("SELECT count(*) FROM alembic_version").fetchone() == (0,)
    # the sequences a downgrade leaves are taken up again by the next upgrade (which,
    # from base, creates the version table, as alembic --sql's script does)
    con.execute("DROP TABLE alembic_version")
    con.execute((scripts / f"upgrade-base-{HEAD}.sql").read_text())
    con.execute("INSERT INTO customers (email, name) VALUES ('c@x', 'C')")
    assert con.execute("SELECT id FROM customers").fetchall() == [(3,)]
