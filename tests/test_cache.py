"""The rendering cache and the run memo: a hit gives byte-identical output to a cold run.

Every comparison is with a run that used no cache at all (`--no-cache`), file by
file, manifest included. That hits really happen is shown by migrations that
leave a mark each time they run, never by timing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from sqlgen.cache.steps import StepStore
from tests.projects import make_project, revision_source

Cli = Callable[..., Result]
DIALECTS = ("postgresql", "mysql", "mssql", "oracle")


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _generate(cli: Cli, project: Path, out: Path, *extra: str, spec: str = "base:heads") -> None:
    args = [a for d in DIALECTS for a in ("-d", d)]
    result = cli("--project", project, "upgrade", spec, *args, "-o", out, "--per-revision", *extra)
    assert result.exit_code == 0, result.output


def _cold(cli: Cli, project: Path, out: Path) -> dict[str, bytes]:
    _generate(cli, project, out, "--no-cache")
    return _tree(out)


@pytest.fixture
def corpus_copy(corpus: Callable[[int], Path], tmp_path: Path) -> Path:
    copy = tmp_path / "corpus"
    shutil.copytree(corpus(200), copy, ignore=shutil.ignore_patterns(".sqlgen-cache"))
    return copy


def test_cold_warm_and_step_cache_runs_write_identical_files(
    cli: Cli, corpus_copy: Path, tmp_path: Path
) -> None:
    expected = _cold(cli, corpus_copy, tmp_path / "nocache")
    cache = corpus_copy / ".sqlgen-cache"
    assert not cache.exists()  # --no-cache leaves no cache behind

    _generate(cli, corpus_copy, tmp_path / "first")  # fills the cache
    assert _tree(tmp_path / "first") == expected
    assert sorted(p.name for p in (cache / "steps").iterdir()) == [
        f"{d}.bin" for d in sorted(DIALECTS)
    ]
    assert len(list((cache / "runs").iterdir())) == 1
    assert (cache / ".gitignore").read_text().endswith("*\n")

    _generate(cli, corpus_copy, tmp_path / "warm")  # the run memo
    assert _tree(tmp_path / "warm") == expected

    shutil.rmtree(cache / "runs")  # the per-revision cache alone
    _generate(cli, corpus_copy, tmp_path / "steps")
    assert _tree(tmp_path / "steps") == expected


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_after_an_edit_the_output_is_what_a_cold_run_of_the_edited_project_gives(
    cli: Cli, corpus_copy: Path, tmp_path: Path
) -> None:
    _generate(cli, corpus_copy, tmp_path / "before")
    versions = sorted((corpus_copy / "migrations" / "versions").glob("*.py"))
    middle = versions[len(versions) // 2]
    # a data change (the schema after it is the same) and a schema change
    _edit(
        middle,
        "def upgrade():\n",
        'def upgrade():\n    op.execute("UPDATE tbl_1 SET name = name")\n',
    )
    _generate(cli, corpus_copy, tmp_path / "data")
    assert _tree(tmp_path / "data") == _cold(cli, corpus_copy, tmp_path / "data-cold")

    _edit(
        middle,
        "def upgrade():\n",
        "def upgrade():\n    op.add_column('tbl_1', sa.Column('extra', sa.Integer()))\n",
    )
    _generate(cli, corpus_copy, tmp_path / "schema")
    assert _tree(tmp_path / "schema") == _cold(cli, corpus_copy, tmp_path / "schema-cold")


# --- hits really happen: migrations that leave a mark each time they run -------------------

MARK = """
import pathlib
MARKS = pathlib.Path(__file__).resolve().parents[2] / "ran.txt"


def mark(name):
    with MARKS.open("a") as fh:
        fh.write(name + "\\n")
"""


def _marked_project(root: Path, helper: str = "WIDTH = 40\n") -> Path:
    project = make_project(
        root,
        {
            "a.py": revision_source(
                "a",
                None,
                'mark("a")\nop.create_table("t", sa.Column("id", sa.Integer(), primary_key=True))',
                header=MARK,
            ),
            "b.py": revision_source(
                "b",
                "a",
                'mark("b")\nop.add_column("t", sa.Column("note", sa.String(shop_helper.WIDTH)))',
                header=MARK + "import shop_helper\n",
            ),
            "c.py": revision_source(
                "c",
                "b",
                'mark("c")\nop.execute("UPDATE t SET note = \'x\'")',
                header=MARK,
            ),
        },
    )
    (project / "shop_helper.py").write_text(helper, encoding="utf-8")
    (project / "alembic.ini").write_text(
        "[alembic]\nscript_location = %(here)s/migrations\nprepend_sys_path = .\n",
        encoding="utf-8",
    )
    return project


def _marks(project: Path) -> list[str]:
    path = project / "ran.txt"
    marks = path.read_text(encoding="utf-8").split() if path.exists() else []
    path.unlink(missing_ok=True)
    return marks


def _run_marked(cli: Cli, project: Path, out: Path, *extra: str) -> None:
    result = cli("--project", project, "upgrade", "base:heads", "-d", "sqlite", "-o", out, *extra)
    assert result.exit_code == 0, result.output


def test_cached_revisions_are_not_run_again(cli: Cli, tmp_path: Path) -> None:
    project = _marked_project(tmp_path / "proj")
    _run_marked(cli, project, tmp_path / "out")
    assert _marks(project) == ["a", "b", "c"]
    _run_marked(cli, project, tmp_path / "out")
    assert _marks(project) == []  # the run memo: nothing loaded, nothing run
    shutil.rmtree(project / ".sqlgen-cache" / "runs")
    _run_marked(cli, project, tmp_path / "out")
    assert _marks(project) == []  # every revision from the per-revision cache
    _run_marked(cli, project, tmp_path / "out", "--no-cache")
    assert _marks(project) == ["a", "b", "c"]


def test_an_edited_revision_runs_and_the_ones_after_it_only_if_the_schema_changed(
    cli: Cli, tmp_path: Path
) -> None:
    project = _marked_project(tmp_path / "proj")
    _run_marked(cli, project, tmp_path / "out")
    _marks(project)
    c = project / "migrations" / "versions" / "c.py"
    _edit(c, "SET note = 'x'", "SET note = 'y'")
    _run_marked(cli, project, tmp_path / "out")
    assert _marks(project) == ["c"]
    assert (
        "SET note = 'y'"
        in (tmp_path / "out" / "sqlite")
        .joinpath(next(p.name for p in (tmp_path / "out" / "sqlite").iterdir()))
        .read_text()
    )


def test_the_projects_own_code_is_part_of_the_key(cli: Cli, tmp_path: Path) -> None:
    project = _marked_project(tmp_path / "proj")
    _run_marked(cli, project, tmp_path / "out")
    _marks(project)
    (project / "shop_helper.py").write_text("WIDTH = 80\n", encoding="utf-8")
    sys.modules.pop("shop_helper")  # a new sqlgen process imports it afresh; this test's does not
    _run_marked(cli, project, tmp_path / "out")
    assert _marks(project) == ["a", "b", "c"]
    assert (
        "VARCHAR(80)"
        in _tree(tmp_path / "out")[
            next(k for k in _tree(tmp_path / "out") if k.startswith("sqlite/"))
        ].decode()
    )


def test_a_corrupt_cache_is_ignored_and_rebuilt(
    cli: Cli, corpus_copy: Path, tmp_path: Path
) -> None:
    expected = _cold(cli, corpus_copy, tmp_path / "nocache")
    _generate(cli, corpus_copy, tmp_path / "first")
    cache = corpus_copy / ".sqlgen-cache"
    steps = cache / "steps" / "postgresql.bin"
    data = bytearray(steps.read_bytes())
    data[len(data) // 2] ^= 0xFF
    steps.write_bytes(bytes(data))
    (record,) = (cache / "runs").iterdir()
    record.write_text(record.read_text()[:-10] + "corrupted!")
    _generate(cli, corpus_copy, tmp_path / "again")
    assert _tree(tmp_path / "again") == expected
    assert len(StepStore(cache, "postgresql")._stored) > 0  # rewritten, and valid again
    _generate(cli, corpus_copy, tmp_path / "warm")
    assert _tree(tmp_path / "warm") == expected


def test_the_cache_folder_can_be_chosen(cli: Cli, tmp_path: Path) -> None:
    project = _marked_project(tmp_path / "proj")
    chosen = tmp_path / "elsewhere"
    _run_marked(cli, project, tmp_path / "out", "--cache-dir", str(chosen))
    assert (chosen / "steps" / "sqlite.bin").is_file()
    assert not (project / ".sqlgen-cache").exists()
    os.environ["SQLGEN_CACHE_DIR"] = str(tmp_path / "from-env")
    try:
        _run_marked(cli, project, tmp_path / "out")
    finally:
        del os.environ["SQLGEN_CACHE_DIR"]
    assert (tmp_path / "from-env" / "steps" / "sqlite.bin").is_file()


def test_a_remembered_run_loads_neither_the_migrations_nor_the_pipeline(
    tmp_path: Path,
) -> None:
    project = _marked_project(tmp_path / "proj")
    code = (
        "import sys\n"
        "from sqlgen.cli import main\n"
        f"args = ['--project', {str(project)!r}, 'upgrade', 'base:heads', '-d', 'sqlite',"
        f" '-o', {str(tmp_path / 'out')!r}]\n"
        "main(args, standalone_mode=False)\n"
        "print(sorted(m for m in ('sqlalchemy', 'alembic', 'sqlglot') if m in sys.modules))\n"
    )
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "'alembic'" in first.stdout.splitlines()[-1]
    again = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert again.stdout.splitlines()[-1] == "[]"
    assert _marks(project) == ["a", "b", "c"]  # the first run only


def test_a_failing_run_is_remembered_with_its_failures(cli: Cli, tmp_path: Path) -> None:
    """A warm run of a range that fails gives the same files and the same errors, at once."""
    project = make_project(
        tmp_path / "proj",
        {
            "0001_a.py": revision_source(
                "fail0001",
                None,
                upgrade="""
                    open(__file__ + ".ran", "a").write("x")
                    op.create_table("t", sa.Column("id", sa.Integer, primary_key=True))
                    if op.get_bind().dialect.name == "mysql":
                        raise NotImplementedError("not on MySQL")
                """,
            )
        },
    )
    ran = project / "migrations/versions/0001_a.py.ran"

    def run() -> Any:
        args = ["upgrade", "heads", "-d", "sqlite", "-d", "mysql", "-o", tmp_path / "out"]
        return cli("--project", project, *args, "--json")

    cold = run()
    assert cold.exit_code == 1 and ran.read_text() == "xx"  # both dialects ran it
    warm = run()
    assert ran.read_text() == "xx"  # the memo: nothing ran again
    assert (warm.exit_code, warm.stdout, warm.stderr) == (cold.exit_code, cold.stdout, cold.stderr)
    assert "not on MySQL" in warm.stderr and json.loads(warm.stdout)["failures"]
    assert (tmp_path / "out/sqlite").is_dir() and not (tmp_path / "out/mysql").exists()
