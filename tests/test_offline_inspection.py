"""Migrations that inspect the database, and batch mode, rendered offline from the model.

`sa.inspect(op.get_bind())` answers from the schema model as the run has left
it; batch mode reflects the table it moves and copies from the model too, so no
`copy_from` is needed. The SQL is applied to real engines (SQLite always,
PostgreSQL for `recreate="always"`) and the resulting schema compared with the
model revision by revision.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import Result

from sqlgen import api
from sqlgen.dialects.profiles import load_profiles
from sqlgen.pipeline.generation import GenerateRequest, render_outputs
from sqlgen.verify.postgres_server import PostgresServer
from tests.model_helpers import compare_revision_by_revision
from tests.projects import line_of, make_project, revision_source

Cli = Callable[..., Result]

# Unreadable to sqlglot, and so untranslatable: given for every dialect as it is.
FROBNICATE = 'op.execute(sqlgen.per_dialect(default="ALTER TABLE accounts FROBNICATE"))'

ACCOUNTS = """
op.create_table(
    "accounts",
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("email", sa.String(100), nullable=False),
    sa.Column("status", sa.String(10), server_default="new"),
    sa.UniqueConstraint("email", name="uq_accounts_email"),
    sa.CheckConstraint("length(email) > 3", name="ck_accounts_email"),
)
op.create_index("ix_accounts_status", "accounts", ["status"])
op.create_table(
    "sessions",
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("account_id", sa.Integer(), sa.ForeignKey("accounts.id", name="fk_s_a")),
)
"""

# Records what the inspector answered, and takes the branch a live database would.
INSPECTING = """
bind = op.get_bind()
insp = sa.inspect(bind)
SEEN["dialect"] = bind.dialect.name
SEEN["tables"] = insp.get_table_names()
SEEN["has accounts"] = insp.has_table("accounts")
SEEN["has legacy"] = insp.has_table("legacy_accounts")
SEEN["columns"] = [(c["name"], c["nullable"]) for c in insp.get_columns("accounts")]
SEEN["pk"] = insp.get_pk_constraint("accounts")["constrained_columns"]
SEEN["indexes"] = [i["name"] for i in insp.get_indexes("accounts")]
SEEN["has index"] = insp.has_index("accounts", "ix_accounts_status")
SEEN["uniques"] = [u["name"] for u in insp.get_unique_constraints("accounts")]
SEEN["checks"] = [c["name"] for c in insp.get_check_constraints("accounts")]
SEEN["fks"] = [(f["name"], f["referred_table"]) for f in insp.get_foreign_keys("sessions")]
SEEN["schemas"] = insp.get_schema_names()
if insp.has_table("legacy_accounts"):
    op.drop_table("legacy_accounts")
if "nickname" not in {c["name"] for c in insp.get_columns("accounts")}:
    op.add_column("accounts", sa.Column("nickname", sa.String(30)))
if not insp.has_index("accounts", "ix_accounts_status"):
    op.create_index("ix_accounts_status_again", "accounts", ["status"])
# a fresh look sees what this revision has just done
SEEN["after"] = [c["name"] for c in sa.inspect(bind).get_columns("accounts")]
"""


@pytest.fixture
def inspecting(tmp_path: Path) -> Path:
    return make_project(
        tmp_path / "proj",
        {
            "r1.py": revision_source("r1", None, ACCOUNTS),
            "r2.py": revision_source("r2", "r1", INSPECTING, header="SEEN = {}\n"),
        },
    )


def _seen(workspace: Any) -> dict[str, Any]:
    return dict(workspace.graph.get("r2").module.SEEN)


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql", "mssql", "oracle"])
def test_migrations_that_inspect_get_the_schema_and_take_the_right_branch(
    inspecting: Path, dialect: str
) -> None:
    workspace = api.open_project(inspecting)
    generation = render_outputs(workspace, GenerateRequest("upgrade", "base:heads", [dialect]))
    assert generation.failures == []
    seen = _seen(workspace)
    assert seen["dialect"] == load_profiles()[dialect].sqlalchemy.split("+")[0]
    # as on a real database, the version table is there too
    assert seen["tables"] == ["accounts", "alembic_version", "sessions"]
    assert seen["has accounts"] and not seen["has legacy"]
    assert seen["columns"] == [("id", False), ("email", False), ("status", True)]
    assert seen["pk"] == ["id"]
    assert seen["indexes"] == ["ix_accounts_status"] and seen["has index"]
    assert seen["uniques"] == ["uq_accounts_email"]
    assert seen["checks"] == ["ck_accounts_email"]
    assert seen["fks"] == [("fk_s_a", "accounts")]
    assert seen["after"] == ["id", "email", "status", "nickname"]
    script = generation.scripts[dialect].text.lower()
    assert "nickname" in script
    assert "legacy_accounts" not in script and "ix_accounts_status_again" not in script


def test_the_schema_names_are_the_default_one_and_those_created(inspecting: Path) -> None:
    workspace = api.open_project(inspecting)
    render_outputs(workspace, GenerateRequest("upgrade", "base:heads", ["postgresql"]))
    assert _seen(workspace)["schemas"] == ["public"]


def test_a_range_that_starts_later_inspects_the_schema_history_left(inspecting: Path) -> None:
    workspace = api.open_project(inspecting)
    generation = render_outputs(workspace, GenerateRequest("upgrade", "r1:r2", ["postgresql"]))
    assert generation.failures == []
    assert _seen(workspace)["tables"] == ["accounts", "alembic_version", "sessions"]
    assert "nickname" in generation.scripts["postgresql"].text


def test_inspecting_a_table_changed_by_unreadable_sql_fails_clearly(
    tmp_path: Path, cli: Cli
) -> None:
    project = make_project(
        tmp_path / "proj",
        {
            "r1.py": revision_source("r1", None, ACCOUNTS),
            "r2.py": revision_source("r2", "r1", FROBNICATE, header="import sqlgen\n"),
            "r3.py": revision_source(
                "r3", "r2", 'columns = sa.inspect(op.get_bind()).get_columns("accounts")'
            ),
        },
    )
    out = tmp_path / "out"
    result = cli("--project", project, "upgrade", "base:heads", "-d", "postgresql", "-o", out)
    assert result.exit_code == 1
    r2 = project / "migrations" / "versions" / "r2.py"
    r3 = project / "migrations" / "versions" / "r3.py"
    assert f"revision r3 ({r3}:{line_of(r3, 'get_columns')})" in result.stderr
    assert (
        f"table accounts was changed by SQL sqlgen could not read "
        f"(revision r2, line {line_of(r2, 'FROBNICATE')}); its shape is unknown offline"
    ) in result.stderr
    assert not list(out.rglob("*.sql"))


def test_the_other_tables_stay_answerable(tmp_path: Path) -> None:
    project = make_project(
        tmp_path / "proj",
        {
            "r1.py": revision_source("r1", None, ACCOUNTS),
            "r2.py": revision_source("r2", "r1", FROBNICATE, header="import sqlgen\n"),
            "r3.py": revision_source(
                "r3",
                "r2",
                'SEEN.append(sa.inspect(op.get_bind()).get_pk_constraint("sessions"))',
                header="SEEN = []\n",
            ),
        },
    )
    workspace = api.open_project(project)
    generation = render_outputs(workspace, GenerateRequest("upgrade", "base:heads", ["sqlite"]))
    assert generation.failures == []
    assert workspace.graph.get("r3").module.SEEN[0]["constrained_columns"] == ["id"]


# --- batch mode without copy_from ---

SHOP = """
op.create_table(
    "items",
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("sku", sa.String(20), nullable=False),
    sa.Column("price", sa.Numeric(8, 2), server_default="0"),
    sa.Column("note", sa.String(50)),
    sa.Column("old", sa.Integer()),
    sa.UniqueConstraint("sku", name="uq_items_sku"),
    sa.CheckConstraint("price >= 0", name="ck_items_price"),
)
op.create_index("ix_items_note", "items", ["note"])
op.create_table("makers", sa.Column("id", sa.Integer(), primary_key=True))
op.bulk_insert(
    sa.table(
        "items",
        sa.column("id", sa.Integer()),
        sa.column("sku", sa.String()),
        sa.column("note", sa.String()),
        sa.column("old", sa.Integer()),
    ),
    [
        {"id": 1, "sku": "A-1", "note": "first", "old": 7},
        {"id": 2, "sku": "B-2", "note": None, "old": 8},
    ],
)
"""

BATCH_UP = """
with op.batch_alter_table("items") as batch_op:
    batch_op.add_column(sa.Column("maker_id", sa.Integer()))
    batch_op.drop_column("old")
    batch_op.alter_column("note", new_column_name="remark", existing_type=sa.String(50))
    batch_op.alter_column("sku", type_=sa.String(40), existing_type=sa.String(20))
    batch_op.create_foreign_key("fk_items_maker", "makers", ["maker_id"], ["id"])
    batch_op.create_check_constraint("ck_items_sku", "length(sku) > 0")
    batch_op.drop_constraint("ck_items_price", type_="check")
    batch_op.create_index("ix_items_maker", ["maker_id"])
"""

BATCH_DOWN = """
with op.batch_alter_table("items") as batch_op:
    batch_op.drop_index("ix_items_maker")
    batch_op.create_check_constraint("ck_items_price", "price >= 0")
    batch_op.drop_constraint("ck_items_sku", type_="check")
    batch_op.drop_constraint("fk_items_maker", type_="foreignkey")
    batch_op.alter_column("sku", type_=sa.String(20), existing_type=sa.String(40))
    batch_op.alter_column("remark", new_column_name="note", existing_type=sa.String(50))
    batch_op.add_column(sa.Column("old", sa.Integer()))
    batch_op.drop_column("maker_id")
"""


def _batch_project(root: Path, recreate: str = "auto") -> Path:
    up = BATCH_UP.replace('("items")', f'("items", recreate="{recreate}")')
    down = BATCH_DOWN.replace('("items")', f'("items", recreate="{recreate}")')
    return make_project(
        root,
        {
            "r1.py": revision_source(
                "r1", None, SHOP, "op.drop_table('items')\nop.drop_table('makers')"
            ),
            "r2.py": revision_source("r2", "r1", up, down),
        },
    )


def test_sqlite_batch_without_copy_from_runs_and_leaves_the_model_schema(tmp_path: Path) -> None:
    workspace = api.open_project(_batch_project(tmp_path / "proj"))
    database = tmp_path / "shop.db"
    engine = sa.create_engine(f"sqlite:///{database}", isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            assert (
                compare_revision_by_revision(
                    workspace, "upgrade", "base:heads", "sqlite", connection
                )
                == 2
            )
            rows = connection.exec_driver_sql("SELECT id, sku, remark FROM items ORDER BY id")
            assert rows.all() == [(1, "A-1", "first"), (2, "B-2", None)]  # moved and copied
            assert (
                compare_revision_by_revision(workspace, "downgrade", "r2:r1", "sqlite", connection)
                == 1
            )
            rows = connection.exec_driver_sql("SELECT id, sku, note, old FROM items ORDER BY id")
            assert rows.all() == [(1, "A-1", "first", None), (2, "B-2", None, None)]
    finally:
        engine.dispose()


def test_sqlite_batch_sql_is_alembics_move_and_copy(tmp_path: Path) -> None:
    workspace = api.open_project(_batch_project(tmp_path / "proj"))
    generation = render_outputs(workspace, GenerateRequest("upgrade", "r1:r2", ["sqlite"]))
    script = generation.scripts["sqlite"].text
    steps = [
        "CREATE TABLE _alembic_tmp_items",
        "INSERT INTO _alembic_tmp_items",
        "DROP TABLE items",
        "ALTER TABLE _alembic_tmp_items RENAME TO items",
        "CREATE INDEX ix_items_maker",
    ]
    positions = [script.index(step) for step in steps]
    assert positions == sorted(positions)


def test_an_unnamed_check_is_dropped_by_the_move_and_copy_and_the_script_says_so(
    tmp_path: Path,
) -> None:
    project = make_project(
        tmp_path / "proj",
        {
            "r1.py": revision_source(
                "r1",
                None,
                'op.create_table("t", sa.Column("id", sa.Integer(), primary_key=True),'
                ' sa.Column("n", sa.Integer()), sa.CheckConstraint("n > 0"))',
            ),
            "r2.py": revision_source(
                "r2",
                "r1",
                'with op.batch_alter_table("t") as b:\n'
                '    b.alter_column("n", type_=sa.BigInteger(), existing_type=sa.Integer())',
            ),
        },
    )
    workspace = api.open_project(project)
    generation = render_outputs(workspace, GenerateRequest("upgrade", "base:heads", ["sqlite"]))
    (run,) = generation.runs
    assert run.model_end is not None
    assert run.model_end.tables[(None, "t")].checks == ()
    assert "Unnamed CHECK constraint on reflected table 't'" in generation.scripts["sqlite"].text
    database = tmp_path / "t.db"
    connection = sqlite3.connect(database)
    connection.executescript(generation.scripts["sqlite"].text)
    connection.close()
    assert sa.inspect(sa.create_engine(f"sqlite:///{database}")).get_check_constraints("t") == []


def test_batch_on_a_table_changed_by_unreadable_sql_fails_clearly(tmp_path: Path) -> None:
    project = make_project(
        tmp_path / "proj",
        {
            "r1.py": revision_source("r1", None, ACCOUNTS),
            "r2.py": revision_source("r2", "r1", FROBNICATE, header="import sqlgen\n"),
            "r3.py": revision_source(
                "r3",
                "r2",
                'with op.batch_alter_table("accounts") as b:\n    b.drop_column("status")',
            ),
        },
    )
    generation = render_outputs(
        api.open_project(project), GenerateRequest("upgrade", "base:heads", ["sqlite"])
    )
    (failure,) = generation.failures
    assert failure.revision == "r3"
    assert "table accounts was changed by SQL sqlgen could not read" in failure.reason


# --- recreate="always" on every dialect ---


@pytest.mark.parametrize("dialect", sorted(load_profiles()))
def test_recreate_always_renders_for_every_dialect(tmp_path: Path, dialect: str) -> None:
    workspace = api.open_project(_batch_project(tmp_path / "proj", recreate="always"))
    for direction, spec in (("upgrade", "base:heads"), ("downgrade", "heads:base")):
        generation = render_outputs(workspace, GenerateRequest(direction, spec, [dialect]))
        assert generation.failures == []
        assert "_alembic_tmp_items" in generation.scripts[dialect].text


def test_recreate_always_runs_on_postgresql(
    tmp_path: Path, postgres_server: PostgresServer
) -> None:
    workspace = api.open_project(_batch_project(tmp_path / "proj", recreate="always"))
    name = postgres_server.create_database()
    engine = sa.create_engine(postgres_server.url(name), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            assert (
                compare_revision_by_revision(
                    workspace, "upgrade", "base:heads", "postgresql", connection
                )
                == 2
            )
            rows = connection.exec_driver_sql("SELECT id, sku, remark FROM items ORDER BY id")
            assert rows.all() == [(1, "A-1", "first"), (2, "B-2", None)]
            assert (
                compare_revision_by_revision(
                    workspace, "downgrade", "heads:base", "postgresql", connection
                )
                == 2
            )
    finally:
        engine.dispose()
        postgres_server.drop_database(name)
