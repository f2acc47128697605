"""The cache never stops a run: steps it cannot keep, folders it cannot write, files it cannot read.

Issue 12, cause 5. Every comparison is with a run that used no cache at all
(`--no-cache`), file by file. Which steps ran is shown by migrations that leave
a mark each time they run, never by timing.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from sqlgen.cache.steps import StepStore
from tests.projects import make_project, revision_source

Cli = Callable[..., Result]
DIALECTS = ("sqlite", "postgresql")

MARK = """
import pathlib
MARKS = pathlib.Path(__file__).resolve().parents[2] / "ran.txt"


def mark(name):
    with MARKS.open("a") as fh:
        fh.write(name + "\\n")
"""

# A project module shaped like Airflow's `airflow/migrations/db_types.py`: the
# column type is an instance of a class made inside a function, which pickle
# cannot write ("Can't pickle local object '_timestamp.<locals>.TIMESTAMP'").
DB_TYPES = """
import sqlalchemy as sa


def _timestamp():
    class TIMESTAMP(sa.TIMESTAMP):
        def __init__(self, *args, timezone=True, **kwargs):
            super().__init__(*args, timezone=timezone, **kwargs)

    return TIMESTAMP


TIMESTAMP = _timestamp()
"""


def _project(root: Path) -> Path:
    """a, c and e are ordinary; b and d hold what pickle refuses (in their own tables)."""
    project = make_project(
        root,
        {
            "a.py": revision_source(
                "a",
                None,
                'mark("a")\nop.create_table("t", sa.Column("id", sa.Integer(), primary_key=True))',
                header=MARK,
            ),
            # the shapes: Python callable defaults, and an Enum whose
            # values_callable is a lambda (`upgrade.<locals>.<lambda>` in the model)
            "b.py": revision_source(
                "b",
                "a",
                """
                mark("b")

                def new_id():
                    return uuid.uuid4().hex

                op.create_table(
                    "u",
                    sa.Column("id", sa.String(32), primary_key=True, default=new_id),
                    sa.Column("x", sa.String(5), default=lambda: "a"),
                    sa.Column(
                        "kind",
                        sa.Enum(Kind, values_callable=lambda e: [m.value for m in e], name="kind"),
                    ),
                )
                """,
                header=MARK + "import enum\nimport uuid\n\n\nclass Kind(enum.Enum):\n    A = 'a'\n",
            ),
            "c.py": revision_source(
                "c",
                "b",
                'mark("c")\nop.add_column("t", sa.Column("note", sa.String(20)))',
                header=MARK,
            ),
            "d.py": revision_source(
                "d",
                "c",
                'mark("d")\nop.create_table("v", sa.Column("id", sa.Integer(), primary_key=True),'
                ' sa.Column("at", TIMESTAMP(), nullable=False))',
                header=MARK + "from db_types import TIMESTAMP\n",
            ),
            "e.py": revision_source(
                "e",
                "d",
                'mark("e")\nop.create_index("ix_t_note", "t", ["note"])',
                header=MARK,
            ),
        },
    )
    (project / "db_types.py").write_text(DB_TYPES, encoding="utf-8")
    (project / "alembic.ini").write_text(
        "[alembic]\nscript_location = %(here)s/migrations\nprepend_sys_path = .\n",
        encoding="utf-8",
    )
    return project


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _run(cli: Cli, project: Path, out: Path, *extra: str) -> Result:
    args = [a for d in DIALECTS for a in ("-d", d)]
    result = cli("--project", project, "upgrade", "base:heads", *args, "-o", out, *extra)
    assert result.exit_code == 0, result.output
    return result


def _marks(project: Path) -> list[str]:
    path = project / "ran.txt"
    marks = path.read_text(encoding="utf-8").split() if path.exists() else []
    path.unlink(missing_ok=True)
    return marks


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return _project(tmp_path / "proj")


@pytest.fixture
def expected(cli: Cli, project: Path, tmp_path: Path) -> dict[str, bytes]:
    _run(cli, project, tmp_path / "nocache", "--no-cache")
    assert not (project / ".sqlgen-cache").exists()
    _marks(project)
    return _tree(tmp_path / "nocache")


# --- steps pickle cannot write (5a, and why Airflow's warm runs gained nothing: 5c) ---


def test_steps_that_cannot_be_pickled_are_run_each_time_and_the_others_are_cached(
    cli: Cli, project: Path, tmp_path: Path, expected: dict[str, bytes]
) -> None:
    first = _run(cli, project, tmp_path / "first")  # crashed with a PicklingError before
    assert _tree(tmp_path / "first") == expected
    assert first.stderr == ""  # no warning, no traceback: an uncacheable step is no news
    assert _marks(project) == ["a", "b", "c", "d", "e"] * len(DIALECTS)
    cache = project / ".sqlgen-cache"
    for dialect in DIALECTS:
        # a, c and e are kept; b and d are not (their tables' types do not pickle)
        assert len(StepStore(cache, dialect)._stored) == 3
    assert len(list((cache / "runs").iterdir())) == 1  # the run memo was recorded

    _run(cli, project, tmp_path / "warm")  # the run memo: nothing is loaded or run
    assert _tree(tmp_path / "warm") == expected
    assert _marks(project) == []

    shutil.rmtree(cache / "runs")  # the step cache alone: only b and d run again
    steps = _run(cli, project, tmp_path / "steps")
    assert _tree(tmp_path / "steps") == expected
    assert steps.stderr == ""
    assert _marks(project) == ["b", "d"] * len(DIALECTS)


# --- a cache folder that cannot be written (5b) ---


def _one_warning(result: Result, folder: Path) -> None:
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("warning: the rendering cache ")
    assert str(folder) in lines[0]
    assert "Traceback" not in result.output


def test_a_cache_folder_that_cannot_be_made_is_skipped_with_one_warning(
    cli: Cli, project: Path, tmp_path: Path, expected: dict[str, bytes]
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder's parent should be\n", encoding="utf-8")
    folder = blocker / "cache"
    result = _run(cli, project, tmp_path / "out", "--cache-dir", folder)
    assert _tree(tmp_path / "out") == expected
    _one_warning(result, folder)


def test_the_default_cache_folder_that_cannot_be_made_is_skipped_with_one_warning(
    cli: Cli, project: Path, tmp_path: Path, expected: dict[str, bytes]
) -> None:
    (project / ".sqlgen-cache").write_text("not a folder\n", encoding="utf-8")
    result = _run(cli, project, tmp_path / "out")
    assert _tree(tmp_path / "out") == expected
    _one_warning(result, project / ".sqlgen-cache")
    assert (project / ".sqlgen-cache").read_text(encoding="utf-8") == "not a folder\n"


def _read_only(path: Path) -> None:
    for folder, _, files in os.walk(path):
        for name in files:
            os.chmod(Path(folder) / name, 0o444)
        os.chmod(folder, 0o555)


def _writable(path: Path) -> None:
    for folder, _, files in os.walk(path):
        os.chmod(folder, 0o755)
        for name in files:
            os.chmod(Path(folder) / name, 0o644)


def _permissions_apply(folder: Path) -> bool:
    """False for root (and other users permissions do not stop)."""
    try:
        (folder / ".probe").write_text("", encoding="utf-8")
    except OSError:
        return True
    (folder / ".probe").unlink()
    return False


def test_a_read_only_project_renders_with_one_warning(
    cli: Cli, project: Path, tmp_path: Path, expected: dict[str, bytes]
) -> None:
    _read_only(project)
    try:
        if not _permissions_apply(project):
            pytest.skip("file permissions do not stop this user (root)")
        result = _run(cli, project, tmp_path / "out")
        assert _tree(tmp_path / "out") == expected
        _one_warning(result, project / ".sqlgen-cache")
    finally:
        _writable(project)


def test_a_read_only_cache_is_still_read(
    cli: Cli, project: Path, tmp_path: Path, expected: dict[str, bytes]
) -> None:
    _run(cli, project, tmp_path / "fill")
    _marks(project)
    cache = project / ".sqlgen-cache"
    shutil.rmtree(cache / "runs")
    _read_only(cache)
    try:
        if not _permissions_apply(cache):
            pytest.skip("file permissions do not stop this user (root)")
        result = _run(cli, project, tmp_path / "out")
        assert _tree(tmp_path / "out") == expected
        assert _marks(project) == ["b", "d"] * len(DIALECTS)  # the rest came from the cache
        _one_warning(result, cache)
    finally:
        _writable(cache)


def test_a_cache_folder_that_refuses_writes_is_read_and_warned_about_once(
    cli: Cli,
    project: Path,
    tmp_path: Path,
    expected: dict[str, bytes],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As on a read-only mount, for any user (root included): every new file is refused."""
    _run(cli, project, tmp_path / "fill")
    _marks(project)
    cache = project / ".sqlgen-cache"
    shutil.rmtree(cache / "runs")
    (cache / "runs").mkdir()

    def refused(real: Callable[..., object]) -> Callable[..., object]:
        def make(*args: object, **kw: object) -> object:
            where = Path(str(kw.get("dir") or ".")).resolve()
            if where == cache.resolve() or cache.resolve() in where.parents:
                raise OSError(30, "Read-only file system")
            return real(*args, **kw)

        return make

    monkeypatch.setattr(tempfile, "mkstemp", refused(tempfile.mkstemp))
    monkeypatch.setattr(tempfile, "TemporaryFile", refused(tempfile.TemporaryFile))
    result = _run(cli, project, tmp_path / "out")
    assert _tree(tmp_path / "out") == expected
    assert _marks(project) == ["b", "d"] * len(DIALECTS)  # the rest came from the cache
    _one_warning(result, cache)
    assert "Read-only file system" in result.stderr
    assert list((cache / "runs").iterdir()) == []


# --- cache files that do not load ---


def test_corrupt_cache_files_of_every_kind_are_ignored(
    cli: Cli, project: Path, tmp_path: Path, expected: dict[str, bytes]
) -> None:
    _run(cli, project, tmp_path / "fill")
    cache = project / ".sqlgen-cache"
    (record,) = (cache / "runs").iterdir()
    # (revision files that run code at import are never indexed: no scripts.idx here)
    index_file = cache / "scripts.idx"
    index_file.write_text("sqlgen script index 1\n0\n{}", encoding="utf-8")
    damaged = [*sorted((cache / "steps").iterdir()), record, index_file]
    for index, path in enumerate(damaged):
        # truncated, bit-flipped, or replaced with garbage
        data = path.read_bytes()
        if index % 3 == 0:
            path.write_bytes(data[: len(data) // 2])
        elif index % 3 == 1:
            flipped = bytearray(data)
            flipped[len(flipped) // 2] ^= 0xFF
            path.write_bytes(bytes(flipped))
        else:
            path.write_bytes(b"\x80not a cache file\x00")
    _marks(project)
    result = _run(cli, project, tmp_path / "again")
    assert _tree(tmp_path / "again") == expected
    assert result.stderr == ""
    assert _marks(project) == ["a", "b", "c", "d", "e"] * len(DIALECTS)  # all rendered afresh
    for dialect in DIALECTS:
        assert len(StepStore(cache, dialect)._stored) == 3  # and the cache rebuilt
