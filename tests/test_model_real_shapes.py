"""The schema model on shapes real migration histories have (issue 12, cause 7).

- A partial index (`sqlite_where=` / `postgresql_where=`) survives a later
  SQLite batch rebuild, WHERE clause and all.
- A column's type changed to an enum follows it: the CHECK constraints of the
  old and new types (as Alembic's alter_column drops and adds them), and a
  PostgreSQL enum altered afterwards (`ALTER TYPE ... ADD VALUE`), keep the
  table known, so later revisions that inspect it, add to it or rebuild it work.
- What the model cannot know still fails clearly.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from sqlgen import api
from sqlgen.pipeline.generation import GenerateRequest, Generation, render_outputs
from tests.projects import make_project, revision_source

SEEN_HEADER = "SEEN = {}\n"


def _render(root: Path, dialect: str, spec: str = "base:heads") -> tuple[Generation, Any]:
    workspace = api.open_project(root)
    generation = render_outputs(workspace, GenerateRequest("upgrade", spec, [dialect]))
    return generation, workspace


def _reasons(generation: Generation) -> list[str]:
    return [f"{f.revision}: {f.reason}" for f in generation.failures]


# --- 7a: a partial index and a later SQLite batch rebuild ---------------------------------


PARTIAL_INDEX = """
op.create_table(
    "t",
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("a", sa.String(10)),
    sa.Column("b", sa.Integer()),
)
op.create_index(
    "ix_t_a",
    "t",
    ["a"],
    sqlite_where=sa.text("a IS NOT NULL"),
    postgresql_where=sa.text("a IS NOT NULL"),
)
op.create_index("ix_t_b", "t", ["b"], unique=True, sqlite_where=sa.text("b > 0"))
"""


@pytest.fixture
def partial_index(tmp_path: Path) -> Path:
    return make_project(
        tmp_path / "proj",
        {
            "r1.py": revision_source("r1", None, PARTIAL_INDEX),
            "r2.py": revision_source(
                "r2",
                "r1",
                """
                with op.batch_alter_table("t") as batch_op:
                    batch_op.add_column(sa.Column("c", sa.Integer()))
                    batch_op.alter_column("a", existing_type=sa.String(10), nullable=False)
                """,
            ),
            # the model after the rebuild is right too: a second rebuild, and a look
            "r3.py": revision_source(
                "r3",
                "r2",
                """
                SEEN["indexes"] = sa.inspect(op.get_bind()).get_indexes("t")
                with op.batch_alter_table("t") as batch_op:
                    batch_op.drop_column("c")
                """,
                header=SEEN_HEADER,
            ),
        },
    )


def test_a_partial_index_survives_later_sqlite_batch_rebuilds(
    partial_index: Path, tmp_path: Path
) -> None:
    generation, workspace = _render(partial_index, "sqlite")
    # failed with "'str' object has no attribute '_compiler_dispatch'" at r2
    assert _reasons(generation) == []
    script = generation.scripts["sqlite"].text
    # created by r1, then recreated by each of the two rebuilds
    assert script.count("CREATE INDEX ix_t_a ON t (a) WHERE a IS NOT NULL;") == 3
    assert script.count("CREATE UNIQUE INDEX ix_t_b ON t (b) WHERE b > 0;") == 3
    where = {
        i["name"]: str(i.get("dialect_options", {}).get("sqlite_where"))
        for i in workspace.graph.get("r3").module.SEEN["indexes"]
    }
    assert where == {"ix_t_a": "a IS NOT NULL", "ix_t_b": "b > 0"}

    # and the script does that in SQLite itself
    db = sqlite3.connect(tmp_path / "partial.db", isolation_level=None)
    db.executescript(script)
    indexes = dict(db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index'"))
    assert indexes["ix_t_a"].endswith("WHERE a IS NOT NULL")
    assert indexes["ix_t_b"].endswith("WHERE b > 0")
    db.execute("INSERT INTO t (id, a, b) VALUES (1, 'x', -1), (2, 'y', -1)")  # b <= 0: not unique
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("INSERT INTO t (id, a, b) VALUES (3, 'z', 5), (4, 'w', 5)")


def test_a_partial_index_is_inspected_as_each_database_reflects_it(partial_index: Path) -> None:
    generation, workspace = _render(partial_index, "postgresql")
    assert _reasons(generation) == []
    found = {
        i["name"]: i.get("dialect_options", {})
        for i in workspace.graph.get("r3").module.SEEN["indexes"]
    }
    # PostgreSQL's reflection gives the predicate as a string, SQLite's as text()
    assert found["ix_t_a"]["postgresql_where"] == "a IS NOT NULL"
    assert str(found["ix_t_a"]["sqlite_where"]) == "a IS NOT NULL"
    assert "WHERE a IS NOT NULL" in generation.scripts["postgresql"].text


# --- 7b: a column's type changed to an enum type -------------------------------------------


# MLflow's cfd24bdc0731 shape: a non-native Enum with its CHECK constraint, widened
RUNS = """
op.create_table(
    "runs",
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column(
        "status",
        sa.Enum("A", "B", name="status", native_enum=False, create_constraint=True),
    ),
)
"""
WIDEN = """
with op.batch_alter_table("runs") as batch_op:
    batch_op.alter_column(
        "status",
        type_=sa.Enum("A", "B", "C", native_enum=False, create_constraint=True),
        existing_type=sa.Enum("A", "B", name="status", native_enum=False, create_constraint=True),
    )
"""
LOOK_AND_REBUILD = """
insp = sa.inspect(op.get_bind())
SEEN["checks"] = [(c["name"], c["sqltext"]) for c in insp.get_check_constraints("runs")]
op.add_column("runs", sa.Column("note", sa.String(20)))
with op.batch_alter_table("runs", recreate="always") as batch_op:
    batch_op.add_column(sa.Column("extra", sa.Integer()))
"""


@pytest.mark.parametrize("dialect", ["postgresql", "mssql", "oracle"])
def test_a_type_change_takes_its_check_constraints_along(tmp_path: Path, dialect: str) -> None:
    root = make_project(
        tmp_path / "proj",
        {
            "r1.py": revision_source("r1", None, RUNS),
            "r2.py": revision_source("r2", "r1", WIDEN),
            "r3.py": revision_source("r3", "r2", LOOK_AND_REBUILD, header=SEEN_HEADER),
        },
    )
    generation, workspace = _render(root, dialect)
    assert _reasons(generation) == []
    script = generation.scripts[dialect].text
    widened = script.index("Running upgrade r1 -> r2")
    rebuilt = script.index("Running upgrade r2 -> r3")
    # Alembic dropped the old type's constraint and added the new one's, unnamed: the
    # database names it (PostgreSQL by a rule the profile declares; elsewhere unknown)
    assert "DROP CONSTRAINT status" in script[widened:rebuilt]
    name = "runs_status_check" if dialect == "postgresql" else None
    assert _seen(workspace)["checks"] == [(name, "status IN ('A', 'B', 'C')")]
    # before: the model still had CHECK (status IN ('A', 'B')) named status, so the
    # rebuild dropped a constraint already gone and copied the old one back
    after = script[rebuilt:]
    assert "DROP CONSTRAINT status;" not in after  # (named ones that exist are dropped)
    assert "'A', 'B')" not in after


def test_on_mysql_the_old_types_check_stays(tmp_path: Path) -> None:
    """Alembic's MySQL impl never drops a type's CHECK (why MLflow has 0a8213491aaa):
    the old one stays, no longer the type's, beside the new one."""
    root = make_project(
        tmp_path / "proj",
        {
            "r1.py": revision_source("r1", None, RUNS),
            "r2.py": revision_source("r2", "r1", WIDEN),
            "r3.py": revision_source("r3", "r2", LOOK_AND_REBUILD, header=SEEN_HEADER),
        },
    )
    generation, workspace = _render(root, "mysql")
    assert _reasons(generation) == []
    script = generation.scripts["mysql"].text
    assert "DROP" not in script.split("Running upgrade r1 -> r2")[1].split("Running upgrade")[0]
    assert _seen(workspace)["checks"] == [
        ("status", "status IN ('A', 'B')"),
        (None, "status IN ('A', 'B', 'C')"),
    ]
    rebuilt = script.split("Running upgrade r2 -> r3")[1]
    assert "CONSTRAINT status CHECK (status IN ('A', 'B'))" in rebuilt


def _seen(workspace: Any) -> dict[str, Any]:
    return dict(workspace.graph.get("r3").module.SEEN)


def test_a_type_change_without_existing_type_leaves_the_old_check_in_place(
    tmp_path: Path,
) -> None:
    """Alembic drops the old type's CHECK only when told the existing type: else it stays,
    no longer bound to the column's type, and a rebuild copies it."""
    keep = WIDEN.replace(
        '        existing_type=sa.Enum("A", "B", name="status", native_enum=False,'
        " create_constraint=True),\n",
        "",
    )
    assert keep != WIDEN
    root = make_project(
        tmp_path / "proj",
        {
            "r1.py": revision_source("r1", None, RUNS),
            "r2.py": revision_source("r2", "r1", keep),
            "r3.py": revision_source("r3", "r2", LOOK_AND_REBUILD, header=SEEN_HEADER),
        },
    )
    generation, workspace = _render(root, "postgresql")
    assert _reasons(generation) == []
    assert _seen(workspace)["checks"] == [
        ("status", "status IN ('A', 'B')"),
        ("runs_status_check", "status IN ('A', 'B', 'C')"),
    ]
    rebuilt = generation.scripts["postgresql"].text.split("Running upgrade r2 -> r3")[1]
    assert "CONSTRAINT status CHECK (status IN ('A', 'B'))" in rebuilt


def test_a_dropped_type_constraint_the_model_lacks_still_fails_clearly(tmp_path: Path) -> None:
    """An existing_type whose constraint name the model does not have: never guessed."""
    wrong = WIDEN.replace(
        'name="status", native_enum=False, create_constraint=True),\n',
        'name="other", native_enum=False, create_constraint=True),\n',
    )
    assert wrong != WIDEN
    root = make_project(
        tmp_path / "proj",
        {
            "r1.py": revision_source("r1", None, RUNS),
            "r2.py": revision_source("r2", "r1", wrong),
            "r3.py": revision_source("r3", "r2", LOOK_AND_REBUILD, header=SEEN_HEADER),
        },
    )
    generation, _ = _render(root, "postgresql")
    (reason,) = _reasons(generation)
    assert reason.startswith("r3: table runs had constraint other dropped")
    assert "shape is unknown offline" in reason


# a PostgreSQL enum: the column's type changed to it, then the enum altered
ENUM_COLUMN = """
op.create_table(
    "jobs",
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("state", sa.String(20)),
    sa.Column("shape", sa.String(20)),
)
"""
TO_ENUM = """
op.execute("CREATE TYPE job_state AS ENUM ('queued', 'done')")
op.alter_column(
    "jobs",
    "state",
    type_=sa.Enum("queued", "done", name="job_state"),
    existing_type=sa.String(20),
    postgresql_using="state::job_state",
)
op.execute("CREATE TYPE job_shape AS (w integer, h integer)")
op.alter_column(
    "jobs", "shape", type_=Shape(), existing_type=sa.String(20), postgresql_using="NULL"
)
"""
SHAPE_TYPE = """
class Shape(sa.types.UserDefinedType):
    cache_ok = True

    def get_col_spec(self, **kw):
        return "job_shape"
"""
ALTER_TYPES = """
op.execute("ALTER TYPE job_state ADD VALUE 'running' BEFORE 'done'")
op.execute("ALTER TYPE job_state ADD VALUE IF NOT EXISTS 'failed'")
op.execute("ALTER TYPE job_state RENAME VALUE 'queued' TO 'waiting'")
op.execute("ALTER TYPE job_shape ADD ATTRIBUTE d integer")
"""
LOOK_AT_JOBS = """
insp = sa.inspect(op.get_bind())
SEEN["columns"] = {c["name"]: c["type"] for c in insp.get_columns("jobs")}
op.add_column("jobs", sa.Column("note", sa.String(20)))
with op.batch_alter_table("jobs", recreate="always") as batch_op:
    batch_op.add_column(sa.Column("extra", sa.Integer()))
"""


def test_an_enum_altered_after_a_type_change_keeps_its_table_known(tmp_path: Path) -> None:
    root = make_project(
        tmp_path / "proj",
        {
            "r1.py": revision_source("r1", None, ENUM_COLUMN),
            "r2.py": revision_source("r2", "r1", TO_ENUM, header=SHAPE_TYPE),
            "r3.py": revision_source("r3", "r2", ALTER_TYPES),
            "r4.py": revision_source("r4", "r3", LOOK_AT_JOBS, header=SEEN_HEADER),
        },
    )
    generation, workspace = _render(root, "postgresql")
    # failed: "table jobs had the type job_state of column state altered; its shape is
    # unknown offline"
    assert _reasons(generation) == []
    columns = workspace.graph.get("r4").module.SEEN["columns"]
    assert columns["state"].name == "job_state"
    assert columns["state"].enums == ["waiting", "running", "done", "failed"]
    # a type sqlgen cannot follow stays what the database calls it
    assert str(columns["shape"].compile()) == "job_shape"
    rebuilt = generation.scripts["postgresql"].text.split("Running upgrade r3 -> r4")[1]
    assert "state job_state," in rebuilt and "shape job_shape," in rebuilt


def test_an_enum_altered_before_a_range_is_followed_by_its_replay(tmp_path: Path) -> None:
    root = make_project(
        tmp_path / "proj",
        {
            "r1.py": revision_source("r1", None, ENUM_COLUMN),
            "r2.py": revision_source("r2", "r1", TO_ENUM, header=SHAPE_TYPE),
            "r3.py": revision_source("r3", "r2", ALTER_TYPES),
            "r4.py": revision_source("r4", "r3", LOOK_AT_JOBS, header=SEEN_HEADER),
        },
    )
    generation, workspace = _render(root, "postgresql", "r3:r4")
    assert _reasons(generation) == []
    columns = workspace.graph.get("r4").module.SEEN["columns"]
    assert columns["state"].enums == ["waiting", "running", "done", "failed"]
