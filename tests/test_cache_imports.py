"""The cache never serves SQL made from an old version of a module the migrations import
from outside the project (issue 16, item 1): an installed application package, a
monorepo sibling on sys.path."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.projects import make_project, revision_source

SQLGEN = [sys.executable, "-m", "sqlgen"]
MIGRATION = """
op.create_table("t", sa.Column("id", sa.Integer, primary_key=True), sa.Column("n", sa.String(W)))
"""


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, Path, dict[str, str]]:
    outside = tmp_path / "site"
    outside.mkdir()
    (outside / "ext_types.py").write_text("WIDTH = 30\n", encoding="utf-8")
    project = make_project(
        tmp_path / "p",
        {
            "0001_t.py": revision_source(
                "f0001", None, MIGRATION, header="from ext_types import WIDTH as W\n"
            )
        },
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("SQLGEN_")}
    env["PYTHONPATH"] = str(outside)
    return project, outside, env


def _render(project: Path, cache: Path, env: dict[str, str]) -> str:
    out = ["-o", str(project / "out"), "--cache-dir", str(cache), "--force"]
    result = subprocess.run(
        [*SQLGEN, "--project", str(project), "upgrade", "base:heads", "-d", "postgresql", *out],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return (project / "out" / "postgresql" / "upgrade-base-f0001.sql").read_text()


@pytest.mark.parametrize("memo", ["kept", "deleted"])
def test_a_changed_module_outside_the_project_is_not_served_from_the_cache(
    setup: tuple[Path, Path, dict[str, str]], tmp_path: Path, memo: str
) -> None:
    project, outside, env = setup
    cache = tmp_path / "cache"
    assert "VARCHAR(30)" in _render(project, cache, env)
    assert "VARCHAR(30)" in _render(project, cache, env)  # warm: served, and still right
    (outside / "ext_types.py").write_text("WIDTH = 99\n", encoding="utf-8")
    if memo == "deleted":
        shutil.rmtree(cache / "runs")  # the run memo: only the step cache is left
    assert "VARCHAR(99)" in _render(project, cache, env)
    assert "VARCHAR(99)" in _render(project, cache, env)


def test_the_record_of_imports_lists_the_outside_module(
    setup: tuple[Path, Path, dict[str, str]], tmp_path: Path
) -> None:
    project, outside, env = setup
    cache = tmp_path / "cache"
    _render(project, cache, env)
    records = list((cache / "imported").glob("*.json"))
    assert records and any(str(outside / "ext_types.py") in r.read_text() for r in records)
