"""What a change adds: the revisions whose files are new or changed since a git ref.

    changed = changed_since(workspace, "origin/main")
    changed.revisions   # in the project's file order
    changed.spec        # the upgrade range that runs them, from below them

`git diff --name-only REF` (tracked files changed in the index or the working
tree) and `git ls-files --others --exclude-standard` (new files not added yet)
name the files; git is run as a program, nothing else is read from the repository.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlgen.errors import SqlgenError, UsageError
from sqlgen.project.workspace import Workspace


class GitError(SqlgenError):
    """git is missing, or the project is not in a git repository."""


@dataclass(frozen=True)
class Changed:
    ref: str
    revisions: tuple[str, ...]  # new or changed since `ref`, in the project's file order
    spec: str | None  # the upgrade range covering them; None when there are none


def _git(folder: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            ["git", "-C", str(folder), *args], capture_output=True, check=False, timeout=120
        )
    except FileNotFoundError as exc:
        raise GitError("--since needs git, and no `git` program is on PATH") from exc
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise GitError(f"--since: git could not run: {exc}") from exc


def _names(output: bytes) -> list[str]:
    return [name.decode("utf-8", "surrogateescape") for name in output.split(b"\0") if name]


def changed_files(folder: Path, ref: str) -> set[Path]:
    """Files (resolved) that are new or differ from `ref`, in the repository of `folder`."""
    top = _git(folder, "rev-parse", "--show-toplevel")
    if top.returncode != 0:
        raise GitError(f"--since {ref}: {folder} is not in a git repository")
    root = Path(top.stdout.decode("utf-8", "surrogateescape").strip())
    if (
        ref.startswith("-")
        or _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").returncode
    ):
        raise UsageError(f"--since {ref}: no such git ref (a branch, tag or commit) in {root}")
    diff = _git(root, "diff", "--name-only", "--no-renames", "-z", ref, "--")
    others = _git(root, "ls-files", "--others", "--exclude-standard", "-z")
    for done in (diff, others):
        if done.returncode != 0:
            reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise GitError(f"--since {ref}: git failed: {reason[-1] if reason else 'no output'}")
    return {(root / name).resolve() for name in [*_names(diff.stdout), *_names(others.stdout)]}


def changed_since(workspace: Workspace, ref: str) -> Changed:
    """The revisions whose files are new or changed since `ref`, and the range running them."""
    files = changed_files(workspace.project.root, ref)
    changed = [s.revision for s in workspace.scripts if Path(s.path).resolve() in files]
    revisions = workspace.graph.ordered(changed)
    spec = workspace.graph.covering(revisions) if revisions else None
    return Changed(ref, revisions, spec)
