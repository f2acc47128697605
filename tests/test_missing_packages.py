"""No traceback from a user action: a missing optional package names its extra, exits 1.

The packages are installed here; a test hides one (`sys.modules[name] = None`
makes its import fail as if it were absent).
"""

from __future__ import annotations

import sys
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from sqlgen.cli import main
from sqlgen.errors import PACKAGE_EXTRAS

from .conftest import REPO
from .projects import make_project, revision_source

Cli = Callable[..., Result]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    create = "op.create_table('t', sa.Column('id', sa.Integer, primary_key=True))"
    return make_project(
        tmp_path / "proj", {"r1.py": revision_source("r1", None, create, "op.drop_table('t')")}
    )


def _hidden(monkeypatch: pytest.MonkeyPatch, *modules: str) -> None:
    for name in modules:
        for loaded in [m for m in sys.modules if m == name or m.startswith(f"{name}.")]:
            monkeypatch.delitem(sys.modules, loaded)
        monkeypatch.setitem(sys.modules, name, None)


def _run(*args: str | Path) -> Result:
    # catch_exceptions: a traceback would be an exception here, and the test says so
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=True)


def _one_line(result: Result, extra: str) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert f"pip install 'sqlgen[{extra}]'" in result.stderr


@pytest.mark.parametrize(
    ("dialect", "driver"),
    [("postgresql", "psycopg"), ("mysql", "pymysql"), ("mariadb", "pymysql")],
)
def test_verify_without_its_driver_names_the_verify_extra(
    project: Path, monkeypatch: pytest.MonkeyPatch, dialect: str, driver: str, tmp_path: Path
) -> None:
    _hidden(monkeypatch, driver)
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    result = _run("-p", project, "verify", "base:heads", "-d", dialect)
    _one_line(result, "verify")
    assert result.stderr.startswith(f"error: verify -d {dialect} needs the Python package {driver}")
    assert not list(tmp_path.glob("sqlgen-verify-*"))  # nothing started, nothing left


def test_verify_on_a_url_without_its_driver(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _hidden(monkeypatch, "psycopg")
    url = "postgresql+psycopg://nobody@localhost:1/none"
    _one_line(
        _run("-p", project, "verify", "base:heads", "-d", "postgresql", "--url", url), "verify"
    )


def test_verify_duckdb_without_duckdb(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _hidden(monkeypatch, "duckdb", "duckdb_engine")
    _one_line(_run("-p", project, "verify", "base:heads", "-d", "duckdb"), "duckdb")


def test_any_other_missing_optional_package_is_one_line(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # wherever it is imported from: the CLI's last resort names the extra too
    def lint(*args: object, **kw: object) -> None:
        import psycopg  # noqa: F401

    monkeypatch.setattr("sqlgen.api.lint", lint)
    _hidden(monkeypatch, "psycopg")
    _one_line(_run("-p", project, "lint", "base:heads", "-d", "sqlite"), "verify")


def test_every_extra_named_exists() -> None:
    extras = tomllib.loads((REPO / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    assert set(PACKAGE_EXTRAS.values()) <= set(extras)
