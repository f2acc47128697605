"""The README's commands run as shown, in order, on a copy of examples/shop.

Every ```sh block is run by bash (each must exit 0), in one project folder that is
a git repository whose `origin/main` is the example as committed, so the CI recipe's
`--since origin/main` has something to compare with. A block that cannot run here
(it installs from the registry, needs a server, or is this test suite) is preceded
by an `<!-- illustrative: why -->` comment. No other block may hold a command.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
EXAMPLE = REPO / "examples" / "shop"
BIN = Path(sys.executable).parent

_FENCE = re.compile(r"^```(?P<info>[\w-]*)\n(?P<body>.*?)^```$", re.MULTILINE | re.DOTALL)
_ILLUSTRATIVE = re.compile(r"<!-- illustrative: [^>]+-->\s*$")
# a line that looks like a shell command of this project
_COMMAND = re.compile(r"^\s*(\$ )?(sqlgen|make|pip|alembic|python)(\s|$)")


@dataclass(frozen=True)
class Block:
    info: str
    body: str
    line: int
    illustrative: bool


def blocks(text: str) -> list[Block]:
    found = []
    for match in _FENCE.finditer(text):
        before = text[: match.start()].rstrip("\n")
        last_line = before.rsplit("\n", 1)[-1]
        found.append(
            Block(
                match["info"],
                match["body"],
                text.count("\n", 0, match.start()) + 1,
                bool(_ILLUSTRATIVE.search(last_line)),
            )
        )
    return found


def _git(root: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org"}
    env |= {"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}
    subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    if shutil.which("git") is None or shutil.which("bash") is None:
        pytest.skip("needs git and bash")
    root = tmp_path / "app"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("__pycache__", ".sqlgen-cache"))
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "the example")
    _git(root, "update-ref", "refs/remotes/origin/main", "HEAD")
    return root


def test_every_command_block_is_run_or_marked_illustrative() -> None:
    found = blocks(README.read_text(encoding="utf-8"))
    shell = [b for b in found if b.info == "sh"]
    assert len([b for b in shell if not b.illustrative]) >= 8  # not vacuous
    for block in found:
        if block.info == "sh" or block.illustrative:
            continue
        commands = [line for line in block.body.splitlines() if _COMMAND.match(line)]
        assert not commands, (
            f"README.md:{block.line}: a ```{block.info} block shows commands that no test "
            f"runs: {commands}; make it ```sh or mark it <!-- illustrative: why -->"
        )


def test_the_readme_commands_run_as_shown(project: Path) -> None:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("SQLGEN_CACHE_DIR", None)
    ran = 0
    for block in blocks(README.read_text(encoding="utf-8")):
        if block.info != "sh" or block.illustrative:
            continue
        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", block.body],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, (
            f"README.md:{block.line} exited {done.returncode}:\n{block.body}\n"
            f"--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
        )
        assert "Traceback" not in done.stderr, done.stderr
        ran += 1
    assert ran >= 8
    # what the walk-through says it leaves behind
    assert (project / "output" / "postgresql" / "upgrade-base-c5a1e7b9d312.sql").is_file()
    assert (project / "sql" / "sqlgen.lock").is_file()
    assert (project / "CHG-2291.zip").is_file()
    assert (project / "lint.sarif").read_text(encoding="utf-8").lstrip().startswith("{")


def test_the_quick_start_output_is_what_the_readme_shows(project: Path) -> None:
    """The lines the README quotes as what you get are what you get."""
    text = README.read_text(encoding="utf-8")
    quick = text[text.index("## Quick start") : text.index("## Working on this repository")]
    [command] = [b for b in blocks(quick) if b.info == "sh" and not b.illustrative][:1]
    [printed] = [b for b in blocks(quick) if b.info == "text"]
    [excerpt] = [b for b in blocks(quick) if b.info == "sql"]
    done = subprocess.run(
        [BIN / "sqlgen", *command.body.split()[1:]],
        cwd=project,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout == printed.body
    script = (project / "output" / "postgresql" / "upgrade-base-c5a1e7b9d312.sql").read_text()
    shown = excerpt.body.removesuffix("…\n")
    assert script.startswith(shown)


def test_relative_links_point_to_files() -> None:
    for document in [README, *sorted((REPO / "docs").glob("*.md"))]:
        text = document.read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
            if re.match(r"[a-z]+:", target):
                continue  # a URL
            assert (document.parent / target).exists(), f"{document.name}: {target}"
