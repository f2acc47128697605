"""One option set: every command that renders takes the same rendering options.

The names below are written out here, not read from sqlgen.cli, so that dropping
an option from the shared definition fails this test too.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import click
import pytest
from click.testing import Result

from sqlgen.cli import main

from .projects import make_project, revision_source

Cli = Callable[..., Result]

RENDERING_COMMANDS = {
    "upgrade",
    "downgrade",
    "lint",
    "bundle",
    "verify",
    "check",
    "schema",
    "regenerate",
}
SHARED = {
    "--dialect",
    "--all-dialects",
    "--data-reads",
    "--overrides",
    "--source-dialect",
    "--server-version",
    "--no-cache",
    "--cache-dir",
    "--no-env-py",
    "-x",
}


def _commands(group: click.Group) -> dict[str, click.Command]:
    found: dict[str, click.Command] = {}
    for name, command in group.commands.items():
        found[name] = command
        if isinstance(command, click.Group):
            found |= {f"{name} {sub}": c for sub, c in _commands(command).items()}
    return found


def _names(command: click.Command) -> set[str]:
    return {
        name
        for param in command.params
        if isinstance(param, click.Option)
        for name in (*param.opts, *param.secondary_opts)
    }


def test_every_rendering_command_takes_every_shared_option() -> None:
    commands = _commands(main)
    assert set(commands) >= RENDERING_COMMANDS
    missing = {
        name: sorted(SHARED - _names(commands[name]))
        for name in sorted(RENDERING_COMMANDS)
        if SHARED - _names(commands[name])
    }
    assert missing == {}


def test_the_shared_options_are_one_definition() -> None:
    # the same help, type and metavar wherever they appear
    commands = _commands(main)
    seen: dict[str, tuple[object, ...]] = {}
    for name in sorted(RENDERING_COMMANDS):
        for param in commands[name].params:
            if not isinstance(param, click.Option) or not set(param.opts) & SHARED:
                continue
            shape = (param.name, param.help, repr(param.type), param.metavar, param.multiple)
            key = sorted(set(param.opts) & SHARED)[0]
            assert seen.setdefault(key, shape) == shape, (name, key)
    assert set(seen) == SHARED


def test_every_command_has_json() -> None:
    lacking = sorted(name for name, c in _commands(main).items() if "--json" not in _names(c))
    assert lacking == []


def test_o_is_always_a_folder() -> None:
    for name, command in _commands(main).items():
        for param in command.params:
            if isinstance(param, click.Option) and "-o" in param.opts:
                assert isinstance(param.type, click.Path), name
                assert param.type.file_okay is False, name


READS = """
    rows = op.get_bind().execute(sa.text("SELECT id FROM t")).fetchall()
    for (id_,) in rows:
        op.execute(f"UPDATE t SET n = {id_}")
"""


@pytest.fixture
def reading(tmp_path: Path) -> Path:
    """A project whose second revision reads data: fails unless --data-reads empty."""
    create = "op.create_table('t', sa.Column('id', sa.Integer, primary_key=True), " + (
        "sa.Column('n', sa.Integer))"
    )
    return make_project(
        tmp_path / "proj",
        {
            "r1.py": revision_source("r1", None, create, "op.drop_table('t')"),
            "r2.py": revision_source("r2", "r1", READS, "op.execute('UPDATE t SET n = NULL')"),
        },
    )


def test_lint_and_bundle_accept_data_reads(reading: Path, cli: Cli, tmp_path: Path) -> None:
    failing = cli("-p", reading, "lint", "base:heads", "-d", "postgresql")
    assert failing.exit_code == 1 and "--data-reads" in failing.stderr
    linted = cli("-p", reading, "lint", "base:heads", "-d", "postgresql", "--data-reads", "empty")
    assert "Traceback" not in linted.output
    assert linted.exit_code in (0, 1) and "--data-reads" not in linted.stderr, linted.stderr
    bundled = cli(
        "-p", reading, "bundle", "base:heads", "-d", "postgresql", "--data-reads", "empty",
        "-o", tmp_path / "ticket", "--json",
    )  # fmt: skip
    assert bundled.exit_code == 0, bundled.stderr
    report = json.loads(bundled.stdout)
    assert report["archive"] == str(tmp_path / "ticket.zip")
    assert str(tmp_path / "ticket" / "REVIEW.md") in report["files"]


def test_the_env_variable_works_for_lint_too(
    reading: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SQLGEN_DATA_READS", "empty")
    linted = cli("-p", reading, "lint", "base:heads", "-d", "postgresql")
    assert "--data-reads" not in linted.stderr, linted.stderr


def test_server_version_is_a_setting_like_the_others(
    example_dir: Path, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = ("-p", example_dir, "upgrade", "base:heads", "-d", "mssql", "--no-cache")
    given = cli(*args, "-o", tmp_path / "given", "--server-version", "13")
    assert given.exit_code == 0, given.stderr
    monkeypatch.setenv("SQLGEN_SERVER_VERSION", "13")
    from_env = cli(*args, "-o", tmp_path / "env")
    assert from_env.exit_code == 0, from_env.stderr
    manifest = json.loads((tmp_path / "env" / "manifest.json").read_text())
    assert manifest["upgrade"]["options"]["server_version"] == "13"
    for sql in (tmp_path / "given").rglob("*.sql"):
        assert (
            sql.read_bytes()
            == (tmp_path / "env" / sql.relative_to(tmp_path / "given")).read_bytes()
        )


def test_x_and_no_env_py_after_the_command(example_dir: Path, cli: Cli, tmp_path: Path) -> None:
    before = cli("-p", example_dir, "--no-env-py", "-x", "a=1", "upgrade", "base:heads",
                 "-d", "sqlite", "-o", tmp_path / "before", "--no-cache")  # fmt: skip
    after = cli("-p", example_dir, "upgrade", "base:heads", "-d", "sqlite", "--no-env-py",
                "-x", "a=1", "-o", tmp_path / "after", "--no-cache")  # fmt: skip
    assert before.exit_code == after.exit_code == 0, after.stderr
    assert (tmp_path / "before" / "manifest.json").read_text() == (
        tmp_path / "after" / "manifest.json"
    ).read_text()


def test_schema_o_is_a_folder_and_file_is_a_file(
    example_dir: Path, cli: Cli, tmp_path: Path
) -> None:
    printed = cli("-p", example_dir, "schema", "-d", "sqlite")
    assert printed.exit_code == 0, printed.stderr
    folder = tmp_path / "schemas"
    written = cli("-p", example_dir, "schema", "-d", "sqlite", "-d", "postgresql", "-o", folder)
    assert written.exit_code == 0, written.stderr
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.sql"))
    assert files == ["postgresql/schema-c5a1e7b9d312.sql", "sqlite/schema-c5a1e7b9d312.sql"]
    assert (folder / files[1]).read_text() == printed.stdout
    single = tmp_path / "one.sql"
    assert cli("-p", example_dir, "schema", "-d", "sqlite", "--file", single).exit_code == 0
    assert single.read_text() == printed.stdout
    as_json = cli("-p", example_dir, "schema", "-d", "sqlite", "--json")
    assert json.loads(as_json.stdout) == [
        {"dialect": "sqlite", "at": ["c5a1e7b9d312"], "path": None, "sql": printed.stdout}
    ]
    several = cli("-p", example_dir, "schema", "-d", "sqlite", "-d", "mysql")
    assert several.exit_code == 2 and "-o" in several.stderr


def test_approve_has_json(example_dir: Path, cli: Cli, tmp_path: Path) -> None:
    project = tmp_path / "shop"
    shutil.copytree(example_dir, project, ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp_path / "out"
    assert cli("-p", project, "upgrade", "base:heads", "-d", "sqlite", "-o", out).exit_code == 0
    approved = cli("-p", project, "approve", "--by", "Dana", "-o", out, "--json")
    assert approved.exit_code == 0, approved.stderr
    [entry] = json.loads(approved.stdout)
    assert entry["path"] == "sqlite/upgrade-base-c5a1e7b9d312.sql" and entry["by"] == "Dana"


def test_lint_json_is_format_json(example_dir: Path, cli: Cli) -> None:
    args = ("-p", example_dir, "lint", "e83b4f2c6d08:heads", "-d", "postgresql")
    assert cli(*args, "--json").stdout == cli(*args, "--format", "json").stdout
    assert cli(*args, "--json", "--format", "sarif").exit_code == 2
