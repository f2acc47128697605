"""A throwaway MariaDB server: install into a temporary directory, start, use, stop, delete.

    installation = locate()                      # raises MariaDBNotFound
    with throwaway_server(installation) as server:
        db = server.create_database()
        engine = sqlalchemy.create_engine(server.url(db))   # mysql+pymysql://root@...
        server.run_sql_file(db, Path("upgrade.sql"))  # the mariadb client; stops on an error
        rows = server.query(db, "SELECT version_num FROM alembic_version")

`mariadb-install-db` creates the system tables with a passwordless `root` account;
`mariadbd` then runs in the foreground as our child process, listening on 127.0.0.1 at
a free port and on a socket in its own directory, with no option files read
(--no-defaults), utf8mb4 as the server character set, and InnoDB's durability settings
relaxed: it is for tests only, never for data that matters. Leaving the `with` block,
normally or by an exception, stops it (SIGTERM, then SIGKILL if it does not end) and
removes its directory.

MariaDB refuses to run as root: when we are root, the directory is handed over to the
`mysql` OS user, mariadb-install-db runs as that user through `runuser`, and mariadbd
is started as that user directly (see `servers.spawn_as`).

Only the standard library is needed to start a server and run the client; connecting
(`connect`, `query`, `execute`, `create_database`, `drop_database`) imports pymysql.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlgen.verify.servers import (
    LOOPBACK,
    EngineNotFound,
    ScriptError,
    ServerError,
    ServerStartError,
    clean_env,
    cleaned_up,
    file_size,
    log_tail,
    make_temp_dir,
    run_as,
    server_os_user,
    spawn_as,
    start_on_free_port,
)

__all__ = [
    "SEARCH_DIRS",
    "Installation",
    "MariaDBClientError",
    "MariaDBError",
    "MariaDBNotFound",
    "MariaDBServer",
    "MariaDBStartError",
    "locate",
    "throwaway_server",
]

SUPERUSER = "root"  # the database account mariadb-install-db creates, without a password
OS_USER = "mysql"  # who runs the server when we are root
# where to look after PATH: Debian/Ubuntu put mariadbd in /usr/sbin, outside a user's PATH
SEARCH_DIRS = (
    "/usr/sbin",
    "/usr/bin",
    "/usr/local/sbin",
    "/usr/local/bin",
    "/usr/local/mysql/bin",
    "/usr/local/mysql/scripts",
)
# settings for both mariadb-install-db (it passes them to the bootstrap server) and
# mariadbd: a small redo log, and durability traded for speed
_INNODB = [
    "--innodb-log-file-size=16M",
    "--innodb-flush-log-at-trx-commit=0",
    "--innodb-doublewrite=0",
]
_PORT_IN_USE = ("Address already in use", "Bind on TCP/IP port")
_VERSION = re.compile(r"\bVer\s+(\S+)")
# the environment of our programs and the client leaves these out: MYSQL_HOST,
# MYSQL_PWD, MYSQL_TCP_PORT, MARIADB_HOME... would redirect or alter them
_ENV_PREFIXES = ("MYSQL", "MARIADB")


class MariaDBError(ServerError):
    """Something went wrong with the throwaway server."""


class MariaDBNotFound(MariaDBError, EngineNotFound):
    """A program or OS user the throwaway server needs is missing (skip, don't fail)."""


class MariaDBStartError(MariaDBError, ServerStartError):
    """mariadb-install-db or mariadbd failed; the message ends with the server log."""


class MariaDBClientError(MariaDBError, ScriptError):
    """The mariadb client stopped on an error while running a file."""

    def __init__(self, path: Path, returncode: int, stderr: str) -> None:
        super().__init__("mariadb", path, returncode, stderr)


# what locate() raises when the engine is not installed (also a servers.EngineNotFound)


# --- finding the programs ------------------------------------------------------------


@dataclass(frozen=True)
class Installation:
    """The MariaDB programs to use, and the OS user to run the server as (None: us)."""

    mariadbd: Path
    install_db: Path
    version: str  # as `mariadbd --version` says, e.g. 10.11.6-MariaDB-0+deb12u1
    client: Path | None = None  # the `mariadb` command-line client, for run_sql_file
    os_user: str | None = None


def _version(mariadbd: Path) -> str | None:
    try:
        out = subprocess.run(
            [str(mariadbd), "--version"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
            env=clean_env(_ENV_PREFIXES),
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = _VERSION.search(out)
    return match.group(1) if match else None


def locate(*, bindir: Path | None = None, path: str | None = None) -> Installation:
    """Find mariadbd and mariadb-install-db (and the mariadb client, if installed).

    `bindir` names the only directory to look in; otherwise PATH (or `path`) is
    searched, then SEARCH_DIRS. Raises MariaDBNotFound when a program is missing.
    """
    if bindir is not None:
        dirs = [str(bindir)]
    else:
        on_path = (os.environ.get("PATH", "") if path is None else path).split(os.pathsep)
        dirs = [d for d in on_path if d] + [d for d in SEARCH_DIRS if d not in on_path]
    where = str(bindir) if bindir is not None else "PATH or " + ", ".join(SEARCH_DIRS)

    def find(name: str) -> Path | None:
        found = shutil.which(name, path=os.pathsep.join(dirs))
        return Path(found) if found else None

    mariadbd, install_db = find("mariadbd"), find("mariadb-install-db")
    if mariadbd is None or install_db is None:
        missing = [
            n for n, p in [("mariadbd", mariadbd), ("mariadb-install-db", install_db)] if not p
        ]
        raise MariaDBNotFound(
            f"MariaDB server programs ({', '.join(missing)}) not found in {where}"
        )
    version = _version(mariadbd)
    if version is None:
        raise MariaDBNotFound(f"{mariadbd} --version did not run or did not say its version")
    os_user = server_os_user(OS_USER, "MariaDB", MariaDBNotFound)
    return Installation(mariadbd, install_db, version, find("mariadb"), os_user)


# --- the server ----------------------------------------------------------------------


def _greets(family: socket.AddressFamily, address: str | tuple[str, int]) -> bool:
    """Whether a MySQL-protocol server at `address` sends its initial handshake packet
    (protocol version 10) right after we connect: then it accepts connections."""
    try:
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.settimeout(2)
            sock.connect(address)
            data = b""
            while len(data) < 5:  # 3 bytes length, 1 byte sequence number, the version
                chunk = sock.recv(5 - len(data))
                if not chunk:
                    return False
                data += chunk
    except OSError:
        return False
    return data[4] == 10


@dataclass
class MariaDBServer:
    """A running throwaway server. Make one with `throwaway_server()`."""

    installation: Installation
    root: Path  # the temporary directory: data/, the logs, the socket, the pid file
    port: int = 0
    host: str = LOOPBACK
    _process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    _names: Iterator[int] = field(default_factory=lambda: itertools.count(1), repr=False)

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def socket_path(self) -> Path:
        return self.root / "mariadbd.sock"

    @property
    def pid_file(self) -> Path:
        return self.root / "mariadbd.pid"

    @property
    def log_path(self) -> Path:
        """The server's error log (--log-error): startup, shutdown and errors."""
        return self.root / "mariadbd.err"

    @property
    def output_path(self) -> Path:
        """Whatever mariadbd and mariadb-install-db write to stdout and stderr."""
        return self.root / "mariadbd.out"

    @property
    def pid(self) -> int | None:
        """The mariadbd process id while it runs."""
        process = self._process
        return process.pid if process is not None and process.poll() is None else None

    def log_tail(self, lines: int = 30, *, since: int = 0) -> str:
        """The last `lines` lines of the error log, from byte offset `since` on."""
        return log_tail(self.log_path, lines, since=since)

    def _env(self) -> dict[str, str]:
        return clean_env(_ENV_PREFIXES, {"LC_ALL": "C"})

    def _install(self, timeout: float = 300) -> None:
        argv: list[str | Path] = [
            self.installation.install_db,
            "--no-defaults",  # must come first
            f"--datadir={self.data_dir}",
            "--auth-root-authentication-method=normal",  # root@localhost, 127.0.0.1, ::1
            "--skip-test-db",
            "--skip-name-resolve",  # no resolveip: works without DNS for our hostname
            f"--tmpdir={self.root}",
            *_INNODB,
        ]
        try:
            done = run_as(
                argv, self.installation.os_user, cwd=self.root, env=self._env(), timeout=timeout
            )
        except subprocess.TimeoutExpired as exc:
            raise MariaDBStartError(f"mariadb-install-db did not finish in {timeout}s") from exc
        if done.returncode != 0:
            raise MariaDBStartError(
                f"mariadb-install-db failed (exit {done.returncode}):\n"
                f"{done.stdout}{done.stderr}".rstrip()
            )

    def _server_argv(self, options: Sequence[str]) -> list[str | Path]:
        return [
            self.installation.mariadbd,
            "--no-defaults",  # must come first
            f"--datadir={self.data_dir}",
            f"--socket={self.socket_path}",
            f"--port={self.port}",
            f"--bind-address={self.host}",
            "--skip-networking=0",
            f"--pid-file={self.pid_file}",
            f"--log-error={self.log_path}",
            f"--tmpdir={self.root}",
            "--skip-name-resolve",
            "--character-set-server=utf8mb4",
            *_INNODB,
            *options,
        ]

    def _start(self, port: int, timeout: float, options: Sequence[str]) -> None:
        """Start mariadbd on `port` and wait until it accepts connections."""
        self.port = port
        logged = file_size(self.log_path)
        self._process = spawn_as(
            self._server_argv(options),
            self.installation.os_user,
            cwd=self.root,
            env=self._env(),
            output=self.output_path,
        )
        deadline = time.monotonic() + timeout
        # the socket is in our own directory: what answers there is our server, and
        # it binds its TCP port before it creates the socket (or exits if it can't)
        while not _greets(socket.AF_UNIX, str(self.socket_path)):
            code = self._process.poll()
            if code is not None:
                new_log = log_tail(self.log_path, 1000, since=logged)
                raise self._start_error(
                    f"mariadbd exited with status {code} on port {port}",
                    port_in_use=any(text in new_log for text in _PORT_IN_USE),
                )
            if time.monotonic() > deadline:
                raise self._start_error(
                    f"mariadbd did not accept connections within {timeout}s on port {port}"
                )
            time.sleep(0.05)
        if not _greets(socket.AF_INET, (self.host, port)):
            raise self._start_error(f"mariadbd is up, but not reachable at {self.host}:{port}")

    def _start_error(self, what: str, *, port_in_use: bool = False) -> MariaDBStartError:
        output = log_tail(self.output_path) if file_size(self.output_path) else "(none)"
        return MariaDBStartError(
            f"{what}\n--- server log ---\n{self.log_tail()}\n--- server output ---\n{output}",
            port_in_use=port_in_use,
        )

    def stop(self, timeout: float = 30) -> None:
        """Stop the server: SIGTERM, then SIGKILL if it has not ended after `timeout`
        seconds. Idempotent. Only ever signals the process we started."""
        process = self._process
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(30)
        self._process = None

    # -- using it

    def url(self, database: str) -> str:
        """A SQLAlchemy URL for `database`, through pymysql."""
        return f"mysql+pymysql://{SUPERUSER}@{self.host}:{self.port}/{quote(database, safe='')}"

    def connect(self, database: str | None = None) -> Any:
        """A pymysql connection in autocommit mode (close it, or use it in `with`)."""
        import pymysql  # type: ignore[import-untyped, unused-ignore]

        return pymysql.connect(
            host=self.host,
            port=self.port,
            user=SUPERUSER,
            password="",
            database=database,
            charset="utf8mb4",
            autocommit=True,
            connect_timeout=10,
        )

    def query(
        self,
        database: str | None,
        sql: str,
        params: Sequence[Any] | Mapping[str, Any] | None = None,
    ) -> list[tuple[Any, ...]]:
        """Run one statement and return all its rows as tuples (pymysql's %s parameters)."""
        with contextlib.closing(self.connect(database)) as conn, conn.cursor() as cursor:
            cursor.execute(sql, params)
            return [tuple(row) for row in cursor.fetchall()]

    def execute(self, database: str | None, sql: str) -> None:
        """Run a statement that returns nothing (autocommit)."""
        self.query(database, sql)

    def create_database(self, name: str | None = None) -> str:
        """Create an empty database, named db_0001, db_0002... unless `name`; return the name."""
        name = name or f"db_{next(self._names):04d}"
        self.execute(None, f"CREATE DATABASE {_quote(name)} CHARACTER SET utf8mb4")
        return name

    def drop_database(self, name: str) -> None:
        self.execute(None, f"DROP DATABASE IF EXISTS {_quote(name)}")

    def run_sql_file(self, database: str, path: Path, *, timeout: float = 600) -> str:
        """Run a SQL file with the mariadb client, stopping at the first error; returns
        the client's stdout. Raises MariaDBClientError with its stderr when a statement
        fails, MariaDBNotFound when the client is not installed."""
        client = self.installation.client
        if client is None:
            raise MariaDBNotFound("the mariadb command-line client is not installed")
        argv = [str(client), "--no-defaults", "--batch", "--default-character-set=utf8mb4"]
        argv += ["--protocol=TCP", "-h", self.host, "-P", str(self.port), "-u", SUPERUSER]
        argv += ["--connect-timeout=10", database]
        with path.open("rb") as script:
            done = subprocess.run(
                argv,
                env=self._env(),
                stdin=script,
                capture_output=True,
                timeout=timeout,
                check=False,
            )
        stdout, stderr = (out.decode(errors="replace") for out in (done.stdout, done.stderr))
        if done.returncode != 0:
            raise MariaDBClientError(path, done.returncode, stderr)
        return stdout


def _quote(identifier: str) -> str:
    """`identifier` as a quoted MariaDB identifier."""
    return "`" + identifier.replace("`", "``") + "`"


@contextlib.contextmanager
def throwaway_server(
    installation: Installation | None = None,
    *,
    start_timeout: float = 60,
    port_attempts: int = 3,
    options: Sequence[str] = (),
) -> Iterator[MariaDBServer]:
    """Start a fresh server in a new temporary directory; stop it and delete it on exit.

    `options` are extra mariadbd options (e.g. "--sql-mode=ANSI_QUOTES"). The free port
    is picked before the server binds it, so another process can win the race: the start
    is retried on a new port up to `port_attempts` times.
    """
    installation = installation or locate()
    server = MariaDBServer(installation, make_temp_dir("sqlgen-mariadb-", installation.os_user))
    with cleaned_up(server.stop, server.root):
        server._install()

        def start(port: int) -> None:
            server._start(port, start_timeout, options)

        start_on_free_port(start, host=server.host, attempts=port_attempts)
        yield server
