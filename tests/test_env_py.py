"""env.py runs in offline mode, as under `alembic upgrade --sql`, and the migrations see
Alembic's environment: its Config, -x arguments, target_metadata and configure() options."""

from __future__ import annotations

import io
import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from click.testing import Result

from sqlgen import api
from sqlgen.errors import EnvPyError, GenerationFailed

from .projects import line_of, make_project, revision_source
from .sqltokens import compare_scripts

ENV_PY = """
from alembic import context
import sqlalchemy as sa
{before}
config = context.config


def run_migrations_offline():
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        literal_binds=True,
        dialect_opts={{"paramstyle": "named"}},
        {configure}
    )
    with context.begin_transaction():
        context.run_migrations({run})


def run_migrations_online():
    raise RuntimeError("online mode must not run")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
"""

NAMING = """
metadata = sa.MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})
"""


def _project(
    root: Path,
    upgrade: str,
    *,
    before: str = "",
    configure: str = "",
    run: str = "",
    downgrade: str = "pass",
    url: str = "postgresql://nobody@nowhere/db",
    extra_ini: str = "",
) -> Path:
    make_project(
        root,
        {"0001_first.py": revision_source("env00001", None, upgrade=upgrade, downgrade=downgrade)},
    )
    (root / "migrations" / "env.py").write_text(
        ENV_PY.format(before=textwrap.dedent(before), configure=configure, run=run),
        encoding="utf-8",
    )
    (root / "alembic.ini").write_text(
        f"[alembic]\nscript_location = %(here)s/migrations\nsqlalchemy.url = {url}\n{extra_ini}",
        encoding="utf-8",
    )
    return root


def _sqlgen(project: Path, dialect: str = "postgresql", **kw: Any) -> str:
    workspace = api.open_project(project, run_env=True, **kw)
    result = api.generate(
        workspace, api.GenerateRequest("upgrade", "heads", [dialect], write=False)
    )
    return result.scripts[dialect].text


def _alembic(project: Path, url: str) -> str:
    buffer = io.StringIO()
    config = Config(str(project / "alembic.ini"), output_buffer=buffer)
    config.set_main_option("sqlalchemy.url", url)
    command.upgrade(config, "head", sql=True)
    return buffer.getvalue()


def test_naming_convention_of_target_metadata_names_constraints_as_alembic(
    tmp_path: Path,
) -> None:
    project = _project(
        tmp_path,
        """
        op.create_table(
            "parent", sa.Column("id", sa.Integer, primary_key=True), sa.Column("code", sa.String(8))
        )
        op.create_table(
            "child",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("parent_id", sa.Integer, sa.ForeignKey("parent.id")),
            sa.Column("n", sa.Integer),
            sa.UniqueConstraint("n"),
        )
        op.create_unique_constraint(None, "parent", ["code"])
        op.create_index(None, "child", ["n"])
        """,
        before=NAMING,
        configure="target_metadata=metadata,",
    )
    ours = _sqlgen(project)
    assert "CONSTRAINT uq_parent_code UNIQUE (code)" in ours
    assert "CONSTRAINT fk_child_parent_id_parent FOREIGN KEY" in ours
    assert "CONSTRAINT pk_child PRIMARY KEY" in ours
    assert "CREATE INDEX ix_child_n ON child (n)" in ours
    theirs = _alembic(project, "postgresql://nobody@nowhere/db")
    comparison = compare_scripts(theirs, ours, "postgresql", initial_versions=[])
    assert comparison.problems == [], "\n".join(comparison.problems)
    assert comparison.statements >= 5


def test_without_env_py_the_target_metadata_setting_gives_the_convention(tmp_path: Path) -> None:
    project = _project(
        tmp_path,
        'op.create_unique_constraint(None, "t", ["code"])',
        before=NAMING,
        configure="target_metadata=metadata,",
    )
    (project / "conventions.py").write_text(f"import sqlalchemy as sa\n{NAMING}", encoding="utf-8")
    plain = _sqlgen(project, overrides={"env_py": "skip"})
    assert "ALTER TABLE t ADD UNIQUE (code)" in plain
    named = _sqlgen(
        project, overrides={"env_py": "skip", "target_metadata": "conventions:metadata"}
    )
    assert "ALTER TABLE t ADD CONSTRAINT uq_t_code UNIQUE (code)" in named


def test_config_and_x_arguments_reach_the_migrations(tmp_path: Path) -> None:
    project = _project(
        tmp_path,
        """
        from alembic import context
        config = op.get_context().config
        table = config.get_main_option("audit_table")
        tenant = context.get_x_argument(as_dictionary=True).get("tenant", "none")
        op.execute(f"INSERT INTO {table} (tenant) VALUES ('{tenant}')")
        """,
        extra_ini="audit_table = audit_log\n",
    )
    text = _sqlgen(project, x_arguments=["tenant=acme"])
    assert "INSERT INTO audit_log (tenant) VALUES ('acme');" in text


def test_configure_options_of_env_py_are_used(tmp_path: Path) -> None:
    project = _project(
        tmp_path,
        'op.create_table("t", sa.Column("id", sa.Integer, primary_key=True))',
        configure='version_table="schema_history", transaction_per_migration=True,',
    )
    text = _sqlgen(project)
    assert "CREATE TABLE schema_history" in text
    assert "INSERT INTO schema_history (version_num) VALUES ('env00001');" in text
    # a setting of sqlgen's own still wins over env.py
    mine = _sqlgen(project, overrides={"version_table": "mine"})
    assert "CREATE TABLE mine" in mine and "schema_history" not in mine


def test_run_migrations_keywords_are_passed_to_the_revision_functions(tmp_path: Path) -> None:
    project = _project(
        tmp_path,
        'op.execute(f"SELECT 1 AS {engine_name}") if False else op.execute("-- " + engine_name)',
        run='engine_name="primary"',
    )
    source = project / "migrations/versions/0001_first.py"
    source.write_text(
        source.read_text().replace("def upgrade():", "def upgrade(engine_name):"),
        encoding="utf-8",
    )
    assert "-- primary" in _sqlgen(project)


def test_a_failing_env_py_is_one_line_naming_its_line_and_the_way_out(
    tmp_path: Path, cli: Any
) -> None:
    project = _project(tmp_path, "pass", before="import app_that_is_not_installed")
    env_py = project / "migrations" / "env.py"
    with pytest.raises(EnvPyError) as info:
        api.open_project(project, run_env=True)
    assert info.value.path == env_py
    assert info.value.line == line_of(env_py, "import app_that_is_not_installed")
    result: Result = cli("--project", project, "upgrade", "heads", "-d", "postgresql", "--stdout")
    assert result.exit_code == 1
    [line] = result.stderr.splitlines()
    assert f"env.py:{info.value.line}: ModuleNotFoundError" in line
    assert "--no-env-py" in line and "Traceback" not in result.stderr
    skipped = cli(
        "--project", project, "--no-env-py", "upgrade", "heads", "-d", "postgresql", "--stdout"
    )
    assert skipped.exit_code == 0, skipped.stderr
    assert "INSERT INTO alembic_version" in skipped.stdout


def test_env_py_that_never_hands_over_is_reported(tmp_path: Path) -> None:
    project = _project(tmp_path, "pass")
    env_py = project / "migrations" / "env.py"
    env_py.write_text("from alembic import context\n", encoding="utf-8")
    with pytest.raises(EnvPyError, match=r"did not call context\.run_migrations"):
        api.open_project(project, run_env=True)


def test_graph_commands_do_not_run_env_py(tmp_path: Path, cli: Any) -> None:
    project = _project(tmp_path, "pass", before="raise SystemExit('env.py ran')")
    result = cli("--project", project, "heads")
    assert result.exit_code == 0 and "env00001" in result.stdout


def test_sqlgen_never_connects_from_env_py(tmp_path: Path) -> None:
    project = _project(
        tmp_path,
        "pass",
        before="""
        engine = sa.create_engine("sqlite:///" + __file__ + ".db")
        engine.connect()
        """,
    )
    with pytest.raises(EnvPyError, match="sqlgen never connects") as info:
        api.open_project(project, run_env=True)
    assert info.value.line == line_of(project / "migrations/env.py", "engine.connect()")
    assert not list(project.rglob("*.db"))


def test_sqlgen_never_connects_from_a_migration(tmp_path: Path) -> None:
    project = _project(
        tmp_path,
        """
        engine = sa.create_engine("sqlite:///" + __file__ + ".db")
        with engine.connect() as connection:
            connection.execute(sa.text("CREATE TABLE t (a INT)"))
        """,
    )
    with pytest.raises(GenerationFailed) as failed:
        _sqlgen(project, "sqlite")
    [failure] = failed.value.failures
    source = project / "migrations/versions/0001_first.py"
    assert failure.line == line_of(source, "engine.connect()")
    assert "sqlgen never connects" in failure.reason
    assert not list(project.rglob("*.db"))


def test_manifest_records_what_env_py_configured(tmp_path: Path) -> None:
    project = _project(
        tmp_path,
        "pass",
        before=NAMING,
        configure='target_metadata=metadata, version_table_schema="meta",',
    )
    out = tmp_path / "out"
    workspace = api.open_project(project, run_env=True)
    api.generate(workspace, api.GenerateRequest("upgrade", "heads", ["postgresql"], out=out))
    manifest = json.loads((out / "manifest.json").read_text())
    environment = manifest["upgrade"]["options"]["environment"]
    assert environment["env_py"] == "env.py"
    assert environment["configure"]["version_table_schema"] == "meta"
    convention = environment["target_metadata"]["metadata"]["naming_convention"]
    assert convention["fk"] == "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"
    assert manifest["upgrade"]["options"]["version_table_schema"] == "meta"


def test_bind_execute_of_a_statement_is_falsy_as_alembic_offline_none(tmp_path: Path) -> None:
    project = _project(
        tmp_path,
        """
        result = op.get_bind().execute(sa.text("UPDATE t SET a = 1"))
        if result:
            print("updated", result.rowcount)
        op.execute("UPDATE t SET b = 2")
        """,
    )
    text = _sqlgen(project)  # strict data reads: the rowcount was never read
    assert "UPDATE t SET a = 1;" in text and "UPDATE t SET b = 2;" in text
    theirs = _alembic(project, "postgresql://nobody@nowhere/db")
    assert "UPDATE t SET a = 1;" in theirs  # Alembic completes the same migration


def test_an_orm_session_over_the_bind_is_captured(tmp_path: Path) -> None:
    project = _project(
        tmp_path,
        """
        op.create_table(
            "t", sa.Column("id", sa.Integer, primary_key=True), sa.Column("a", sa.String(10))
        )
        Base = sa.orm.declarative_base()

        class T(Base):
            __tablename__ = "t"
            id = sa.Column(sa.Integer, primary_key=True)
            a = sa.Column(sa.String(10))

        session = sa.orm.Session(bind=op.get_bind())
        session.execute(sa.update(T).values(a="x"))
        session.add(T(id=1, a="y"))
        session.commit()
        """,
    )
    for options in ({}, {"overrides": {"env_py": "skip"}}):  # sa.orm is there without env.py
        text = _sqlgen(project, **options)
        assert "UPDATE t SET a='x';" in text
        assert "INSERT INTO t (id, a) VALUES (1, 'y');" in text
        assert text.index("INSERT INTO t (id, a)") < text.index("COMMIT;")


def test_the_version_table_can_be_inspected(tmp_path: Path) -> None:
    project = _project(
        tmp_path,
        """
        insp = sa.inspect(op.get_bind())
        if insp.has_table("alembic_version"):
            columns = [c["name"] for c in insp.get_columns("alembic_version")]
            op.execute(f"-- version table columns: {', '.join(columns)}")
        """,
    )
    assert "-- version table columns: version_num" in _sqlgen(project, "sqlite")


BASELINE_MIGRATION = """
op.add_column("experiments", sa.Column("owner", sa.String(20)))
with op.batch_alter_table("experiments") as batch:
    batch.alter_column("name", existing_type=sa.String(50), nullable=False)
"""


@pytest.mark.parametrize("kind", ["metadata", "sql"])
def test_a_baseline_seeds_the_tables_that_predate_the_first_revision(
    tmp_path: Path, kind: str
) -> None:
    project = _project(tmp_path, BASELINE_MIGRATION)
    (project / "app_models.py").write_text(
        "import sqlalchemy as sa\nmetadata = sa.MetaData()\n"
        'sa.Table("experiments", metadata, sa.Column("id", sa.Integer, primary_key=True),'
        ' sa.Column("name", sa.String(50)))\n',
        encoding="utf-8",
    )
    (project / "baseline.sql").write_text(
        "CREATE TABLE experiments (id INTEGER NOT NULL, name VARCHAR(50), PRIMARY KEY (id));\n",
        encoding="utf-8",
    )
    with pytest.raises(GenerationFailed, match="experiments"):
        _sqlgen(project, "sqlite")  # batch mode must know the table
    value = "app_models:metadata" if kind == "metadata" else "baseline.sql"
    text = _sqlgen(project, "sqlite", overrides={"baseline": value})
    assert "CREATE TABLE _alembic_tmp_experiments" in text
    assert "name VARCHAR(50) NOT NULL" in text and "owner VARCHAR(20)" in text
    assert "CREATE TABLE experiments" not in text  # the baseline is not re-created


def test_the_deprecated_inspector_from_engine_answers_from_the_model(tmp_path: Path) -> None:
    project = _project(
        tmp_path,
        """
        from sqlalchemy.engine.reflection import Inspector
        op.create_table("t", sa.Column("id", sa.Integer, primary_key=True), sa.Column("a", sa.Text))
        columns = Inspector.from_engine(op.get_bind()).get_columns("t")
        op.execute("-- columns " + ",".join(c["name"] for c in columns))
        """,
    )
    for dialect in ("postgresql", "sqlite"):
        assert "-- columns id,a" in _sqlgen(project, dialect)


def test_a_query_whose_result_is_never_read_is_written_as_alembic_writes_it(
    tmp_path: Path,
) -> None:
    """Airflow's 0060 shape: `rows = conn.execute(q); if rows: rows = rows.fetchall()`."""
    project = _project(
        tmp_path,
        """
        conn = op.get_bind()
        rows = conn.execute(sa.text("SELECT id FROM t WHERE try_id IS NULL"))
        rows = rows.fetchall() if rows else []
        for row in rows:
            conn.execute(sa.text("UPDATE t SET try_id = 1 WHERE id = :id"), {"id": row.id})
        op.execute("UPDATE t SET done = true")
        """,
    )
    ours = _sqlgen(project)  # strict: nothing was read
    theirs = _alembic(project, "postgresql://nobody@nowhere/db")
    comparison = compare_scripts(theirs, ours, "postgresql", initial_versions=[])
    assert comparison.problems == [], "\n".join(comparison.problems)
    assert "SELECT id FROM t WHERE try_id IS NULL;" in ours


def test_a_query_whose_result_is_read_is_a_data_read_and_left_out(tmp_path: Path) -> None:
    project = _project(
        tmp_path,
        """
        conn = op.get_bind()
        result = conn.execute(sa.text("SELECT id FROM t"))
        ids = [row.id for row in result]
        op.execute("UPDATE t SET done = true")
        """,
    )
    source = project / "migrations/versions/0001_first.py"
    with pytest.raises(GenerationFailed) as failed:
        _sqlgen(project)
    [failure] = failed.value.failures
    assert failure.line == line_of(source, "SELECT id FROM t")  # where the query ran
    assert "reads data (SELECT id FROM t)" in failure.reason
    text = _sqlgen(project, overrides={"data_reads": "empty"})
    assert "\nSELECT id FROM t;" not in text  # the query is not run by the script
    assert "reads data (SELECT id FROM t); rendered with --data-reads=empty" in text
    assert "UPDATE t SET done = true;" in text


def test_the_migrations_run_inside_env_pys_run_migrations_call(tmp_path: Path) -> None:
    """Dagster's shape: env.py sets a global around run_migrations() that migrations read."""
    (tmp_path / "upgrade_state.py").write_text(
        "import contextlib\nCURRENT = None\n\n\n@contextlib.contextmanager\n"
        "def upgrading(name):\n    global CURRENT\n    CURRENT = name\n    try:\n"
        "        yield\n    finally:\n        CURRENT = None\n",
        encoding="utf-8",
    )
    project = _project(
        tmp_path,
        """
        import upgrade_state
        assert upgrade_state.CURRENT is not None, "currently upgrading instance not set"
        op.execute(f"-- upgrading {upgrade_state.CURRENT}")
        """,
        before=f"import sys; sys.path.insert(0, {str(tmp_path)!r}); import upgrade_state",
    )
    env_py = project / "migrations" / "env.py"
    env_py.write_text(
        env_py.read_text().replace(
            "    run_migrations_offline()",
            "    with upgrade_state.upgrading('instance-1'):\n        run_migrations_offline()",
        ),
        encoding="utf-8",
    )
    assert "-- upgrading instance-1" in _sqlgen(project)
    assert "-- upgrading instance-1" in _alembic(project, "postgresql://nobody@nowhere/db")
