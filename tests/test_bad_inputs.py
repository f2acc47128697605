"""Every bad input gives one clear line on stderr and the right exit code."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from .projects import linear, make_project, revision_source

Cli = Callable[..., Result]


def _error(result: Result) -> str:
    assert result.stdout == ""
    return result.stderr


def test_syntax_error_names_file_and_line(tmp_path: Path, cli: Cli) -> None:
    files = linear(2)
    files["0003_broken.py"] = revision_source("brok0003", "aaaa0002").replace(
        "def upgrade():", "def upgrade(:"
    )
    make_project(tmp_path, files)
    result = cli("--project", tmp_path, "heads")
    assert result.exit_code == 1
    err = _error(result)
    assert "0003_broken.py:" in err and "syntax error in migration script" in err
    line = err.split("0003_broken.py:")[1].split(":")[0]
    assert (
        line.isdigit()
        and "def upgrade(:"
        in (
            (tmp_path / "migrations/versions/0003_broken.py")
            .read_text()
            .splitlines()[int(line) - 1]
        )
    )
    assert "Traceback" not in result.output


def test_import_error_names_module_and_file(tmp_path: Path, cli: Cli) -> None:
    files = linear(1)
    files["0002_imports.py"] = revision_source(
        "impo0002", "aaaa0001", header="import shop_models_that_do_not_exist\n"
    )
    make_project(tmp_path, files)
    result = cli("--project", tmp_path, "history")
    assert result.exit_code == 1
    err = _error(result)
    assert "0002_imports.py" in err
    assert "module 'shop_models_that_do_not_exist'" in err


def test_down_revision_that_points_nowhere(tmp_path: Path, cli: Cli) -> None:
    files = linear(1)
    files["0002_orphan.py"] = revision_source("orph0002", "deadbeef0000")
    make_project(tmp_path, files)
    result = cli("--project", tmp_path, "heads")
    assert result.exit_code == 1
    assert "revision 'orph0002' has down_revision 'deadbeef0000'" in _error(result)
    assert "0002_orphan.py" in result.stderr


def test_duplicate_revision_id(tmp_path: Path, cli: Cli) -> None:
    files = linear(2)
    files["0003_copy.py"] = revision_source("aaaa0002", "aaaa0001")
    make_project(tmp_path, files)
    result = cli("--project", tmp_path, "heads")
    assert result.exit_code == 1
    err = _error(result)
    assert "duplicate revision id 'aaaa0002'" in err
    assert "0002_aaaa0002.py" in err and "0003_copy.py" in err


def test_cycle(tmp_path: Path, cli: Cli) -> None:
    files = linear(1)
    files["0002_x.py"] = revision_source("cyca0002", "cycb0003")
    files["0003_y.py"] = revision_source("cycb0003", "cyca0002")
    make_project(tmp_path, files)
    result = cli("--project", tmp_path, "heads")
    assert result.exit_code == 1
    err = _error(result)
    assert "cycle" in err and "cyca0002" in err and "cycb0003" in err


@pytest.fixture
def two_heads(tmp_path: Path) -> Path:
    files = linear(2)
    files["0003_left.py"] = revision_source("left0003", "aaaa0002", branch_labels=("left",))
    files["0004_right.py"] = revision_source("rght0004", "aaaa0002", branch_labels=("right",))
    return make_project(tmp_path, files)


def test_head_with_several_heads_lists_them(two_heads: Path, cli: Cli) -> None:
    result = cli("--project", two_heads, "upgrade", "base:head", "-d", "postgresql", "--stdout")
    assert result.exit_code == 2
    err = _error(result)
    assert "several heads (left0003, rght0004)" in err
    assert "'heads'" in err and "LABEL@head" in err
    # and the suggestions work
    assert cli("--project", two_heads, "show", "left@head").exit_code == 0
    ok = cli("--project", two_heads, "upgrade", "heads", "-d", "postgresql", "--stdout")
    assert ok.exit_code == 0 and "left0003" in ok.stdout and "rght0004" in ok.stdout


def test_unknown_revision_suggests(two_heads: Path, cli: Cli) -> None:
    result = cli("--project", two_heads, "show", "left0004")
    assert result.exit_code == 2
    assert "no revision or branch named 'left0004'; did you mean left0003" in _error(result)


def test_ambiguous_prefix_lists_candidates(two_heads: Path, cli: Cli) -> None:
    result = cli("--project", two_heads, "show", "aaaa")
    assert result.exit_code == 2
    assert "prefix 'aaaa' is ambiguous; it matches: aaaa0001, aaaa0002" in _error(result)


def test_no_migrations_found(tmp_path: Path, cli: Cli) -> None:
    result = cli("--project", tmp_path, "heads")
    assert result.exit_code == 1
    err = _error(result)
    assert "no migrations found" in err and "alembic.ini" in err


def test_empty_versions_folder(tmp_path: Path, cli: Cli) -> None:
    make_project(tmp_path, {})
    result = cli("--project", tmp_path, "heads")
    assert result.exit_code == 1
    assert "no migrations found" in _error(result)


def test_unknown_dialect_suggests_the_closest(tmp_path: Path, cli: Cli) -> None:
    make_project(tmp_path, linear(1))
    result = cli("--project", tmp_path, "upgrade", "heads", "-d", "postgress", "--stdout")
    assert result.exit_code == 2
    assert "unknown dialect 'postgress'; did you mean postgresql?" in _error(result)


@pytest.mark.parametrize(
    ("command", "spec", "expected"),
    [
        ("upgrade", "heads:base", "goes the wrong way for upgrade; did you mean `sqlgen downgrade"),
        (
            "downgrade",
            "base:heads",
            "goes the wrong way for downgrade; did you mean `sqlgen upgrade",
        ),
        ("upgrade", "aaaa0002:aaaa0002", "selects no revisions to upgrade"),
        ("upgrade", "base:base", "selects no revisions to upgrade"),
        ("upgrade", "a:b:c", "expected FROM:TO"),
    ],
)
def test_reversed_and_empty_ranges_are_errors(
    tmp_path: Path, cli: Cli, command: str, spec: str, expected: str
) -> None:
    make_project(tmp_path, linear(2))
    result = cli("--project", tmp_path, command, spec, "-d", "sqlite", "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert expected in _error(result)
    assert not (tmp_path / "out").exists()


def test_traceback_flag_shows_the_exception(tmp_path: Path, cli: Cli) -> None:
    from sqlgen.errors import NoMigrationsFound

    with pytest.raises(NoMigrationsFound):
        cli("--project", tmp_path, "--traceback", "heads")
