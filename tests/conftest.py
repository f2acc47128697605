"""Shared fixtures: the example project, synthetic corpora and the CLI runner."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

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
from tests.corpus.generate import source_digest, write_corpus

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "shop"


# what require() found missing: the terminal summary lists it, with the tests it skipped
_MISSING: set[str] = set()


def require(reason: str) -> None:
    """Skip, or fail in CI (SQLGEN_REQUIRE_ENGINES=1), when a test's real part (a database
    engine, a dialect package) is missing here."""
    if os.environ.get("SQLGEN_REQUIRE_ENGINES") == "1":
        pytest.fail(f"required for this run: {reason}")
    _MISSING.add(reason)
    pytest.skip(reason)


# --- the suite writes only under pytest's temporary folders, never into the repository ---

_REPOSITORY_BEFORE = pytest.StashKey[dict[str, tuple[int, int]] | None]()


def _repository_files() -> dict[str, tuple[int, int]] | None:
    """Every file git reports as modified, untracked or ignored (but .venv and
    __pycache__), with its size and modification time; None outside a git work tree."""
    if not (REPO / ".git").exists() or shutil.which("git") is None:
        return None
    listed = subprocess.run(
        ["git", "status", "--porcelain", "-z", "--no-renames", "--ignored",
         "--untracked-files=all", "--", ".", ":!.venv"],
        cwd=REPO, capture_output=True, check=False,
    )  # fmt: skip
    if listed.returncode != 0:
        return None
    state: dict[str, tuple[int, int]] = {}
    for entry in listed.stdout.decode("utf-8", "replace").split("\0"):
        path = entry[3:]
        if not path or "__pycache__/" in path:
            continue
        try:
            stat = (REPO / path).stat()
        except OSError:  # a tracked file deleted
            state[path] = (-1, -1)
        else:
            state[path] = (stat.st_size, stat.st_mtime_ns)
    return state


def pytest_sessionstart(session: pytest.Session) -> None:
    session.stash[_REPOSITORY_BEFORE] = _repository_files()


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Fail the run when it created, changed or deleted a file in the repository."""
    before = session.stash.get(_REPOSITORY_BEFORE, None)
    after = _repository_files()
    if before is None or after is None:
        return
    changed = sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))
    if changed:
        shown = ", ".join(changed[:20]) + (
            f" and {len(changed) - 20} more" if len(changed) > 20 else ""
        )
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.ensure_newline()
            reporter.write_line(f"sqlgen: FAILED: the tests changed the repository: {shown}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One line for what the run could not test here, and why: the absent engines."""
    counts: dict[str, int] = dict.fromkeys(sorted(_MISSING), 0)
    for report in terminalreporter.stats.get("skipped", []):
        longrepr = getattr(report, "longrepr", None)
        message = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        for reason in counts:
            if message.endswith(reason):
                counts[reason] += 1
    if counts:
        missing = "; ".join(f"{reason} ({n} skipped)" for reason, n in counts.items())
        terminalreporter.write_line(f"sqlgen: engines absent here: {missing}")
    elif terminalreporter.stats.get("passed"):
        terminalreporter.write_line("sqlgen: no test skipped for an absent engine")


@pytest.fixture(autouse=True)
def _no_verify_folder_left(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """`sqlgen verify` removes its scratch folder unless told to --keep it: no test may
    leave a sqlgen-verify-* folder in the temp directory. Only the folders this test
    made count (other processes may be verifying beside the suite)."""
    made: list[Path] = []
    mkdtemp = tempfile.mkdtemp

    def recording(*args: Any, **kwargs: Any) -> Any:
        path = mkdtemp(*args, **kwargs)
        if Path(path).name.startswith("sqlgen-verify-"):
            made.append(Path(path))
        return path

    monkeypatch.setattr(tempfile, "mkdtemp", recording)
    yield
    left = [str(path) for path in made if path.exists()]
    assert not left, f"left behind: {', '.join(left)}"


@pytest.fixture(scope="session")
def example_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of examples/shop in the session's temporary folder: what sqlgen writes
    next to a project (its cache, a script index) never lands in the repository."""
    copy = tmp_path_factory.mktemp("example") / "shop"
    skip = shutil.ignore_patterns("__pycache__", ".sqlgen-cache")
    shutil.copytree(EXAMPLE, copy, ignore=skip)
    _SHARED_PROJECTS.append(copy)
    return copy


# the projects tests share (the example's copy, the corpora): _fresh_caches empties their cache
_SHARED_PROJECTS: list[Path] = []


@pytest.fixture(autouse=True)
def _fresh_caches() -> None:
    """Every test starts without a rendering cache in the shared projects, so no test
    is served what an earlier one rendered."""
    for project in _SHARED_PROJECTS:
        shutil.rmtree(project / ".sqlgen-cache", ignore_errors=True)


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Callable[[int], Path]:
    """corpus(n): a synthetic Alembic project of n revisions, built once per session
    in the session's temporary folder (SQLGEN_TEST_CACHE: a folder to reuse instead)."""
    built: dict[int, Path] = {}
    reused = os.environ.get("SQLGEN_TEST_CACHE")
    root = Path(reused) if reused else tmp_path_factory.mktemp("corpus")

    def build(revisions: int) -> Path:
        if revisions not in built:
            # the generator is deterministic: reuse a corpus built by the same generator
            stamp = source_digest()
            target = root / f"r{revisions}"
            marker = target / ".generator-sha256"
            if not marker.exists() or marker.read_text() != stamp:
                shutil.rmtree(target, ignore_errors=True)
                write_corpus(target, revisions)
                marker.write_text(stamp)
            built[revisions] = target
            _SHARED_PROJECTS.append(target)
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
