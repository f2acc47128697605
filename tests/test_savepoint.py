"""begin_nested() offline: the savepoint and its release, as SQLAlchemy's dialect emits them."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from sqlgen import api
from sqlgen.errors import GenerationFailed

from .projects import line_of, make_project, revision_source

TRY_INDEX = """
op.create_table("file", sa.Column("id", sa.Integer, primary_key=True), sa.Column("k", sa.Text))
conn = op.get_bind()
try:
    with conn.begin_nested():
        op.create_index("ix_file_k", "file", ["k"], if_not_exists=True)
except sa.exc.DBAPIError:
    pass
op.execute("INSERT INTO file (id, k) VALUES (1, 'a')")
"""


def _render(project: Path, dialect: str) -> api.GenerateResult:
    workspace = api.open_project(project)
    request = api.GenerateRequest("upgrade", "heads", [dialect], write=False, version_table=False)
    return api.generate(workspace, request)


def _project(root: Path, upgrade: str) -> Path:
    return make_project(root, {"0001_sp.py": revision_source("svpt0001", None, upgrade=upgrade)})


@pytest.mark.parametrize(
    ("dialect", "opened", "released"),
    [
        ("postgresql", "SAVEPOINT sa_savepoint_1;", "RELEASE SAVEPOINT sa_savepoint_1;"),
        ("sqlite", "SAVEPOINT sa_savepoint_1;", "RELEASE SAVEPOINT sa_savepoint_1;"),
        ("mysql", "SAVEPOINT sa_savepoint_1;", "RELEASE SAVEPOINT sa_savepoint_1;"),
        ("mssql", "SAVE TRANSACTION sa_savepoint_1;", None),  # SQL Server releases nothing
        ("oracle", "SAVEPOINT sa_savepoint_1\n/", None),  # nor does Oracle
    ],
)
def test_the_success_path_is_rendered_inside_the_savepoint(
    tmp_path: Path, dialect: str, opened: str, released: str | None
) -> None:
    text = _render(_project(tmp_path, TRY_INDEX), dialect).scripts[dialect].text
    assert opened in text
    index = text.index("CREATE INDEX")
    assert text.index(opened) < index
    if released is None:
        assert "RELEASE" not in text
    else:
        assert index < text.index(released) < text.index("INSERT INTO file")
    assert "handles a failure inside it in Python" in text  # the warning, for the reviewer


def test_the_sqlite_script_runs_with_rows(tmp_path: Path) -> None:
    text = _render(_project(tmp_path, TRY_INDEX), "sqlite").scripts["sqlite"].text
    db = sqlite3.connect(tmp_path / "t.db")
    db.executescript(text)
    assert db.execute("SELECT id, k FROM file").fetchall() == [(1, "a")]
    assert db.execute("SELECT name FROM sqlite_master WHERE type = 'index'").fetchall() == [
        ("ix_file_k",)
    ]


def test_rolling_back_to_a_savepoint_is_refused_with_its_line(tmp_path: Path) -> None:
    project = _project(
        tmp_path,
        """
        sp = op.get_bind().begin_nested()
        op.execute("UPDATE t SET a = 1")
        sp.rollback()
        """,
    )
    with pytest.raises(GenerationFailed) as failed:
        _render(project, "postgresql")
    [failure] = failed.value.failures
    assert failure.line == line_of(project / "migrations/versions/0001_sp.py", "sp.rollback()")
    assert "rolls back to savepoint sa_savepoint_1" in failure.reason
