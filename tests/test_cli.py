"""The command line: help, versions, graph commands and machine-readable output."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from click.testing import Result

from sqlgen import __version__

Cli = Callable[..., Result]

HEAD = "c5a1e7b9d312"
MERGE = "e83b4f2c6d08"
BRANCH_POINT = "d41c6a8e9b05"


def test_help_lists_every_command(cli: Cli) -> None:
    result = cli("--help")
    assert result.exit_code == 0
    for command in ("upgrade", "downgrade", "history", "heads", "branches", "show"):
        assert command in result.stdout
    assert "Exit codes: 0 success," in result.stdout
    assert "130 interrupted." in result.stdout


def test_ctrl_c_exits_130_with_one_line(cli: Cli, example_dir: Path, monkeypatch: Any) -> None:
    from sqlgen import api

    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(api, "heads", interrupted)
    result = cli("--project", example_dir, "heads")
    assert result.exit_code == 130
    assert result.stderr == "interrupted\n" and result.stdout == ""


def test_version(cli: Cli) -> None:
    result = cli("--version")
    assert result.exit_code == 0 and __version__ in result.stdout


def test_python_dash_m_runs_the_cli(example_dir: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "sqlgen", "--project", str(example_dir), "heads"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{HEAD} (head)\n"  # as `alembic heads` prints it


def test_unknown_command_is_a_usage_error(cli: Cli) -> None:
    result = cli("upgrad")
    assert result.exit_code == 2
    assert "No such command 'upgrad'" in result.stderr


def test_heads_text_and_json(cli: Cli, example_dir: Path) -> None:
    text = cli("-p", example_dir, "heads")
    assert text.exit_code == 0
    assert text.stdout == f"{HEAD} (head)\n"  # as `alembic heads` prints it
    data = json.loads(cli("-p", example_dir, "heads", "--json").stdout)
    assert [d["revision"] for d in data] == [HEAD]
    assert data[0]["path"] == "migrations/versions/0012_audit_source.py"
    assert data[0]["is_head"] is True


def test_history_json_is_newest_first_with_merge_and_branch(cli: Cli, example_dir: Path) -> None:
    data = json.loads(cli("-p", example_dir, "history", "--json").stdout)
    ids = [d["revision"] for d in data]
    assert len(ids) == 12 and ids[0] == HEAD and ids[-1] == "3c1f0a9d2b11"
    merge = data[ids.index(MERGE)]
    assert merge["is_merge_point"] and merge["down_revisions"] == ["2f9a0b7d3e06", "6c0d5e1a8f07"]
    assert data[ids.index(BRANCH_POINT)]["is_branch_point"]


def test_history_range_and_verbose(cli: Cli, example_dir: Path) -> None:
    result = cli("-p", example_dir, "history", f"{MERGE}:{HEAD}")
    assert result.exit_code == 0
    listed = [line.split(" -> ")[1].split()[0].rstrip(",") for line in result.stdout.splitlines()]
    assert listed == [
        HEAD,
        "7e3c9a0f5b11",
        "4a8f1d3c7e10",
        "9d7e2c5b1a09",
        MERGE,
    ]
    verbose = cli("-p", example_dir, "history", "-v", f"{BRANCH_POINT}:{BRANCH_POINT}").stdout
    assert f"Rev: {BRANCH_POINT}" in verbose and "Branches into: " in verbose
    # Alembic's log entry: the file's full path
    assert f"Path: {example_dir / 'migrations/versions/0005_seed_products.py'}" in verbose


def test_branches_and_show(cli: Cli, example_dir: Path) -> None:
    branches = cli("-p", example_dir, "branches", "--json")
    assert [d["revision"] for d in json.loads(branches.stdout)] == [BRANCH_POINT]
    shown = cli("-p", example_dir, "show", MERGE[:6])
    assert shown.exit_code == 0
    assert f"Rev: {MERGE}" in shown.stdout and "Merges: 2f9a0b7d3e06, 6c0d5e1a8f07" in shown.stdout


def test_upgrade_json_summary(cli: Cli, example_dir: Path, tmp_path: Path) -> None:
    result = cli(
        "-p", example_dir, "upgrade", "base:heads", "-d", "sqlite", "-o", tmp_path, "--json"
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["to"] == [HEAD] and len(data["revisions"]) == 12
    assert data["files"] == [str(tmp_path / f"sqlite/upgrade-base-{HEAD}.sql")]
    assert data["failures"] == []


def test_stdout_needs_exactly_one_dialect(cli: Cli, example_dir: Path) -> None:
    result = cli("-p", example_dir, "upgrade", "heads", "-d", "sqlite", "-d", "mysql", "--stdout")
    assert result.exit_code == 2
    assert "--stdout prints one script" in result.stderr


def test_no_dialect_is_a_usage_error(cli: Cli, example_dir: Path) -> None:
    result = cli("-p", example_dir, "upgrade", "heads", "--stdout")
    assert result.exit_code == 2
    assert "no dialect given" in result.stderr


def test_stdout_prints_exactly_the_file_content(
    cli: Cli, example_dir: Path, tmp_path: Path
) -> None:
    printed = cli("-p", example_dir, "downgrade", "heads:base", "-d", "mssql", "--stdout")
    assert printed.exit_code == 0
    assert not tmp_path.joinpath("x").exists()
    cli("-p", example_dir, "downgrade", "heads:base", "-d", "mssql", "-o", tmp_path)
    written = (tmp_path / "mssql" / f"downgrade-{HEAD}-base.sql").read_text()
    assert printed.stdout == written
    assert printed.stdout.startswith("-- Generated by sqlgen")


def test_negative_step_is_a_range_not_an_option(cli: Cli, example_dir: Path) -> None:
    result = cli("-p", example_dir, "downgrade", "-1", "-d", "sqlite", "--stdout")
    assert result.exit_code == 0, result.stderr
    assert f"-- Range: {HEAD} -> 7e3c9a0f5b11, 1 revision(s) (requested: -1)" in result.stdout


def test_failures_as_json(cli: Cli, tmp_path: Path) -> None:
    from .projects import make_project, revision_source

    project = make_project(
        tmp_path / "p",
        {"0001_boom.py": revision_source("boom0001", None, upgrade="raise RuntimeError('no')")},
    )
    result = cli("-p", project, "upgrade", "heads", "-d", "mysql", "-o", tmp_path / "o", "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["files"] == []
    [failure] = data["failures"]
    assert failure["dialect"] == "mysql" and failure["revision"] == "boom0001"
    assert failure["path"].endswith("0001_boom.py") and failure["line"] > 0
    assert failure["reason"] == "failed: RuntimeError: no"
    assert "error: [mysql] revision boom0001" in result.stderr
