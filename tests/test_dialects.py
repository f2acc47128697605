"""Dialect profiles: data files, aliases, project profiles, packages and the listing."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from sqlgen import api
from sqlgen.dialects.profiles import find_profile, load_profiles
from sqlgen.errors import ConfigError, UnknownDialect
from sqlgen.runtime.runner import dialect_available

from .conftest import REPO, require
from .projects import make_project, revision_source

Cli = Callable[..., Result]
BUILT_IN = {
    "postgresql", "mysql", "mariadb", "sqlite", "mssql", "oracle",
    "duckdb", "snowflake", "bigquery", "redshift", "trino",
}  # fmt: skip


def test_built_in_profiles_load_from_the_package() -> None:
    profiles = load_profiles()
    assert set(profiles) >= BUILT_IN
    for profile in profiles.values():
        assert profile.source == f"sqlgen.dialects.builtin/{profile.name}.toml"


@pytest.mark.parametrize(
    ("alias", "name"),
    [
        ("postgres", "postgresql"),
        ("PG", "postgresql"),
        ("tsql", "mssql"),
        ("sqlserver", "mssql"),
        ("sqlite3", "sqlite"),
        ("presto", "trino"),
        ("bq", "bigquery"),
        ("duckdb", "duckdb"),
    ],
)
def test_aliases(alias: str, name: str) -> None:
    assert find_profile(alias, load_profiles()).name == name


@pytest.mark.parametrize(
    ("typo", "suggestion"),
    [("postgrs", "postgresql"), ("sqlserve", "mssql"), ("snowflak", "snowflake")],
)
def test_unknown_dialect_suggests(typo: str, suggestion: str) -> None:
    with pytest.raises(UnknownDialect) as info:
        find_profile(typo, load_profiles())
    assert info.value.suggestions == [suggestion]
    assert f"did you mean {suggestion}?" in str(info.value)


def test_unknown_dialect_without_a_close_match() -> None:
    with pytest.raises(UnknownDialect) as info:
        find_profile("cobol", load_profiles())
    assert info.value.suggestions == []
    assert "known: bigquery, duckdb" in str(info.value)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('name = "x"\nsqlglot = "postgres"\n', "lacks required key 'sqlalchemy'"),
        ('name = "x"\nsqlalchemy = "x"\nsqlglot = "x"\nterminatr = ";"\n', "unknown key"),
        ('name = "x"\nsqlalchemy = "x"\nsqlglot = "x"\ntransactional_ddl = "yes"\n', "wrong type"),
        ('name = "x"\nsqlalchemy = "x"\nsqlglot = "x"\nserver_version = "15.x"\n', "15.4"),
    ],
)
def test_bad_profiles_are_reported(tmp_path: Path, text: str, problem: str) -> None:
    (tmp_path / "x.toml").write_text(text)
    with pytest.raises(ConfigError, match=problem):
        load_profiles([tmp_path])


def _project_with_profiles(root: Path, profiles: dict[str, str]) -> Path:
    make_project(
        root,
        {
            "0001_t.py": revision_source(
                "prof0001",
                None,
                upgrade="""
                    op.create_table('t', sa.Column('id', sa.Integer, primary_key=True))
                    version = op.get_bind().dialect.server_version_info
                    op.execute(f"UPDATE t SET id = {version[0]}")
                """,
            )
        },
        config=None,
    )
    folder = root / "db" / "dialects"
    folder.mkdir(parents=True)
    for name, text in profiles.items():
        (folder / name).write_text(text)
    (root / "pyproject.toml").write_text(
        '[tool.sqlgen]\nscript_location = "migrations"\ndialects = "db/dialects"\n'
    )
    return root


COCKROACH = """
name = "cockroachdb"
description = "CockroachDB"
aliases = ["crdb"]
sqlalchemy = "postgresql"
sqlglot = "postgres"
transactional_ddl = true
begin = "BEGIN TRANSACTION"
commit = "COMMIT TRANSACTION"
server_version = "23.1"
verify = "url"
"""


def test_a_project_adds_a_dialect_with_one_file(tmp_path: Path, cli: Cli) -> None:
    project = _project_with_profiles(tmp_path, {"cockroachdb.toml": COCKROACH})
    result = cli("-p", project, "upgrade", "heads", "-d", "crdb", "--stdout")
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    assert "upgrade script for cockroachdb (CockroachDB)" in text
    assert "\nBEGIN TRANSACTION;\n" in text and text.rstrip().endswith("COMMIT TRANSACTION;")
    assert "UPDATE t SET id = 23;" in text  # the profile's server version
    listed = json.loads(cli("-p", project, "dialects", "--json").stdout)
    crdb = next(d for d in listed if d["name"] == "cockroachdb")
    assert crdb["installed"] is True
    assert crdb["source"] == str(project / "db/dialects/cockroachdb.toml")


def test_a_project_profile_overrides_a_built_in_one(tmp_path: Path) -> None:
    built_in = (REPO / "dialects" / "mysql.toml").read_text()
    mysql57 = re.sub(r'(?m)^server_version = ".*"$', 'server_version = "5.7"', built_in)
    assert mysql57 != built_in
    project = _project_with_profiles(tmp_path, {"mysql.toml": mysql57})
    workspace = api.open_project(project)
    request = api.GenerateRequest("upgrade", "heads", ["mysql"], write=False)
    assert "UPDATE t SET id = 5;" in api.generate(workspace, request).scripts["mysql"].text


NOT_INSTALLED = """
name = "nimbus"
sqlalchemy = "nimbusdb"
package = "sqlalchemy-nimbus"
extra = "nimbus"
sqlglot = "postgres"
"""


def test_a_dialect_whose_package_is_missing_says_how_to_install_it(
    tmp_path: Path, cli: Cli
) -> None:
    project = _project_with_profiles(tmp_path, {"nimbus.toml": NOT_INSTALLED})
    result = cli("-p", project, "upgrade", "heads", "-d", "nimbus", "--stdout")
    assert result.exit_code == 1
    assert "error: dialect nimbus needs: pip install 'sqlgen[nimbus]'" in result.stderr
    # --all-dialects renders the installed ones and says which it skipped
    out = tmp_path / "out"
    every = cli("-p", project, "upgrade", "heads", "--all-dialects", "-o", out)
    assert every.exit_code == 0, every.stderr
    assert "note: skipping nimbus: not installed (pip install 'sqlgen[nimbus]')" in every.stderr
    assert (out / "postgresql").is_dir() and not (out / "nimbus").exists()
    listing = cli("-p", project, "dialects").stdout
    assert "nimbus" in listing and "pip install 'sqlgen[nimbus]'" in listing


def test_dialects_command_lists_every_profile(cli: Cli) -> None:
    result = cli("dialects", "--json")
    assert result.exit_code == 0
    listed = {d["name"]: d for d in json.loads(result.stdout)}
    assert set(listed) >= BUILT_IN
    assert listed["duckdb"]["extra"] == "duckdb"
    assert listed["duckdb"]["install"] == "pip install 'sqlgen[duckdb]'"
    assert listed["postgresql"]["extra"] is None and listed["postgresql"]["installed"] is True
    assert listed["sqlite"]["verify"] == "sqlite" and listed["oracle"]["verify"] == "url"
    text = cli("dialects").stdout
    assert text.splitlines()[0].split() == [
        "DIALECT", "INSTALLED", "EXTRA", "SQLALCHEMY", "VERIFIED", "WITH", "ALIASES"
    ]  # fmt: skip


def test_the_wheel_ships_the_profiles(tmp_path: Path) -> None:
    # built from a copy: setuptools writes build/ and sqlgen.egg-info next to the source
    source_copy = tmp_path / "source"
    skip = shutil.ignore_patterns("__pycache__", "*.egg-info")
    for part in ("sqlgen", "dialects"):
        shutil.copytree(REPO / part, source_copy / part, ignore=skip)
    for part in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / part, source_copy / part)
    wheels = tmp_path / "wheels"
    pip = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q"]
    subprocess.run(
        [*pip, "-w", str(wheels), str(source_copy)],
        check=True,
        capture_output=True,
    )
    [wheel] = wheels.glob("sqlgen-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in BUILT_IN:
        assert f"sqlgen/dialects/builtin/{name}.toml" in names
    # and every module of the package, so no subpackage is left out of the wheel
    source = {p.relative_to(REPO).as_posix() for p in (REPO / "sqlgen").rglob("*.py")}
    assert source <= names


@pytest.mark.parametrize("dialect", sorted(BUILT_IN))
def test_every_installed_dialect_renders_the_example(example_dir: Path, dialect: str) -> None:
    profile = load_profiles()[dialect]
    if not dialect_available(profile):
        require(f"the {dialect} dialect package (pip install 'sqlgen[{profile.extra}]')")
    workspace = api.open_project(example_dir)
    for direction, spec in (("upgrade", "base:heads"), ("downgrade", "heads:base")):
        request = api.GenerateRequest(direction, spec, [dialect], write=False)  # type: ignore[arg-type]
        text = api.generate(workspace, request).scripts[dialect].text
        assert f"{direction} script for {dialect}" in text
        assert text.count("-- Running ") == 12
