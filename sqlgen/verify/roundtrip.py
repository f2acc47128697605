"""The round trip: upgrade, downgrade, upgrade again, on a real engine.

The scripts are applied unit by unit as written (BEGIN/COMMIT, GO, `/`) over one
autocommit connection. After each pass the schema is reflected and the version
table read. It passes when every statement ran, the downgrade gives back the
schema from before the upgrade, the second upgrade gives the first one's, and
the version table holds the expected heads after every pass.

With `rows` (the default; see sqlgen.verify.checks and docs/verify.md), the
upgrade and the downgrade run revision by revision on tables holding rows made
from the schema model, checked after each revision; the second upgrade runs as a
whole, on the rows the downgrade left.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlgen.verify.checks import RowPass, RowsFailed, Session
from sqlgen.verify.rows import RowMaker
from sqlgen.verify.schema import Difference, Snapshot, differences, reflect
from sqlgen.verify.split import Unit
from sqlgen.verify.timeline import Timeline

# the engines rows are inserted on (SQLAlchemy dialect names); others run on empty tables
ROW_ENGINES = ("sqlite", "duckdb", "postgresql", "mysql", "mariadb")


@dataclass(frozen=True)
class Script:
    name: str  # as shown to users: the file's path relative to the output folder
    units: Sequence[Unit]


@dataclass(frozen=True)
class Rows:
    """What the upgrade and the downgrade do to the tables, revision by revision."""

    upgrade: Timeline
    downgrade: Timeline


@dataclass
class RoundTrip:
    upgrade: Script
    downgrade: Script
    start: tuple[str, ...]  # heads before the upgrade
    end: tuple[str, ...]  # heads after it
    setup: Script | None = None  # brings an empty database to `start`
    version_table: str = "alembic_version"
    revision_files: Mapping[str, str] = field(default_factory=dict)  # id -> migration file
    rows: Rows | None = None  # None: on empty tables (--empty)
    sqlite_foreign_keys: bool = True  # PRAGMA foreign_keys = ON, as applications run SQLite


@dataclass(frozen=True)
class Problem:
    phase: str
    message: str

    def line(self) -> str:
        return f"{self.phase}: {self.message}"


class StatementFailed(Exception):
    def __init__(self, script: Script, unit: Unit, error: BaseException) -> None:
        super().__init__(str(error))
        self.script = script
        self.unit = unit
        self.error = error


def _autocommit(connection: Any) -> None:
    """Let the script's own BEGIN/COMMIT decide the transactions."""
    module = type(connection).__module__.split(".")[0]
    if module == "sqlite3":
        connection.isolation_level = None
    elif module == "pymysql":
        connection.autocommit(True)
    elif module != "duckdb":  # duckdb commits each statement unless told BEGIN
        connection.autocommit = True


def _executor(engine: Any) -> tuple[Session, Callable[[], None]]:
    raw = engine.raw_connection()
    connection = raw.driver_connection
    _autocommit(connection)
    cursor = connection.cursor()

    def execute(sql: str) -> None:
        cursor.execute(sql)

    def query(sql: str) -> list[tuple[Any, ...]]:
        cursor.execute(sql)
        return [tuple(row) for row in cursor.fetchall()]

    return Session(execute, query), raw.close


def _apply(execute: Callable[[str], None], script: Script) -> int:
    for unit in script.units:
        try:
            execute(unit.sql)
        except Exception as exc:  # the engine's own error, whatever the driver calls it
            raise StatementFailed(script, unit, exc) from exc
    return len(script.units)


def _versions(engine: Any, table: str) -> set[str] | None:
    from sqlalchemy import inspect, text

    if not inspect(engine).has_table(table):
        return None
    with engine.connect() as connection:
        return {str(row[0]) for row in connection.execute(text(f"SELECT version_num FROM {table}"))}


def _origin(name: str, script: Script, dialect: str) -> Unit | None:
    """The first unit of `script` that names `name`: where a left-over object came from."""
    from sqlglot.dialects.dialect import Dialect

    tokenizer = Dialect.get_or_raise(dialect)
    for unit in script.units:
        try:
            tokens = tokenizer.tokenize(unit.sql)
        except Exception:  # a unit sqlglot cannot read names nothing we can find
            continue
        if any(token.text.lower() == name.lower() for token in tokens):
            return unit
    return None


class Verifier:
    def __init__(self, trip: RoundTrip, url: str, sqlglot_dialect: str) -> None:
        self.trip = trip
        self.url = url
        self.dialect = sqlglot_dialect
        self.problems: list[Problem] = []
        self.log: list[str] = []
        self.notes: list[str] = []  # about the rows: what was inserted, tables left empty
        self.rows: RowPass | None = None

    def _check_versions(self, engine: Any, phase: str, expected: tuple[str, ...]) -> None:
        found = _versions(engine, self.trip.version_table)
        if found is not None and found != set(expected):
            wanted = ", ".join(sorted(expected)) or "no rows"
            have = ", ".join(sorted(found)) or "no rows"
            self.problems.append(
                Problem(phase, f"{self.trip.version_table} holds {have}, not {wanted}")
            )

    def _explain(self, difference: Difference) -> str:
        """The difference, and which revision's upgrade made the object."""
        if difference.kind != "left over" or not difference.name:
            return difference.line()
        unit = _origin(difference.name, self.trip.upgrade, self.dialect)
        if unit is None or unit.revision is None:
            return difference.line()
        where = self.trip.revision_files.get(unit.revision, "")
        made = f"{self.trip.upgrade.name}:{unit.line}"
        return (
            f"{difference.line()}: revision {unit.revision}"
            + (f" ({where})" if where else "")
            + f" creates it ({made}) and its downgrade does not remove it"
        )

    def _compare(self, phase: str, expected: Snapshot, actual: Snapshot) -> None:
        for difference in differences(expected, actual):
            self.problems.append(Problem(phase, self._explain(difference)))

    def _start_rows(self, engine: Any, session: Session) -> None:
        """Rows from here on, where the engine takes them."""
        if self.trip.rows is None:
            return
        if engine.dialect.name not in ROW_ENGINES:
            self.notes.append(
                f"no rows: sqlgen inserts rows on SQLite, DuckDB, PostgreSQL and MariaDB/MySQL "
                f"only; {engine.dialect.name} was verified on empty tables"
            )
            return
        if engine.dialect.name == "sqlite" and self.trip.sqlite_foreign_keys:
            # as most applications run SQLite: foreign keys enforced, ON DELETE actions on
            session.execute("PRAGMA foreign_keys = ON")
        self.rows = RowPass(
            RowMaker(engine.dialect, self.dialect), session, self.trip.revision_files
        )

    def _pass(
        self, execute: Callable[[str], None], script: Script, timeline: Timeline | None
    ) -> int:
        """Apply a script: with rows revision by revision, or as a whole."""
        if self.rows is None or timeline is None:
            return _apply(execute, script)

        def run_unit(unit: Unit) -> None:
            try:
                execute(unit.sql)
            except Exception as exc:  # the engine's own error, whatever the driver calls it
                raise StatementFailed(script, unit, exc) from exc

        self.rows.apply(script.units, script.name, timeline, run_unit)
        return len(script.units)

    def run(self) -> list[Problem]:
        from sqlalchemy import create_engine

        engine = create_engine(self.url)
        session, close = _executor(engine)
        execute = session.execute
        trip = self.trip
        rows = trip.rows
        try:
            self._start_rows(engine, session)
            if trip.setup is not None:
                self.log.append(f"setup: {_apply(execute, trip.setup)} statement(s)")
            before = reflect(engine, trip.version_table)
            upgraded = self._pass(execute, trip.upgrade, rows.upgrade if rows else None)
            self.log.append(f"upgrade: {upgraded} statement(s)")
            first = reflect(engine, trip.version_table)
            self._check_versions(engine, "upgrade", trip.end)
            downgraded = self._pass(execute, trip.downgrade, rows.downgrade if rows else None)
            self.log.append(f"downgrade: {downgraded} statement(s)")
            self._compare("downgrade", before, reflect(engine, trip.version_table))
            self._check_versions(engine, "downgrade", trip.start)
            if not trip.start and _versions(engine, trip.version_table) == set():
                # a downgrade to base leaves the empty version table, as Alembic does;
                # the upgrade from base creates it, so drop it to upgrade again
                execute(f"DROP TABLE {trip.version_table}")
                self.log.append(f"dropped the empty {trip.version_table} the downgrade left")
            self.log.append(f"upgrade again: {_apply(execute, trip.upgrade)} statement(s)")
            self._compare("upgrade again", first, reflect(engine, trip.version_table))
            self._check_versions(engine, "upgrade again", trip.end)
        except StatementFailed as failed:
            unit = failed.unit
            revision = f"revision {unit.revision}" if unit.revision else "the script"
            where = trip.revision_files.get(unit.revision or "", "")
            error = " ".join(str(failed.error).split())
            hint = (
                self.rows.hint(unit, failed.error)
                if self.rows is not None and self.rows.inserted
                else ""
            )
            self.problems.append(
                Problem(
                    "statement failed",
                    f"{revision}{f' ({where})' if where else ''}, {failed.script.name}:{unit.line}:"
                    f" {type(failed.error).__name__}: {error}{hint}",
                )
            )
        except RowsFailed as failed:
            self.problems += [Problem(p.phase, p.message) for p in failed.problems]
        finally:
            close()
            engine.dispose()
            if self.rows is not None:
                self.notes = [self.rows.summary(), *self.rows.notes, *self.notes]
        return self.problems
