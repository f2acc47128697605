"""The capture mechanism: every statement with its revision, source line and operation."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic.operations import ops

from sqlgen import api
from sqlgen.dialects.profiles import find_profile, load_profiles
from sqlgen.runtime.runner import RunSettings, run_dialect

from .projects import line_of, make_project, revision_source


def test_items_carry_line_and_operation(tmp_path: Path) -> None:
    project = make_project(
        tmp_path,
        {
            "0001_two.py": revision_source(
                "capt0001",
                None,
                upgrade="""
                    op.create_table('t', sa.Column('id', sa.Integer, primary_key=True))
                    op.create_index('ix_t_id', 't', ['id'])
                    op.get_bind().execute(sa.text("UPDATE t SET id = id"))
                    op.execute("COMMENT ON TABLE t IS 'x'")
                """,
            )
        },
    )
    workspace = api.open_project(project)
    plan = workspace.graph.plan("upgrade", "heads")
    profile = find_profile("postgresql", load_profiles())
    run = run_dialect(plan.steps, plan.starts_at_base, profile, RunSettings())
    [step] = run.steps
    assert step.failure is None and step.step.revision.revision == "capt0001"
    script = project / "migrations/versions/0001_two.py"
    own = [i for i in step.items if not i.version]
    assert [(i.kind, i.line, type(i.operation).__name__) for i in own] == [
        ("statement", line_of(script, "op.create_table"), ops.CreateTableOp.__name__),
        ("statement", line_of(script, "op.create_index"), ops.CreateIndexOp.__name__),
        ("statement", line_of(script, "get_bind()"), "NoneType"),
        ("statement", line_of(script, "COMMENT ON"), ops.ExecuteSQLOp.__name__),
    ]
    assert own[0].sql.startswith("CREATE TABLE t (")
    assert own[2].sql == "UPDATE t SET id = id"
    versions = [i for i in step.items if i.version]
    assert [i.sql for i in versions] == [
        "INSERT INTO alembic_version (version_num) VALUES ('capt0001')"
    ]
    assert [i.sql.split(" (")[0] for i in run.prologue] == ["CREATE TABLE alembic_version"]


def test_operation_calls_include_batch_operations(example_dir: Path) -> None:
    workspace = api.open_project(example_dir)
    plan = workspace.graph.plan("upgrade", "base:heads")
    profile = find_profile("sqlite", load_profiles())
    run = run_dialect(plan.steps, plan.starts_at_base, profile, RunSettings())
    calls = {s.step.revision.revision: s.calls for s in run.steps}
    [rename] = calls["4a8f1d3c7e10"]  # inside op.batch_alter_table("order_items")
    assert isinstance(rename.operation, ops.AlterColumnOp)
    assert rename.operation.modify_name == "gift_message"
    assert rename.batch_table == "order_items"
    script = example_dir / "migrations/versions/0010_rename_gift_note.py"
    assert rename.line == line_of(script, "batch_op.alter_column(")
    [table, insert] = calls["7e3c9a0f5b11"]
    assert isinstance(table.operation, ops.CreateTableOp) and table.batch_table is None
    assert isinstance(insert.operation, ops.ExecuteSQLOp)


def test_batch_statements_carry_a_batch_flush(example_dir: Path) -> None:
    from sqlgen.pipeline.captured import BatchFlush

    workspace = api.open_project(example_dir)
    plan = workspace.graph.plan("upgrade", "e83b4f2c6d08:9d7e2c5b1a09")
    profile = find_profile("sqlite", load_profiles())
    # batch mode reflects the table from the model: the history before the range seeds it
    seed = workspace.graph.history_before(plan)
    run = run_dialect(plan.steps, False, profile, RunSettings(), seed)
    own = [i for i in run.steps[0].items if not i.version]
    assert own and all(i.operation == BatchFlush("order_items") for i in own)
    assert own[0].sql.startswith("CREATE TABLE _alembic_tmp_order_items")


def test_a_value_for_an_untyped_column_is_written_by_its_python_type() -> None:
    """Alembic fails here ("No literal value renderer ... datatype NULL"); MLflow does it."""
    from sqlalchemy.dialects import postgresql

    from sqlgen.render.compile import compile_statement

    jobs = sa.table("jobs", sa.column("status"), sa.column("note"))
    update = jobs.update().where(jobs.c.status.in_([0, 1])).values(status=5, note="it's")
    assert (
        compile_statement(update, postgresql.dialect(paramstyle="named"))
        == "UPDATE jobs SET status=5, note='it''s' WHERE jobs.status IN (0, 1)"
    )
