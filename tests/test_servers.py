"""The throwaway PostgreSQL and MariaDB servers `sqlgen verify` applies scripts to.

Each engine gets one shared server for the tests that only use it; the tests about
starting and stopping make their own. When an engine's programs are missing its tests
skip (or fail, with SQLGEN_REQUIRE_ENGINES=1).
"""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import sqlalchemy as sa

from sqlgen.verify import mariadb_server, postgres_server, servers
from sqlgen.verify.servers import EngineNotFound, ServerStartError, process_alive
from sqlgen.verify.throwaway import ServerFactory, ThrowawayServer
from tests.conftest import require

ENGINES: dict[str, ModuleType] = {"postgresql": postgres_server, "mariadb": mariadb_server}


def _installation(engine: str) -> Any:
    try:
        return ENGINES[engine].locate()
    except EngineNotFound as exc:
        require(str(exc))
        raise  # not reached: require() skips or fails


@pytest.fixture(scope="module", params=sorted(ENGINES))
def engine(request: pytest.FixtureRequest) -> str:
    """Each test runs once per engine (and only if the engine is installed)."""
    name: str = request.param
    _installation(name)
    return name


@pytest.fixture(scope="module")
def server(engine: str) -> Iterator[ThrowawayServer]:
    """One server per engine for this module."""
    module = ENGINES[engine]
    with module.throwaway_server(_installation(engine)) as running:
        yield running


@pytest.fixture
def start(engine: str) -> Callable[..., Any]:
    """start(**options): a new throwaway_server() context manager for the engine."""
    module, installation = ENGINES[engine], _installation(engine)
    return lambda **options: module.throwaway_server(installation, **options)


def _accepts_connections(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


# --- using a server through SQLAlchemy, as `sqlgen verify` does ----------------------


def test_sqlalchemy_round_trip(server: ThrowawayServer) -> None:
    db = server.create_database()
    engine = sa.create_engine(server.url(db))
    try:
        with engine.begin() as conn:
            conn.execute(
                sa.text("CREATE TABLE greeting (id INTEGER PRIMARY KEY, word VARCHAR(20))")
            )
            conn.execute(
                sa.text("INSERT INTO greeting (id, word) VALUES (1, :word)"), {"word": "grüß dich"}
            )
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT id, word FROM greeting")).all()
        assert [tuple(row) for row in rows] == [(1, "grüß dich")]
    finally:
        engine.dispose()  # close pooled connections: PostgreSQL won't drop a database in use

    server.drop_database(db)
    gone = sa.create_engine(server.url(db))
    try:
        with pytest.raises(sa.exc.OperationalError), gone.connect():
            pass
    finally:
        gone.dispose()
    server.drop_database(db)  # dropping what is not there is not an error


def test_each_database_is_new_and_separate(server: ThrowawayServer) -> None:
    first, second = server.create_database(), server.create_database()
    assert first != second
    engines = [sa.create_engine(server.url(db)) for db in (first, second)]
    try:
        with engines[0].begin() as conn:
            conn.execute(sa.text("CREATE TABLE only_here (id INTEGER)"))
        assert sa.inspect(engines[0]).get_table_names() == ["only_here"]
        assert sa.inspect(engines[1]).get_table_names() == []
    finally:
        for engine in engines:
            engine.dispose()
        server.drop_database(first)
        server.drop_database(second)


def test_database_names_are_quoted_in_the_engines_way(server: ThrowawayServer) -> None:
    """create_database and drop_database quote the name with the engine's identifier
    quote (doubled inside the name), so any name works, and nothing else is dropped."""
    other = server.create_database()
    odd = 'odd "name` -- here'
    assert server.create_database(odd) == odd
    try:
        assert server.query(odd, "SELECT 1") == [(1,)]
    finally:
        server.drop_database(odd)
    with pytest.raises(Exception, match="odd"):
        server.query(odd, "SELECT 1")
    assert server.query(other, "SELECT 1") == [(1,)]
    server.drop_database(other)


def test_url_names_the_driver(server: ThrowawayServer, engine: str) -> None:
    url = sa.make_url(server.url("some_db"))
    expected = {
        "postgresql": ("postgresql+psycopg", "postgres"),
        "mariadb": ("mysql+pymysql", "root"),
    }
    assert (url.drivername, url.username) == expected[engine]
    assert (url.host, url.database, url.password) == ("127.0.0.1", "some_db", None)
    assert url.port is not None and _accepts_connections(url.port)


def test_both_engines_offer_the_interface() -> None:
    # what mypy checks (PostgresServer and MariaDBServer are ThrowawayServers)...
    factories: list[ServerFactory] = [
        postgres_server.throwaway_server,
        mariadb_server.throwaway_server,
    ]
    # ...and a reminder at run time
    assert all(callable(factory) for factory in factories)
    for cls in (postgres_server.PostgresServer, mariadb_server.MariaDBServer):
        assert all(
            callable(getattr(cls, name)) for name in ("url", "create_database", "drop_database")
        )


# --- starting and stopping -----------------------------------------------------------


class _Boom(Exception):
    pass


@pytest.mark.parametrize("ending", ["normal", "exception", "keyboard-interrupt"])
def test_the_server_is_stopped_and_deleted(start: Callable[..., Any], ending: str) -> None:
    seen: dict[str, Any] = {}

    def use(running: Any) -> None:
        seen.update(pid=running.pid, root=running.root, port=running.port)
        assert seen["pid"] is not None and process_alive(seen["pid"])
        assert seen["root"].is_dir()
        db = running.create_database()
        assert running.query(db, "SELECT 1") == [(1,)]
        if ending == "exception":
            raise _Boom
        if ending == "keyboard-interrupt":
            raise KeyboardInterrupt

    raised = {"normal": None, "exception": _Boom, "keyboard-interrupt": KeyboardInterrupt}[ending]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # cleaning up must not even warn
        if raised is None:
            with start() as running:
                use(running)
        else:
            with pytest.raises(raised), start() as running:
                use(running)

    assert not process_alive(seen["pid"])
    assert not seen["root"].exists()
    assert not _accepts_connections(seen["port"])


def test_a_taken_port_is_detected_and_retried(
    start: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between picking a free port and the server binding it, someone else may take it."""
    real_free_port = servers.free_port
    offered: list[int] = []

    def free_port(host: str = servers.LOOPBACK) -> int:
        offered.append(real_free_port(host) if offered else taken)
        return offered[-1]

    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken = squatter.getsockname()[1]
        monkeypatch.setattr(servers, "free_port", free_port)
        with pytest.raises(ServerStartError) as caught, start(port_attempts=1):
            pytest.fail("the server should not have started")
        assert caught.value.port_in_use, caught.value
        assert offered == [taken]

        offered.clear()
        with start() as running:
            assert offered[0] == taken and running.port == offered[1] != taken
            db = running.create_database()
            assert running.query(db, "SELECT 1") == [(1,)]


def test_a_failed_start_reports_the_log_and_cleans_up(monkeypatch: pytest.MonkeyPatch) -> None:
    installation = _installation("mariadb")
    made: list[Path] = []
    real_mkdtemp = tempfile.mkdtemp

    def mkdtemp(*args: Any, **kwargs: Any) -> str:
        made.append(Path(real_mkdtemp(*args, **kwargs)))
        return str(made[-1])

    monkeypatch.setattr(tempfile, "mkdtemp", mkdtemp)
    with (
        pytest.raises(mariadb_server.MariaDBStartError, match="unknown option") as caught,
        mariadb_server.throwaway_server(installation, options=["--no-such-option"]),
    ):
        pytest.fail("the server should not have started")
    assert "--- server log ---" in str(caught.value)
    assert not caught.value.port_in_use
    assert len(made) == 1 and not made[0].exists()


def test_mariadb_client_runs_files_and_stops_on_errors(tmp_path: Path) -> None:
    installation = _installation("mariadb")
    if installation.client is None:
        require("the mariadb command-line client")
    script = tmp_path / "script.sql"
    with mariadb_server.throwaway_server(installation) as running:
        db = running.create_database()
        script.write_text("CREATE TABLE t (id INT);\nINSERT INTO t VALUES (1);\n")
        running.run_sql_file(db, script)
        script.write_text("INSERT INTO t VALUES (2);\nSELEC 1;\nINSERT INTO t VALUES (3);\n")
        with pytest.raises(mariadb_server.MariaDBClientError, match="at line 2") as caught:
            running.run_sql_file(db, script)
        assert caught.value.returncode == 1
        assert running.query(db, "SELECT id FROM t ORDER BY id") == [(1,), (2,)]


# --- finding the programs ------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(ENGINES))
def test_locate_reports_missing_programs(name: str, tmp_path: Path) -> None:
    module = ENGINES[name]
    with pytest.raises(EngineNotFound, match="not found"):
        module.locate(bindir=tmp_path)


def test_locate_mariadb_names_what_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "mariadbd"
    fake.write_text("#!/bin/sh\necho 'mariadbd  Ver 10.11.0-MariaDB'\n")
    fake.chmod(0o755)
    with pytest.raises(mariadb_server.MariaDBNotFound, match=r"\(mariadb-install-db\) not found"):
        mariadb_server.locate(bindir=tmp_path)
    # PATH first, then the usual directories: with neither, nothing is found
    monkeypatch.setattr(mariadb_server, "SEARCH_DIRS", ())
    with pytest.raises(mariadb_server.MariaDBNotFound, match="not found in PATH"):
        mariadb_server.locate(path=str(tmp_path / "empty"))


# --- the shared helpers --------------------------------------------------------------


def test_process_alive_counts_zombies_as_dead() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        deadline = time.monotonic() + 30
        while process_alive(child.pid) and time.monotonic() < deadline:
            time.sleep(0.02)
        # it has exited but is not reaped yet: a zombie, which still exists
        assert not process_alive(child.pid)
        assert Path(f"/proc/{child.pid}").exists() or not Path("/proc/self").exists()
    finally:
        child.wait()
    assert not process_alive(child.pid)


def test_cleaned_up_warns_only_while_another_exception_propagates(tmp_path: Path) -> None:
    def stop() -> None:
        raise OSError("cannot stop")

    with (
        pytest.raises(_Boom),
        pytest.warns(UserWarning, match="cannot stop"),
        servers.cleaned_up(stop, tmp_path),
    ):
        raise _Boom
    with pytest.raises(OSError, match="cannot stop"), servers.cleaned_up(stop, tmp_path):
        pass
    assert tmp_path.exists()  # not deleted while the server may still be running


def test_free_port_can_be_bound() -> None:
    port = servers.free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))
