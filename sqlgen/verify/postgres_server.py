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

This module says what is PostgreSQL's: where its programs are (`locate`), its commands
and SQL (`POSTGRESQL`); the server itself is a `throwaway.ThrowawayServer`. Only the
standard library is needed to start a server and run psql; connecting imports psycopg (v3).
"""

from __future__ import annotations

import math
import os
import re
import shlex
import shutil
from collections.abc import Sequence
from pathlib import Path

from sqlgen.verify import throwaway
from sqlgen.verify.server_processes import ControlProgram
from sqlgen.verify.servers import (
    Argv,
    EngineNotFound,
    ScriptError,
    ServerError,
    ServerStartError,
    free_port,
    process_alive,
    program_version,
    server_os_user,
)
from sqlgen.verify.throwaway import Installation, ThrowawayServer

__all__ = [
    "POSTGRESQL",
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


# --- finding the binaries ------------------------------------------------------------


def _major(pg_ctl: Path) -> int | None:
    version = program_version(pg_ctl, _VERSION)
    return int(version) if version else None


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
        init=chosen / "initdb",
        server=chosen / "pg_ctl",  # and pg_ctl finds postgres next to itself
        version=str(major),
        client=psql,
        os_user=server_os_user(OS_USER, "PostgreSQL", PostgresNotFound),
    )


# --- the commands --------------------------------------------------------------------


def _initdb(server: ThrowawayServer) -> Argv:
    return [
        server.installation.init,
        "-D", server.data_dir,
        "-U", SUPERUSER,
        "--auth=trust",
        "-E", "UTF8",
        "--locale=C",
        "--no-sync",
        "--no-instructions",
    ]  # fmt: skip


def _pg_ctl_start(server: ThrowawayServer, timeout: float, options: Sequence[str]) -> Argv:
    """Start in the background, waiting (-w) until the server accepts connections; it
    listens on the TCP port and on a socket in its directory, with fsync off."""
    settings = " ".join(
        shlex.quote(o)
        for o in [
            "-p", str(server.port),
            "-k", str(server.root),
            "-c", f"listen_addresses={server.host}",
            "-c", "fsync=off",
            "-c", "synchronous_commit=off",
            "-c", "full_page_writes=off",
            *options,
        ]
    )  # fmt: skip
    argv: Argv = [server.installation.server, "start", "-w", "-t", str(math.ceil(timeout))]
    return [*argv, "-D", server.data_dir, "-l", server.log_path, "-o", settings]


def _pg_ctl_stop(server: ThrowawayServer, timeout: float) -> Argv:
    """Stop at once (immediate mode: no checkpoint, nothing of it is kept anyway)."""
    argv: Argv = [server.installation.server, "stop", "-m", "immediate"]
    return [*argv, "-w", "-t", str(math.ceil(timeout)), "-D", server.data_dir]


def _psql_args(server: ThrowawayServer, database: str, path: Path) -> Argv:
    """psql runs `path`, stopping at the first error; nothing is wrapped around the file."""
    argv: Argv = ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", server.host, "-p", str(server.port)]
    return [*argv, "-U", SUPERUSER, "-d", database, "-f", path]


POSTGRESQL = throwaway.ServerEngine(
    label="PostgreSQL",
    locate=locate,
    errors=throwaway.EngineErrors(PostgresNotFound, PostgresStartError, PsqlError),
    temp_prefix="sqlgen-pg-",
    # PGHOST, PGOPTIONS, PGSERVICE... would redirect or alter psql's connection
    env_prefixes=("PG",),
    log_name="postgres.log",
    # initdb's stdout is progress, its stderr the errors
    init=throwaway.InitCommand(_initdb, timeout=120),
    process=ControlProgram(_pg_ctl_start, _pg_ctl_stop, pid_file="postmaster.pid"),
    port_in_use=("already in use",),
    connection=throwaway.Connection(
        "postgresql+psycopg",
        "psycopg",
        SUPERUSER,
        admin_database="postgres",
        database_keyword="dbname",
    ),
    databases=throwaway.DatabaseStatements(
        '"', "CREATE DATABASE {name}", "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    ),
    client=throwaway.SqlClient("psql", _psql_args, env={"PGCONNECT_TIMEOUT": "10"}),
)

PostgresServer = ThrowawayServer  # a running PostgreSQL server, as the tests name it
throwaway_server = POSTGRESQL.throwaway_server
