"""A stand-in database server, so that a dialect is initialized offline as online.

SQLAlchemy makes a dialect's version-dependent choices in `Dialect.initialize()`,
on the first connection to a server: Oracle's native BOOLEAN (23 and later) and
IDENTITY columns (12 and later), SQL Server's VARCHAR(max) for Text (2012 and
later), MariaDB's sequences, RETURNING and native UUID, MySQL's connection
character set and quoting, PostgreSQL's identity columns and backslash escapes.
sqlgen never connects, so `offline_dialect` runs the dialect's own initialize()
against a `StandInConnection`: a connection to an imaginary server of the
requested version that answers what initialize() asks and nothing else.

Where the dialect has a small hook for a question (`_get_server_version_info`,
`_get_default_schema_name`, `get_default_isolation_level`, Oracle's
`_get_effective_compat_server_version_info`, and the driver-level hooks that read
the DBAPI module or connection: MySQL's `_detect_charset`, Oracle's
`_detect_decimal_char` and `_check_max_identifier_length`, psycopg's hstore
lookups), the hook is replaced on the instance for the duration of initialize().
MySQL's version goes through the dialect's own `_parse_server_version`, which also
tells MySQL from MariaDB. What initialize() asks as SQL
(PostgreSQL's `show standard_conforming_strings`, MySQL's `@@sql_mode` and
`@@lower_case_table_names`, SQL Server's NVARCHAR(max) and extended-property
probes) is answered as a server of that version answers it, so the dialect's own
logic decides. SQLite's dialect reads the library's version when it is built,
not in initialize(): it is built with a stand-in `sqlite3` module reporting the
version.

A question the stand-in cannot answer (a third-party dialect asking its server
something else) raises `ServerQuestion`; the dialect is then built as before
this module existed (only `server_version_info` and `default_schema_name` set),
and `server_of(dialect)` says why (the runner puts it in DialectRun.server, for
the script header).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from types import MethodType
from typing import Any, cast

from sqlalchemy import exc
from sqlalchemy.engine import Dialect
from sqlalchemy.engine.result import IteratorResult, SimpleResultMetaData

from sqlgen.pipeline.captured import OfflineServer, one_line
from sqlgen.runtime import internals

Version = tuple[int, ...]
Rows = Sequence[tuple[Any, ...]]


class ServerQuestion(Exception):
    """Something a dialect asked its server that the stand-in cannot answer offline."""


_SERVERS: weakref.WeakKeyDictionary[Dialect, OfflineServer] = weakref.WeakKeyDictionary()


def server_of(dialect: Dialect | None) -> OfflineServer | None:
    """The server `offline_dialect` built `dialect` for; None for any other dialect."""
    return _SERVERS.get(dialect) if dialect is not None else None


def version_text(version: Sequence[int]) -> str:
    return ".".join(str(part) for part in version)


# --- what a server answers ---


def _failed(statement: str, message: str) -> exc.DBAPIError:
    """The error a server of this version raises for `statement`."""
    return exc.ProgrammingError(statement, None, Exception(message))


# the servers' default isolation levels, by dialect name: SQLAlchemy's drivers ask their
# connection object for it, or run queries the stand-in does not answer
_ISOLATION_LEVELS = {
    "postgresql": "READ COMMITTED",
    "mysql": "REPEATABLE READ",
    "mariadb": "REPEATABLE READ",
    "oracle": "READ COMMITTED",
    "mssql": "READ COMMITTED",
    "sqlite": "SERIALIZABLE",
}


def _normalized(statement: str) -> str:
    return " ".join(statement.split()).lower()


class _Server:
    """A server of one dialect family and one version: its answers and hooks.

    `answers` maps a statement (lower case, whitespace collapsed) to its rows, or
    to the error the server raises for it. `hooks` are the dialect methods replaced
    on the instance while initialize() runs: name -> function(dialect, *args).
    """

    def __init__(self, version: Version, default_schema: str | None) -> None:
        self.version = version
        self.default_schema = default_schema

    def answers(self) -> Mapping[str, Rows | exc.DBAPIError]:
        return {}

    def answer(self, statement: str) -> Rows:
        found = self.answers().get(_normalized(statement))
        if found is None:
            raise ServerQuestion(f"asked {one_line(statement)!r}")
        if isinstance(found, exc.DBAPIError):
            raise found
        return found

    def construct(self, cls: type[Dialect]) -> Dialect:
        # named paramstyle: a literal % is never doubled, as with Alembic's offline mode
        return cast(Dialect, cast(Any, cls)(paramstyle="named"))

    def server_version_info(self, dialect: Dialect, connection: Any) -> Version:
        return self.version

    def hooks(self, dialect: Dialect) -> dict[str, Callable[..., Any]]:
        return {
            internals.SERVER_VERSION_INFO: self.server_version_info,
            internals.DEFAULT_SCHEMA_NAME: lambda d, connection: self.default_schema,
            "get_default_isolation_level": self._isolation_level,
        }

    def _isolation_level(self, dialect: Dialect, dbapi_connection: Any) -> str | None:
        """The server's default isolation level: known for SQLAlchemy's own dialects, else
        the dialect's own answer where it needs no server (Snowflake's, Trino's), else
        unknown: None, as SQLAlchemy has it for a dialect that cannot tell (no SQL
        sqlgen writes depends on it)."""
        if dialect.name in _ISOLATION_LEVELS:
            return _ISOLATION_LEVELS[dialect.name]
        own = type(dialect).get_default_isolation_level
        try:
            return cast(str | None, own(dialect, dbapi_connection))
        except Exception:
            raise NotImplementedError from None


class _PostgreSQL(_Server):
    def answers(self) -> Mapping[str, Rows | exc.DBAPIError]:
        # standard_conforming_strings is on by default from PostgreSQL 9.1
        conforming = "on" if self.version >= (9, 1) else "off"
        return {
            "show standard_conforming_strings": [(conforming,)],
        }

    def hooks(self, dialect: Dialect) -> dict[str, Callable[..., Any]]:
        # psycopg and psycopg2 look for the hstore extension through the DBAPI
        # connection; a new database has none
        return super().hooks(dialect) | {
            internals.PG_TYPE_INFO_FETCH: lambda d, connection, name: None,
            internals.PG_HSTORE_OIDS: lambda d, dbapi_connection: None,
        }


# MySQL's and MariaDB's default sql_mode, by version (none has ANSI_QUOTES or
# NO_BACKSLASH_ESCAPES, the two modes SQLAlchemy looks for)
_MYSQL_8_MODE = (
    "ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,"
    "ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION"
)
_MYSQL_57_MODE = (
    "ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,"
    "ERROR_FOR_DIVISION_BY_ZERO,NO_AUTO_CREATE_USER,NO_ENGINE_SUBSTITUTION"
)
_MARIADB_MODE = (
    "STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_AUTO_CREATE_USER,NO_ENGINE_SUBSTITUTION"
)


class _MySQL(_Server):
    """MySQL, or MariaDB when the dialect is SQLAlchemy's MariaDB dialect."""

    mariadb = False

    @property
    def sql_mode(self) -> str:
        if self.mariadb:
            if self.version >= (10, 2, 4):
                return _MARIADB_MODE
            if self.version >= (10, 1, 7):
                return "NO_ENGINE_SUBSTITUTION,NO_AUTO_CREATE_USER"
            return ""
        if self.version >= (8,):
            return _MYSQL_8_MODE
        return _MYSQL_57_MODE if self.version >= (5, 7, 5) else "NO_ENGINE_SUBSTITUTION"

    def answers(self) -> Mapping[str, Rows | exc.DBAPIError]:
        settings = {
            "sql_mode": self.sql_mode,
            "lower_case_table_names": "0",  # a server on Linux
        }
        found: dict[str, Rows | exc.DBAPIError] = {}
        for name, value in settings.items():
            found[f"select @@{name}"] = [(value,)]  # SQLAlchemy asks so from 5.6
            found[f"show variables like '{name}'"] = [(name, value)]  # and so before
        return found

    def server_version_info(self, dialect: Dialect, connection: Any) -> Version:
        # through the dialect's own parsing of SELECT VERSION(), which also tells
        # MySQL from MariaDB (and sets the dialect up for MariaDB)
        reported = version_text(self.version) + ("-MariaDB" if self.mariadb else "")
        return internals.parse_server_version(dialect, reported)

    def hooks(self, dialect: Dialect) -> dict[str, Callable[..., Any]]:
        # the connection's character set, which every MySQL driver reads from its
        # own connection object: utf8mb4, the default of current drivers and servers
        return super().hooks(dialect) | {
            internals.MYSQL_DETECT_CHARSET: lambda d, connection: "utf8mb4"
        }


class _MariaDB(_MySQL):
    mariadb = True


class _Oracle(_Server):
    def hooks(self, dialect: Dialect) -> dict[str, Callable[..., Any]]:
        def decimal_char(d: Any, connection: Any) -> None:
            internals.set_decimal_char(d, ".")  # NLS_NUMERIC_CHARACTERS of the default territory

        return super().hooks(dialect) | {
            # a database's COMPATIBLE parameter is its release unless lowered
            internals.ORACLE_COMPAT_VERSION: lambda d, connection: self.version,
            # the drivers ask their connection object; the server's answer is this
            internals.ORACLE_MAX_IDENTIFIER_LENGTH: internals.oracle_max_identifier_length(),
            internals.ORACLE_DECIMAL_CHAR: decimal_char,
        }


class _SQLServer(_Server):
    def answers(self) -> Mapping[str, Rows | exc.DBAPIError]:
        nvarchar_max = "select cast('test max support' as nvarchar(max))"
        comments = (
            "select 1 from fn_listextendedproperty"
            "(default, default, default, default, default, default, default)"
        )
        if self.version >= (9,):  # SQL Server 2005 added both
            return {nvarchar_max: [("test max support",)], comments: []}
        return {
            nvarchar_max: _failed(nvarchar_max, "Incorrect syntax near 'max'."),
            comments: _failed(comments, "Invalid object name 'fn_listextendedproperty'."),
        }


class _SQLiteLibrary:
    """The `sqlite3` module as far as SQLite's dialect asks when it is built."""

    paramstyle = "qmark"

    def __init__(self, version: Version) -> None:
        self.sqlite_version_info = version
        self.sqlite_version = version_text(version)


class _SQLite(_Server):
    def construct(self, cls: type[Dialect]) -> Dialect:
        # SQLite's dialect makes its version-dependent choices (RETURNING from 3.35,
        # multi-row VALUES from 3.7.11...) when built, from the sqlite3 module's version
        dialect = cast(Any, cls)(paramstyle="named", dbapi=_SQLiteLibrary(self.version))
        dialect.dbapi = None  # no driver: nothing may take the stand-in for one
        return cast(Dialect, dialect)


_FAMILIES: dict[str, type[_Server]] = {
    "postgresql": _PostgreSQL,
    "mysql": _MySQL,
    "oracle": _Oracle,
    "mssql": _SQLServer,
    "sqlite": _SQLite,
}


def _server_for(cls: type[Dialect], version: Version, default_schema: str | None) -> _Server:
    """The stand-in for the dialect's family: the first SQLAlchemy dialect it derives from."""
    family = None
    for klass in cls.__mro__:
        parts = klass.__module__.split(".")
        if parts[:2] == ["sqlalchemy", "dialects"] and len(parts) > 2:
            family = parts[2]
            break
    server = _FAMILIES.get(family or "", _Server)
    if server is _MySQL and getattr(cls, "is_mariadb", False):
        server = _MariaDB
    return server(version, default_schema)


# --- the connection initialize() gets ---


def _result(rows: Rows) -> IteratorResult[Any]:
    width = len(rows[0]) if rows else 1
    return IteratorResult(SimpleResultMetaData([f"c{i}" for i in range(width)]), iter(rows))


class _StandInCursor:
    def __init__(self, server: _Server) -> None:
        self._server = server
        self._rows: list[tuple[Any, ...]] = []

    def execute(self, statement: str, parameters: Any = None) -> None:
        self._rows = list(self._server.answer(statement))

    def fetchone(self) -> tuple[Any, ...] | None:
        return self._rows.pop(0) if self._rows else None

    def fetchall(self) -> list[tuple[Any, ...]]:
        rows, self._rows = self._rows, []
        return rows

    def close(self) -> None:
        pass

    def __enter__(self) -> _StandInCursor:
        return self

    def __exit__(self, *exc_info: object) -> None:
        pass

    def __getattr__(self, name: str) -> Any:
        raise ServerQuestion(f"used the DBAPI cursor's {name!r}")


class _StandInDBAPIConnection:
    """The pooled and the driver connection: a cursor that answers, and nothing else."""

    def __init__(self, server: _Server) -> None:
        self._server = server

    @property
    def dbapi_connection(self) -> _StandInDBAPIConnection:
        return self

    @property
    def driver_connection(self) -> _StandInDBAPIConnection:
        return self

    def cursor(self) -> _StandInCursor:
        return _StandInCursor(self._server)

    def __getattr__(self, name: str) -> Any:
        raise ServerQuestion(f"read the DBAPI connection's {name!r}")


class StandInConnection:
    """What initialize() gets for a Connection: a server of one version that only answers."""

    def __init__(self, dialect: Dialect, server: _Server) -> None:
        self.dialect = dialect
        self._server = server
        self.connection = _StandInDBAPIConnection(server)

    def exec_driver_sql(self, statement: str, *args: Any, **kwargs: Any) -> IteratorResult[Any]:
        return _result(self._server.answer(statement))

    def execute(self, statement: Any, *args: Any, **kwargs: Any) -> IteratorResult[Any]:
        return _result(self._server.answer(str(statement)))

    def scalar(self, statement: Any, *args: Any, **kwargs: Any) -> Any:
        return self.execute(statement).scalar()

    def __getattr__(self, name: str) -> Any:
        raise ServerQuestion(f"used Connection.{name}")


@contextmanager
def _hooked(dialect: Dialect, hooks: Mapping[str, Callable[..., Any]]) -> Iterator[None]:
    """`hooks` replace the dialect's methods of those names, on this instance only."""
    installed = [name for name in hooks if hasattr(type(dialect), name)]
    for name in installed:
        setattr(dialect, name, MethodType(hooks[name], dialect))
    try:
        yield
    finally:
        for name in installed:
            dialect.__dict__.pop(name, None)


def offline_dialect(
    cls: type[Dialect],
    version: Version | None,
    *,
    default_schema: str | None = None,
    chosen: bool = False,
) -> Dialect:
    """A dialect of `cls` initialized as on its first connection to a server of `version`.

    Without a version, or when the dialect asks something the stand-in cannot
    answer, the dialect is only told the version and the default schema, and
    `server_of()` says why it was not initialized.
    """
    if not version:
        dialect = cast(Any, cls)(paramstyle="named")
        if default_schema:
            dialect.default_schema_name = default_schema
        _SERVERS[dialect] = OfflineServer(None, chosen, False, "no server version was given")
        return cast(Dialect, dialect)
    server = _server_for(cls, version, default_schema)
    try:
        dialect = server.construct(cls)
        with _hooked(dialect, server.hooks(dialect)):
            dialect.initialize(cast(Any, StandInConnection(dialect, server)))
    except Exception as error:  # a question the stand-in cannot answer, or one it got wrong
        dialect = cast(Any, cls)(paramstyle="named")
        # code that reads dialect.server_version_info works offline as it would online
        dialect.server_version_info = version
        if default_schema:
            dialect.default_schema_name = default_schema
        reason = f"{type(error).__name__}: {one_line(str(error))}" if str(error) else repr(error)
        _SERVERS[dialect] = OfflineServer(version, chosen, False, reason)
        return cast(Dialect, dialect)
    if default_schema:
        dialect.default_schema_name = default_schema
    _SERVERS[dialect] = OfflineServer(version, chosen, True)
    return dialect
