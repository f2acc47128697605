"""`sqlgen schema REV`: the schema at a revision, as CREATE statements.

The printed DDL must build, on a real empty database, the same schema that the
migrations' upgrade script builds.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import Result

from sqlgen import api
from sqlgen.pipeline.generation import GenerateRequest, render_outputs
from sqlgen.verify.postgres_server import PostgresServer
from sqlgen.verify.split import split_script
from tests.model_helpers import facts
from tests.projects import make_project, revision_source

Cli = Callable[..., Result]


def _apply(url: str, script: str, sqlglot_dialect: str) -> dict[str, object]:
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            driver = connection.connection.driver_connection
            assert driver is not None
            for unit in split_script(script, sqlglot_dialect, ""):
                driver.execute(unit.sql)
            dialect = connection.dialect
            return facts(sa.inspect(connection), dialect)
    finally:
        engine.dispose()


def _migrated_and_printed(
    project: Path, dialect: str, new_url: Callable[[], str]
) -> tuple[dict[str, object], dict[str, object]]:
    workspace = api.open_project(project)
    upgrade = render_outputs(workspace, GenerateRequest("upgrade", "base:heads", [dialect]))
    assert upgrade.failures == []
    profile = upgrade.runs[0].profile
    migrated = _apply(new_url(), upgrade.scripts[dialect].text, profile.sqlglot)
    printed = _apply(new_url(), api.schema(workspace, "heads", dialect), profile.sqlglot)
    return migrated, printed


def test_the_printed_schema_builds_what_the_migrations_build_on_sqlite(
    example_dir: Path, tmp_path: Path
) -> None:
    databases = iter(f"sqlite:///{tmp_path / name}" for name in ("migrated.db", "printed.db"))
    migrated, printed = _migrated_and_printed(example_dir, "sqlite", lambda: next(databases))
    assert printed == migrated
    assert set(printed) == {"customers", "products", "orders", "order_items", "audit_events"}


def test_the_printed_schema_builds_what_the_migrations_build_on_postgresql(
    corpus: Callable[[int], Path], postgres_server: PostgresServer
) -> None:
    made: list[str] = []

    def new_url() -> str:
        made.append(postgres_server.create_database())
        return postgres_server.url(made[-1])

    try:
        migrated, printed = _migrated_and_printed(corpus(200), "postgresql", new_url)
    finally:
        for name in made:
            postgres_server.drop_database(name)
    assert printed == migrated
    assert len(printed) > 50


def test_a_schema_at_an_earlier_revision(example_dir: Path) -> None:
    workspace = api.open_project(example_dir)
    early = api.schema(workspace, "d41c6a8e9b05", "postgresql")
    assert early.startswith("-- Schema at d41c6a8e9b05 for postgresql (PostgreSQL)")
    assert "CREATE TABLE orders" in early and "gift_note" not in early
    assert "gift_message" in api.schema(workspace, "heads", "postgresql")


def test_base_is_an_empty_schema_and_output_is_deterministic(example_dir: Path) -> None:
    workspace = api.open_project(example_dir)
    assert "CREATE" not in api.schema(workspace, "base", "mysql")
    assert api.schema(workspace, "heads", "mssql") == api.schema(
        api.open_project(example_dir), "heads", "mssql"
    )


def test_foreign_keys_in_a_cycle_are_added_once_the_tables_exist(tmp_path: Path) -> None:
    cycle = """
op.create_table(
    "a", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("b_id", sa.Integer())
)
op.create_table(
    "b",
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("a_id", sa.Integer(), sa.ForeignKey("a.id", name="fk_b_a")),
)
op.create_foreign_key("fk_a_b", "a", "b", ["b_id"], ["id"])
"""
    project = make_project(tmp_path / "proj", {"r1.py": revision_source("r1", None, cycle)})
    script = api.schema(api.open_project(project), "heads", "postgresql")
    assert script.index("CREATE TABLE b") < script.index("ALTER TABLE a ADD CONSTRAINT fk_a_b")


def test_cli_prints_or_writes_the_schema(cli: Cli, example_dir: Path, tmp_path: Path) -> None:
    printed = cli("--project", example_dir, "schema", "-d", "sqlite")
    assert printed.exit_code == 0 and "CREATE TABLE order_items" in printed.stdout
    out = tmp_path / "schema.sql"
    written = cli("--project", example_dir, "schema", "heads", "-d", "sqlite", "--file", out)
    assert written.exit_code == 0 and f"wrote {out}" in written.stderr
    assert out.read_text(encoding="utf-8") == printed.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["schema", "nope", "-d", "sqlite"], "no revision or branch named 'nope'"),
        (["schema", "-d", "klingon"], "klingon"),
        (["schema"], "no dialect given; pass --dialect NAME or --all-dialects"),
    ],
)
def test_cli_usage_errors_exit_2(
    cli: Cli, example_dir: Path, args: list[str], message: str
) -> None:
    result = cli("--project", example_dir, *args)
    assert result.exit_code == 2 and message in result.stderr


def test_a_table_whose_shape_is_unknown_is_not_guessed(cli: Cli, tmp_path: Path) -> None:
    project = make_project(
        tmp_path / "proj",
        {
            "r1.py": revision_source(
                "r1", None, 'op.create_table("t", sa.Column("id", sa.Integer(), primary_key=True))'
            ),
            "r2.py": revision_source("r2", "r1", 'op.execute("ALTER TABLE t FROBNICATE")'),
        },
    )
    out = tmp_path / "schema.sql"
    result = cli("--project", project, "schema", "-d", "postgresql", "--file", out)
    assert result.exit_code == 1
    assert (
        "error: schema at r2 for postgresql: table t was changed by SQL sqlgen could not read "
        "(revision r2, line" in result.stderr
    )
    assert not out.exists() and result.stdout == ""
