"""`sqlgen verify` with rows: tables filled before each revision, checked after it.

Each failure below reports PASSED on empty tables (`--empty`, the old behaviour):
the rows are what catch it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from sqlgen import api
from sqlgen.model.at_revision import model_at
from sqlgen.verify.conditions import parse, satisfied
from sqlgen.verify.rows import RowMaker, order
from sqlgen.verify.timeline import ALL, written_tables

from .projects import make_project, revision_source
from .verify_helpers import Cli, passes, verify_outcome

ENGINES = ["sqlite", "postgresql", "mariadb"]


def _problem(outcome: dict[str, object]) -> str:
    assert outcome["status"] == "failed", outcome
    [problem] = outcome["problems"]  # type: ignore[misc]
    return str(problem)


# --- the three failures of issue 13 ----------------------------------------------------------

NOW_DEFAULT = {
    "0001_posts.py": revision_source(
        "post0001",
        None,
        upgrade="""
        op.create_table(
            'posts',
            sa.Column('id', sa.Integer(), primary_key=True),
            sa.Column('title', sa.String(80), nullable=False),
            sa.Column('created_at', sa.DateTime(),
                      server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
            sa.Column('published', sa.Boolean(), server_default=sa.false(), nullable=False),
        )
        """,
        downgrade="op.drop_table('posts')",
    ),
    # the rebuild writes DEFAULT (now()): SQLite takes the table, then every INSERT
    # relying on the default fails with "unknown function: now()"
    "0002_rebuild.py": revision_source(
        "post0002",
        "post0001",
        upgrade="""
        with op.batch_alter_table('posts') as batch_op:
            batch_op.alter_column('created_at', server_default=sa.text('(now())'),
                                  existing_type=sa.DateTime(), existing_nullable=False)
        """,
        downgrade="""
        with op.batch_alter_table('posts') as batch_op:
            batch_op.alter_column('created_at', server_default=sa.text('CURRENT_TIMESTAMP'),
                                  existing_type=sa.DateTime(), existing_nullable=False)
        """,
    ),
}


def test_a_rebuild_that_writes_default_now_fails_the_insert_relying_on_it(
    cli: Cli, tmp_path: Path
) -> None:
    project = make_project(tmp_path, NOW_DEFAULT)
    passes(verify_outcome(cli, project, "sqlite", "--empty")[0])  # what verify said before rows
    outcome, code = verify_outcome(cli, project, "sqlite")
    assert code == 1
    problem = _problem(outcome)
    script = "sqlite/upgrade-base-post0002.sql"
    assert problem.startswith(
        f"default insert failed: revision post0002 (migrations/versions/0002_rebuild.py), {script}:"
    ), problem
    assert "an INSERT into posts that leaves out created_at DEFAULT (now())" in problem
    assert "OperationalError: unknown function: now()" in problem
    # the line is the rebuild's CREATE TABLE that writes the default
    line = int(problem.split(f"{script}:")[1].split(":")[0])
    written = tmp_path / "out"
    cli("-p", project, "upgrade", "base:heads", "-d", "sqlite", "-o", written)
    text = (written / script).read_text().splitlines()
    assert text[line - 1].startswith("CREATE TABLE _alembic_tmp_posts")
    assert any("DEFAULT (now())" in t for t in text[line - 1 : line + 6])


CASCADE = {
    "0001_authors.py": revision_source(
        "casc0001",
        None,
        upgrade="""
        op.create_table('authors', sa.Column('id', sa.Integer(), primary_key=True),
                        sa.Column('name', sa.String(50), nullable=False))
        op.create_table(
            'books',
            sa.Column('id', sa.Integer(), primary_key=True),
            sa.Column('author_id', sa.Integer(),
                      sa.ForeignKey('authors.id', name='fk_books_author', ondelete='CASCADE'),
                      nullable=False),
            sa.Column('title', sa.String(50), nullable=False),
        )
        """,
        downgrade="""
        op.drop_table('books')
        op.drop_table('authors')
        """,
    ),
    # SQLite rebuilds authors: DROP TABLE authors deletes every book through the cascade
    "0002_widen.py": revision_source(
        "casc0002",
        "casc0001",
        upgrade="""
        with op.batch_alter_table('authors') as batch_op:
            batch_op.alter_column('name', existing_type=sa.String(50), type_=sa.String(100),
                                  existing_nullable=False)
        """,
        downgrade="""
        with op.batch_alter_table('authors') as batch_op:
            batch_op.alter_column('name', existing_type=sa.String(100), type_=sa.String(50),
                                  existing_nullable=False)
        """,
    ),
}


def test_a_sqlite_rebuild_that_cascades_to_child_rows_loses_them(cli: Cli, tmp_path: Path) -> None:
    project = make_project(tmp_path, CASCADE)
    passes(verify_outcome(cli, project, "sqlite", "--empty")[0])
    outcome, code = verify_outcome(cli, project, "sqlite")
    assert code == 1
    problem = _problem(outcome)
    script = "sqlite/upgrade-base-casc0002.sql"
    assert problem.startswith(
        f"rows lost: revision casc0002 (migrations/versions/0002_widen.py), {script}:"
    ), problem
    assert "table books lost 2 of 2 row(s) sqlgen inserted (id=" in problem
    assert "it drops authors, the parent, and ON DELETE CASCADE deletes the rows" in problem
    line = int(problem.split(f"{script}:")[1].split(":")[0])
    written = tmp_path / "out"
    cli("-p", project, "upgrade", "base:heads", "-d", "sqlite", "-o", written)
    assert (written / script).read_text().splitlines()[line - 1] == "DROP TABLE authors;"


NOT_NULL = {
    "0001_items.py": revision_source(
        "nonn0001",
        None,
        upgrade="op.create_table('items', sa.Column('id', sa.Integer(), primary_key=True), "
        "sa.Column('name', sa.String(50), nullable=False))",
        downgrade="op.drop_table('items')",
    ),
    "0002_price.py": revision_source(
        "nonn0002",
        "nonn0001",
        upgrade="op.add_column('items', sa.Column('price', sa.Integer(), nullable=False))",
        downgrade="op.drop_column('items', 'price')",
    ),
}


# MariaDB fills such a column with the type's implicit default (0): it takes the statement
@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_a_not_null_column_without_default_fails_on_a_table_with_rows(
    cli: Cli, tmp_path: Path, dialect: str
) -> None:
    project = make_project(tmp_path, NOT_NULL)
    passes(verify_outcome(cli, project, dialect, "--empty")[0])
    outcome, code = verify_outcome(cli, project, dialect)
    assert code == 1
    problem = _problem(outcome)
    assert problem.startswith(
        "statement failed: revision nonn0002 (migrations/versions/0002_price.py), "
        f"{dialect}/upgrade-base-nonn0002.sql:"
    ), problem
    assert problem.endswith(
        "; the table held rows sqlgen inserted, and a NOT NULL column added without a default "
        "cannot be filled for them: give it a server_default, or add it nullable, fill it, "
        "then make it NOT NULL (`sqlgen verify --empty` runs on empty tables)"
    ), problem


# --- what a revision may do to rows, and what it may not ------------------------------------

ITEMS = {
    "0001_items.py": revision_source(
        "over0001",
        None,
        upgrade="op.create_table('items', sa.Column('id', sa.Integer(), primary_key=True), "
        "sa.Column('name', sa.String(50), nullable=False), "
        "sa.Column('note', sa.String(20), nullable=True))",
        downgrade="op.drop_table('items')",
    ),
    "0002_widen.py": revision_source(
        "over0002",
        "over0001",
        upgrade="""
        with op.batch_alter_table('items') as batch_op:
            batch_op.alter_column('note', existing_type=sa.String(20), type_=sa.String(40),
                                  existing_nullable=True)
        """,
        downgrade="""
        with op.batch_alter_table('items') as batch_op:
            batch_op.alter_column('note', existing_type=sa.String(40), type_=sa.String(20),
                                  existing_nullable=True)
        """,
    ),
}

REBUILD = """CREATE TABLE _alembic_tmp_items (
    id INTEGER NOT NULL,
    name VARCHAR(50) NOT NULL,
    note VARCHAR(40),
    PRIMARY KEY (id)
);
INSERT INTO _alembic_tmp_items (id, name, note) {select};
DROP TABLE items;
ALTER TABLE _alembic_tmp_items RENAME TO items;
"""


def _with_override(tmp_path: Path, select: str) -> Path:
    """The ITEMS project, its SQLite upgrade of over0002 replaced by a reviewed rebuild."""
    project = make_project(tmp_path, ITEMS, config="sqlgen.toml")
    with (project / "sqlgen.toml").open("a") as config:
        config.write('overrides = "overrides"\n')
    (project / "overrides").mkdir()
    (project / "overrides" / "over0002.upgrade.sqlite.sql").write_text(
        REBUILD.format(select=select)
    )
    return project


def test_a_rebuild_that_copies_no_rows_loses_them(cli: Cli, tmp_path: Path) -> None:
    project = _with_override(tmp_path, "SELECT id, name, note FROM items WHERE id < 0")
    passes(verify_outcome(cli, project, "sqlite", "--empty")[0])
    problem = _problem(verify_outcome(cli, project, "sqlite")[0])
    assert problem.startswith(
        "rows lost: revision over0002 (migrations/versions/0002_widen.py), "
        "sqlite/upgrade-base-over0002.sql:"
    ), problem
    assert "table items lost 2 of 2 row(s) sqlgen inserted (id=1999999999, id=1999999998)" in (
        problem
    )
    assert "CASCADE" not in problem


def test_a_rebuild_that_changes_values_is_reported(cli: Cli, tmp_path: Path) -> None:
    project = _with_override(tmp_path, "SELECT id, upper(name), note FROM items")
    passes(verify_outcome(cli, project, "sqlite", "--empty")[0])
    problem = _problem(verify_outcome(cli, project, "sqlite")[0])
    assert problem.startswith("rows changed: revision over0002 (migrations/versions/0002_widen.py)")
    assert (
        "table items: values of rows sqlgen inserted changed (id=1999999999: name 'sg1' -> 'SG1'"
        in (problem)
    )


def test_rows_a_revision_deletes_or_updates_itself_are_not_lost(cli: Cli, tmp_path: Path) -> None:
    files = dict(ITEMS)
    files["0002_widen.py"] = revision_source(
        "over0002",
        "over0001",
        upgrade="""
        op.execute("UPDATE items SET name = 'renamed' WHERE id > 0")
        op.execute("DELETE FROM items WHERE note IS NULL")
        op.drop_column('items', 'note')
        """,
        downgrade="op.add_column('items', sa.Column('note', sa.String(20), nullable=True))",
    )
    project = make_project(tmp_path, files)
    outcome, code = verify_outcome(cli, project, "sqlite")
    passes(outcome)
    assert code == 0


# --- tables sqlgen cannot fill ---------------------------------------------------------------

ODD_CHECK = {
    "0001_odd.py": revision_source(
        "odd00001",
        None,
        upgrade="""
        op.create_table(
            'shapes',
            sa.Column('id', sa.Integer(), primary_key=True),
            sa.Column('side', sa.Integer(), nullable=False),
            sa.CheckConstraint('abs(side) > 3', name='ck_shapes_side'),
        )
        op.create_table('plain', sa.Column('id', sa.Integer(), primary_key=True))
        """,
        downgrade="op.drop_table('plain')\nop.drop_table('shapes')",
    ),
    "0002_more.py": revision_source(
        "odd00002",
        "odd00001",
        upgrade="op.add_column('plain', sa.Column('x', sa.Integer(), nullable=True))",
        downgrade="op.drop_column('plain', 'x')",
    ),
}


def test_a_table_sqlgen_cannot_fill_is_left_empty_with_a_note(cli: Cli, tmp_path: Path) -> None:
    project = make_project(tmp_path, ODD_CHECK)
    outcome, _ = verify_outcome(cli, project, "sqlite")
    passes(outcome)
    notes = outcome["notes"]
    assert isinstance(notes, list)
    assert notes[0].startswith("rows: 6 inserted into 1 table(s) before 4 revision(s)"), notes
    assert notes[1:] == [
        "table shapes: no rows (CHECK ck_shapes_side is beyond what sqlgen evaluates "
        "(Abs in a check))"
    ]
    text = cli("-p", project, "verify", "base:heads", "-d", "sqlite")
    assert "    note: table shapes: no rows (CHECK ck_shapes_side" in text.stdout


# --- whole projects pass with rows -----------------------------------------------------------


@pytest.mark.parametrize("dialect", ["sqlite", "duckdb", "postgresql", "mariadb"])
def test_the_example_passes_with_rows(cli: Cli, example_dir: Path, dialect: str) -> None:
    outcome, code = verify_outcome(cli, example_dir, dialect)
    passes(outcome)
    assert code == 0
    assert outcome["notes"] == [
        "rows: 34 inserted into 5 table(s) before 24 revision(s) and checked after each; "
        "5 INSERT(s) relying on defaults"
    ]


def test_empty_keeps_the_old_behaviour(cli: Cli, example_dir: Path) -> None:
    outcome, _ = verify_outcome(cli, example_dir, "sqlite", "--empty")
    passes(outcome)
    assert outcome["notes"] == []
    assert [line.split(":")[0] for line in outcome["log"]] == [  # type: ignore[union-attr]
        "upgrade",
        "downgrade",
        "dropped the empty alembic_version the downgrade left",
        "upgrade again",
    ]


def _rev(n: int) -> str:
    return f"shap{n:04d}"


_STEPS: list[tuple[str, str, str]] = [
    (
        "customers",
        """
    op.create_table(
        'customers',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('email', sa.String(120), nullable=False),
        sa.Column('name', sa.String(60), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False,
                  server_default=sa.text('CURRENT_TIMESTAMP')),
        sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column('nickname', sa.String(30), nullable=True),
        sa.UniqueConstraint('email', name='uq_customers_email'),
    )""",
        "op.drop_table('customers')",
    ),
    (
        "products",
        """
    op.create_table(
        'products',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column('sku', sa.String(16), nullable=False),
        sa.Column('price', sa.Numeric(10, 2), nullable=False),
        sa.Column('stock', sa.Integer(), server_default='0', nullable=False),
        sa.Column('kind', sa.String(10), nullable=False),
        sa.UniqueConstraint('sku', name='uq_products_sku'),
        sa.CheckConstraint('price >= 0', name='ck_products_price'),
        sa.CheckConstraint('stock BETWEEN 0 AND 100000', name='ck_products_stock'),
        sa.CheckConstraint("kind IN ('book', 'toy', 'food')", name='ck_products_kind'),
    )""",
        "op.drop_table('products')",
    ),
    (
        "orders",
        """
    op.create_table(
        'orders',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(10), server_default='new', nullable=False),
        sa.Column('placed_on', sa.Date(), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name='fk_orders_customer',
                                ondelete='CASCADE'),
    )
    op.create_index('ix_orders_customer', 'orders', ['customer_id'])""",
        "op.drop_table('orders')  # its index goes with it (InnoDB would not drop it alone)",
    ),
    (
        "order lines",
        """
    op.create_table(
        'order_lines',
        sa.Column('order_id', sa.Integer(), nullable=False),
        sa.Column('product_id', sa.Integer(), nullable=False),
        sa.Column('qty', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('order_id', 'product_id', name='pk_order_lines'),
        sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name='fk_lines_order',
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['product_id'], ['products.id'], name='fk_lines_product'),
        sa.CheckConstraint('qty > 0', name='ck_lines_qty'),
    )""",
        "op.drop_table('order_lines')",
    ),
    (
        "seed products",
        """
    op.bulk_insert(
        sa.table('products', sa.column('id', sa.Integer()), sa.column('sku', sa.String()),
                 sa.column('price', sa.Numeric()), sa.column('kind', sa.String())),
        [{'id': 1, 'sku': 'SEED-1', 'price': 5, 'kind': 'book'},
         {'id': 2, 'sku': 'SEED-2', 'price': 7, 'kind': 'toy'},
         {'id': 3, 'sku': 'SEED-3', 'price': 9, 'kind': 'food'}],
    )""",
        "op.execute(\"DELETE FROM products WHERE sku LIKE 'SEED-%'\")",
    ),
    (
        "columns with defaults",
        """
    op.add_column('customers', sa.Column('phone', sa.String(20), nullable=True))
    op.add_column('orders', sa.Column('total', sa.Numeric(12, 2), server_default='0',
                                      nullable=False))
    op.add_column('orders', sa.Column('channel', sa.String(12), server_default='web',
                                      nullable=False))""",
        "op.drop_column('orders', 'channel')\nop.drop_column('orders', 'total')\n"
        "op.drop_column('customers', 'phone')",
    ),
    (
        "check on lines, in a batch",
        """
    with op.batch_alter_table('order_lines') as batch_op:
        batch_op.create_check_constraint('ck_lines_qty_max', 'qty <= 1000')""",
        """with op.batch_alter_table('order_lines') as batch_op:
        batch_op.drop_constraint('ck_lines_qty_max', type_='check')""",
    ),
    (
        "reviews",
        """
    op.create_table(
        'reviews',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('product_id', sa.Integer(), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=True),
        sa.Column('rating', sa.Integer(), nullable=False),
        sa.Column('body', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False,
                  server_default=sa.text('CURRENT_TIMESTAMP')),
        sa.ForeignKeyConstraint(['product_id'], ['products.id'], name='fk_reviews_product'),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name='fk_reviews_customer',
                                ondelete='SET NULL'),
        sa.CheckConstraint('rating BETWEEN 1 AND 5', name='ck_reviews_rating'),
    )""",
        "op.drop_table('reviews')",
    ),
    (
        "rename and widen in a batch",
        """
    with op.batch_alter_table('reviews') as batch_op:
        batch_op.alter_column('body', new_column_name='comment', existing_type=sa.Text(),
                              existing_nullable=True)""",
        """with op.batch_alter_table('reviews') as batch_op:
        batch_op.alter_column('comment', new_column_name='body', existing_type=sa.Text(),
                              existing_nullable=True)""",
    ),
    (
        "rename a table",
        "op.rename_table('reviews', 'product_reviews')",
        "op.rename_table('product_reviews', 'reviews')",
    ),
    (
        "data",
        """
    op.execute("UPDATE products SET price = price + 1 WHERE sku LIKE 'SEED-%'")
    op.execute("DELETE FROM products WHERE sku = 'SEED-3'")""",
        """
    op.execute("INSERT INTO products (id, sku, price, stock, kind) "
               "VALUES (3, 'SEED-3', 9, 0, 'food')")
    op.execute("UPDATE products SET price = price - 1 WHERE sku LIKE 'SEED-%'")""",
    ),
    (
        "backfill then NOT NULL",
        """
    op.add_column('product_reviews', sa.Column('helpful', sa.Integer(), nullable=True))
    op.execute('UPDATE product_reviews SET helpful = 0 WHERE helpful IS NULL')
    with op.batch_alter_table('product_reviews') as batch_op:
        batch_op.alter_column('helpful', existing_type=sa.Integer(), nullable=False)""",
        """with op.batch_alter_table('product_reviews') as batch_op:
        batch_op.drop_column('helpful')""",
    ),
    (
        "tags, a tree",
        """
    op.create_table(
        'tags',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('label', sa.String(20), nullable=False),
        sa.Column('parent_id', sa.Integer(), nullable=True),
        sa.Column('code', sa.String(4), nullable=False),
        sa.ForeignKeyConstraint(['parent_id'], ['tags.id'], name='fk_tags_parent'),
        sa.UniqueConstraint('label', name='uq_tags_label'),
        sa.CheckConstraint('length(code) = 4', name='ck_tags_code'),
    )""",
        "op.drop_table('tags')",
    ),
    (
        "indexes",
        """
    op.create_index('ix_customers_name', 'customers', ['name'])
    op.create_index('ix_products_kind_sku', 'products', ['kind', 'sku'], unique=True)""",
        "op.drop_index('ix_products_kind_sku', table_name='products')\n"
        "op.drop_index('ix_customers_name', table_name='customers')",
    ),
    (
        "drop a column in a batch",
        """
    with op.batch_alter_table('product_reviews') as batch_op:
        batch_op.drop_column('comment')""",
        """with op.batch_alter_table('product_reviews') as batch_op:
        batch_op.add_column(sa.Column('comment', sa.Text(), nullable=True))""",
    ),
    (
        "a uuid and a date",
        """
    op.add_column('customers', sa.Column('ref', sa.Uuid(), nullable=True))
    op.add_column('customers', sa.Column('born', sa.Date(), nullable=True))""",
        "op.drop_column('customers', 'born')\nop.drop_column('customers', 'ref')",
    ),
]

SHAPES: dict[str, str] = {
    f"{i:04d}_{_rev(i)}.py": revision_source(
        _rev(i), _rev(i - 1) if i > 1 else None, upgrade=up, downgrade=down, message=message
    )
    for i, (message, up, down) in enumerate(_STEPS, 1)
}


@pytest.mark.parametrize("dialect", ENGINES)
def test_a_synthetic_project_of_every_shape_passes_with_rows(
    cli: Cli, tmp_path: Path, dialect: str
) -> None:
    """Tables with foreign keys (CASCADE, SET NULL, to itself), composite keys, unique and
    CHECK constraints, defaults; batch rebuilds, renamed tables and columns, seeds, UPDATE
    and DELETE, a backfill made NOT NULL: every table gets rows, none is lost."""
    project = make_project(tmp_path, SHAPES)
    outcome, _ = verify_outcome(cli, project, dialect)
    passes(outcome)
    notes = outcome["notes"]
    assert isinstance(notes, list) and len(notes) == 1, notes  # no table left empty
    assert notes[0].startswith("rows: 50 inserted into 7 table(s) before 32 revision(s)"), notes


def test_the_corpus_passes_with_rows_on_postgresql(cli: Cli, corpus: Callable[[int], Path]) -> None:
    outcome, _ = verify_outcome(cli, corpus(100), "postgresql")
    passes(outcome)
    notes = outcome["notes"]
    assert isinstance(notes, list) and len(notes) == 1, notes
    assert notes[0].startswith("rows: ") and " before 200 revision(s)" in notes[0]


# --- rows from the model ---------------------------------------------------------------------


def _inserts(project: Path, dialect: str) -> list[str]:
    from sqlalchemy.dialects import sqlite

    workspace = api.open_project(project)
    model = model_at(workspace, "heads", dialect).model
    maker = RowMaker(sqlite.dialect(), "sqlite")
    tables = dict(model.tables)
    rows: dict[object, list[dict[str, object]]] = {}
    made = []
    for key in order(tables):
        table = tables[key]
        batch = [maker.make(table, n, tables, rows) for n in (1, 2, 3, 4)]  # type: ignore[arg-type]
        rows[key] = batch  # type: ignore[assignment]
        made.append(maker.insert_sql(table, batch))
    return made


def test_rows_are_a_function_of_the_model(tmp_path: Path) -> None:
    project = make_project(tmp_path, SHAPES)
    first, second = _inserts(project, "sqlite"), _inserts(project, "sqlite")
    assert first == second
    tags = next(sql for sql in first if sql.startswith("INSERT INTO tags"))
    # the CHECK length(code) = 4 is met from its literal; a tree refers to no row
    assert tags == (
        "INSERT INTO tags (id, label, parent_id, code) VALUES\n"
        "(1999999999, 'sg1', NULL, '0001'),\n"
        "(1999999998, 'sg2', NULL, '0002'),\n"
        "(1999999997, 'sg3', NULL, '0003'),\n"
        "(1999999996, 'sg4', NULL, '0004')"
    )
    lines = next(sql for sql in first if sql.startswith("INSERT INTO order_lines"))
    # parents first: the lines refer to orders and products inserted before them
    assert first.index(lines) > first.index(next(s for s in first if "INTO orders " in s))


@pytest.mark.parametrize(
    ("condition", "row", "expected"),
    [
        ("price >= 0", {"price": 3}, True),
        ("price >= 0", {"price": -1}, False),
        ("price >= 0", {"price": None}, True),  # NULL passes a CHECK
        ("rating BETWEEN 1 AND 5", {"rating": 7}, False),
        ("kind IN ('book', 'toy')", {"kind": "toy"}, True),
        ("length(code) = 4", {"code": "sg1"}, False),
        ("name <> '' AND (qty > 0 OR qty IS NULL)", {"name": "a", "qty": None}, True),
        ("flag IN (0, 1)", {"flag": True}, True),
    ],
)
def test_check_conditions_are_evaluated_offline(
    condition: str, row: dict[str, object], expected: bool
) -> None:
    assert satisfied(parse(condition, "sqlite"), row) is expected


def test_the_tables_a_revision_writes_are_read_from_its_sql() -> None:
    assert written_tables(
        [
            "DELETE FROM products WHERE sku = 'x'",
            'UPDATE public."Orders" SET a = 1',
            "CREATE TABLE t (a INT REFERENCES p (id) ON DELETE CASCADE)",
            "-- a comment\nTRUNCATE TABLE audit",
            "INSERT INTO log VALUES (1)",
        ]
    ) == {"products", "orders", "audit"}
    assert written_tables(["DELETE t1 FROM t1 JOIN t2 USING (id)"]) == {ALL}  # unnamed: any
    assert written_tables(["WITH x AS (SELECT 1) SELECT * FROM x"]) == set()
    assert ALL in written_tables(["MERGE USING src ON 1 = 1"])
