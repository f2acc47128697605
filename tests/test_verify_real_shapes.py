"""`sqlgen verify` with rows on shapes taken from real histories (tests/realworld).

Each project here is the smallest copy of a shape that made verify report a problem
that is not one (Airflow, MLflow, Open WebUI; see benchmarks/realworld.md), or that
it could not run at all. Each test fails without the fix it names.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sqlgen.verify.split import split_script

from .projects import make_project, revision_source
from .verify_helpers import Cli, passes, verify_outcome


def _notes(outcome: dict[str, object]) -> str:
    return "\n".join(outcome["notes"])  # type: ignore[arg-type]


# --- Airflow: a foreign key whose column has a server default --------------------------------

FK_WITH_DEFAULT = {
    "0001_ti.py": revision_source(
        "tiii0001",
        None,
        upgrade="""
        op.create_table(
            'task_instance',
            sa.Column('task_id', sa.String(50), nullable=False),
            sa.Column('map_index', sa.Integer(), server_default=sa.text('-1'), nullable=False),
            sa.PrimaryKeyConstraint('task_id', 'map_index'),
        )
        op.create_table(
            'rendered_fields',
            sa.Column('task_id', sa.String(50), nullable=False),
            sa.Column('map_index', sa.Integer(), server_default=sa.text('-1'), nullable=False),
            sa.Column('note', sa.String(20), server_default='none', nullable=False),
            sa.PrimaryKeyConstraint('task_id', 'map_index'),
            sa.ForeignKeyConstraint(
                ['task_id', 'map_index'], ['task_instance.task_id', 'task_instance.map_index']
            ),
        )
        """,
        downgrade="op.drop_table('rendered_fields')\nop.drop_table('task_instance')",
    ),
    # rows are in both tables now: the probe of rendered_fields needs a parent row
    "0002_size.py": revision_source(
        "tiii0002",
        "tiii0001",
        upgrade="""
        op.add_column('rendered_fields', sa.Column('size', sa.Integer(),
                      server_default='0', nullable=False))
        """,
        downgrade="op.drop_column('rendered_fields', 'size')",
    ),
}


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_a_probe_writes_the_key_columns_of_a_foreign_key_that_have_defaults(
    cli: Cli, tmp_path: Path, dialect: str
) -> None:
    """The INSERT relying on defaults left map_index to its default, which no parent row
    has: "default insert failed: FOREIGN KEY constraint failed" (Airflow 4bc4d934e2bc)."""
    outcome = verify_outcome(cli, make_project(tmp_path, FK_WITH_DEFAULT), dialect)[0]
    passes(outcome)
    # task_instance's (made by tiii0001) and rendered_fields' (changed by tiii0002)
    assert "2 INSERT(s) relying on defaults" in _notes(outcome)


# --- Airflow: two foreign keys sharing columns -----------------------------------------------

SHARED_KEY_COLUMNS = {
    "0001_runs.py": revision_source(
        "runs0001",
        None,
        upgrade="""
        op.create_table(
            'dag_run',
            sa.Column('dag_id', sa.String(50), nullable=False),
            sa.Column('run_id', sa.String(50), nullable=False),
            sa.PrimaryKeyConstraint('dag_id', 'run_id'),
        )
        op.create_table(
            'task_instance',
            sa.Column('dag_id', sa.String(50), nullable=False),
            sa.Column('run_id', sa.String(50), nullable=False),
            sa.Column('task_id', sa.String(50), nullable=False),
            sa.PrimaryKeyConstraint('dag_id', 'run_id', 'task_id'),
            sa.ForeignKeyConstraint(['dag_id', 'run_id'], ['dag_run.dag_id', 'dag_run.run_id']),
        )
        op.create_table(
            'task_reschedule',
            sa.Column('id', sa.Integer(), primary_key=True),
            sa.Column('dag_id', sa.String(50), nullable=False),
            sa.Column('run_id', sa.String(50), nullable=False),
            sa.Column('task_id', sa.String(50), nullable=False),
            sa.ForeignKeyConstraint(['dag_id', 'run_id'], ['dag_run.dag_id', 'dag_run.run_id']),
            sa.ForeignKeyConstraint(
                ['dag_id', 'run_id', 'task_id'],
                ['task_instance.dag_id', 'task_instance.run_id', 'task_instance.task_id'],
            ),
        )
        """,
        downgrade="""
        op.drop_table('task_reschedule')
        op.drop_table('task_instance')
        op.drop_table('dag_run')
        """,
    ),
    "0002_ix.py": revision_source(
        "runs0002",
        "runs0001",
        upgrade="op.create_index('ix_reschedule_dag', 'task_reschedule', ['dag_id'])",
        downgrade="op.drop_index('ix_reschedule_dag', 'task_reschedule')",
    ),
}


def test_foreign_keys_sharing_columns_refer_to_parents_that_agree(cli: Cli, tmp_path: Path) -> None:
    """Each key took its own parent, the second overwriting dag_id/run_id the first set:
    "rows refused: FOREIGN KEY constraint failed" (Airflow 0fd0c178cbe8)."""
    outcome = verify_outcome(cli, make_project(tmp_path, SHARED_KEY_COLUMNS), "sqlite")[0]
    passes(outcome)
    assert "into 3 table(s)" in _notes(outcome)


# --- MLflow: tables created before the first revision (the `baseline` setting) ---------------

MODELS = """
import sqlalchemy as sa

metadata = sa.MetaData()
sa.Table(
    'experiments', metadata,
    sa.Column('experiment_id', sa.Integer(), primary_key=True),
    sa.Column('name', sa.String(256), nullable=False, unique=True),
)
"""

ON_A_BASELINE = {
    "0001_step.py": revision_source(
        "base0001",
        None,
        upgrade="""
        op.add_column('experiments', sa.Column('step', sa.BigInteger(),
                      nullable=False, server_default='0'))
        """,
        downgrade="op.drop_column('experiments', 'step')",
    ),
}


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_verify_creates_the_baseline_tables_first(cli: Cli, tmp_path: Path, dialect: str) -> None:
    """The scratch database lacked the baseline's tables: "rows refused: no such table:
    experiments" before the first revision ran (MLflow 451aebb31d03)."""
    project = make_project(tmp_path, ON_A_BASELINE)
    (project / "models.py").write_text(MODELS, encoding="utf-8")
    with (project / "alembic.ini").open("a", encoding="utf-8") as ini:
        ini.write("\n[sqlgen]\nbaseline = models:metadata\n")
    outcome = verify_outcome(cli, project, dialect)[0]
    passes(outcome)
    assert outcome["log"][0] == "setup: 1 statement(s)"  # type: ignore[index]
    assert "into 1 table(s)" in _notes(outcome)
    schema = cli("-p", project, "schema", "base", "-d", dialect)
    assert schema.exit_code == 0, schema.output
    assert "CREATE TABLE experiments" in schema.stdout
    assert "leave the `baseline` setting's tables" in schema.stdout


# --- Open WebUI: a revision that reads data, rendered with --data-reads=empty ---------------

READS_DATA = {
    "0001_tags.py": revision_source(
        "read0001",
        None,
        upgrade="""
        op.create_table(
            'tag',
            sa.Column('id', sa.String(50), primary_key=True),
            sa.Column('owner', sa.String(50), nullable=True),
        )
        """,
        downgrade="op.drop_table('tag')",
    ),
    # reads every tag to fill user_id, then makes it NOT NULL: rendered for empty tables,
    # its script has no UPDATE, and the NOT NULL fails on any row
    "0002_user.py": revision_source(
        "read0002",
        "read0001",
        upgrade="""
        op.add_column('tag', sa.Column('user_id', sa.String(50), nullable=True))
        conn = op.get_bind()
        for tag_id, owner in conn.execute(sa.text('SELECT id, owner FROM tag')).fetchall():
            conn.execute(
                sa.text('UPDATE tag SET user_id = :o WHERE id = :i'), {'o': owner, 'i': tag_id}
            )
        op.alter_column('tag', 'user_id', existing_type=sa.String(50), nullable=False)
        """,
        downgrade="op.drop_column('tag', 'user_id')",
    ),
    "0003_ix.py": revision_source(
        "read0003",
        "read0002",
        upgrade="op.create_index('ix_tag_user', 'tag', ['user_id'])",
        downgrade="op.drop_index('ix_tag_user', 'tag')",
    ),
}


def test_tables_are_emptied_before_a_revision_rendered_for_empty_tables(
    cli: Cli, tmp_path: Path
) -> None:
    """With --data-reads=empty a revision's reads find no rows and its script is what it
    writes for empty tables; verify ran it on rows: "NotNullViolation" (Open WebUI
    3ab32c4b8f59). Rows go in again for the revisions after it."""
    project = make_project(tmp_path, READS_DATA)
    outcome = verify_outcome(cli, project, "postgresql", "--data-reads", "empty")[0]
    passes(outcome)
    notes = _notes(outcome)
    assert "revision read0002 reads data at line" in notes
    assert "so every table was emptied before it" in notes
    # upgrade: read0001, read0003; downgrade: read0003, read0002, read0001 (its downgrade
    # reads nothing); never before read0002's upgrade
    assert "before 5 revision(s)" in notes


# --- Open WebUI: a column whose type a revision changes --------------------------------------

RETYPED = {
    "0001_folder.py": revision_source(
        "type0001",
        None,
        upgrade="""
        op.create_table(
            'folder',
            sa.Column('id', sa.String(50), primary_key=True),
            sa.Column('created_at', sa.DateTime(), nullable=False),
        )
        """,
        downgrade="op.drop_table('folder')",
    ),
    "0002_bigint.py": revision_source(
        "type0002",
        "type0001",
        upgrade="""
        with op.batch_alter_table('folder') as batch_op:
            batch_op.alter_column('created_at', type_=sa.BigInteger(),
                                  existing_type=sa.DateTime(), existing_nullable=False,
                                  postgresql_using='extract(epoch from created_at)::bigint')
        """,
        downgrade="""
        with op.batch_alter_table('folder') as batch_op:
            batch_op.alter_column('created_at', type_=sa.DateTime(),
                                  existing_type=sa.BigInteger(), existing_nullable=False,
                                  postgresql_using='to_timestamp(created_at)')
        """,
    ),
    "0003_data.py": revision_source(
        "type0003",
        "type0002",
        upgrade="op.add_column('folder', sa.Column('data', sa.JSON(), nullable=True))",
        downgrade="op.drop_column('folder', 'data')",
    ),
}


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_values_of_a_retyped_column_are_read_again(cli: Cli, tmp_path: Path, dialect: str) -> None:
    """The rows kept the datetime they were given; after the cast to BIGINT the next
    revision naming the table found 2001 and reported "rows changed" (Open WebUI
    d31026856c01)."""
    passes(verify_outcome(cli, make_project(tmp_path, RETYPED), dialect)[0])


# --- Airflow: a backfill from nullable columns, then NOT NULL -------------------------------

BACKFILL = {
    "0001_runs.py": revision_source(
        "fill0001",
        None,
        upgrade="""
        op.create_table(
            'dag_run',
            sa.Column('id', sa.Integer(), primary_key=True),
            sa.Column('logical_date', sa.DateTime(), nullable=True),
            sa.Column('data_interval_end', sa.DateTime(), nullable=True),
        )
        """,
        downgrade="op.drop_table('dag_run')",
    ),
    "0002_run_after.py": revision_source(
        "fill0002",
        "fill0001",
        upgrade="""
        op.add_column('dag_run', sa.Column('run_after', sa.DateTime(), nullable=True))
        op.execute('UPDATE dag_run SET run_after = coalesce(data_interval_end, logical_date)')
        op.alter_column('dag_run', 'run_after', existing_type=sa.DateTime(), nullable=False)
        """,
        downgrade="op.drop_column('dag_run', 'run_after')",
    ),
}


def test_nullable_columns_hold_values_as_an_application_writes_them(
    cli: Cli, tmp_path: Path
) -> None:
    """Odd rows held NULL in every nullable column, a state the schema allows and the
    application never writes: the backfill left NULLs and SET NOT NULL failed
    (Airflow 6a9e7a527a88)."""
    passes(verify_outcome(cli, make_project(tmp_path, BACKFILL), "postgresql")[0])


# --- MLflow: SQLite without foreign keys; a batch rebuild of a parent -----------------------

PARENT_REBUILT = {
    "0001_runs.py": revision_source(
        "fkey0001",
        None,
        upgrade="""
        op.create_table(
            'runs',
            sa.Column('run_uuid', sa.String(32), primary_key=True),
            sa.Column('status', sa.String(20), nullable=True),
        )
        op.create_table(
            'metrics',
            sa.Column('id', sa.Integer(), primary_key=True),
            sa.Column('run_uuid', sa.String(32), sa.ForeignKey('runs.run_uuid'), nullable=False),
        )
        """,
        downgrade="op.drop_table('metrics')\nop.drop_table('runs')",
    ),
    "0002_status.py": revision_source(
        "fkey0002",
        "fkey0001",
        upgrade="""
        with op.batch_alter_table('runs') as batch_op:
            batch_op.alter_column('status', type_=sa.String(40), existing_type=sa.String(20))
        """,
        downgrade="""
        with op.batch_alter_table('runs') as batch_op:
            batch_op.alter_column('status', type_=sa.String(20), existing_type=sa.String(40))
        """,
    ),
}


def test_a_rebuild_blocked_by_foreign_keys_says_how_to_run_it(cli: Cli, tmp_path: Path) -> None:
    """With foreign keys on (the default) the rebuild's DROP TABLE fails on the rows that
    refer to it, and the message says why; with --no-sqlite-foreign-keys, as MLflow runs
    SQLite, it passes (MLflow cfd24bdc0731)."""
    project = make_project(tmp_path, PARENT_REBUILT)
    blocked = verify_outcome(cli, project, "sqlite")[0]
    assert blocked["status"] == "failed"
    [problem] = blocked["problems"]  # type: ignore[misc]
    assert "FOREIGN KEY constraint failed" in problem
    assert "block the DROP TABLE of this SQLite batch rebuild" in problem
    assert "--no-sqlite-foreign-keys" in problem
    passes(verify_outcome(cli, project, "sqlite", "--no-sqlite-foreign-keys")[0])


# --- MLflow: a trigger body holds semicolons ---------------------------------------------------


def test_a_trigger_is_one_unit_with_its_body() -> None:
    """The body's `;` cut the CREATE TRIGGER: "incomplete input" (MLflow 1bd49d398cd23).
    Alembic writes `END;;` for a trigger given with its own `;`: the empty statement is
    not sent."""
    script = (
        "CREATE TABLE a (x INT);\n\n"
        "CREATE TRIGGER t BEFORE UPDATE ON a FOR EACH ROW WHEN OLD.x != NEW.x\n"
        "BEGIN\n    SELECT RAISE(ABORT, 'no');\n"
        "    UPDATE a SET x = CASE WHEN x > 1 THEN 2 ELSE 3 END;\nEND;;\n\n"
        "INSERT INTO a VALUES (1);\n"
    )
    units = split_script(script, "sqlite", "")
    assert [u.line for u in units] == [1, 3, 9]
    assert units[1].sql.startswith("CREATE TRIGGER t") and units[1].sql.endswith("END;")
    assert "RAISE(ABORT, 'no');" in units[1].sql


# --- rows the engine refuses are sqlgen's problem, not the migration's ------------------------

REFUSES_ROWS = {
    "0001_audit.py": revision_source(
        "refu0001",
        None,
        upgrade="""
        op.create_table(
            'audit',
            sa.Column('id', sa.Integer(), primary_key=True),
            sa.Column('what', sa.String(50), nullable=False),
        )
        op.execute(
            "CREATE FUNCTION audit_is_append_only() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION 'written by the application only'; END $$ "
            "LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER audit_append_only BEFORE INSERT ON audit "
            "FOR EACH ROW EXECUTE FUNCTION audit_is_append_only()"
        )
        """,
        downgrade="""
        op.drop_table('audit')
        op.execute("DROP FUNCTION audit_is_append_only()")
        """,
    ),
    "0002_when.py": revision_source(
        "refu0002",
        "refu0001",
        upgrade="op.add_column('audit', sa.Column('at', sa.DateTime(), nullable=True))",
        downgrade="op.drop_column('audit', 'at')",
    ),
}


def test_rows_the_engine_refuses_are_a_note_and_the_revision_still_runs(
    cli: Cli, tmp_path: Path
) -> None:
    """A trigger refuses every INSERT but the application's: the refusal was a failure
    ("rows refused", MLflow 451aebb31d03), and inside the script's transaction on
    PostgreSQL it aborted the transaction ("InFailedSqlTransaction", Airflow
    044f740568ec). A savepoint keeps the transaction going."""
    outcome = verify_outcome(cli, make_project(tmp_path, REFUSES_ROWS), "postgresql")[0]
    passes(outcome)
    assert "table audit: rows refused before revision refu0002" in _notes(outcome)


# --- MLflow: a batch rebuild of a table with a generated column --------------------------------

GENERATED_COLUMN = {
    "0001_spans.py": revision_source(
        "span0001",
        None,
        upgrade="""
        op.create_table(
            'spans',
            sa.Column('id', sa.Integer(), primary_key=True),
            sa.Column('start_ns', sa.BigInteger(), nullable=False),
            sa.Column('end_ns', sa.BigInteger(), nullable=True),
            sa.Column('duration_ns', sa.BigInteger(),
                      sa.Computed('end_ns - start_ns', persisted=True)),
            sa.Column('attributes', sa.Text(), nullable=True),
        )
        """,
        downgrade="op.drop_table('spans')",
    ),
    "0002_drop.py": revision_source(
        "span0002",
        "span0001",
        upgrade="""
        with op.batch_alter_table('spans') as batch_op:
            batch_op.drop_column('attributes')
        """,
        downgrade="""
        with op.batch_alter_table('spans') as batch_op:
            batch_op.add_column(sa.Column('attributes', sa.Text(), nullable=True))
        """,
    ),
}


def test_a_rebuild_does_not_copy_a_generated_column(cli: Cli, tmp_path: Path) -> None:
    """Alembic's batch copy names duration_ns, and SQLite refuses it online as well:
    "cannot INSERT into generated column" (MLflow c8d9e0f1a2b3). sqlgen leaves it out,
    and the rebuilt rows keep their computed values."""
    project = make_project(tmp_path, GENERATED_COLUMN)
    passes(verify_outcome(cli, project, "sqlite")[0])
    script = cli("-p", project, "upgrade", "span0001:span0002", "-d", "sqlite", "--stdout")
    assert script.exit_code == 0, script.output
    copy = script.stdout[script.stdout.index("INSERT INTO _alembic_tmp_spans") :]
    copy = copy[: copy.index(";")]
    assert "duration_ns" not in copy and "start_ns" in copy


def test_json_values_compare_as_json_whatever_the_driver_reads_back() -> None:
    """A JSON value inserted as {"sqlgen": 2} reads back as text from a TEXT column on
    SQLite (Airflow's ExtendedJSON after a rebuild): "rows changed" (Airflow 788397e78828)."""
    from sqlgen.verify.rows import canonical

    assert canonical({"sqlgen": 2}) == canonical('{"sqlgen": 2}') == canonical('{"sqlgen":2}')
    assert canonical([1, {"b": 1, "a": 2}]) == canonical('[1, {"a": 2, "b": 1}]')
    assert canonical("[not json") == "[not json"
    assert canonical({"sqlgen": 2}) != canonical({"sqlgen": 3})
