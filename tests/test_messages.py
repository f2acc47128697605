"""Failure messages on real-world shapes: one line, where, what, and what to do.

Each test builds a tiny project of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from click.testing import Result

from .projects import line_of, make_project, revision_source

Cli = Callable[..., Result]

CREATE = """
op.create_table(
    "t",
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("x", sa.Integer),
    sa.Column("y", sa.Integer),
    sa.UniqueConstraint("x", name="uq_t_x"),
    sa.UniqueConstraint("y"),
    sa.CheckConstraint("x > 0", name="ck_t_x"),
)
"""


def _errors(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("error: ")]


def _unnamed_project(root: Path, drop: str) -> Path:
    return make_project(
        root,
        {
            "0001_t.py": revision_source("cons0001", None, CREATE, 'op.drop_table("t")'),
            "0002_drop.py": revision_source("cons0002", "cons0001", drop),
        },
    )


def test_dropping_an_unnamed_constraint_names_the_table_and_the_known_names(
    cli: Cli, tmp_path: Path
) -> None:
    project = _unnamed_project(tmp_path / "p", 'op.drop_constraint(None, "t", type_="unique")')
    dialects = ["-d", "postgresql", "-d", "mssql"]  # mssql names unnamed ones at random
    result = cli("-p", project, "upgrade", "heads", *dialects, "-o", tmp_path / "out")
    assert result.exit_code == 1
    path = project / "migrations/versions/0002_drop.py"
    line = line_of(path, "drop_constraint")
    assert _errors(result) == [
        # PostgreSQL's name for the unnamed one is known (its profile declares the rule)
        f"error: [postgresql] revision cons0002 ({path}:{line}) "
        "op.drop_constraint(None, 't', type_='unique') has no constraint name, and SQL drops "
        "a constraint only by its name: pass the name of the unique constraint to drop "
        "(the unique constraints sqlgen knows on table t: t_y_key, uq_t_x)",
        f"error: [mssql] revision cons0002 ({path}:{line}) "
        "op.drop_constraint(None, 't', type_='unique') has no constraint name, and SQL drops "
        "a constraint only by its name: pass the name of the unique constraint to drop "
        "(the unique constraints sqlgen knows on table t: uq_t_x; unnamed ones on (y) got "
        "their names from the database that created them: look them up there)",
        "error: 1 revision(s) failed; nothing written for: mssql, postgresql",
    ]
    assert "UniqueConstraint(" not in result.stderr  # no object reprs


def test_dropping_an_unnamed_constraint_in_a_batch_block(cli: Cli, tmp_path: Path) -> None:
    drop = """
with op.batch_alter_table("t") as batch_op:
    batch_op.drop_constraint(None, type_="check")
"""
    project = _unnamed_project(tmp_path / "p", drop)
    result = cli("-p", project, "upgrade", "heads", "-d", "sqlite", "-o", tmp_path / "out")
    assert result.exit_code == 1
    path = project / "migrations/versions/0002_drop.py"
    line = line_of(path, "batch_op.drop_constraint")
    assert _errors(result)[0] == (
        f"error: [sqlite] revision cons0002 ({path}:{line}) "
        "batch_op.drop_constraint(None, type_='check') has no constraint name, and SQL drops "
        "a constraint only by its name: pass the name of the check constraint to drop "
        "(the check constraints sqlgen knows on table t: ck_t_x)"
    )


NEEDS_A_ROW = """
row = op.get_bind().execute(sa.text("SELECT id FROM t ORDER BY id")).first()
op.execute(f"UPDATE t SET x = {row[0]}")
"""


def _needs_a_row_project(root: Path) -> Path:
    return make_project(
        root,
        {
            "0001_t.py": revision_source("rows0001", None, CREATE, 'op.drop_table("t")'),
            "0002_row.py": revision_source("rows0002", "rows0001", NEEDS_A_ROW),
            "0003_next.py": revision_source(
                "rows0003",
                "rows0002",
                'op.add_column("t", sa.Column("z", sa.Integer))',
                """
with op.batch_alter_table("t") as batch_op:
    batch_op.drop_column("z")
""",
            ),
        },
    )


def test_a_migration_that_needs_rows_in_empty_mode_says_how_to_give_an_override(
    cli: Cli, tmp_path: Path
) -> None:
    project = _needs_a_row_project(tmp_path / "p")
    path = project / "migrations/versions/0002_row.py"
    read, failed = line_of(path, "SELECT id"), line_of(path, "row[0]")
    result = cli(
        "-p", project, "upgrade", "heads", "-d", "postgresql", "--data-reads=empty",
        "-o", tmp_path / "out",
    )  # fmt: skip
    assert result.exit_code == 1
    overrides = Path("OVERRIDES")
    assert _errors(result)[0] == (
        f"error: [postgresql] revision rows0002 ({path}:{failed}) failed: TypeError: "
        f"'NoneType' object is not subscriptable, after its data read at line {read} "
        "(SELECT id FROM t ORDER BY id) saw no rows: the migration needs rows that offline "
        "empty mode does not give; write reviewed SQL for this revision to "
        f"{overrides / 'rows0002.upgrade.postgresql.sql'} and pass --overrides {overrides}"
    )

    # with an overrides folder the message names the file; putting it there works
    folder = tmp_path / "reviewed"
    folder.mkdir()
    args = ["-p", project, "upgrade", "heads", "-d", "postgresql", "--data-reads=empty"]
    result = cli(*args, "--overrides", folder, "-o", tmp_path / "out")
    reviewed = folder / "rows0002.upgrade.postgresql.sql"
    assert f"write reviewed SQL for this revision to {reviewed}\n" in result.stderr
    reviewed.write_text("UPDATE t SET x = 1;\n")
    result = cli(*args, "--overrides", folder, "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output


def test_other_no_row_symptoms_say_the_same(cli: Cli, tmp_path: Path) -> None:
    symptoms = {
        "StopIteration": 'next(iter(bind.execute(sa.text("SELECT id FROM t"))))',
        "NoResultFound": 'bind.execute(sa.text("SELECT id FROM t")).scalar_one()',
        "IndexError": 'bind.execute(sa.text("SELECT id FROM t")).fetchall()[0]',
    }
    files = {"0001_t.py": revision_source("symp0000", None, CREATE)}
    down = "symp0000"
    for number, code in enumerate(symptoms.values(), 1):
        rev = f"symp000{number}"
        body = f"bind = op.get_bind()\n{code}"
        files[f"000{number + 1}_{rev}.py"] = revision_source(rev, down, body)
        down = rev
    project = make_project(tmp_path / "p", files)
    result = cli(
        "-p", project, "upgrade", "heads", "-d", "mysql", "--data-reads=empty",
        "-o", tmp_path / "out",
    )  # fmt: skip
    errors = _errors(result)
    assert len(errors) == len(symptoms) + 1
    for error, name in zip(errors, symptoms, strict=False):
        assert f" failed: {name}" in error
        assert "saw no rows: the migration needs rows that offline empty mode does not give" in (
            error
        )


def test_a_failed_replay_before_a_downgrade_is_reported_once(cli: Cli, tmp_path: Path) -> None:
    files = {
        "0001_t.py": revision_source("rply0001", None, CREATE, 'op.drop_table("t")'),
        "0002_row.py": revision_source("rply0002", "rply0001", NEEDS_A_ROW),
    }
    down = "rply0002"
    for number in range(3, 9):  # every downgrade needs the model (batch mode reflects t)
        rev = f"rply{number:04d}"
        files[f"{number:04d}_{rev}.py"] = revision_source(
            rev,
            down,
            f'op.add_column("t", sa.Column("c{number}", sa.Integer))',
            f'with op.batch_alter_table("t") as batch_op:\n    batch_op.drop_column("c{number}")',
        )
        down = rev
    project = make_project(tmp_path / "p", files)
    result = cli(
        "-p", project, "downgrade", "heads:rply0002", "-d", "sqlite", "-o", tmp_path / "out"
    )
    assert result.exit_code == 1
    path = project / "migrations/versions/0002_row.py"
    failed = line_of(path, "row[0]")
    errors = _errors(result)
    assert len(errors) == 2, errors
    assert errors[0].startswith(
        f"error: [sqlite] revision rply0002 ({path}:{failed}), replayed to model the schema "
        "before the range, failed: TypeError: 'NoneType' object is not subscriptable"
    )
    assert errors[0].endswith(
        "; so 6 revision(s) of the range could not be rendered: "
        "rply0008, rply0007, rply0006, rply0005, rply0004, rply0003"
    )
    assert errors[1] == "error: 6 revision(s) failed; nothing written for: sqlite"
