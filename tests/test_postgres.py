"""The PostgreSQL SQL that sqlgen writes really runs on a real PostgreSQL server.

One throwaway server (sqlgen.verify.postgres_server) serves the whole session; every test gets fresh
databases. Scripts are applied with psql exactly as a user would (ON_ERROR_STOP), and the
result is checked against facts derived from the migration sources, not from sqlgen.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from psycopg import errors, sql

from sqlgen import api
from sqlgen.project.graph import Direction
from sqlgen.verify.postgres_server import (
    Installation,
    PostgresNotFound,
    PostgresServer,
    PsqlError,
    locate,
    process_alive,
    throwaway_server,
)

pytestmark = pytest.mark.postgres

DIALECT = "postgresql"
Rows = list[tuple[Any, ...]]
Snapshot = dict[str, Rows]


# pg_installation, postgres_server and new_database: see conftest.py


# --- helpers -------------------------------------------------------------------------


def generate(
    project: Path, direction: Direction, spec: str, out: Path, *, per_revision: bool = False
) -> api.GenerateResult:
    workspace = api.open_project(project)
    request = api.GenerateRequest(
        direction=direction,
        spec=spec,
        dialects=[DIALECT],
        out=out,
        per_revision=per_revision,
    )
    return api.generate(workspace, request)


def range_file(result: api.GenerateResult, out: Path) -> Path:
    (whole,) = [f for f in result.files if f.dialect == DIALECT and f.kind == "range"]
    path = out / whole.path
    assert path.is_file()
    return path


def head_of(project: Path) -> str:
    (head,) = api.open_project(project).graph.heads
    return head


def public_tables(server: PostgresServer, db: str) -> set[str]:
    rows = server.query(db, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    return {name for (name,) in rows}


def public_relations(server: PostgresServer, db: str) -> set[tuple[str, str]]:
    """Every relation (table, index, sequence, view...) in public, with its relkind."""
    rows = server.query(
        db,
        "SELECT relname, relkind::text FROM pg_class WHERE relnamespace = 'public'::regnamespace",
    )
    return {(name, kind) for name, kind in rows}


def versions(server: PostgresServer, db: str) -> list[str]:
    rows = server.query(db, "SELECT version_num FROM alembic_version ORDER BY version_num")
    return [version for (version,) in rows]


def column(server: PostgresServer, db: str, table: str, name: str) -> dict[str, Any] | None:
    rows = server.query(
        db,
        "SELECT data_type, character_maximum_length, is_nullable, column_default"
        " FROM information_schema.columns"
        " WHERE table_schema = 'public' AND table_name = %s AND column_name = %s",
        (table, name),
    )
    if not rows:
        return None
    data_type, length, nullable, default = rows[0]
    return {"type": data_type, "length": length, "nullable": nullable, "default": default}


def assert_downgraded_to_base(server: PostgresServer, db: str) -> None:
    """Nothing is left in public but the (empty) version table and its primary key."""
    assert public_relations(server, db) == {("alembic_version", "r"), ("alembic_version_pkc", "i")}
    assert versions(server, db) == []


_SCHEMA_QUERIES = {
    "columns": "SELECT table_name::text, column_name::text, data_type, character_maximum_length,"
    " numeric_precision, numeric_scale, is_nullable, column_default"
    " FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1, 2",
    "constraints": "SELECT conrelid::regclass::text, conname::text, contype::text,"
    " pg_get_constraintdef(oid) FROM pg_constraint"
    " WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2",
    "indexes": "SELECT tablename::text, indexname::text, indexdef FROM pg_indexes"
    " WHERE schemaname = 'public' ORDER BY 1, 2",
    "relations": "SELECT relname::text, relkind::text FROM pg_class"
    " WHERE relnamespace = 'public'::regnamespace ORDER BY 1",
}


def snapshot(server: PostgresServer, db: str) -> Snapshot:
    """Schema and data of the public schema, comparable between databases.

    Timestamp columns are left out of the data: CURRENT_TIMESTAMP defaults differ per run.
    """
    with server.connect(db) as conn:
        shot = {name: conn.execute(query).fetchall() for name, query in _SCHEMA_QUERIES.items()}
        columns = conn.execute(
            "SELECT table_name::text, column_name::text FROM information_schema.columns"
            " WHERE table_schema = 'public'"
            " AND table_name IN (SELECT tablename FROM pg_tables WHERE schemaname = 'public')"
            " AND data_type NOT LIKE 'timestamp%' ORDER BY table_name, ordinal_position"
        ).fetchall()
        by_table: dict[str, list[sql.Identifier]] = {}
        for table, name in columns:
            by_table.setdefault(table, []).append(sql.Identifier(name))
        for table, names in by_table.items():
            order = sql.SQL(", ").join(sql.Literal(i + 1) for i in range(len(names)))
            select = sql.SQL("SELECT {} FROM {} ORDER BY {}").format(
                sql.SQL(", ").join(names), sql.Identifier(table), order
            )
            shot[f"data:{table}"] = conn.execute(select).fetchall()
    return shot


# --- the example project -------------------------------------------------------------

EXAMPLE_TABLES = {"customers", "products", "orders", "order_items", "audit_events"}

# 0005 seeds these rows; 0007 renames the voucher, with a literal % that must stay single
EXAMPLE_PRODUCTS = [
    (1, "MUG-01", "Coffee mug", Decimal("9.50")),
    (2, "TEE-M", "T-shirt, size M", Decimal("19.00")),
    (3, "GIFT-10", "Gift voucher (10%)", Decimal("0.00")),
]


def check_example_at_head(server: PostgresServer, db: str, head: str) -> None:
    assert public_tables(server, db) == EXAMPLE_TABLES | {"alembic_version"}
    assert versions(server, db) == [head]

    products = server.query(db, "SELECT id, sku, name, price FROM products ORDER BY id")
    assert products == EXAMPLE_PRODUCTS

    # 0006 added order_items.gift_note, 0009 widened it to 500, 0010 renamed it
    assert column(server, db, "order_items", "gift_note") is None
    assert column(server, db, "order_items", "gift_message") == {
        "type": "character varying",
        "length": 500,
        "nullable": "YES",
        "default": None,
    }
    # 0012 added a NOT NULL column with a server default
    source = column(server, db, "audit_events", "source")
    assert source is not None
    assert (source["length"], source["nullable"]) == (20, "NO")
    assert source["default"] == "'app'::character varying"
    status = column(server, db, "orders", "status")
    assert status is not None and status["default"] == "'new'::character varying"

    rows = server.query(db, "SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")
    indexes = {name for (name,) in rows}
    assert {"ix_orders_customer_id", "ix_products_name"} <= indexes
    constraints = dict(
        server.query(
            db,
            "SELECT conname::text, contype::text FROM pg_constraint"
            " WHERE connamespace = 'public'::regnamespace",
        )
    )
    assert constraints["uq_customers_email"] == "u"
    assert constraints["uq_products_sku"] == "u"
    assert constraints["ck_products_price_positive"] == "c"
    assert constraints["ck_order_items_quantity_positive"] == "c"
    assert constraints["pk_order_items"] == "p"
    assert constraints["fk_orders_customer_id_customers"] == "f"
    assert constraints["fk_audit_events_order_id_orders"] == "f"

    # 0011 writes the first audit event (its SERIAL key numbers it); 0012's default
    # fills its source
    audit = server.query(db, "SELECT id, order_id, kind, detail, source FROM audit_events")
    assert audit == [
        (
            1,
            None,
            "schema",
            "audit log started; earlier orders are not covered",
            "app",
        )
    ]

    # the constraints are real, not just named
    with server.connect(db) as conn:
        with pytest.raises(errors.CheckViolation):
            conn.execute(
                "INSERT INTO products (id, sku, name, price) VALUES (9, 'NEG', 'negative', -1)"
            )
        with pytest.raises(errors.ForeignKeyViolation):
            conn.execute("INSERT INTO orders (customer_id) VALUES (999)")  # no such customer


def test_example_upgrade_and_downgrade_run(
    postgres_server: PostgresServer,
    new_database: Callable[[], str],
    example_dir: Path,
    tmp_path: Path,
) -> None:
    head = head_of(example_dir)
    up = range_file(generate(example_dir, "upgrade", "base:heads", tmp_path), tmp_path)
    down = range_file(generate(example_dir, "downgrade", "heads:base", tmp_path), tmp_path)
    assert up == tmp_path / DIALECT / f"upgrade-base-{head}.sql"
    assert down == tmp_path / DIALECT / f"downgrade-{head}-base.sql"

    db = new_database()
    postgres_server.run_sql_file(db, up)
    check_example_at_head(postgres_server, db, head)
    first = snapshot(postgres_server, db)

    postgres_server.run_sql_file(db, down)
    assert_downgraded_to_base(postgres_server, db)

    # the downgrade really undid everything: upgrading again gives the same database. A
    # script from base creates the version table (as Alembic's --sql does), and downgrades
    # leave it in place (as Alembic does), so drop it first.
    postgres_server.execute(db, "DROP TABLE alembic_version")
    postgres_server.run_sql_file(db, up)
    assert snapshot(postgres_server, db) == first


def test_example_per_revision_files_match_the_range(
    postgres_server: PostgresServer,
    new_database: Callable[[], str],
    example_dir: Path,
    tmp_path: Path,
) -> None:
    head = head_of(example_dir)
    result_up = generate(example_dir, "upgrade", "base:heads", tmp_path, per_revision=True)
    result_down = generate(example_dir, "downgrade", "heads:base", tmp_path, per_revision=True)
    revisions = {s.revision for s in api.open_project(example_dir).scripts}

    def steps(result: api.GenerateResult) -> list[tuple[str, Path]]:
        files = [f for f in result.files if f.dialect == DIALECT and f.kind == "revision"]
        ordered = sorted(files, key=lambda f: f.path)
        assert [f.revision for f in ordered] == list(result.plan.revisions)
        assert {f.revision for f in ordered} == revisions
        return [(str(f.revision), tmp_path / f.path) for f in ordered]

    whole, stepwise = new_database(), new_database()
    postgres_server.run_sql_file(whole, range_file(result_up, tmp_path))
    for revision, path in steps(result_up):
        postgres_server.run_sql_file(stepwise, path)
        # after upgrading to a revision, it is one of the current heads
        assert revision in versions(postgres_server, stepwise), path.name
    check_example_at_head(postgres_server, stepwise, head)
    assert snapshot(postgres_server, stepwise) == snapshot(postgres_server, whole)

    postgres_server.run_sql_file(whole, range_file(result_down, tmp_path))
    for revision, path in steps(result_down):
        postgres_server.run_sql_file(stepwise, path)
        assert revision not in versions(postgres_server, stepwise), path.name
    assert_downgraded_to_base(postgres_server, stepwise)
    assert snapshot(postgres_server, stepwise) == snapshot(postgres_server, whole)


# --- the synthetic corpus ------------------------------------------------------------


def corpus_expectations(root: Path) -> tuple[set[str], Counter[str], str]:
    """Read the corpus sources (not sqlgen): the tables the upgrades leave, the rows
    bulk-inserted into each, and the single head."""
    tables: set[str] = set()
    seeded: Counter[str] = Counter()
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in sorted((root / "migrations" / "versions").glob("*.py")):  # written in order
        tree = ast.parse(path.read_text(), str(path))
        for node in tree.body:
            if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
                target = node.targets[0].id
                if target == "revision":
                    revisions.add(ast.literal_eval(node.value))
                elif target == "down_revision":
                    down = ast.literal_eval(node.value) or ()
                    parents.update((down,) if isinstance(down, str) else down)
            if isinstance(node, ast.FunctionDef) and node.name == "upgrade":
                _replay_upgrade(path, node, tables, seeded)
    (head,) = revisions - parents
    return tables, seeded, head


def _replay_upgrade(
    path: Path, function: ast.FunctionDef, tables: set[str], seeded: Counter[str]
) -> None:
    """The tables and rows one upgrade() leaves: its op calls in the order they run."""
    calls = [
        node.value
        for statement in function.body
        for node in ast.walk(statement)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
    ]
    for call in calls:
        func = call.func
        if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)):
            continue
        if func.value.id != "op":
            continue
        if func.attr == "create_table":
            tables.add(ast.literal_eval(call.args[0]))
        elif func.attr == "drop_table":
            name = ast.literal_eval(call.args[0])
            tables.discard(name)
            seeded.pop(name, None)
        elif func.attr == "rename_table":
            old, new = (ast.literal_eval(a) for a in call.args)
            tables.discard(old)
            tables.add(new)
            if old in seeded:
                seeded[new] = seeded.pop(old)
        elif func.attr == "bulk_insert":
            table, rows = call.args
            assert isinstance(table, ast.Call) and isinstance(rows, ast.List)
            seeded[ast.literal_eval(table.args[0])] += len(rows.elts)
        elif func.attr == "execute":
            # the claim the expectation rests on: raw SQL never makes or removes a table,
            # nor a seeded row (they are named seed-N)
            statement = ast.literal_eval(call.args[0])
            assert re.match(
                r"UPDATE \w+ SET |CREATE INDEX \w+ ON |DELETE FROM \w+ WHERE name LIKE 'tmp-%'$",
                statement,
            ), (path, statement)


def test_corpus_upgrade_and_downgrade_run(
    postgres_server: PostgresServer,
    new_database: Callable[[], str],
    corpus: Callable[[int], Path],
    tmp_path: Path,
) -> None:
    root = corpus(200)
    tables, seeded, head = corpus_expectations(root)
    assert head_of(root) == head
    assert len(tables) > 20 and sum(seeded.values()) > 0  # the corpus is not trivial

    up = range_file(generate(root, "upgrade", "base:heads", tmp_path), tmp_path)
    down = range_file(generate(root, "downgrade", "heads:base", tmp_path), tmp_path)

    db = new_database()
    postgres_server.run_sql_file(db, up)
    assert public_tables(postgres_server, db) == tables | {"alembic_version"}
    assert versions(postgres_server, db) == [head]
    # every bulk_insert row arrived, in the table it was meant for
    assert {t: _count(postgres_server, db, t) for t in tables} == {t: seeded[t] for t in tables}

    postgres_server.run_sql_file(db, down)
    assert_downgraded_to_base(postgres_server, db)


def _count(server: PostgresServer, db: str, table: str) -> int:
    with server.connect(db) as conn:
        query = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
        row = conn.execute(query).fetchone()
    assert row is not None
    return int(row[0])


# --- the same database as Alembic's own offline SQL --------------------------------


def alembic_sql(project: Path, direction: Direction, spec: str, out: Path) -> Path:
    """`alembic upgrade|downgrade SPEC --sql` for the project (runs its env.py, offline)."""
    argv = [sys.executable, "-m", "alembic", "-c", str(project / "alembic.ini")]
    argv += [direction, spec, "--sql"]
    done = subprocess.run(argv, cwd=project, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    out.write_text(done.stdout)
    return out


@pytest.mark.parametrize("which", ["example", "corpus"])
def test_same_database_as_alembic_offline_sql(
    postgres_server: PostgresServer,
    new_database: Callable[[], str],
    example_dir: Path,
    corpus: Callable[[int], Path],
    tmp_path: Path,
    which: str,
) -> None:
    """sqlgen's scripts and Alembic's own `--sql` scripts leave identical databases, after
    the upgrade and after the downgrade: a check that needs no hand-written expectations."""
    project = example_dir if which == "example" else corpus(200)
    ours, theirs = new_database(), new_database()
    runs: list[tuple[Direction, str]] = [("upgrade", "base:heads"), ("downgrade", "heads:base")]
    for direction, spec in runs:
        mine = range_file(
            generate(project, direction, spec, tmp_path / "sqlgen"), tmp_path / "sqlgen"
        )
        reference = alembic_sql(project, direction, spec, tmp_path / f"alembic-{direction}.sql")
        postgres_server.run_sql_file(ours, mine)
        postgres_server.run_sql_file(theirs, reference)
        assert snapshot(postgres_server, ours) == snapshot(postgres_server, theirs), direction


# --- the helper itself ---------------------------------------------------------------


def test_psql_errors_stop_the_file_and_raise(
    postgres_server: PostgresServer, new_database: Callable[[], str], tmp_path: Path
) -> None:
    """The harness must not let a failing script pass: psql stops and we raise."""
    db = new_database()
    script = tmp_path / "broken.sql"
    script.write_text("BEGIN;\nCREATE TABLE half_done (id int);\nSELEC 1;\nCOMMIT;\n")
    with pytest.raises(PsqlError, match=re.compile("syntax error", re.IGNORECASE)) as caught:
        postgres_server.run_sql_file(db, script)
    assert caught.value.returncode == 3  # psql's "error in script" exit status
    assert public_tables(postgres_server, db) == set()  # the transaction was rolled back


def _children(pid: int) -> set[int]:
    """The processes whose parent is `pid` (Linux /proc)."""
    found = set()
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        match = re.search(r"^PPid:\s+(\d+)", text, re.MULTILINE)
        if match and int(match.group(1)) == pid:
            found.add(int(status.parent.name))
    return found


class _Boom(Exception):
    pass


@pytest.mark.parametrize("body_raises", [False, True], ids=["normal-exit", "body-raises"])
def test_throwaway_server_cleans_up(pg_installation: Installation, body_raises: bool) -> None:
    seen: dict[str, Any] = {}

    def use(server: PostgresServer) -> None:
        seen["pid"], seen["root"] = server.pid, server.root
        seen["pid_file"] = server.data_dir / "postmaster.pid"
        assert seen["pid"] is not None and process_alive(seen["pid"])
        assert seen["pid_file"].is_file()
        assert server.query("postgres", "SELECT 1") == [(1,)]
        seen["children"] = _children(seen["pid"])  # checkpointer, walwriter...
        if body_raises:
            raise _Boom

    if body_raises:
        with pytest.raises(_Boom), throwaway_server(pg_installation) as server:
            use(server)
    else:
        with throwaway_server(pg_installation) as server:
            use(server)

    if Path("/proc/self").exists():
        assert seen["children"], "expected the postmaster to have started its helpers"
    assert not process_alive(seen["pid"])
    assert not [child for child in seen["children"] if process_alive(child)]
    assert not seen["pid_file"].exists()
    assert not seen["root"].exists()


def test_locate_reports_missing_binaries(tmp_path: Path) -> None:
    """What the fixtures turn into a skip (or a CI failure) when PostgreSQL is absent."""
    with pytest.raises(PostgresNotFound, match="not found"):
        locate(bindir=tmp_path)
