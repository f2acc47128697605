"""On a 500-revision synthetic corpus, sqlgen's graph answers are Alembic's."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from click.testing import Result

Cli = Callable[..., Result]


@pytest.fixture(scope="module")
def corpus500(corpus: Callable[[int], Path]) -> Path:
    return corpus(500)


@pytest.fixture(scope="module")
def alembic_scripts(corpus500: Path) -> ScriptDirectory:
    return ScriptDirectory.from_config(Config(str(corpus500 / "alembic.ini")))


def test_heads_match_alembic(cli: Cli, corpus500: Path, alembic_scripts: ScriptDirectory) -> None:
    result = cli("-p", corpus500, "heads", "--json")
    assert result.exit_code == 0, result.stderr
    assert [h["revision"] for h in json.loads(result.stdout)] == alembic_scripts.get_heads()


def test_history_matches_alembic(
    cli: Cli, corpus500: Path, alembic_scripts: ScriptDirectory
) -> None:
    result = cli("-p", corpus500, "history", "--json")
    history = json.loads(result.stdout)
    expected = list(alembic_scripts.walk_revisions())
    assert len(history) == len(expected) == 500
    assert [h["revision"] for h in history] == [s.revision for s in expected]
    for mine, theirs in zip(history, expected, strict=True):
        assert tuple(mine["down_revisions"]) == theirs._versioned_down_revisions
        assert mine["message"] == theirs.doc
        assert mine["is_merge_point"] == theirs.is_merge_point
    assert sum(h["is_merge_point"] for h in history) >= 4  # the corpus merges every 100


def test_history_range_matches_alembic(
    cli: Cli, corpus500: Path, alembic_scripts: ScriptDirectory
) -> None:
    walked = list(alembic_scripts.walk_revisions())
    upper, lower = walked[10].revision, walked[260].revision
    result = cli("-p", corpus500, "history", f"{lower}:{upper}", "--json")
    expected = alembic_scripts.walk_revisions(base=lower, head=upper)
    assert [h["revision"] for h in json.loads(result.stdout)] == [s.revision for s in expected]


def test_branch_points_match_alembic(
    cli: Cli, corpus500: Path, alembic_scripts: ScriptDirectory
) -> None:
    result = cli("-p", corpus500, "branches", "--json")
    expected = [s.revision for s in alembic_scripts.walk_revisions() if s.is_branch_point]
    assert [b["revision"] for b in json.loads(result.stdout)] == expected
    assert len(expected) >= 4
