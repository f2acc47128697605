"""SG702 and SG703: what an engine does that `verify` on empty tables cannot see.

SG702: SQL Server refuses DROP COLUMN while the column's DEFAULT constraint
exists, unless the migration passes `mssql_drop_default=True`.
SG703: a SQLite batch rebuild (CREATE _alembic_tmp_t, copy, DROP TABLE t,
rename) deletes or changes the rows of tables that reference t with an ON
DELETE action, when `PRAGMA foreign_keys` is on.

Every test asserts at least one finding, so each fails with its rule disabled.
"""

from __future__ import annotations

import sqlite3
import textwrap
from pathlib import Path

from sqlgen import api
from sqlgen.lint import RULES_BY_ID, Finding, Severity, whole_range

from .lint_helpers import FROM_BASE, WHOLE, Migration, fired, lint_downgrade, lint_upgrade
from .projects import make_project, revision_source

BASE, REV = "base0001", "test0002"

# --- SG702: SQL Server, a dropped column that has a default --------------------------

MSSQL_BASE = """
    op.create_table(
        'users',
        sa.Column('id', sa.Integer, primary_key=True),
        sa.Column('status', sa.String(20), server_default='new'),
        sa.Column('active', sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column('plain', sa.Integer),
    )
"""


def _project(
    root: Path, base: str, upgrade: str, downgrade: str = "op.get_context()  # by hand"
) -> Migration:
    make_project(
        root,
        {
            "0001_base.py": revision_source(BASE, None, base, "pass"),
            "0002_test.py": revision_source(REV, BASE, upgrade, downgrade),
        },
    )
    return Migration(root, root / "migrations" / "versions" / "0002_test.py")


def _body(*parts: str) -> str:
    """Pieces of a migration function's body, each indented its own way, joined."""
    return "\n".join(textwrap.dedent(part).strip() for part in parts)


def _messages(findings: list[Finding], rule: str) -> list[str]:
    return [f.message for f in findings if f.rule == rule]


def test_sg702_drop_column_with_a_default_fails_on_sql_server(tmp_path: Path) -> None:
    m = _project(
        tmp_path,
        MSSQL_BASE,
        upgrade="""
            op.drop_column('users', 'status')
            op.drop_column('users', 'plain')
        """,
    )
    findings = lint_upgrade(m, ["mssql", "postgresql", "sqlite"])
    # only on SQL Server, and only the column that has a default
    assert fired(findings, "SG702") == [("SG702", "mssql", m.line("'status'"))]
    [finding] = [f for f in findings if f.rule == "SG702"]
    assert finding.severity is Severity.ERROR
    assert finding.message == (
        "drops column users.status, which has a server default, without "
        "mssql_drop_default=True: SQL Server refuses to drop a column while its DEFAULT "
        "constraint exists: the script fails here"
    )
    assert "mssql_drop_default=True" in finding.hint
    assert RULES_BY_ID["SG702"].category == "dialect compatibility"


def test_sg702_batch_drop_column_and_a_table_new_in_the_range(tmp_path: Path) -> None:
    m = _project(
        tmp_path,
        MSSQL_BASE,
        upgrade="""
            with op.batch_alter_table('users') as batch_op:
                batch_op.drop_column('active')
        """,
    )
    # SQL Server refuses whether or not the table has rows: new tables too
    for spec in (FROM_BASE, WHOLE):
        findings = lint_upgrade(m, ["mssql"], spec=spec)
        assert fired(findings, "SG702") == [("SG702", "mssql", m.line("drop_column('active')"))]


def test_sg702_mssql_drop_default_true_is_the_fix(tmp_path: Path) -> None:
    m = _project(
        tmp_path,
        MSSQL_BASE,
        upgrade="""
            op.drop_column('users', 'status', mssql_drop_default=True)
            with op.batch_alter_table('users') as batch_op:
                batch_op.drop_column('active', mssql_drop_default=True)
            op.drop_column('users', 'plain')
            op.add_column('users', sa.Column('score', sa.Integer, server_default='0'))
            op.drop_column('users', 'score')
        """,
    )
    findings = lint_upgrade(m, ["mssql"])
    assert fired(findings, "SG702") == [("SG702", "mssql", m.line("'score')"))]


def test_sg702_follows_the_default_through_alter_column(tmp_path: Path) -> None:
    m = _project(
        tmp_path,
        MSSQL_BASE,
        upgrade="""
            op.alter_column('users', 'status', server_default=None)
            op.drop_column('users', 'status')
            op.alter_column('users', 'plain', server_default='1')
            op.drop_column('users', 'plain')
            with op.batch_alter_table('users') as batch_op:
                batch_op.alter_column('active', server_default=None)
                batch_op.drop_column('active')
        """,
    )
    # a default removed before the drop is no default; one set before it is
    findings = lint_upgrade(m, ["mssql"])
    assert fired(findings, "SG702") == [("SG702", "mssql", m.line("drop_column('users', 'plain')"))]


def test_sg702_in_the_downgrade_of_an_added_column_with_a_default(tmp_path: Path) -> None:
    m = _project(
        tmp_path,
        MSSQL_BASE,
        upgrade="op.add_column('users', sa.Column('score', sa.Integer, server_default='0'))",
        downgrade="op.drop_column('users', 'score')",
    )
    assert fired(lint_upgrade(m, ["mssql"]), "SG702") == []
    down = lint_downgrade(m, ["mssql"])
    assert fired(down, "SG702") == [("SG702", "mssql", m.line("op.drop_column"))]
    assert down[0].direction == "downgrade"


# --- SG703: SQLite, a rebuild whose table other rows reference -----------------------

SQLITE_BASE = """
    op.create_table(
        'users',
        sa.Column('id', sa.Integer, primary_key=True),
        sa.Column('name', sa.String(50)),
    )
    op.create_table(
        'orders',
        sa.Column('id', sa.Integer, primary_key=True),
        sa.Column(
            'user_id', sa.Integer,
            sa.ForeignKey('users.id', name='fk_orders_user', ondelete='CASCADE'),
        ),
    )
    op.create_table(
        'notes',
        sa.Column('id', sa.Integer, primary_key=True),
        sa.Column('user_id', sa.Integer, sa.ForeignKey('users.id', ondelete='SET NULL')),
    )
    op.create_table(
        'logins',
        sa.Column('id', sa.Integer, primary_key=True),
        sa.Column('user_id', sa.Integer, sa.ForeignKey('users.id', onupdate='CASCADE')),
    )
    op.create_table(
        'categories',
        sa.Column('id', sa.Integer, primary_key=True),
        sa.Column(
            'parent_id', sa.Integer, sa.ForeignKey('categories.id', ondelete='CASCADE')
        ),
        sa.Column('name', sa.String(50)),
    )
"""
REBUILD_USERS = """
    with op.batch_alter_table('users') as batch_op:
        batch_op.alter_column('name', existing_type=sa.String(50), type_=sa.String(100))
"""
REBUILD_CATEGORIES = """
    with op.batch_alter_table('categories') as batch_op:
        batch_op.alter_column('name', existing_type=sa.String(50), type_=sa.String(100))
"""
USERS_REFERENCED = (
    "batch mode recreates table users (copy, then DROP TABLE users), referenced by "
    "orders.user_id ON DELETE CASCADE, notes.user_id ON DELETE SET NULL: with PRAGMA "
    "foreign_keys=ON, DROP TABLE first deletes every row, and the ON DELETE actions "
    "delete or change the referencing rows"
)
ROWS = """
    INSERT INTO users (id, name) VALUES (1, 'ada'), (2, 'bob');
    INSERT INTO orders (id, user_id) VALUES (10, 1), (11, 2);
    INSERT INTO notes (id, user_id) VALUES (20, 1);
    INSERT INTO categories (id, parent_id, name) VALUES (1, NULL, 'all'), (2, 1, 'mugs');
"""


def _sqlite_script(root: Path, spec: str) -> str:
    workspace = api.open_project(root)
    out = root / f"out-{spec.replace(':', '-')}"
    request = api.GenerateRequest("upgrade", spec, ["sqlite"], out=out)
    api.generate(workspace, request)
    [script] = sorted((out / "sqlite").glob("*.sql"))
    return script.read_text(encoding="utf-8")


def _apply(root: Path, foreign_keys: str) -> sqlite3.Connection:
    """A database at the base revision with rows, then the revision under test applied."""
    db = sqlite3.connect(":memory:", isolation_level=None)
    db.executescript(_sqlite_script(root, f"base:{BASE}"))
    db.execute(f"PRAGMA foreign_keys={foreign_keys}")
    db.executescript(ROWS)
    db.executescript(_sqlite_script(root, FROM_BASE))
    return db


def _rows(db: sqlite3.Connection, table: str) -> list[tuple[object, ...]]:
    return db.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()


def test_sg703_the_rebuild_really_loses_rows_and_the_rule_fires(tmp_path: Path) -> None:
    m = _project(tmp_path, SQLITE_BASE, _body(REBUILD_USERS, REBUILD_CATEGORIES))
    script = _sqlite_script(tmp_path, FROM_BASE)
    assert "DROP TABLE users;" in script and "_alembic_tmp_users" in script
    assert "PRAGMA" not in script

    # the danger is real: with foreign keys on, the script succeeds and the rows are gone
    db = _apply(tmp_path, "ON")
    assert _rows(db, "users") == [(1, "ada"), (2, "bob")]  # copied, renamed back
    assert _rows(db, "orders") == []  # ON DELETE CASCADE
    assert _rows(db, "notes") == [(20, None)]  # ON DELETE SET NULL
    assert _rows(db, "categories") == [(1, None, "all")]  # its own copy, self-reference
    # with foreign keys off, the same script keeps every row
    db = _apply(tmp_path, "OFF")
    assert _rows(db, "orders") == [(10, 1), (11, 2)]
    assert _rows(db, "notes") == [(20, 1)]
    assert _rows(db, "categories") == [(1, None, "all"), (2, 1, "mugs")]

    # and the rule reports both rebuilds, at their `with` line, for SQLite only (logins
    # references users with no ON DELETE action: rows there make DROP TABLE fail instead)
    findings = lint_upgrade(m, ["sqlite", "postgresql", "mssql"])
    assert fired(findings, "SG703") == [
        ("SG703", "sqlite", m.line("batch_alter_table('users')")),
        ("SG703", "sqlite", m.line("batch_alter_table('categories')")),
    ]
    users, categories = (f for f in findings if f.rule == "SG703")
    assert users.message == USERS_REFERENCED
    assert categories.message.startswith(
        "batch mode recreates table categories (copy, then DROP TABLE categories), "
        "referenced by categories.parent_id ON DELETE CASCADE: "
    )
    assert users.severity is Severity.WARNING
    assert 'op.execute("PRAGMA foreign_keys=OFF")' in users.hint
    assert RULES_BY_ID["SG703"].category == "dialect compatibility"


def test_sg703_not_when_the_revision_turns_foreign_keys_off_first(tmp_path: Path) -> None:
    m = _project(
        tmp_path,
        SQLITE_BASE,
        _body(
            'op.execute("PRAGMA foreign_keys=OFF")',
            REBUILD_USERS,
            'op.execute("PRAGMA foreign_keys=ON")',
            REBUILD_CATEGORIES,
        ),
    )
    # the fix works: the script's PRAGMA overrides the connection's setting
    db = _apply(tmp_path, "ON")
    assert _rows(db, "orders") == [(10, 1), (11, 2)]
    assert _rows(db, "notes") == [(20, 1)]
    assert _rows(db, "categories") == [(1, None, "all")]  # rebuilt after foreign keys=ON
    # so only the rebuild after PRAGMA foreign_keys=ON is reported
    assert fired(lint_upgrade(m, ["sqlite"]), "SG703") == [
        ("SG703", "sqlite", m.line("batch_alter_table('categories')")),
    ]


def test_sg703_not_for_a_batch_that_alters_in_place(tmp_path: Path) -> None:
    m = _project(
        tmp_path,
        SQLITE_BASE,
        _body(
            """
            with op.batch_alter_table('users') as batch_op:
                batch_op.add_column(sa.Column('email', sa.String(100)))
            """,
            REBUILD_CATEGORIES,
        ),
    )
    # ALTER TABLE users ADD COLUMN: no DROP TABLE, nothing cascades
    assert fired(lint_upgrade(m, ["sqlite"]), "SG703") == [
        ("SG703", "sqlite", m.line("batch_alter_table('categories')")),
    ]


def test_sg703_only_for_references_with_an_on_delete_action(tmp_path: Path) -> None:
    base = """
        op.create_table('users', sa.Column('id', sa.Integer, primary_key=True),
                        sa.Column('name', sa.String(50)))
        op.create_table('plain', sa.Column('id', sa.Integer, primary_key=True),
                        sa.Column('user_id', sa.Integer, sa.ForeignKey('users.id')))
        op.create_table('kept', sa.Column('id', sa.Integer, primary_key=True),
                        sa.Column('user_id', sa.Integer,
                                  sa.ForeignKey('users.id', ondelete='RESTRICT')))
        op.create_table('reset', sa.Column('id', sa.Integer, primary_key=True),
                        sa.Column('user_id', sa.Integer, server_default='0'),
                        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                                ondelete='set default'))
    """
    m = _project(tmp_path, base, REBUILD_USERS)
    [finding] = [f for f in lint_upgrade(m, ["sqlite"]) if f.rule == "SG703"]
    assert finding.message.startswith(
        "batch mode recreates table users (copy, then DROP TABLE users), "
        "referenced by reset.user_id ON DELETE SET DEFAULT: "
    )


def test_sg703_not_for_tables_new_in_the_range(tmp_path: Path) -> None:
    m = _project(tmp_path, SQLITE_BASE, REBUILD_USERS)
    assert fired(lint_upgrade(m, ["sqlite"]), "SG703") == [
        ("SG703", "sqlite", m.line("batch_alter_table('users')")),
    ]
    # created earlier in the same range, deployed in one go, the tables hold no rows yet
    new = lint_upgrade(m, ["sqlite"], spec=WHOLE, deployment=whole_range)
    assert fired(new, "SG703") == []


def test_sg703_reads_the_references_as_they_are_at_the_rebuild(tmp_path: Path) -> None:
    m = _project(
        tmp_path,
        SQLITE_BASE,
        _body(
            """
            with op.batch_alter_table('orders') as batch_op:
                batch_op.drop_constraint('fk_orders_user', type_='foreignkey')
            """,
            REBUILD_USERS,
            """
            op.create_table(
                'invoices',
                sa.Column('id', sa.Integer, primary_key=True),
                sa.Column('user_id', sa.Integer,
                          sa.ForeignKey('users.id', ondelete='CASCADE')),
            )
            """,
        ),
    )
    # orders no longer references users, invoices does not exist yet: notes is left
    [finding] = [f for f in lint_upgrade(m, ["sqlite"]) if f.rule == "SG703"]
    assert finding.line == m.line("batch_alter_table('users')")
    assert "referenced by notes.user_id ON DELETE SET NULL: " in finding.message


def test_sg703_in_a_downgrade(tmp_path: Path) -> None:
    m = _project(
        tmp_path,
        SQLITE_BASE,
        upgrade="op.get_context()  # nothing",
        downgrade=REBUILD_USERS,
    )
    assert fired(lint_upgrade(m, ["sqlite"]), "SG703") == []
    down = lint_downgrade(m, ["sqlite"])
    assert fired(down, "SG703") == [("SG703", "sqlite", m.line("batch_alter_table('users')"))]
    assert _messages(down, "SG703") == [USERS_REFERENCED]


def test_sg703_a_pragma_inside_a_transaction_does_not_count(tmp_path: Path) -> None:
    m = _project(
        tmp_path,
        SQLITE_BASE,
        _body(
            'op.execute("BEGIN")',
            'op.execute("PRAGMA foreign_keys=OFF")',
            REBUILD_USERS,
            'op.execute("COMMIT")',
        ),
    )
    # SQLite ignores the PRAGMA inside a transaction: the rows are lost all the same
    db = _apply(tmp_path, "ON")
    assert _rows(db, "orders") == []
    assert fired(lint_upgrade(m, ["sqlite"]), "SG703") == [
        ("SG703", "sqlite", m.line("batch_alter_table('users')")),
    ]
