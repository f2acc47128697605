"""The example project's SQLite scripts run for real in sqlite3: upgrade, then downgrade."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from sqlgen import api

HEAD = "c5a1e7b9d312"


@pytest.fixture(scope="module")
def scripts(example_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sqlite-scripts")
    workspace = api.open_project(example_dir)
    for direction, spec in (("upgrade", "base:heads"), ("downgrade", "heads:base")):
        request = api.GenerateRequest(direction, spec, ["sqlite"], out=out, per_revision=True)  # type: ignore[arg-type]
        api.generate(workspace, request)
    return out / "sqlite"


def _tables(db: sqlite3.Connection) -> set[str]:
    rows = db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {name for (name,) in rows}


def _columns(db: sqlite3.Connection, table: str) -> dict[str, str]:
    return {row[1]: row[2] for row in db.execute(f"PRAGMA table_info({table})")}


def test_upgrade_then_downgrade(scripts: Path, tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "shop.db", isolation_level=None)
    db.executescript((scripts / f"upgrade-base-{HEAD}.sql").read_text())
    assert _tables(db) == {
        "alembic_version",
        "customers",
        "products",
        "orders",
        "order_items",
        "audit_events",
    }
    assert db.execute("SELECT version_num FROM alembic_version").fetchall() == [(HEAD,)]
    # the batch-mode type change and rename happened, with their data and indexes
    items = _columns(db, "order_items")
    assert items["gift_message"] == "VARCHAR(500)" and "gift_note" not in items
    assert _columns(db, "audit_events")["source"] == "VARCHAR(20)"
    products = db.execute("SELECT sku, name FROM products ORDER BY id").fetchall()
    assert products == [
        ("MUG-01", "Coffee mug"),
        ("TEE-M", "T-shirt, size M"),
        ("GIFT-10", "Gift voucher (10%)"),
    ]
    indexes = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"ix_products_name", "ix_orders_customer_id"} <= indexes
    checks = db.execute("SELECT sql FROM sqlite_master WHERE name = 'products'").fetchone()[0]
    assert "ck_products_price_positive CHECK (price >= 0)" in checks
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("INSERT INTO products (id, sku, name, price) VALUES (9, 'NEG', 'x', -1)")

    db.executescript((scripts / f"downgrade-{HEAD}-base.sql").read_text())
    assert _tables(db) == {"alembic_version"}
    assert db.execute("SELECT count(*) FROM alembic_version").fetchone() == (0,)


def test_per_revision_files_apply_in_order(scripts: Path, tmp_path: Path) -> None:
    whole = sqlite3.connect(tmp_path / "whole.db", isolation_level=None)
    whole.executescript((scripts / f"upgrade-base-{HEAD}.sql").read_text())
    stepwise = sqlite3.connect(tmp_path / "steps.db", isolation_level=None)
    files = sorted((scripts / f"upgrade-base-{HEAD}").glob("*.sql"))
    assert len(files) == 12
    for path in files:
        stepwise.executescript(path.read_text())

    def schema(db: sqlite3.Connection) -> list[tuple[str, str]]:
        return db.execute("SELECT name, sql FROM sqlite_master ORDER BY name").fetchall()

    assert schema(stepwise) == schema(whole)
    assert stepwise.execute("SELECT version_num FROM alembic_version").fetchall() == [(HEAD,)]


def _structure(db: sqlite3.Connection) -> dict[str, object]:
    """Tables with their columns (name, type, not null, default, key) and index names."""
    tables = sorted(_tables(db))
    return {
        "columns": {t: db.execute(f"PRAGMA table_info({t})").fetchall() for t in tables},
        "indexes": sorted(
            r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
        ),
    }


def test_undo_range_takes_back_exactly_what_the_upgrade_applied(
    example_dir: Path, tmp_path: Path
) -> None:
    # 2f9a... is one branch; upgrading to heads also applies the other branch (6c0d...).
    # `downgrade 2f9a:...` would keep that branch; `undo` takes it back too.
    workspace = api.open_project(example_dir)

    def script(direction: str, spec: str) -> str:
        request = api.GenerateRequest(direction, spec, ["sqlite"], write=False)  # type: ignore[arg-type]
        return api.generate(workspace, request).scripts["sqlite"].text

    db = sqlite3.connect(tmp_path / "shop.db", isolation_level=None)
    db.executescript(script("upgrade", "base:2f9a0b7d3e06"))
    before = _structure(db)
    db.executescript(script("upgrade", "2f9a0b7d3e06:heads"))
    assert db.execute("SELECT version_num FROM alembic_version").fetchall() == [(HEAD,)]
    undo = script("downgrade", "undo 2f9a0b7d3e06:heads")
    assert "(requested: undo 2f9a0b7d3e06:heads)" in undo
    db.executescript(undo)
    assert _structure(db) == before
    assert db.execute("SELECT version_num FROM alembic_version").fetchall() == [("2f9a0b7d3e06",)]
    names = {name for (name,) in db.execute("SELECT name FROM products")}
    assert "10% off voucher" in names  # 6c0d's rename was taken back too
