"""SG701: raw SQL that does not parse for the dialect it is emitted to.

Raw SQL (op.execute("..."), the bind's text()) is emitted verbatim to every
target; `RunSettings()` has no source dialect, so nothing is translated here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.operations import ops

from sqlgen.lint import RULES, LintConfig, lint
from sqlgen.lint.rules import CHECKS
from sqlgen.lint.rules.sg701_raw_sql_does_not_parse import (
    parse_failure,
    procedural_kind,
    written_as_text,
)
from sqlgen.pipeline.captured import Item

from .lint_helpers import FROM_BASE, capture, fired, lint_downgrade, lint_upgrade, migration

RULE = "SG701"

# one raw statement per dialect, each correct for the dialect whose branch runs it
BRANCHES = """
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite':
        op.execute('PRAGMA foreign_keys=off')
    elif bind.dialect.name == 'mysql':
        op.execute('ALTER TABLE orders DROP CHECK ck_orders_user')
    elif bind.dialect.name == 'mssql':
        op.execute(
            "DECLARE @n nvarchar(256); "
            "SELECT @n = name FROM sys.default_constraints "
            "WHERE parent_object_id = object_id('orders'); "
            "EXEC('ALTER TABLE orders DROP CONSTRAINT ' + @n)"
        )
    elif bind.dialect.name == 'oracle':
        op.execute(
            "BEGIN EXECUTE IMMEDIATE 'DROP INDEX ix_orders_user'; "
            "EXCEPTION WHEN OTHERS THEN NULL; END;"
        )
    else:
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
        op.execute(
            "DO $$ BEGIN RAISE NOTICE 'hello'; END $$"
        )
"""
DIALECTS = ("sqlite", "mysql", "mssql", "oracle", "postgresql")


def test_the_rule_is_declared_with_its_check() -> None:
    (rule,) = [r for r in RULES if r.id == RULE]
    assert CHECKS[RULE].__module__ == "sqlgen.lint.rules.sg701_raw_sql_does_not_parse"
    assert rule.dialects is None and rule.enabled_by_default
    assert rule.severity.value == "warning"
    assert rule.category == "dialect compatibility"


def test_broken_raw_sql_fires_on_every_dialect(tmp_path: Path) -> None:
    m = migration(
        tmp_path,
        upgrade="""
            op.execute("SELEC * FROM users")
            op.get_bind().execute(sa.text("UPDATE users SET name = WHERE id = 1"))
        """,
    )
    findings = lint_upgrade(m, ["sqlite", "postgresql"])
    assert fired(findings, RULE) == [
        (RULE, "postgresql", m.line("SELEC")),
        (RULE, "sqlite", m.line("SELEC")),
        (RULE, "postgresql", m.line("SET name = WHERE")),
        (RULE, "sqlite", m.line("SET name = WHERE")),
    ]
    first = next(f for f in findings if f.rule == RULE and f.dialect == "sqlite")
    assert first.message.startswith(
        "raw SQL `SELEC * FROM users` does not parse as sqlite (sqlglot: "
    )
    assert "near 'FROM'" in first.message
    assert first.message.endswith("so the script most likely fails here on this dialect")


def test_sql_written_for_another_dialect_fires_only_where_it_is_emitted(tmp_path: Path) -> None:
    # no dialect branch: PostgreSQL-only SQL reaches SQLite and MySQL verbatim
    m = migration(
        tmp_path,
        upgrade="""
            op.execute(
                "CREATE OR REPLACE FUNCTION touch() RETURNS trigger AS $$ "
                "BEGIN NEW.name := lower(NEW.name); RETURN NEW; END; $$ LANGUAGE plpgsql"
            )
            op.execute("DO $$ BEGIN RAISE NOTICE 'done'; END $$")
        """,
    )
    findings = lint_upgrade(m, ["sqlite", "mysql", "postgresql"])
    assert fired(findings, RULE) == [
        (RULE, "sqlite", m.line("op.execute(")),  # the call's first line
        (RULE, "mysql", m.line("DO $$")),
        (RULE, "sqlite", m.line("DO $$")),
    ]


def test_dialect_branches_correct_for_their_dialect_do_not_fire(tmp_path: Path) -> None:
    migration(tmp_path, upgrade=BRANCHES)
    runs = capture(tmp_path, "upgrade", FROM_BASE, DIALECTS)
    # every branch ran, and emitted its statement verbatim
    emitted = {
        run.profile.name: [i.sql for i in run.steps[0].items if written_as_text(i)] for run in runs
    }
    assert not [f for run in runs for f in run.failures]
    assert emitted["sqlite"] == ["PRAGMA foreign_keys=off"]
    assert emitted["mysql"] == ["ALTER TABLE orders DROP CHECK ck_orders_user"]
    assert emitted["mssql"][0].startswith("DECLARE @n")
    assert emitted["oracle"][0].startswith("BEGIN EXECUTE IMMEDIATE")
    assert len(emitted["postgresql"]) == 2
    assert fired(lint(runs, []), RULE) == []


def test_fires_in_a_downgrade_too_and_can_be_suppressed(tmp_path: Path) -> None:
    m = migration(
        tmp_path,
        downgrade="""
            op.execute("EXEC sp_rename 'users.name', 'full_name', 'COLUMN'")
            op.execute("SELEC 1")  # sqlgen: ignore[SG701] checked by hand, really
        """,
    )
    findings = [f for f in lint_downgrade(m, ["sqlite", "mssql"]) if f.rule == RULE]
    assert [(f.dialect, f.line, f.direction, f.suppressed) for f in findings] == [
        ("sqlite", m.line("sp_rename"), "downgrade", False),
        ("mssql", m.line("SELEC 1"), "downgrade", True),
        ("sqlite", m.line("SELEC 1"), "downgrade", True),
    ]


def test_disabled_by_configuration(tmp_path: Path) -> None:
    m = migration(tmp_path, upgrade='op.execute("SELEC * FROM users")')
    off = LintConfig.from_mapping({"disable": [RULE]})
    assert fired(lint_upgrade(m, ["sqlite"], config=off), RULE) == []
    assert fired(lint_upgrade(m, ["sqlite"]), RULE) == [(RULE, "sqlite", m.line("SELEC"))]


def test_sql_that_alembic_or_sqlalchemy_compiled_is_not_read(tmp_path: Path) -> None:
    m = migration(
        tmp_path,
        upgrade="""
            op.add_column('users', sa.Column('age', sa.Integer))
            op.execute(sa.table('users', sa.column('age')).update().values(age=1))
            op.bulk_insert(sa.table('orders', sa.column('id')), [{'id': 1}])
        """,
    )
    assert fired(lint_upgrade(m, DIALECTS), RULE) == []


# --- which items are read -------------------------------------------------------------


def test_only_text_the_migration_wrote_is_read() -> None:
    text_op = ops.ExecuteSQLOp("SELEC 1")
    clause_op = ops.ExecuteSQLOp(sa.text("SELEC 1"))
    construct_op = ops.ExecuteSQLOp(sa.table("t").delete())
    assert written_as_text(Item("statement", "SELEC 1", 1, text_op))
    assert written_as_text(Item("statement", "SELEC 1", 1, clause_op))
    assert written_as_text(Item("statement", "SELEC 1", 1, None))  # the bind
    assert not written_as_text(Item("statement", "DELETE FROM t", 1, construct_op))
    assert not written_as_text(Item("statement", "x", 1, ops.DropTableOp("t")))
    assert not written_as_text(Item("statement", "x", 1, None, version=True))
    assert not written_as_text(Item("raw", "SELEC 1", 1))  # static output, an override
    assert not written_as_text(Item("begin", "", 1))


# --- the criterion --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "dialect"),
    [
        ("PRAGMA foreign_keys=off", "sqlite"),  # sqlglot: a Pragma
        ("PRAGMA foreign_keys=off", "postgres"),  # read as a generic statement
        ("CREATE EXTENSION IF NOT EXISTS pg_trgm", "sqlite"),  # a generic Command
        ("ALTER TYPE mood ADD VALUE 'sad'", "postgres"),
        ("ALTER TABLE t ENABLE ROW LEVEL SECURITY", "postgres"),
        ("DO $$ BEGIN RAISE NOTICE 'x'; END $$", "postgres"),
        ("ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4", "mysql"),
        ("ALTER INDEX ix_a RENAME TO ix_b", "oracle"),
        ("DROP INDEX IF EXISTS ix_a", "sqlite"),
        # parses, though SQLite itself refuses it: beyond sqlglot's grammar
        ("ALTER TABLE t DROP CHECK c", "sqlite"),
        # procedural code sqlglot cannot parse in its own dialect
        ("BEGIN EXECUTE IMMEDIATE 'DROP TABLE t'; EXCEPTION WHEN OTHERS THEN NULL; END;", "oracle"),
        ("DECLARE n NUMBER; BEGIN SELECT COUNT(*) INTO n FROM user_tables; END;", "oracle"),
        ("DECLARE @s NVARCHAR(MAX) = N''; SELECT @s += N'x' FROM sys.tables", "tsql"),
        ("CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE t SET a = 1; END", "sqlite"),
        ("-- a comment\nSELECT 1", "sqlite"),
        ("", "sqlite"),
    ],
)
def test_no_failure_for_sql_sqlglot_accepts_or_cannot_judge(sql: str, dialect: str) -> None:
    assert parse_failure(sql, dialect) is None


@pytest.mark.parametrize(
    ("sql", "dialect", "expected"),
    [
        ("SELEC * FROM t", "sqlite", "Required keyword: 'expression' missing near 'FROM'"),
        ("CREATE TABLE t (a INT", "postgres", "Expecting ) near 'INT'"),
        ("SELECT 'unterminated", "mysql", "Error tokenizing"),
        ("EXEC sp_rename 't.a', 'b', 'COLUMN'", "sqlite", "Unexpected token near \"'t.a'\""),
        # SQLite has no procedural code but triggers: a block or a routine is wrong there
        ("DECLARE x INT;", "sqlite", "Unexpected token"),
        (
            "CREATE FUNCTION f() RETURNS trigger AS $$ BEGIN RETURN NEW; END; $$ LANGUAGE plpgsql",
            "sqlite",
            "Unexpected token",
        ),
    ],
)
def test_failure_when_sqlglot_raises_for_the_target(sql: str, dialect: str, expected: str) -> None:
    failure = parse_failure(sql, dialect)
    assert failure is not None and expected in failure
    assert "<class" not in failure


def test_procedural_kinds() -> None:
    assert procedural_kind("/* x */ -- y\n  begin null; end;") == "block"
    assert procedural_kind("DECLARE @x INT") == "block"
    assert procedural_kind("CREATE OR ALTER PROCEDURE p AS SELECT 1") == "routine"
    assert procedural_kind("CREATE OR REPLACE EDITIONABLE PACKAGE BODY p AS END;") == "routine"
    assert procedural_kind("CREATE OR REPLACE TYPE BODY t AS END;") == "routine"
    assert procedural_kind("CREATE DEFINER=`u`@`%` TRIGGER t BEFORE INSERT ON x") == "trigger"
    assert procedural_kind("CREATE TABLE function (a INT)") is None
    assert procedural_kind("UPDATE t SET a = 1; BEGIN; END") is None
