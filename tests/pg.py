"""A throwaway PostgreSQL server: initdb into a temporary directory, start, use, stop, delete.

    installation = locate()                      # raises PostgresNotFound
    with throwaway_server(installation) as server:
        db = server.create_database()
        server.run_sql_file(db, Path("upgrade.sql"))   # raises PsqlError on the first error
        rows = server.query(db, "SELECT version_num FROM alembic_version")

The server listens on 127.0.0.1 at a free port (and on a socket in its own directory),
trusts every local connection, and runs with fsync off: it is for tests only, never for
data that matters. Leaving the `with` block, normally or by an exception, stops it with
`pg_ctl -m immediate` and removes its directory.

PostgreSQL refuses to run as root: when we are root, initdb and pg_ctl run as the
`postgres` OS user through `runuser`, and the directory is handed over to that user.
psql and psycopg connect over TCP as the database superuser `postgres`.

Only the standard library is needed to start a server and run psql; `query` and
`execute` import psycopg (v3) when first called.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import re
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import psycopg

__all__ = [
    "PREFERRED_MAJOR",
    "Installation",
    "PostgresError",
    "PostgresNotFound",
    "PostgresServer",
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


class PostgresError(RuntimeError):
    """Something went wrong with the throwaway server."""


class PostgresNotFound(PostgresError):
    """A binary or OS user the throwaway server needs is missing (skip, don't fail)."""


class ServerStartError(PostgresError):
    """initdb or pg_ctl start failed; the message ends with the server log."""


class PsqlError(PostgresError):
    """psql stopped on an error while running a file."""

    def __init__(self, path: Path, returncode: int, stderr: str) -> None:
        super().__init__(f"psql failed on {path} (exit {returncode}):\n{stderr.rstrip()}")
        self.path = path
        self.returncode = returncode
        self.stderr = stderr


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


def _candidate_bindirs(path: str | None) -> list[Path]:
    """Directories holding both initdb and pg_ctl: those on PATH first, then Debian's."""
    found: list[Path] = []
    on_path = [Path(d) for d in (path or "").split(os.pathsep) if d]
    debian = sorted(Path("/").glob(DEBIAN_BINDIRS.lstrip("/")))
    for directory in [*on_path, *debian]:
        pg_ctl = directory / "pg_ctl"
        if not (pg_ctl.is_file() and (directory / "initdb").is_file()):
            continue
        # /usr/local/bin/pg_ctl may be a link into /usr/lib/postgresql/15/bin: use the real
        # directory, where psql and postgres of the same version live too
        real = pg_ctl.resolve().parent
        if (real / "initdb").is_file() and real not in found:
            found.append(real)
    return found


def _run_as_user() -> str | None:
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(OS_USER)
    except KeyError:
        raise PostgresNotFound(
            f"running as root, but there is no {OS_USER!r} OS user to run PostgreSQL as"
        ) from None
    if shutil.which("runuser") is None:
        raise PostgresNotFound("running as root, but `runuser` is missing")
    return OS_USER


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
    if not psql.is_file():
        fallback = shutil.which("psql")
        if fallback is None:
            raise PostgresNotFound(f"psql not found next to {chosen / 'pg_ctl'} or on PATH")
        psql = Path(fallback)
    return Installation(chosen, major, psql, _run_as_user())


# --- the server ----------------------------------------------------------------------


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now (another process may still take it first)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def process_alive(pid: int) -> bool:
    """Whether process `pid` exists and is not a zombie waiting to be reaped."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True  # no /proc: trust kill()
    state = re.search(r"^State:\s+(\S)", status, re.MULTILINE)
    return not (state and state.group(1) in "ZX")


def _clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Our environment without PG* settings (PGHOST, PGOPTIONS, PGSERVICE...) that would
    redirect or alter psql's connection, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env.update(extra or {})
    return env


@dataclass
class PostgresServer:
    """A running throwaway server. Make one with `throwaway_server()`."""

    installation: Installation
    root: Path  # the temporary directory: data/, postgres.log and the socket
    port: int = 0
    host: str = "127.0.0.1"
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
        command = [str(a) for a in argv]
        user = self.installation.os_user
        return ["runuser", "-u", user, "--", *command] if user else command

    def _owner_run(
        self, argv: Sequence[str | Path], timeout: float
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self._as_owner(argv),
            cwd=self.root,  # the owner may not be allowed into our working directory
            env=_clean_env({"LC_ALL": "C"}),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def log_size(self) -> int:
        try:
            return self.log_path.stat().st_size
        except OSError:
            return 0

    def log_tail(self, lines: int = 30, *, since: int = 0) -> str:
        """The last `lines` lines of the server log, from byte offset `since` on."""
        try:
            with self.log_path.open("rb") as log:
                log.seek(since)
                text = log.read().decode(errors="replace")
        except OSError:
            return "(no server log)"
        return "\n".join(text.splitlines()[-lines:])

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
            raise ServerStartError(f"initdb failed (exit {done.returncode}):\n{done.stderr}")

    def _start(self, timeout: int) -> None:
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
            raise ServerStartError(
                f"pg_ctl start failed (exit {done.returncode}) on port {self.port}:\n"
                f"{done.stdout}{done.stderr}\n--- server log ---\n{self.log_tail()}"
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
            deadline = time.monotonic() + 10
            while process_alive(pid) and time.monotonic() < deadline:
                time.sleep(0.05)

    # -- using it

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


def _make_root(os_user: str | None) -> Path:
    root = Path(tempfile.mkdtemp(prefix="sqlgen-pg-"))
    if os_user:
        entry = pwd.getpwnam(os_user)
        os.chown(root, entry.pw_uid, entry.pw_gid)
    return root


def _remove(server: PostgresServer, *, quiet: bool) -> None:
    """Stop the server and delete its directory; `quiet` turns failures into warnings
    (used while another exception is already propagating)."""
    try:
        server.stop()
        shutil.rmtree(server.root)
    except Exception as exc:
        if not quiet:
            raise
        warnings.warn(f"could not clean up {server.root}: {exc}", stacklevel=3)


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
    server = PostgresServer(installation, _make_root(installation.os_user))
    try:
        server._initdb()
        for attempt in range(1, port_attempts + 1):
            server.port = free_port(server.host)
            logged = server.log_size()
            try:
                server._start(start_timeout)
                break
            except ServerStartError:
                in_use = "already in use" in server.log_tail(since=logged)
                if attempt == port_attempts or not in_use:
                    raise
    except BaseException:
        _remove(server, quiet=True)
        raise
    try:
        yield server
    except BaseException:
        _remove(server, quiet=True)
        raise
    _remove(server, quiet=False)
