"""Raw SQL: translated by sqlglot only when every guard passes, or given per dialect."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext

import sqlgen
from sqlgen import api
from sqlgen.errors import GenerationFailed
from sqlgen.render.transpile import TranspileRefused, transpile

from .projects import line_of, make_project, revision_source

# Each known sqlglot failure mode, and the guard that must stop it. If that guard
# went away, a later one would answer (or none would): the reason would change.
FAILURE_MODES = [
    pytest.param(
        "CREATE TABLE t (id SERIAL NOT NULL)", "postgres", "tsql",
        "DDL in raw SQL is never translated",
        id="serial-becomes-identity",
    ),
    pytest.param(
        "ALTER TABLE orders RENAME status TO state", "postgres", "tsql",
        "not one statement of the same kind",
        id="rename-column-becomes-sp_rename-of-the-table",
    ),
    pytest.param(
        "CREATE INDEX ix_t_a ON t (a)", "postgres", "sqlite",
        "DDL in raw SQL is never translated",
        id="nulls-last-added-to-a-sqlite-index",
    ),
    pytest.param(
        "IF EXISTS (SELECT 1 FROM sys.indexes WHERE name = 'ix') CREATE INDEX ix ON t (a)",
        "tsql", "postgres",
        "sqlglot cannot express it",
        id="tsql-if-create-index-becomes-empty",
    ),
    pytest.param(
        "CREATE TRIGGER trg BEFORE INSERT ON t FOR EACH ROW BEGIN SET NEW.a = 1; END",
        "mysql", "postgres",
        "holds 2 statements, not one",
        id="trigger-body-split-at-its-semicolon",
    ),
    pytest.param(
        "INSERT INTO t (a) VALUES (1) ON CONFLICT DO NOTHING", "postgres", "mysql",
        "not trusted to translate OnConflict",
        id="on-conflict-passed-through-to-mysql",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("sql", "source", "target", "guard"), FAILURE_MODES)
def test_known_failure_modes_are_refused(sql: str, source: str, target: str, guard: str) -> None:
    with pytest.raises(TranspileRefused) as info:
        transpile(sql, source, target)
    assert guard in info.value.guard
    assert "sqlgen.per_dialect(" in str(info.value)


def test_the_witnesses_are_real_sqlglot_failures() -> None:
    """Without the guards these would ship: sqlglot returns them without an error."""
    import sqlglot

    def out(sql: str, source: str, target: str) -> list[str]:
        return sqlglot.transpile(sql, read=source, write=target)

    # SERIAL is no SQL Server type, yet it passes through (within one dialect, sqlglot
    # rewrites it as IDENTITY: see test_layout.py)
    assert out("CREATE TABLE t (id SERIAL)", "postgres", "tsql") == ["CREATE TABLE t (id SERIAL)"]
    rename = out("ALTER TABLE orders RENAME status TO state", "postgres", "tsql")
    assert rename == ["EXEC sp_rename 'orders', 'status'"]  # renames the table
    assert "NULLS LAST" in out("CREATE INDEX i ON t (a)", "postgres", "sqlite")[0]
    guarded_index = "IF EXISTS (SELECT 1 FROM sys.indexes WHERE name = 'i') CREATE INDEX i ON t (a)"
    assert out(guarded_index, "tsql", "postgres") == [""]
    trigger = "CREATE TRIGGER trg BEFORE INSERT ON t FOR EACH ROW BEGIN SET NEW.a = 1; END"
    assert len(out(trigger, "mysql", "postgres")) == 2
    conflict = "INSERT INTO t (a) VALUES (1) ON CONFLICT DO NOTHING"
    assert out(conflict, "postgres", "mysql") == [conflict]  # not MySQL


@pytest.mark.parametrize(
    ("sql", "target", "expected"),
    [
        ("UPDATE t SET a = now()", "tsql", "UPDATE t SET a = GETDATE()"),
        (
            "UPDATE t SET d = '2024-01-01'::date",
            "mysql",
            "UPDATE t SET d = CAST('2024-01-01' AS DATE)",
        ),
    ],
)
def test_trusted_dml_is_translated(sql: str, target: str, expected: str) -> None:
    translated = transpile(sql, "postgres", target)
    assert translated.changed and translated.sql == expected


def test_unchanged_translation_keeps_the_original_text() -> None:
    sql = "delete from t where name like 'seed-%'"
    translated = transpile(sql, "postgres", "oracle")
    assert not translated.changed and translated.sql == sql


@pytest.mark.parametrize(
    ("sql", "untrusted"),
    [
        ("UPDATE t SET a = a || 'x'", "DPipe"),  # NULL handling differs per dialect
        ("SELECT setval('t_id_seq', 1)", "Anonymous"),  # unknown function
        ("UPDATE t SET a = 1 RETURNING a", "Returning"),
    ],
)
def test_untrusted_nodes_are_refused(sql: str, untrusted: str) -> None:
    with pytest.raises(TranspileRefused, match=f"not trusted to translate.*{untrusted}"):
        transpile(sql, "postgres", "mysql")


def _project(root: Path, upgrade: str, header: str = "") -> Path:
    return make_project(
        root, {"0001_raw.py": revision_source("raw00001", None, upgrade=upgrade, header=header)}
    )


def _render(project: Path, dialect: str, **options: str) -> tuple[str, dict[str, object]]:
    out = project / "out"
    workspace = api.open_project(project, overrides=options or None)
    api.generate(
        workspace, api.GenerateRequest("upgrade", "heads", [dialect], out=out, version_table=False)
    )
    text = next((out / dialect).glob("*.sql")).read_text()
    manifest = json.loads((out / "manifest.json").read_text())
    return text, manifest["upgrade"]["dialects"][dialect]


def test_translated_statements_are_marked_in_sql_and_manifest(tmp_path: Path) -> None:
    project = _project(
        tmp_path,
        """
            op.execute("UPDATE orders SET placed_at = now() WHERE placed_at IS NULL")
            op.execute("DELETE FROM orders WHERE status = 'void'")
        """,
    )
    line = line_of(project / "migrations/versions/0001_raw.py", "now()")
    text, section = _render(project, "mssql", source_dialect="postgresql")
    assert (
        f"-- sqlgen: translated by sqlglot from postgresql (line {line}): "
        "UPDATE orders SET placed_at = now() WHERE placed_at IS NULL\n"
        "UPDATE orders SET placed_at = GETDATE() WHERE placed_at IS NULL;" in text
    )
    # the DELETE needs no translation: kept as written, not marked
    assert "DELETE FROM orders WHERE status = 'void';" in text
    assert text.count("translated by sqlglot") == 1
    assert section["transpiled"] == [
        {
            "revision": "raw00001",
            "line": line,
            "from": "UPDATE orders SET placed_at = now() WHERE placed_at IS NULL",
            "to": "UPDATE orders SET placed_at = GETDATE() WHERE placed_at IS NULL",
        }
    ]
    # the source dialect itself gets the statement as written
    pg, pg_section = _render(project, "postgresql", source_dialect="postgresql")
    assert "SET placed_at = now()" in pg and pg_section["transpiled"] == []


def test_raw_sql_is_verbatim_unless_a_source_dialect_is_set(tmp_path: Path) -> None:
    """As Alembic: raw SQL is usually written for the dialect whose branch runs it."""
    project = _project(
        tmp_path,
        """
            op.execute("ALTER TABLE t DROP CHECK c")
            op.execute("UPDATE orders SET placed_at = now() WHERE placed_at IS NULL")
        """,
    )
    for dialect in ("mysql", "mssql", "sqlite"):
        text, section = _render(project, dialect)
        assert "ALTER TABLE t DROP CHECK c;" in text
        assert "UPDATE orders SET placed_at = now() WHERE placed_at IS NULL;" in text
        assert "translated" not in text and section["transpiled"] == []


def test_raw_ddl_for_another_dialect_stops_with_file_line_and_hint(tmp_path: Path) -> None:
    project = _project(tmp_path, """op.execute("ALTER TYPE mood ADD VALUE 'calm'")""")
    with pytest.raises(GenerationFailed) as failed:
        _render(project, "mysql", source_dialect="postgresql")
    [failure] = failed.value.failures
    assert failure.revision == "raw00001"
    assert failure.line == line_of(project / "migrations/versions/0001_raw.py", "ALTER TYPE")
    assert failure.reason.startswith(
        "has raw SQL written for postgresql that sqlgen will not translate to mysql"
    )
    assert "ALTER TYPE mood ADD VALUE 'calm'" in failure.reason
    assert 'sqlgen.per_dialect(postgresql="...", mysql="...", default="...")' in failure.reason


def test_source_dialect_setting(tmp_path: Path) -> None:
    project = _project(tmp_path, """op.execute("UPDATE t SET a = GETDATE()")""")
    text, _ = _render(project, "postgresql", source_dialect="mssql")
    assert "translated by sqlglot from mssql" in text
    assert "UPDATE t SET a = CURRENT_TIMESTAMP;" in text
    same, _ = _render(project, "mssql", source_dialect="tsql")
    assert "UPDATE t SET a = GETDATE();" in same and "translated" not in same


def test_alembic_impl_text_is_not_translated(tmp_path: Path) -> None:
    # SQL Server's DECLARE batch for a dropped default is Alembic's own, not raw SQL
    project = _project(tmp_path, "op.drop_column('t', 'c', mssql_drop_default=True)")
    text, section = _render(project, "mssql")
    assert "exec('alter table t drop constraint ' + @const_name)" in text
    assert section["transpiled"] == []


PER_DIALECT = """
    op.execute(sqlgen.per_dialect(
        postgresql="UPDATE t SET at = now()",
        mysql="UPDATE t SET at = NOW(6)",
        default="UPDATE t SET at = CURRENT_TIMESTAMP",
    ))
"""


@pytest.mark.parametrize(
    ("dialect", "expected"),
    [
        ("postgresql", "UPDATE t SET at = now();"),
        ("mysql", "UPDATE t SET at = NOW(6);"),
        ("mariadb", "UPDATE t SET at = NOW(6);"),  # falls back to the mysql entry
        ("mssql", "UPDATE t SET at = CURRENT_TIMESTAMP;"),
    ],
)
def test_per_dialect_sql_offline(tmp_path: Path, dialect: str, expected: str) -> None:
    project = _project(tmp_path, PER_DIALECT, header="import sqlgen\n")
    text, section = _render(project, dialect)
    assert expected in text and section["transpiled"] == []


def test_per_dialect_without_an_entry_fails_clearly(tmp_path: Path) -> None:
    project = _project(
        tmp_path,
        """op.execute(sqlgen.per_dialect(postgresql="UPDATE t SET a = 1"))""",
        header="import sqlgen\n",
    )
    with pytest.raises(GenerationFailed) as failed:
        _render(project, "oracle")
    assert (
        "per_dialect() has no SQL for oracle (given: postgresql)" in failed.value.failures[0].reason
    )


def test_per_dialect_works_online_under_plain_alembic(tmp_path: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'live.db'}")
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE t (v TEXT)"))
        op = Operations(MigrationContext.configure(connection))
        op.execute(
            sqlgen.per_dialect(
                postgresql="INSERT INTO t VALUES ('postgresql')",
                sqlite="INSERT INTO t VALUES ('sqlite')",
                default="INSERT INTO t VALUES ('default')",
            )
        )
        op.execute(sqlgen.per_dialect(default="INSERT INTO t VALUES ('only default')"))
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT v FROM t ORDER BY rowid")).scalars().all()
    assert rows == ["sqlite", "only default"]
