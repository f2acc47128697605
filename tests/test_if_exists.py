"""DROP CONSTRAINT IF EXISTS never makes the model guess.

A drop by a name the model does not hold may still hit a constraint the model keeps
unnamed (the database named it when it was created): then the table's shape is
unknown, as for the same drop without IF EXISTS. Only where the model knows the
table has no constraint of that name (every constraint of the kind is named, and
the table is certain) is the drop no change.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from alembic.operations import ops
from click.testing import Result

from sqlgen.model import SchemaModel, apply_operation, apply_sql

from .projects import line_of, make_project, revision_source

Cli = Callable[..., Result]

PARENT_AND_CHILD = """
    op.create_table("p", sa.Column("id", sa.Integer, primary_key=True))
    op.create_table(
        "t",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("p_id", sa.Integer, sa.ForeignKey("p.id")),
    )
"""
# a later revision asks what is left: the table it creates is named by the answer
INSPECT = """
    fks = sa.inspect(op.get_bind()).get_foreign_keys("t")
    names = "_".join(fk["name"] or "unnamed" for fk in fks) or "none"
    op.create_table("seen_" + names, sa.Column("id", sa.Integer))
"""


def _project(root: Path, drop: str) -> Path:
    return make_project(
        root,
        {
            "r1.py": revision_source("r1", None, PARENT_AND_CHILD),
            "r2.py": revision_source("r2", "r1", drop),
            "r3.py": revision_source("r3", "r2", INSPECT),
        },
    )


def _render(cli: Cli, project: Path, dialect: str, out: Path) -> Result:
    return cli("--project", project, "upgrade", "base:heads", "-d", dialect, "-o", out)


def test_if_exists_on_a_name_the_model_may_hold_unnamed_is_uncertain(
    tmp_path: Path, cli: Cli
) -> None:
    """SQL Server names an unnamed foreign key by a rule sqlgen does not know: the model
    holds it unnamed, and `t_p_id_fkey` may be its name."""
    drop = 'op.drop_constraint("t_p_id_fkey", "t", type_="foreignkey", if_exists=True)'
    project = _project(tmp_path / "proj", drop)
    result = _render(cli, project, "mssql", tmp_path / "out")
    assert result.exit_code == 1, result.output
    r2 = project / "migrations" / "versions" / "r2.py"
    r3 = project / "migrations" / "versions" / "r3.py"
    assert f"revision r3 ({r3}:{line_of(r3, 'get_foreign_keys')})" in result.stderr
    assert (
        "table t had constraint t_p_id_fkey dropped if it exists, which may be one sqlgen's "
        f"model holds unnamed (revision r2, line {line_of(r2, 'drop_constraint')}); its shape "
        "is unknown offline"
    ) in result.stderr
    assert not list((tmp_path / "out").rglob("*.sql"))


def test_without_if_exists_the_same_drop_is_uncertain_too(tmp_path: Path, cli: Cli) -> None:
    project = _project(
        tmp_path / "proj", 'op.drop_constraint("t_p_id_fkey", "t", type_="foreignkey")'
    )
    result = _render(cli, project, "mssql", tmp_path / "out")
    assert result.exit_code == 1
    assert "table t had constraint t_p_id_fkey dropped" in result.stderr
    assert "its shape is unknown offline" in result.stderr


def test_if_exists_drops_a_constraint_the_model_knows_by_that_name(
    tmp_path: Path, cli: Cli
) -> None:
    """PostgreSQL's rule names the foreign key t_p_id_fkey: the model knows it, and drops it."""
    drop = 'op.drop_constraint("t_p_id_fkey", "t", type_="foreignkey", if_exists=True)'
    project = _project(tmp_path / "proj", drop)
    result = _render(cli, project, "postgresql", tmp_path / "out")
    assert result.exit_code == 0, result.output
    script = next((tmp_path / "out").rglob("*.sql")).read_text()
    assert "DROP CONSTRAINT IF EXISTS t_p_id_fkey" in script
    assert "CREATE TABLE seen_none" in script


def test_if_exists_on_a_name_the_table_certainly_lacks_is_no_change(
    tmp_path: Path, cli: Cli
) -> None:
    """Every foreign key of t is named in the model, none `t_gone_fkey`: a clean no-op."""
    drop = 'op.drop_constraint("t_gone_fkey", "t", type_="foreignkey", if_exists=True)'
    project = _project(tmp_path / "proj", drop)
    result = _render(cli, project, "postgresql", tmp_path / "out")
    assert result.exit_code == 0, result.output
    script = next((tmp_path / "out").rglob("*.sql")).read_text()
    assert "DROP CONSTRAINT IF EXISTS t_gone_fkey" in script
    assert "CREATE TABLE seen_t_p_id_fkey" in script


# --- the model itself: operations and raw SQL alike ---


def _child(model: SchemaModel, *extra: sa.Column[int]) -> None:
    apply_operation(
        model,
        ops.CreateTableOp(
            "t",
            [
                sa.Column("id", sa.Integer, primary_key=True),
                sa.Column("p_id", sa.Integer, sa.ForeignKey("p.id")),
                *extra,
            ],
        ),
    )


def test_the_model_marks_the_table_uncertain_for_an_operation() -> None:
    model = SchemaModel()  # no naming rule: the foreign key stays unnamed
    _child(model)
    drop = ops.DropConstraintOp("t_p_id_fkey", "t", type_="foreignkey", if_exists=True)
    apply_operation(model, drop, where="revision r2, line 5")
    assert model.uncertain[(None, "t")].where == "revision r2, line 5"


def test_the_model_marks_the_table_uncertain_for_raw_sql() -> None:
    model = SchemaModel()
    _child(model)
    apply_sql(model, "ALTER TABLE t DROP CONSTRAINT IF EXISTS t_p_id_fkey", "postgres", "r2")
    assert (None, "t") in model.uncertain


def test_an_unnamed_constraint_of_another_kind_leaves_the_drop_certain() -> None:
    """An unnamed CHECK cannot be the foreign key `t_gone_fkey`; every foreign key is named."""
    model = SchemaModel()
    apply_operation(
        model,
        ops.CreateTableOp(
            "t",
            [
                sa.Column("id", sa.Integer, primary_key=True),
                sa.Column("p_id", sa.Integer),
                sa.CheckConstraint("id > 0"),
                sa.ForeignKeyConstraint(["p_id"], ["p.id"], name="fk_t_p"),
            ],
        ),
    )
    before = model.tables[(None, "t")]
    drop = ops.DropConstraintOp("t_gone_fkey", "t", type_="foreignkey", if_exists=True)
    apply_operation(model, drop)
    assert model.uncertain == {} and model.tables[(None, "t")] == before
    # a drop of any kind could be the unnamed CHECK
    apply_operation(model, ops.DropConstraintOp("t_gone", "t", if_exists=True))
    assert (None, "t") in model.uncertain
