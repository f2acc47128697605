"""Where a dialect's scripts are verified: an embedded file, a throwaway server, or a
scratch database on a server the user names.

Verification never touches a database the user did not name, and never the
database in a URL: it creates a scratch database next to it and drops it after
(unless --keep). Without a URL, PostgreSQL and MariaDB/MySQL get a throwaway
local server when their binaries are installed; SQL Server, Oracle and the cloud
engines are "not verified".
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlgen.dialects.profiles import Profile
from sqlgen.verify.servers import EngineNotFound


@dataclass(frozen=True)
class Target:
    url: str  # SQLAlchemy URL of the scratch database
    description: str  # for messages: "embedded SQLite", "throwaway PostgreSQL 15", ...
    kept: str | None = None  # what --keep left behind, if anything


class NotVerifiable(Exception):
    """This dialect cannot be verified here; the message says why."""


def scratch_name() -> str:
    return f"sqlgen_verify_{secrets.token_hex(4)}"


@contextmanager
def _embedded(kind: str, workdir: Path, keep: bool) -> Iterator[Target]:
    path = workdir / f"verify.{kind}"
    yield Target(f"{kind}:///{path}", f"embedded {kind} ({path.name})", str(path) if keep else None)


@contextmanager
def _on_named_server(url: str, keep: bool) -> Iterator[Target]:
    """A scratch database created on the server of `url`, dropped afterwards."""
    from sqlalchemy import create_engine, make_url, text

    server = make_url(url)
    name = scratch_name()
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {name}"))
        try:
            where = f"scratch database {name} on {server.host or 'the server'}"
            yield Target(
                server.set(database=name).render_as_string(hide_password=False),
                where,
                where if keep else None,
            )
        finally:
            if not keep:
                with admin.connect() as connection:
                    connection.execute(text(f"DROP DATABASE {name}"))
    finally:
        admin.dispose()


@contextmanager
def _throwaway(module_name: str, label: str) -> Iterator[Target]:
    import importlib

    module = importlib.import_module(f"sqlgen.verify.{module_name}")
    try:
        installation = module.locate()
    except EngineNotFound as exc:
        raise NotVerifiable(f"no URL given and no local {label} server to start: {exc}") from exc
    with module.throwaway_server(installation) as server:
        database = server.create_database()
        yield Target(server.url(database), f"throwaway local {label} server")


_LOCAL: dict[str, Callable[[Path, bool], Any]] = {
    "sqlite": lambda workdir, keep: _embedded("sqlite", workdir, keep),
    "duckdb": lambda workdir, keep: _embedded("duckdb", workdir, keep),
    "postgresql": lambda workdir, keep: _throwaway("postgres_server", "PostgreSQL"),
    "mysql": lambda workdir, keep: _throwaway("mariadb_server", "MariaDB"),
    "mariadb": lambda workdir, keep: _throwaway("mariadb_server", "MariaDB"),
}


def target_for(profile: Profile, url: str | None, workdir: Path, keep: bool) -> Any:
    """A context manager giving the Target to verify `profile`'s scripts on."""
    if url:
        return _on_named_server(url, keep)
    local = _LOCAL.get(profile.verify)
    if local is None:
        raise NotVerifiable(f"{profile.name} is verified only on a server you name with --url")
    return local(workdir, keep)
