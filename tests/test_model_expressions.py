"""Defaults, computed columns, CHECK conditions and index predicates that sqlgen writes
from its own schema model are the target dialect's SQL (issue 13, part A).

The proof for SQLite batch mode: Alembic *online*, against a real SQLite file brought
to the same revision, reflects the table and recreates it; sqlgen, offline, recreates
it from its model. The statements must be equal token by token.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.projects import make_project, revision_source
from tests.sqltokens import split_statements

VERSION_TABLE = "alembic_version"
SQLGEN = [sys.executable, "-m", "sqlgen"]
SQLITE_STDOUT = ["-d", "sqlite", "--stdout", "--no-cache"]

# env.py: offline as Alembic's template; online against SQLGEN_TEST_DB, recording every
# statement the connection executes into SQLGEN_TEST_LOG (one per record, NUL-separated)
ENV_PY = """
import os
import sqlalchemy as sa
from alembic import context

if context.is_offline_mode():
    context.configure(url="sqlite://", literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    engine = sa.create_engine("sqlite:///" + os.environ["SQLGEN_TEST_DB"])
    log = open(os.environ["SQLGEN_TEST_LOG"], "a", encoding="utf-8")

    @sa.event.listens_for(engine, "before_cursor_execute")
    def record(conn, cursor, statement, parameters, context_, executemany):
        log.write(statement + "\\0")

    with engine.connect() as connection:
        context.configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
    log.close()
"""

CREATE = """
op.create_table(
    "posts",
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("created_at", sa.DateTime, server_default=sa.func.now(), nullable=False),
    sa.Column("stamped", sa.DateTime, server_default=sa.func.current_timestamp()),
    sa.Column("published", sa.Boolean, server_default=sa.false(), nullable=False),
    sa.Column("visible", sa.Boolean, server_default=sa.true(), nullable=False),
    sa.Column("title", sa.String(20), server_default="untitled", nullable=False),
    sa.Column("n", sa.Integer, server_default=sa.text("0"), nullable=False),
    sa.Column("word", sa.String(10), server_default=sa.text("'abc'")),
    sa.Column("score", sa.Numeric(5, 2), server_default=sa.text("(1 + 2)")),
    sa.Column("day", sa.Date, server_default=sa.func.current_date()),
    sa.Column("upper_title", sa.String(20), server_default=sa.func.upper("x")),
    sa.CheckConstraint(sa.column("n") >= 0, name="ck_posts_n"),
)
op.create_index("ix_posts_title", "posts", ["title"])
op.create_table(
    "flags",
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("on", sa.Boolean, server_default=sa.true(), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now()),
)
"""

BATCH = """
with op.batch_alter_table("posts") as batch_op:
    batch_op.alter_column("title", type_=sa.String(40))
    batch_op.add_column(sa.Column("edited_at", sa.DateTime, server_default=sa.func.now()))
    batch_op.drop_column("word")
with op.batch_alter_table("flags", recreate="always") as batch_op:
    batch_op.add_column(sa.Column("off", sa.Boolean, server_default=sa.false()))
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = make_project(
        tmp_path / "p",
        {
            "0001_create.py": revision_source("e0001", None, CREATE, "pass"),
            "0002_batch.py": revision_source("e0002", "e0001", BATCH, "pass"),
        },
    )
    (root / "migrations" / "env.py").write_text(ENV_PY, encoding="utf-8")
    (root / "migrations" / "script.py.mako").write_text("", encoding="utf-8")
    return root


def _alembic_online(project: Path, tmp: Path) -> list[str]:
    """The statements Alembic runs online for e0001 -> e0002 on a real SQLite file."""
    db, log = tmp / "online.db", tmp / "online.log"
    env = {**os.environ, "SQLGEN_TEST_DB": str(db), "SQLGEN_TEST_LOG": str(log)}
    for target in ("e0001", "e0002"):
        log.write_text("", encoding="utf-8")
        subprocess.run(
            [sys.executable, "-m", "alembic", "upgrade", target],
            cwd=project,
            env=env,
            check=True,
            capture_output=True,
        )
    executed = [s for s in log.read_text(encoding="utf-8").split("\0") if s.strip()]
    # reflection, PRAGMAs and the version table are Alembic's bookkeeping, not the DDL
    return [
        s
        for s in executed
        if not s.lstrip().upper().startswith(("PRAGMA", "SELECT")) and VERSION_TABLE not in s
    ]


def _sqlgen_offline(project: Path) -> list[str]:
    result = subprocess.run(
        [*SQLGEN, "--project", str(project), "upgrade", "e0001:e0002", *SQLITE_STDOUT],
        capture_output=True,
        text=True,
        check=True,
    )
    return [
        s.text for s in split_statements(result.stdout, "sqlite") if VERSION_TABLE not in s.text
    ]


def test_sqlite_batch_rebuild_is_token_equal_to_alembic_online(
    project: Path, tmp_path: Path
) -> None:
    online = _alembic_online(project, tmp_path)
    offline = _sqlgen_offline(project)
    online_keys = [s.keys for s in split_statements(";\n".join(online), "sqlite")]
    offline_keys = [s.keys for s in split_statements(";\n".join(offline), "sqlite")]
    assert len(online_keys) > 4  # both tables rebuilt: CREATE, INSERT, DROP, RENAME each
    assert offline_keys == online_keys, "\n\n".join(
        ["alembic online:", *online, "sqlgen offline:", *offline]
    )


def test_the_rebuilt_table_takes_inserts_that_rely_on_its_defaults(
    project: Path, tmp_path: Path
) -> None:
    script = subprocess.run(
        [*SQLGEN, "--project", str(project), "upgrade", "base:e0002", *SQLITE_STDOUT],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    connection = sqlite3.connect(tmp_path / "offline.db")
    connection.executescript(script)
    connection.execute("INSERT INTO posts (id) VALUES (1)")
    connection.execute("INSERT INTO flags (id) VALUES (1)")
    row = connection.execute(
        "SELECT published, visible, title, n, score, upper_title, created_at IS NOT NULL FROM posts"
    ).fetchone()
    assert row == (0, 1, "untitled", 0, 3, "X", 1)
    assert connection.execute('SELECT "on", off FROM flags').fetchone() == (1, 0)


@pytest.mark.parametrize(
    ("dialect", "expected"),
    [
        ("mssql", ["DEFAULT CURRENT_TIMESTAMP", "DEFAULT 0", "DEFAULT 1"]),
        ("oracle", ["DEFAULT CURRENT_TIMESTAMP", "DEFAULT 0", "DEFAULT 1"]),
        # MySQL has now() and its own true/false, and SQLAlchemy writes them
        ("mysql", ["DEFAULT (now())", "DEFAULT false", "DEFAULT true"]),
        ("sqlite", ["DEFAULT CURRENT_TIMESTAMP", "DEFAULT 0", "DEFAULT 1"]),
    ],
)
def test_schema_and_review_show_the_dialects_own_defaults(
    project: Path, tmp_path: Path, dialect: str, expected: list[str]
) -> None:
    printed = subprocess.run(
        [*SQLGEN, "--project", str(project), "schema", "e0001", "-d", dialect],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for text in expected:
        assert text in printed, printed
    if dialect != "mysql":
        assert "now()" not in printed.lower()
    out = tmp_path / "bundle"
    subprocess.run(
        [*SQLGEN, "--project", str(project), "bundle", "base:e0001", "-d", dialect, "-o", str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    review = next(out.rglob("REVIEW.md")).read_text(encoding="utf-8")
    assert expected[0] in review
    if dialect != "mysql":
        assert "now()" not in review.lower()
