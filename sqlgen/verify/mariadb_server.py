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

This module says what is MariaDB's: where its programs are (`locate`), its commands,
readiness probe and SQL (`MARIADB`); the server itself is a `throwaway.ThrowawayServer`.
Only the standard library is needed to start a server and run the client; connecting
imports pymysql.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
from collections.abc import Sequence
from pathlib import Path

from sqlgen.verify import throwaway
from sqlgen.verify.server_processes import ForegroundChild
from sqlgen.verify.servers import (
    Argv,
    EngineNotFound,
    ScriptError,
    ServerError,
    ServerStartError,
    clean_env,
    program_version,
    server_os_user,
)
from sqlgen.verify.throwaway import Installation, ThrowawayServer

__all__ = [
    "MARIADB",
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
_SOCKET = "mariadbd.sock"  # in the server's directory
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


# --- finding the programs ------------------------------------------------------------


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
    version = program_version(mariadbd, _VERSION, clean_env(_ENV_PREFIXES))
    if version is None:
        raise MariaDBNotFound(f"{mariadbd} --version did not run or did not say its version")
    os_user = server_os_user(OS_USER, "MariaDB", MariaDBNotFound)
    return Installation(
        init=install_db, server=mariadbd, version=version, client=find("mariadb"), os_user=os_user
    )


# --- the commands and the readiness probe --------------------------------------------


def _install_db(server: ThrowawayServer) -> Argv:
    return [
        server.installation.init,
        "--no-defaults",  # must come first
        f"--datadir={server.data_dir}",
        "--auth-root-authentication-method=normal",  # root@localhost, 127.0.0.1, ::1
        "--skip-test-db",
        "--skip-name-resolve",  # no resolveip: works without DNS for our hostname
        f"--tmpdir={server.root}",
        *_INNODB,
    ]


def _mariadbd(server: ThrowawayServer, options: Sequence[str]) -> Argv:
    """mariadbd in the foreground, reading no option files, utf8mb4 by default."""
    return [
        server.installation.server,
        "--no-defaults",  # must come first
        f"--datadir={server.data_dir}",
        f"--socket={server.root / _SOCKET}",
        f"--port={server.port}",
        f"--bind-address={server.host}",
        "--skip-networking=0",
        f"--pid-file={server.root / 'mariadbd.pid'}",
        f"--log-error={server.log_path}",
        f"--tmpdir={server.root}",
        "--skip-name-resolve",
        "--character-set-server=utf8mb4",
        *_INNODB,
        *options,
    ]


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


def _client_args(server: ThrowawayServer, database: str, path: Path) -> Argv:
    """The mariadb client reads the file on stdin and stops at its first error."""
    argv: Argv = ["--no-defaults", "--batch", "--default-character-set=utf8mb4"]
    argv += ["--protocol=TCP", "-h", server.host, "-P", str(server.port), "-u", SUPERUSER]
    return [*argv, "--connect-timeout=10", database]


MARIADB = throwaway.ServerEngine(
    label="MariaDB",
    locate=locate,
    errors=throwaway.EngineErrors(MariaDBNotFound, MariaDBStartError, MariaDBClientError),
    temp_prefix="sqlgen-mariadb-",
    env_prefixes=_ENV_PREFIXES,
    log_name="mariadbd.err",  # its error log: startup, shutdown and errors
    init=throwaway.InitCommand(_install_db, timeout=300, reports_on_stdout=True),
    process=ForegroundChild(_mariadbd, _greets, socket_name=_SOCKET, output_name="mariadbd.out"),
    port_in_use=("Address already in use", "Bind on TCP/IP port"),
    # no admin database: CREATE and DROP DATABASE need none
    connection=throwaway.Connection(
        "mysql+pymysql", "pymysql", SUPERUSER, options={"password": "", "charset": "utf8mb4"}
    ),
    databases=throwaway.DatabaseStatements(
        "`", "CREATE DATABASE {name} CHARACTER SET utf8mb4", "DROP DATABASE IF EXISTS {name}"
    ),
    client=throwaway.SqlClient("mariadb", _client_args, env={"LC_ALL": "C"}, reads_stdin=True),
)

MariaDBServer = ThrowawayServer  # a running MariaDB server, as the tests name it
throwaway_server = MARIADB.throwaway_server
