"""`sqlgen heads|history|branches|show` print what `alembic` prints, line for line.

People parse Alembic's output in scripts, so the text form is Alembic's own; --json
is the structured form. Each command runs through both tools on the same project.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from .projects import make_project, revision_source

Cli = Callable[..., Result]

COMMANDS = [
    ["history"],
    ["history", "-v"],
    ["heads"],
    ["heads", "-v"],
    ["branches"],
    ["branches", "-v"],
    ["show", "heads"],
]


def alembic(project: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "alembic", "-c", str(project / "alembic.ini"), *args],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def comparable(command: str, text: str) -> str:
    """Alembic lists the revisions a branch point branches into in set order, which
    varies with the hash seed (sqlgen's is the graph's, always the same): compare them
    sorted, in `Branches into:` lines and in each `branches` block."""
    lines = []
    for line in text.split("\n"):
        if line.startswith("Branches into: "):
            line = "Branches into: " + ", ".join(sorted(line[15:].split(", ")))
        lines.append(line)
    text = "\n".join(lines)
    if command != "branches":
        return text
    blocks = []
    for block in text.split("\n\n"):
        head, *children = block.split("\n")
        if head.startswith("Rev: "):  # -v: the children follow the log entry's blank line
            blocks.append(block)
        elif head.lstrip().startswith("-> "):  # -v: those children
            blocks.append("\n".join(sorted([head, *children])))
        else:
            blocks.append("\n".join([head, *sorted(children)]))
    return "\n\n".join(blocks)


def assert_same_as_alembic(
    cli: Cli, project: Path, args: list[str], alembic_args: list[str] | None = None
) -> str:
    ours = cli("-p", project, *args)
    assert ours.exit_code == 0, ours.output
    theirs = alembic(project, *(alembic_args or args))
    assert comparable(args[0], ours.stdout) == comparable(args[0], theirs), " ".join(args)
    return ours.stdout


# two heads (one only an "effective" head: another revision depends on it), a branch
# label, a merge, a dependency, and a docstring of several paragraphs
SHAPES = {
    "0001_base.py": revision_source("base0001", None, message="create the base"),
    "0002_left.py": revision_source(
        "left0002", "base0001", message="left side", branch_labels=("lefty",)
    ),
    "0003_right.py": revision_source("rght0003", "base0001", message="right side"),
    "0004_merge.py": revision_source("merg0004", ("left0002", "rght0003"), message="merge"),
    "0005_lib.py": revision_source("libr0005", "base0001", message="a library revision"),
    "0006_app.py": revision_source(
        "appl0006",
        "merg0004",
        message="the app\n\nA longer description\nover two lines.",
        depends_on="libr0005",
    ),
}


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_every_shape_prints_as_alembic_prints_it(cli: Cli, tmp_path: Path, args: list[str]) -> None:
    project = make_project(tmp_path, SHAPES)
    text = assert_same_as_alembic(cli, project, args)
    assert text  # not vacuous: every command lists something here


def test_the_shapes_are_there(cli: Cli, tmp_path: Path) -> None:
    """What the comparisons above rely on: each of these forms is printed."""
    project = make_project(tmp_path, SHAPES)
    history = cli("-p", project, "history").stdout.splitlines()
    # Alembic shows a revision's dependencies and the branch label of its branch
    assert "merg0004 (libr0005) -> appl0006 (lefty) (head), the app" in history
    assert "left0002, rght0003 -> merg0004 (lefty) (mergepoint), merge" in history
    assert "base0001 -> left0002 (lefty), left side" in history
    heads = cli("-p", project, "heads").stdout
    assert heads == "libr0005 (effective head)\nappl0006 (lefty) (head)\n"
    assert (
        "    A longer description\n    over two lines.\n"
        in cli("-p", project, "show", "appl").stdout
    )


@pytest.mark.parametrize("args", [*COMMANDS, ["show", "d41c6a8e9b05"]], ids=" ".join)
def test_the_example_prints_as_alembic_prints_it(
    cli: Cli, example_dir: Path, args: list[str]
) -> None:
    assert_same_as_alembic(cli, example_dir, args)


@pytest.mark.parametrize("verbose", [[], ["-v"]], ids=["", "-v"])
def test_a_history_range_prints_as_alembic_prints_it(
    cli: Cli, example_dir: Path, verbose: list[str]
) -> None:
    """sqlgen takes the range as an argument, Alembic as -r; the same lines come out."""
    spec = "5b2e8f0c4a04:7e3c9a0f5b11"
    text = assert_same_as_alembic(
        cli, example_dir, ["history", *verbose, spec], ["history", *verbose, "-r", spec]
    )
    assert "7e3c9a0f5b11" in text and "5b2e8f0c4a04" in text


@pytest.mark.parametrize("args", [["history"], ["branches"], ["heads"]], ids=" ".join)
def test_the_corpus_prints_as_alembic_prints_it(
    cli: Cli, corpus: Callable[[int], Path], args: list[str]
) -> None:
    text = assert_same_as_alembic(cli, corpus(200), args)
    if args == ["history"]:
        assert len(text.splitlines()) == 200


def test_json_stays_the_structured_form(cli: Cli, example_dir: Path) -> None:
    [head] = json.loads(cli("-p", example_dir, "heads", "--json").stdout)
    assert head["revision"] == "c5a1e7b9d312" and head["down_revisions"] == ["7e3c9a0f5b11"]
    assert head["path"] == "migrations/versions/0012_audit_source.py"
    assert head["message"] == "audit events record where they came from"
