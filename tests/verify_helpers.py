"""Running `sqlgen verify --json` from a test, on the engines this machine has."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from click.testing import Result

from sqlgen.verify import mariadb_server, postgres_server
from sqlgen.verify.servers import EngineNotFound

from .conftest import require

Cli = Callable[..., Result]


def need_engine(dialect: str) -> None:
    """Skip (or fail, under SQLGEN_REQUIRE_ENGINES) when the dialect's server is absent."""
    module = {"postgresql": postgres_server, "mariadb": mariadb_server}.get(dialect)
    if module is None:
        return
    try:
        module.locate()  # type: ignore[attr-defined]
    except EngineNotFound as exc:
        require(str(exc))


def verify_outcome(
    cli: Cli, project: Path, dialect: str, *extra: str
) -> tuple[dict[str, object], int]:
    """`verify base:heads -d DIALECT --json EXTRA...`: the dialect's outcome and the exit code."""
    need_engine(dialect)
    result = cli("-p", project, "verify", "base:heads", "-d", dialect, "--json", *extra)
    [outcome] = json.loads(result.stdout)
    return dict(outcome), result.exit_code


def passes(outcome: dict[str, object]) -> None:
    assert outcome["status"] == "passed", outcome["problems"]
