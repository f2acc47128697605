"""A throwaway PostgreSQL server: initdb into a temporary directory, start, use, stop, delete.

    installation = locate()                      # raises PostgresNotFound
    with throwaway_server(installation) as server:
        db = server.create_database()
        server.run_sql_file(db, Path("upgrade.sql"))   # raises PsqlError on the first error
        rows = server.query(db, "SELECT version_num FROM alembic_version")
        engine = sqlalchemy.create_engine(server.url(db))   # postgresql+psycopg://...

The server listens on 127.0.0.1 at a free port (and on a socket in its own directory),
trusts every local connection, and runs with fsync off: it is for tests only, never for
data that matters. Leaving the `with` block, normally or by an exception, stops it with
`pg_ctl -m immediate` and removes its directory.

PostgreSQL refuses to run as root: when we are root, initdb and pg_ctl run as the
`postgres` OS user through `runuser`, and the directory is handed over to that user.
psql and psycopg connect over TCP as the database superuser `postgres`.

Only the standard library is needed to start a server and run psql; connecting
(`connect`, `query`, `execute`, `create_database`, `drop_database`) imports psycopg (v3).
What this shares with the MariaDB server lives in `servers`.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import shlex
import shutil
import signal
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from sqlgen.verify.servers import (
    LOOPBACK,
    EngineNotFound,
    ScriptError,
    ServerError,
    ServerStartError,
    as_user,
    clean_env,
    cleaned_up,
    file_size,
    free_port,
    log_tail,
    make_temp_dir,
    process_alive,
    run_as,
    server_os_user,
    start_on_free_port,
    wait_until_gone,
)

if TYPE_CHECKING:
    import psycopg

__all__ = [
    "PREFERRED_MAJOR",
    "Installation",
    "PostgresError",
    "PostgresNotFound",
    "PostgresServer",
    "PostgresStartError",
    "PsqlError",
    "ServerStartError",
    "free_port",
    "locate",
    "process_alive",
    "throwaway_server",
]

PREFERRED_MAJOR = 15
SUPERUSER = "postgres"  # the database superuser initdb creates (-U)
OS_USER = "postgres"  # who runs the server when we are root
DEBIAN_BINDIRS = "/usr/lib/postgresql/*/bin"
_VERSION = re.compile(r"\(PostgreSQL\)\s+(\d+)")


class PostgresError(ServerError):
    """Something went wrong with the throwaway server."""


class PostgresNotFound(PostgresError, EngineNotFound):
    """A binary or OS user the throwaway server needs is missing (skip, don't fail)."""


class PostgresStartError(PostgresError, ServerStartError):
    """initdb or pg_ctl start failed; the message ends with the server log."""


class PsqlError(PostgresError, ScriptError):
    """psql stopped on an error while running a file."""

    def __init__(self, path: Path, returncode: int, stderr: str) -> None:
        super().__init__("psql", path, returncode, stderr)


# what locate() raises when the engine is not installed (also a servers.EngineNotFound)


# --- finding the binaries ------------------------------------------------------------


@dataclass(frozen=True)
class Installation:
    """The PostgreSQL programs to use, and the OS user to run the server as (None: us)."""

    bindir: Path  # holds initdb and pg_ctl (and pg_ctl finds postgres next to itself)
    major: int
    psql: Path
    os_user: str | None = None

    @property
    def initdb(self) -> Path:
        return self.bindir / "initdb"

    @property
    def pg_ctl(self) -> Path:
        return self.bindir / "pg_ctl"


def _major(pg_ctl: Path) -> int | None:
    try:
        out = subprocess.run(
            [str(pg_ctl), "--version"], capture_output=True, text=True, timeout=30, check=False
        ).stdout
    except OSError:
        return None
    match = _VERSION.search(out)
    return int(match.group(1)) if match else None


def _is_file(path: Path) -> bool:
    """Path.is_file(), but False for a path we may not look at (PATH can name such
    directories, /root/... for another user)."""
    try:
        return path.is_file()
    except OSError:
        return False


def _candidate_bindirs(path: str | None) -> list[Path]:
    """Directories holding both initdb and pg_ctl: those on PATH first, then Debian's."""
    found: list[Path] = []
    on_path = [Path(d) for d in (path or "").split(os.pathsep) if d]
    debian = sorted(Path("/").glob(DEBIAN_BINDIRS.lstrip("/")))
    for directory in [*on_path, *debian]:
        pg_ctl = directory / "pg_ctl"
        if not (_is_file(pg_ctl) and _is_file(directory / "initdb")):
            continue
        # /usr/local/bin/pg_ctl may be a link into /usr/lib/postgresql/15/bin: use the real
        # directory, where psql and postgres of the same version live too
        real = pg_ctl.resolve().parent
        if _is_file(real / "initdb") and real not in found:
            found.append(real)
    return found


def locate(
    preferred_major: int = PREFERRED_MAJOR,
    *,
    bindir: Path | None = None,
    path: str | None = None,
) -> Installation:
    """Find initdb, pg_ctl and psql, preferring `preferred_major`, else the newest.

    `bindir` names the directory outright; otherwise PATH (or `path`) is searched,
    then /usr/lib/postgresql/*/bin. Raises PostgresNotFound when nothing usable is there.
    """
    bindirs = (
        [bindir]
        if bindir is not None
        else _candidate_bindirs(os.environ.get("PATH") if path is None else path)
    )
    versions = [(d, _major(d / "pg_ctl")) for d in bindirs]
    usable = [(d, v) for d, v in versions if v is not None]
    if not usable:
        where = str(bindir) if bindir else f"PATH or {DEBIAN_BINDIRS}"
        raise PostgresNotFound(f"PostgreSQL server binaries (initdb, pg_ctl) not found in {where}")
    # stable sort: the preferred major first, then newest first, PATH before Debian's
    chosen, major = sorted(usable, key=lambda dv: (dv[1] != preferred_major, -dv[1]))[0]
    psql = chosen / "psql"
    if not _is_file(psql):
        fallback = shutil.which("psql")
        if fallback is None:
            raise PostgresNotFound(f"psql not found next to {chosen / 'pg_ctl'} or on PATH")
        psql = Path(fallback)
    return Installation(
        chosen, major, psql, server_os_user(OS_USER, "PostgreSQL", PostgresNotFound)
    )


# --- the server ----------------------------------------------------------------------


def _clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Our environment without PG* settings (PGHOST, PGOPTIONS, PGSERVICE...) that would
    redirect or alter psql's connection, plus `extra`."""
    return clean_env(["PG"], extra)


@dataclass
class PostgresServer:
    """A running throwaway server. Make one with `throwaway_server()`."""

    installation: Installation
    root: Path  # the temporary directory: data/, postgres.log and the socket
    port: int = 0
    host: str = LOOPBACK
    _names: Iterator[int] = field(default_factory=lambda: itertools.count(1), repr=False)

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def log_path(self) -> Path:
        return self.root / "postgres.log"

    @property
    def socket_dir(self) -> Path:
        return self.root

    @property
    def pid(self) -> int | None:
        """The postmaster's process id while it runs (first line of postmaster.pid)."""
        try:
            first = (self.data_dir / "postmaster.pid").read_text().split("\n", 1)[0]
        except OSError:
            return None
        return int(first) if first.strip().isdigit() else None

    # -- running programs as the server's owner

    def _as_owner(self, argv: Sequence[str | Path]) -> list[str]:
        return as_user(argv, self.installation.os_user)

    def _owner_run(
        self, argv: Sequence[str | Path], timeout: float
    ) -> subprocess.CompletedProcess[str]:
        return run_as(
            argv,
            self.installation.os_user,
            cwd=self.root,  # the owner may not be allowed into our working directory
            env=_clean_env({"LC_ALL": "C"}),
            timeout=timeout,
        )

    def log_size(self) -> int:
        return file_size(self.log_path)

    def log_tail(self, lines: int = 30, *, since: int = 0) -> str:
        """The last `lines` lines of the server log, from byte offset `since` on."""
        return log_tail(self.log_path, lines, since=since)

    def _initdb(self) -> None:
        done = self._owner_run(
            [
                self.installation.initdb,
                "-D", self.data_dir,
                "-U", SUPERUSER,
                "--auth=trust",
                "-E", "UTF8",
                "--locale=C",
                "--no-sync",
                "--no-instructions",
            ],
            timeout=120,
        )  # fmt: skip
        if done.returncode != 0:
            raise PostgresStartError(f"initdb failed (exit {done.returncode}):\n{done.stderr}")

    def _start(self, port: int, timeout: int) -> None:
        """pg_ctl start on `port`, waiting until the server accepts connections."""
        self.port = port
        logged = self.log_size()
        options = " ".join(
            shlex.quote(o)
            for o in [
                "-p", str(self.port),
                "-k", str(self.socket_dir),
                "-c", f"listen_addresses={self.host}",
                "-c", "fsync=off",
                "-c", "synchronous_commit=off",
                "-c", "full_page_writes=off",
            ]
        )  # fmt: skip
        argv: list[str | Path] = [self.installation.pg_ctl, "start", "-w", "-t", str(timeout)]
        argv += ["-D", self.data_dir, "-l", self.log_path, "-o", options]
        done = self._owner_run(argv, timeout=timeout + 30)
        if done.returncode != 0:
            raise PostgresStartError(
                f"pg_ctl start failed (exit {done.returncode}) on port {self.port}:\n"
                f"{done.stdout}{done.stderr}\n--- server log ---\n{self.log_tail()}",
                port_in_use="already in use" in self.log_tail(since=logged),
            )

    def _is_our_postmaster(self, pid: int) -> bool:
        """Whether `pid` is a postgres started on our data directory (and not some other
        process that reused the number of a postmaster that died without cleaning up)."""
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            return self.pid == pid  # no /proc: the pid file is all we have
        return os.fsencode(self.data_dir) in argv

    def stop(self) -> None:
        """Stop the server now (immediate mode): idempotent, and kills it if pg_ctl can't."""
        pid = self.pid
        if pid is None:
            return
        argv: list[str | Path] = [self.installation.pg_ctl, "stop", "-m", "immediate"]
        argv += ["-w", "-t", "30", "-D", self.data_dir]
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._owner_run(argv, timeout=60)
        if process_alive(pid) and self._is_our_postmaster(pid):
            os.kill(pid, signal.SIGKILL)
            wait_until_gone(pid, 10)

    # -- using it

    def url(self, database: str = "postgres") -> str:
        """A SQLAlchemy URL for `database`, through psycopg (v3)."""
        return (
            f"postgresql+psycopg://{SUPERUSER}@{self.host}:{self.port}/{quote(database, safe='')}"
        )

    def conninfo(self, dbname: str = "postgres") -> str:
        return f"host={self.host} port={self.port} user={SUPERUSER} dbname={dbname}"

    def connect(self, dbname: str = "postgres") -> psycopg.Connection[tuple[Any, ...]]:
        """A psycopg connection in autocommit mode (close it, or use it in `with`)."""
        import psycopg

        return psycopg.connect(self.conninfo(dbname), autocommit=True, connect_timeout=10)

    def query(
        self, dbname: str, sql: str, params: Sequence[Any] | Mapping[str, Any] | None = None
    ) -> list[tuple[Any, ...]]:
        """Run one statement and return all its rows as tuples."""
        with self.connect(dbname) as conn:
            return [tuple(row) for row in conn.execute(sql, params).fetchall()]

    def execute(self, dbname: str, sql: str) -> None:
        """Run statements that return nothing (autocommit)."""
        with self.connect(dbname) as conn:
            conn.execute(sql)

    def create_database(self, name: str | None = None) -> str:
        """Create an empty database, named db_0001, db_0002... unless `name`; return the name."""
        from psycopg import sql

        name = name or f"db_{next(self._names):04d}"
        with self.connect() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return name

    def drop_database(self, name: str) -> None:
        from psycopg import sql

        with self.connect() as conn:
            statement = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
            conn.execute(statement.format(sql.Identifier(name)))

    def run_sql_file(self, dbname: str, path: Path, *, timeout: float = 600) -> str:
        """Run a SQL file with psql, stopping at the first error; returns psql's stdout.

        Raises PsqlError with psql's stderr when a statement fails. The file's own
        BEGIN/COMMIT decide the transactions: nothing is wrapped around it.
        """
        argv = [str(self.installation.psql), "-X", "-q", "-v", "ON_ERROR_STOP=1"]
        argv += ["-h", self.host, "-p", str(self.port), "-U", SUPERUSER, "-d", dbname]
        argv += ["-f", str(path)]
        done = subprocess.run(
            argv,
            env=_clean_env({"PGCONNECT_TIMEOUT": "10"}),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            raise PsqlError(path, done.returncode, done.stderr)
        return done.stdout


@contextlib.contextmanager
def throwaway_server(
    installation: Installation | None = None,
    *,
    start_timeout: int = 60,
    port_attempts: int = 3,
) -> Iterator[PostgresServer]:
    """Start a fresh server in a new temporary directory; stop it and delete it on exit.

    The free port is picked before the server binds it, so another process can win the
    race: the start is retried on a new port up to `port_attempts` times.
    """
    installation = installation or locate()
    server = PostgresServer(installation, make_temp_dir("sqlgen-pg-", installation.os_user))
    with cleaned_up(server.stop, server.root):
        server._initdb()

        def start(port: int) -> None:
            server._start(port, start_timeout)

        start_on_free_port(start, host=server.host, attempts=port_attempts)
        yield server
