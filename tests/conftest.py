"""Shared fixtures: the example project, synthetic corpora and the CLI runner."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from sqlgen.cli import main
from sqlgen.verify import mariadb_server
from sqlgen.verify.mariadb_server import MariaDBNotFound, MariaDBServer
from sqlgen.verify.postgres_server import (
    Installation,
    PostgresNotFound,
    PostgresServer,
    locate,
    throwaway_server,
)

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "shop"
CORPUS_SCRIPT = Path(
    os.environ.get("SQLGEN_CORPUS_SCRIPT", REPO.parent / "shared" / "corpus" / "make_corpus.py")
)


def require(reason: str) -> None:
    """Skip, or fail in CI (SQLGEN_REQUIRE_ENGINES=1), when a test's real part is missing."""
    if os.environ.get("SQLGEN_REQUIRE_ENGINES") == "1":
        pytest.fail(f"required for this run: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def example_dir() -> Path:
    return EXAMPLE


@pytest.fixture(scope="session")
def corpus() -> Callable[[int], Path]:
    """corpus(n): a synthetic Alembic project of n revisions, built once per session."""
    built: dict[int, Path] = {}
    root = Path(os.environ.get("SQLGEN_TEST_CACHE", REPO / ".cache" / "corpus"))

    def build(revisions: int) -> Path:
        if revisions not in built:
            if not CORPUS_SCRIPT.is_file():
                require(f"the corpus generator {CORPUS_SCRIPT}")
            # the generator is deterministic: reuse a corpus built by the same generator
            stamp = hashlib.sha256(CORPUS_SCRIPT.read_bytes()).hexdigest()
            target = root / f"r{revisions}"
            marker = target / ".generator-sha256"
            if not marker.exists() or marker.read_text() != stamp:
                shutil.rmtree(target, ignore_errors=True)
                subprocess.run(
                    [
                        sys.executable,
                        str(CORPUS_SCRIPT),
                        str(target),
                        "--revisions",
                        str(revisions),
                    ],
                    check=True,
                )
                marker.write_text(stamp)
            built[revisions] = target
        return built[revisions]

    return build


@pytest.fixture
def cli() -> Callable[..., Result]:
    """cli(*args): run sqlgen in-process with click's CliRunner."""

    def run(*args: str | Path) -> Result:
        return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)

    return run


# --- a real PostgreSQL server, shared by the session ---


@pytest.fixture(scope="session")
def pg_installation() -> Installation:
    try:
        return locate()
    except PostgresNotFound as exc:
        require(str(exc))
        raise  # not reached: require() skips or fails


@pytest.fixture(scope="session")
def postgres_server(pg_installation: Installation) -> Iterator[PostgresServer]:
    """One throwaway PostgreSQL server for the session."""
    with throwaway_server(pg_installation) as server:
        yield server


@pytest.fixture
def new_database(postgres_server: PostgresServer) -> Iterator[Callable[[], str]]:
    """new_database(): the name of a fresh, empty database, dropped after the test."""
    made: list[str] = []

    def make() -> str:
        made.append(postgres_server.create_database())
        return made[-1]

    yield make
    for name in made:
        postgres_server.drop_database(name)


@pytest.fixture(scope="module")
def maria_server() -> Iterator[MariaDBServer]:
    """A throwaway MariaDB server for the module's tests."""
    try:
        installation = mariadb_server.locate()
    except MariaDBNotFound as exc:
        require(str(exc))
        raise  # not reached: require() skips or fails
    with mariadb_server.throwaway_server(installation) as server:
        yield server
