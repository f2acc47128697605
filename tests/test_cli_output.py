"""What the CLI tells a user about partial results and the forms a command takes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from click.testing import Result

from .projects import make_project, revision_source

Cli = Callable[..., Result]

# renders for every dialect but MySQL, where the migration raises
NOT_ON_MYSQL = {
    "0001_first.py": revision_source(
        "frst0001",
        None,
        upgrade="""
        op.create_table('t', sa.Column('id', sa.Integer(), primary_key=True))
        if op.get_context().dialect.name == 'mysql':
            raise RuntimeError('not on mysql')
        """,
        downgrade="op.drop_table('t')",
    )
}


def test_downgrade_help_shows_the_undo_form(cli: Cli) -> None:
    result = cli("downgrade", "--help")
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())  # as wrapped for the terminal
    assert '"undo A:B"' in text
    assert 'sqlgen downgrade "undo base:heads"' in text


def test_when_a_dialect_fails_the_files_written_for_the_others_are_listed(
    cli: Cli, tmp_path: Path
) -> None:
    project = make_project(tmp_path / "p", NOT_ON_MYSQL)
    out = tmp_path / "out"
    args = ["-p", project, "upgrade", "base:heads", "-d", "postgresql", "-d", "mysql"]
    for attempt in ("rendered", "remembered"):  # the second run replays the memo
        result = cli(*args, "-d", "sqlite", "-o", out)
        assert result.exit_code == 1, attempt
        assert result.stdout.splitlines() == [
            f"wrote {out / 'postgresql' / 'upgrade-base-frst0001.sql'}",
            f"wrote {out / 'sqlite' / 'upgrade-base-frst0001.sql'}",
        ], attempt
        assert "nothing written for: mysql" in result.stderr
        assert (out / "postgresql" / "upgrade-base-frst0001.sql").is_file()
    as_json = cli(*args, "-o", tmp_path / "json", "--json")
    assert as_json.exit_code == 1
    assert json.loads(as_json.stdout)["files"] == [
        str(tmp_path / "json" / "postgresql" / "upgrade-base-frst0001.sql")
    ]
