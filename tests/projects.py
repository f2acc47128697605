"""Building small Alembic-format projects on disk for tests."""

from __future__ import annotations

import textwrap
from pathlib import Path


def revision_source(
    rev: str,
    down: str | tuple[str, ...] | None,
    upgrade: str = "pass",
    downgrade: str = "pass",
    message: str | None = None,
    header: str = "",
    branch_labels: object = None,
    depends_on: object = None,
) -> str:
    """The text of one revision file, as `alembic revision` would write it."""
    body_up = textwrap.indent(textwrap.dedent(upgrade).strip(), "    ")
    body_down = textwrap.indent(textwrap.dedent(downgrade).strip(), "    ")
    return (
        f'"""{message or "revision " + rev}\n\nRevision ID: {rev}\n"""\n'
        "import sqlalchemy as sa\nfrom alembic import op\n"
        f"{textwrap.dedent(header)}\n"
        f"revision = {rev!r}\ndown_revision = {down!r}\n"
        f"branch_labels = {branch_labels!r}\ndepends_on = {depends_on!r}\n\n\n"
        f"def upgrade():\n{body_up}\n\n\ndef downgrade():\n{body_down}\n"
    )


def make_project(
    root: Path,
    revisions: dict[str, str],
    config: str | None = "alembic.ini",
    folder: str = "migrations",
) -> Path:
    """A project at `root` with `revisions` (file name -> source) under folder/versions.

    config: "alembic.ini", "pyproject", "sqlgen.toml" or None (write no config file).
    """
    versions = root / folder / "versions"
    versions.mkdir(parents=True, exist_ok=True)
    for name, source in revisions.items():
        (versions / name).write_text(source, encoding="utf-8")
    if config == "alembic.ini":
        (root / "alembic.ini").write_text(
            f"[alembic]\nscript_location = %(here)s/{folder}\n", encoding="utf-8"
        )
    elif config == "pyproject":
        (root / "pyproject.toml").write_text(
            f'[tool.sqlgen]\nscript_location = "{folder}"\n', encoding="utf-8"
        )
    elif config == "sqlgen.toml":
        (root / "sqlgen.toml").write_text(f'script_location = "{folder}"\n', encoding="utf-8")
    return root


def linear(count: int, prefix: str = "a") -> dict[str, str]:
    """`count` revisions in a line: ids aaaa0001, aaaa0002, ... (prefix repeated)."""
    files = {}
    down = None
    for i in range(1, count + 1):
        rev = f"{prefix * 4}{i:04d}"
        files[f"{i:04d}_{rev}.py"] = revision_source(rev, down)
        down = rev
    return files


def line_of(path: Path, needle: str) -> int:
    """The 1-based number of the first line of `path` containing `needle`."""
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in text:
            return number
    raise AssertionError(f"{needle!r} not in {path}")
