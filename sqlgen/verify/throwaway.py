"""The throwaway database server, whatever its engine: what differs between PostgreSQL
and MariaDB is data, a `ServerEngine` each engine module declares.

    with postgres_server.throwaway_server() as server:   # POSTGRESQL.throwaway_server()
        db = server.create_database()
        server.run_sql_file(db, Path("upgrade.sql"))      # the engine's client; stops on an error
        rows = server.query(db, "SELECT version_num FROM alembic_version")
        engine = sqlalchemy.create_engine(server.url(db))

A server lives in a new temporary directory: the engine's init program creates its data
directory there, then the server starts (`ServerEngine.process`, see `server_processes`)
listening on 127.0.0.1 at a free port and on a socket in that directory. It trusts every
local connection and trades durability for speed: it is for tests only, never for data
that matters. Leaving the `with` block, normally or by an exception (KeyboardInterrupt
included), stops the server and removes its directory.

Only the standard library is needed to start a server and run its client; connecting
(`connect`, `query`, `execute`, `create_database`, `drop_database`) imports the
engine's driver (psycopg, pymysql).
"""

from __future__ import annotations

import contextlib
import importlib
import itertools
import subprocess
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlgen.verify.server_processes import ServerProcess
from sqlgen.verify.servers import (
    LOOPBACK,
    Argv,
    EngineNotFound,
    ScriptError,
    ServerStartError,
    clean_env,
    cleaned_up,
    file_size,
    log_tail,
    make_temp_dir,
    run_as,
    start_on_free_port,
)

__all__ = [
    "Connection",
    "DatabaseStatements",
    "EngineErrors",
    "InitCommand",
    "Installation",
    "ServerEngine",
    "ServerFactory",
    "SqlClient",
    "ThrowawayServer",
]


@dataclass(frozen=True)
class Installation:
    """The programs an engine's `locate()` found, and the OS user to run the server as
    (None: us)."""

    init: Path  # creates a data directory: initdb, mariadb-install-db
    server: Path  # starts the server: pg_ctl, mariadbd
    version: str  # what the server program states: "15" (PostgreSQL's major), "10.11.6-MariaDB"
    client: Path | None = None  # runs SQL files (run_sql_file): psql, mariadb
    os_user: str | None = None


@dataclass(frozen=True)
class EngineErrors:
    """What an engine raises; each also a `servers` error (EngineNotFound...)."""

    not_found: type[EngineNotFound]  # a program or OS user is missing (skip, don't fail)
    start: type[ServerStartError]  # init or start failed
    script: Callable[[Path, int, str], ScriptError]  # (file, exit status, stderr)


@dataclass(frozen=True)
class InitCommand:
    """The program that creates the server's data directory: initdb, mariadb-install-db."""

    argv: Callable[[ThrowawayServer], Argv]
    timeout: float
    reports_on_stdout: bool = False  # a failure is explained on stdout too, not only stderr


@dataclass(frozen=True)
class Connection:
    """How a client reaches the server: every account is passwordless."""

    url_scheme: str  # SQLAlchemy's dialect+driver
    driver: str  # the DB-API module `ThrowawayServer.connect` imports
    superuser: str
    admin_database: str | None = None  # connected to when no database is named
    database_keyword: str = "database"  # the driver's connect() argument naming it
    options: Mapping[str, Any] = field(default_factory=dict)  # more connect() arguments


@dataclass(frozen=True)
class DatabaseStatements:
    """CREATE and DROP DATABASE in the engine's SQL, "{name}" standing for the quoted name."""

    identifier_quote: str
    create: str
    drop: str  # does nothing when the database does not exist


@dataclass(frozen=True)
class SqlClient:
    """The command-line client that runs SQL files (`ThrowawayServer.run_sql_file`),
    stopping at the first error."""

    program: str  # its name, for messages
    args: Callable[[ThrowawayServer, str, Path], Argv]  # (server, database, file)
    env: Mapping[str, str] = field(default_factory=dict)  # added to its environment
    reads_stdin: bool = False  # the file goes to its stdin (else `args` names it)


@dataclass(frozen=True, eq=False)
class ServerEngine:
    """What makes a throwaway server a PostgreSQL or a MariaDB one.

    The commands are functions of the server that build a command line (its directory,
    port and installation decide the arguments); the server's own run as its owner.
    """

    label: str  # for messages: "PostgreSQL"
    locate: Callable[[], Installation]  # finds the programs, or raises errors.not_found
    errors: EngineErrors
    temp_prefix: str  # of the server's temporary directory
    env_prefixes: tuple[str, ...]  # variables (PGHOST, MYSQL_PWD...) its programs never see
    log_name: str  # the server's log, in its directory
    init: InitCommand
    process: ServerProcess  # how the server is started and stopped
    port_in_use: tuple[str, ...]  # what its log says when another process had the port
    connection: Connection
    databases: DatabaseStatements
    client: SqlClient

    @contextlib.contextmanager
    def throwaway_server(
        self,
        installation: Installation | None = None,
        *,
        start_timeout: float = 60,
        port_attempts: int = 3,
        options: Sequence[str] = (),
    ) -> Iterator[ThrowawayServer]:
        """Start a fresh server in a new temporary directory; stop it and delete it on exit.

        `options` are extra server options (e.g. MariaDB's "--sql-mode=ANSI_QUOTES"). The
        free port is picked before the server binds it, so another process can win the
        race: the start is retried on a new port up to `port_attempts` times.
        """
        installation = installation or self.locate()
        root = make_temp_dir(self.temp_prefix, installation.os_user)
        server = ThrowawayServer(self, installation, root)
        with cleaned_up(server.stop, server.root):
            server._initialise()

            def start(port: int) -> None:
                server._start(port, start_timeout, options)

            start_on_free_port(start, host=server.host, attempts=port_attempts)
            yield server


# what each engine module's `throwaway_server` is, called with no arguments
ServerFactory = Callable[[], contextlib.AbstractContextManager["ThrowawayServer"]]


@dataclass
class ThrowawayServer:
    """A running throwaway server. Make one with `ServerEngine.throwaway_server()`."""

    engine: ServerEngine
    installation: Installation
    root: Path  # the temporary directory: data/, the log, the socket
    port: int = 0
    host: str = LOOPBACK
    # the server's process when it runs as our child (server_processes.ForegroundChild)
    child: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    _names: Iterator[int] = field(default_factory=lambda: itertools.count(1), repr=False)

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def log_path(self) -> Path:
        return self.root / self.engine.log_name

    @property
    def pid(self) -> int | None:
        """The server's process id while it runs."""
        return self.engine.process.pid(self)

    def log_tail(self, lines: int = 30, *, since: int = 0) -> str:
        """The last `lines` lines of the server log, from byte offset `since` on."""
        return log_tail(self.log_path, lines, since=since)

    # -- for starting and stopping (and for server_processes)

    def env(self) -> dict[str, str]:
        """The environment of the server's programs: ours without the engine's variables,
        in the C locale."""
        return clean_env(self.engine.env_prefixes, {"LC_ALL": "C"})

    def run_as_owner(self, argv: Argv, *, timeout: float) -> subprocess.CompletedProcess[str]:
        return run_as(
            argv,
            self.installation.os_user,
            cwd=self.root,  # the owner may not be allowed into our working directory
            env=self.env(),
            timeout=timeout,
        )

    def port_taken(self, *, since: int) -> bool:
        """Whether the log, from byte offset `since` on, says another process had the port."""
        logged = log_tail(self.log_path, 1000, since=since)
        return any(text in logged for text in self.engine.port_in_use)

    def start_error(
        self, what: str, *, port_in_use: bool = False, output: Path | None = None
    ) -> ServerStartError:
        """The engine's start error: `what`, then the end of the server log (and of the
        file with the server's `output`, if it has one)."""
        message = f"{what}\n--- server log ---\n{self.log_tail()}"
        if output is not None:
            written = log_tail(output) if file_size(output) else "(none)"
            message += f"\n--- server output ---\n{written}"
        return self.engine.errors.start(message, port_in_use=port_in_use)

    def _initialise(self) -> None:
        """Create the data directory with the engine's init program."""
        init, program = self.engine.init, self.installation.init.name
        try:
            done = self.run_as_owner(init.argv(self), timeout=init.timeout)
        except subprocess.TimeoutExpired as exc:
            fault = f"{program} did not finish in {init.timeout}s"
            raise self.engine.errors.start(fault) from exc
        if done.returncode != 0:
            said = done.stdout if init.reports_on_stdout else ""
            raise self.engine.errors.start(
                f"{program} failed (exit {done.returncode}):\n{said}{done.stderr}".rstrip()
            )

    def _start(self, port: int, timeout: float, options: Sequence[str]) -> None:
        self.port = port
        self.engine.process.start(self, timeout, options)

    def stop(self, timeout: float = 30) -> None:
        """Stop the server now, killing it if it has not ended within `timeout` seconds.
        Idempotent."""
        self.engine.process.stop(self, timeout)

    # -- using it

    def url(self, database: str | None = None) -> str:
        """A SQLAlchemy URL for `database` (None: the engine's admin database, if any)."""
        connection, name = self.engine.connection, self._database(database) or ""
        return (
            f"{connection.url_scheme}://{connection.superuser}@{self.host}:{self.port}"
            f"/{quote(name, safe='')}"
        )

    def connect(self, database: str | None = None) -> Any:
        """A DB-API connection in autocommit mode (close it, or use it in `with`);
        None: the engine's admin database, if any."""
        connection = self.engine.connection
        driver = importlib.import_module(connection.driver)
        return driver.connect(
            host=self.host,
            port=self.port,
            user=connection.superuser,
            **{connection.database_keyword: self._database(database)},
            **connection.options,
            autocommit=True,
            connect_timeout=10,
        )

    def query(
        self,
        database: str | None,
        sql: str,
        params: Sequence[Any] | Mapping[str, Any] | None = None,
    ) -> list[tuple[Any, ...]]:
        """Run one statement and return all its rows as tuples (the driver's parameters:
        %s, %(name)s)."""
        with contextlib.closing(self.connect(database)) as conn, conn.cursor() as cursor:
            cursor.execute(sql, params)
            return [tuple(row) for row in cursor.fetchall()]

    def execute(self, database: str | None, sql: str) -> None:
        """Run statements that return nothing (autocommit)."""
        with contextlib.closing(self.connect(database)) as conn, conn.cursor() as cursor:
            cursor.execute(sql)

    def create_database(self, name: str | None = None) -> str:
        """Create an empty database, named db_0001, db_0002... unless `name`; return the name."""
        name = name or f"db_{next(self._names):04d}"
        self.execute(None, self.engine.databases.create.format(name=self._quote(name)))
        return name

    def drop_database(self, name: str) -> None:
        """Drop the database `name` (nothing happens when it does not exist)."""
        self.execute(None, self.engine.databases.drop.format(name=self._quote(name)))

    def run_sql_file(self, database: str, path: Path, *, timeout: float = 600) -> str:
        """Run a SQL file with the engine's client, stopping at the first error; returns
        the client's stdout. The file's own BEGIN/COMMIT decide the transactions.

        Raises the engine's script error with the client's stderr when a statement
        fails, its not-found error when the client is not installed.
        """
        engine, client, program = self.engine, self.engine.client, self.installation.client
        if program is None:
            raise engine.errors.not_found(
                f"the {client.program} command-line client is not installed"
            )
        with contextlib.ExitStack() as stack:
            stdin = stack.enter_context(path.open("rb")) if client.reads_stdin else None
            done = subprocess.run(
                [program, *client.args(self, database, path)],
                env=clean_env(engine.env_prefixes, client.env),
                stdin=stdin or subprocess.DEVNULL,
                capture_output=True,
                timeout=timeout,
                check=False,
            )
        stdout, stderr = (out.decode(errors="replace") for out in (done.stdout, done.stderr))
        if done.returncode != 0:
            raise engine.errors.script(path, done.returncode, stderr)
        return stdout

    def _database(self, database: str | None) -> str | None:
        return self.engine.connection.admin_database if database is None else database

    def _quote(self, identifier: str) -> str:
        """`identifier` as a quoted identifier of the engine."""
        mark = self.engine.databases.identifier_quote
        return mark + identifier.replace(mark, mark * 2) + mark
