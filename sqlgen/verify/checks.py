"""Verify with rows: fill the tables before each revision, check them after it.

A script is applied revision by revision (its units grouped by the revision whose
`-- Running` comment they follow). Before a revision's units run, a few rows made
from the schema model (sqlgen.verify.rows) go into every table it has then; after
them, every row inserted so far must still be there, found by its key, with the
values it was given, unless the revision accounts for it: it drops the table or
the column, renames them (the rows follow), or its own SQL deletes from or
updates the table (or cascades from one that it does). Then, for each table the
revision created or altered that has server defaults, a row that leaves every
defaulted column out is inserted: the defaults must work.

The first revision that loses rows, changes them, or refuses an insert stops the
pass with a problem naming the revision, its migration file, the script line and
the rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlgen.model import TableKey, TableModel
from sqlgen.verify.rows import (
    CannotFill,
    NoRow,
    Row,
    RowMaker,
    canonical,
    kind_of,
    left_to_default,
    order,
)
from sqlgen.verify.split import Unit
from sqlgen.verify.timeline import ALL, Change, Timeline

ROWS_PER_REVISION = 2
_SHOWN = 3  # rows named in a message
# kinds whose values read back exactly, so they identify a row and can be compared
_STABLE = ("int", "string", "numeric", "uuid", "enum", "bool", "date")
_KEYS = ("int", "string", "numeric", "uuid", "enum", "date")
EMPTY_HINT = "`sqlgen verify --empty` runs on empty tables"


@dataclass(frozen=True)
class RowProblem:
    phase: str
    message: str


class RowsFailed(Exception):
    def __init__(self, problems: Sequence[RowProblem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = list(problems)


@dataclass
class Session:
    """The connection the scripts run on: a statement, and a query's rows."""

    execute: Callable[[str], None]
    query: Callable[[str], list[tuple[Any, ...]]]


def _mentions(sql: str, name: str) -> bool:
    return re.search(rf"(?<![\w$]){re.escape(name)}(?![\w$])", sql, re.I) is not None


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


@dataclass
class RowPass:
    maker: RowMaker
    session: Session
    files: Mapping[str, str]  # revision id -> migration file, for messages
    tracked: dict[TableKey, list[Row]] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    inserted: int = 0
    probes: int = 0
    revisions: int = 0
    _noted: set[str] = field(default_factory=set)
    # the table each one was last filled as: a table is filled again once its shape changed
    shapes: dict[TableKey, TableModel] = field(default_factory=dict)
    filled: set[str] = field(default_factory=set)  # the tables rows went into, by name

    # --- messages ---

    def note(self, text: str) -> None:
        if text not in self._noted:
            self._noted.add(text)
            self.notes.append(text)

    def _where(self, revision: str, script: str, unit: Unit) -> str:
        file = self.files.get(revision, "")
        return f"revision {revision}{f' ({file})' if file else ''}, {script}:{unit.line}"

    def summary(self) -> str:
        tables = len(self.filled)
        return (
            f"rows: {self.inserted} inserted into {tables} table(s) before {self.revisions} "
            f"revision(s) and checked after each; {self.probes} INSERT(s) relying on defaults"
        )

    # --- the pass ---

    def apply(
        self,
        units: Sequence[Unit],
        script: str,
        timeline: Timeline,
        run_unit: Callable[[Unit], None],
    ) -> None:
        """Run the units revision by revision, with rows; RowsFailed on the first problem."""
        if timeline.unknown:
            self.note(f"no rows: {timeline.unknown}")
        for key, why in sorted(timeline.skipped.items(), key=lambda i: (i[0][0] or "", i[0][1])):
            self.note(f"table {key[1]}: no rows ({why})")
        pending = dict(timeline.changes)
        for revision, group in _groups(units):
            change = pending.pop(revision, None) if revision else None
            if change is not None and not timeline.unknown and change.reads:
                # --data-reads=empty rendered it for empty tables: give it empty tables
                self._empty(change)
                change = None
            if change is not None and not timeline.unknown:
                self.revisions += 1
                self._fill(change, timeline, script, group)
            for unit in group:
                run_unit(unit)
            if change is not None and not timeline.unknown:
                self._check(change, timeline, script, group)

    def _insert(self, sql: str) -> str | None:
        """Run sqlgen's INSERT; the engine's error if it refuses it. Within the script's
        open transaction a savepoint keeps a refusal from aborting it (PostgreSQL); an
        engine without savepoints (DuckDB) that refuses cannot go on: RowsFailed."""
        # DuckDB has no savepoints, and a failed statement aborts its transaction
        duckdb = self.maker.engine == "duckdb"
        savepoint = not duckdb and self._quietly("SAVEPOINT sqlgen_rows")
        try:
            self.session.execute(sql)
        except Exception as exc:  # the engine's own error, whatever the driver calls it
            error = f"{type(exc).__name__}: {_one_line(str(exc))}"
            if savepoint:
                self._quietly("ROLLBACK TO SAVEPOINT sqlgen_rows")
            elif duckdb:
                raise RowsFailed([RowProblem("rows refused", error)]) from exc
            return error
        if savepoint:
            self._quietly("RELEASE SAVEPOINT sqlgen_rows")
        return None

    def _quietly(self, sql: str) -> bool:
        """Whether the statement ran (SAVEPOINT outside a transaction is an error on some
        engines, and needs nothing there: a refused statement aborts nothing)."""
        try:
            self.session.execute(sql)
        except Exception:  # the engine's own error, whatever the driver calls it
            return False
        return True

    def _empty(self, change: Change) -> None:
        """Delete every row before a revision that read data: with --data-reads=empty,
        its SQL was rendered as if its reads found no rows."""
        self.note(
            f"revision {change.revision} reads data at {change.reads[0]}; with "
            "--data-reads=empty its SQL was rendered for empty tables, so every table was "
            "emptied before it"
        )
        for key in reversed(order(change.before)):  # the tables that refer to others first
            try:
                self.session.execute(f"DELETE FROM {self.maker.quote_table(change.before[key])}")
            except Exception as exc:  # the engine's own error, whatever the driver calls it
                self.note(
                    f"table {key[1]}: not emptied ({type(exc).__name__}: {_one_line(str(exc))})"
                )
        self.tracked.clear()
        self.shapes.clear()

    def _next(self, table: TableModel) -> int:
        name = table.name.lower()
        self.counters[name] = self.counters.get(name, 0) + 1
        return self.counters[name]

    def _fillable(
        self, change_tables: Mapping[TableKey, TableModel], timeline: Timeline
    ) -> dict[TableKey, TableModel]:
        return {k: t for k, t in change_tables.items() if k not in timeline.skipped and t.columns}

    def _fill(self, change: Change, timeline: Timeline, script: str, group: Sequence[Unit]) -> None:
        tables = self._fillable(change.before, timeline)
        # a table holding rows of the shape it has now needs none
        due = {
            key: table
            for key, table in tables.items()
            if not self.tracked.get(key) or self.shapes.get(key) is not table
        }
        for key in order(due):
            table = tables[key]
            known = self.tracked.setdefault(key, [])
            self.shapes[key] = table
            made: list[Row] = []
            for _ in range(ROWS_PER_REVISION):
                n = self._next(table)
                try:
                    row = self.maker.make(table, n, tables, self.tracked)
                except NoRow:
                    break
                except CannotFill as exc:
                    self.note(f"table {table.name}: no rows ({exc})")
                    break
                made.append(row)
                known.append(row)
            if not made:
                continue
            try:
                sql = self.maker.insert_sql(table, made)
            except ValueError as exc:  # a value the column's type cannot write as SQL
                del known[-len(made) :]
                self.note(f"table {table.name}: no rows (a value cannot be written: {exc})")
                continue
            error = self._insert(sql)
            if error is not None:
                # sqlgen's rows, not the migration, are in question: say so, and go on
                # without them (the revision still runs, on the rows the table has)
                del known[-len(made) :]
                self.note(
                    f"table {table.name}: rows refused before revision {change.revision} "
                    f"({error}); its rows are not checked there"
                )
                continue
            self.inserted += len(made)
            self.filled.add(table.name.lower())

    # --- after a revision ---

    def _follow(self, change: Change) -> None:
        """Move the tracked rows along the revision's renames and drops."""
        moved: dict[TableKey, list[Row]] = {}
        for key, rows in self.tracked.items():
            new = change.table_renames.get(key, key)
            if new not in change.after:
                continue  # dropped with its table
            if new == key and change.before.get(key) is change.after[key]:
                moved[key] = rows  # untouched
                continue
            columns = {c.name for c in change.after[new].columns}
            renames = change.column_renames.get(new, {})
            for row in rows:
                for old, name in renames.items():
                    if old in row:
                        row[name] = row.pop(old)
                for name in [c for c in row if c not in columns]:
                    del row[name]  # dropped with its column
            moved[new] = rows
        self.tracked = moved

    def _excused(self, change: Change) -> tuple[set[TableKey], set[TableKey]]:
        """Tables whose rows the revision may remove, and those whose values it may change."""
        tables = {**change.before, **change.after}
        if ALL in change.written:
            every = set(change.after)
            return every, every
        written = {k for k in change.after if k[1].lower() in change.written}
        written |= {
            new for old, new in change.table_renames.items() if old[1].lower() in change.written
        }
        removed = set(written)
        grew = True
        while grew:  # ON DELETE CASCADE from a table it deletes from
            grew = False
            for key, table in tables.items():
                if key in removed:
                    continue
                for fk in table.foreign_keys:
                    ondelete = str(dict(fk.options).get("ondelete", "")).upper()
                    if ondelete == "CASCADE" and any(
                        k[1].lower() == fk.referred_table.lower() for k in removed
                    ):
                        removed.add(key)
                        grew = True
                        break
        changed = set(removed)
        for key, table in tables.items():  # SET NULL / ON UPDATE change the referring rows
            if any(
                any(k[1].lower() == fk.referred_table.lower() for k in written)
                for fk in table.foreign_keys
            ):
                changed.add(key)
        return removed, changed

    def _check(
        self, change: Change, timeline: Timeline, script: str, group: Sequence[Unit]
    ) -> None:
        self._follow(change)
        removable, changeable = self._excused(change)
        reached = _reached(change, group)
        problems: list[RowProblem] = []
        for key, rows in self.tracked.items():
            if not rows or key in timeline.skipped or key not in reached:
                continue
            table = change.after[key]
            old_key = {v: k for k, v in change.table_renames.items()}.get(key, key)
            problem = self._compare(
                change,
                table,
                change.before.get(old_key),
                rows,
                key in removable,
                key in changeable,
                script,
                group,
            )
            if problem is not None:
                problems.append(problem)
        if problems:
            raise RowsFailed(problems)
        rebuilt = {_bare(m.group(1)) for m in map(_DROPPED.match, (u.sql for u in group)) if m}
        old = {new: key for key, new in change.table_renames.items()}
        # parents first: a probe row can then refer to the probe row of its parent
        for key in order({k: change.after[k] for k in change.changed if k in change.after}):
            if key in timeline.skipped:
                continue
            table, before = change.after[key], change.before.get(old.get(key, key))
            # defaults can break where the table is made, its columns change, or it is rebuilt
            if before is None or before.columns != table.columns or key[1].lower() in rebuilt:
                self._probe(change, table, timeline, script, group)

    def _columns(
        self,
        table: TableModel,
        before: TableModel | None,
        rows: Sequence[Row],
        renames: Mapping[str, str],
    ) -> tuple[list[str], list[str], list[str]]:
        """The columns that identify the tracked rows, the ones whose values are compared,
        and the ones the revision gave another type: their values may read back otherwise
        now (a datetime cast to an integer), so they are read again, not compared."""
        back = {new: old for old, new in renames.items()}
        stable: list[str] = []
        retyped: list[str] = []
        for column in table.columns:
            if before is not None:
                old = before.column(back.get(column.name, column.name))
                if old is not None and self.maker.type_sql(old) != self.maker.type_sql(column):
                    retyped.append(column.name)
                    continue
            if kind_of(column.type) in _STABLE:
                stable.append(column.name)
        keys = [c.name for c in table.columns if kind_of(c.type) in _KEYS and c.name in stable]
        sets = [table.primary_key.columns] if table.primary_key else []
        sets += [u.columns for u in table.uniques]
        for columns in sets:
            if columns and all(
                c in keys and all(row.get(c) is not None for row in rows) for c in columns
            ):
                return list(columns), stable, retyped
        everywhere = [c for c in keys if all(c in row for row in rows)]
        return everywhere, stable, retyped

    def _compare(
        self,
        change: Change,
        table: TableModel,
        before: TableModel | None,
        rows: list[Row],
        removable: bool,
        changeable: bool,
        script: str,
        group: Sequence[Unit],
    ) -> RowProblem | None:
        identity, stable, retyped = self._columns(
            table, before, rows, change.column_renames.get(table.key, {})
        )
        if not identity:
            for row in rows:  # their values cannot be read again: forget them
                for name in retyped:
                    row.pop(name, None)
            return None
        compared = [c for c in stable if c not in identity]
        names = identity + compared + retyped
        listed = ", ".join(self.maker.quote(c) for c in names)
        found: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        again: dict[tuple[Any, ...], tuple[Any, ...]] = {}  # the retyped columns' values
        for values in self.session.query(f"SELECT {listed} FROM {self.maker.quote_table(table)}"):
            canon = tuple(canonical(v) for v in values[: len(identity) + len(compared)])
            found.setdefault(canon[: len(identity)], canon[len(identity) :])
            again.setdefault(canon[: len(identity)], tuple(values[len(identity) + len(compared) :]))
        lost: list[Row] = []
        differ: list[str] = []
        kept: list[Row] = []
        for row in rows:
            key = tuple(canonical(row[c]) for c in identity)
            if key not in found:
                lost.append(row)
                continue
            kept.append(row)
            for name, now in zip(retyped, again[key], strict=True):
                row[name] = now
            for name, now in zip(compared, found[key], strict=True):
                if name not in row:
                    continue
                if canonical(row[name]) == now:
                    continue
                if changeable:
                    del row[name]  # the revision's own UPDATE: take it as it is
                else:
                    differ.append(f"{_show(row, identity)}: {name} {_value(row[name])} -> {now!r}")
        if lost and removable:
            rows[:] = kept
            lost = []
        if not lost and not differ:
            return None
        if lost:
            dropped = self._cascade(group, table)
            where = self._where(
                change.revision,
                script,
                dropped[0] if dropped else self._origin(group, table, change),
            )
            cause = (
                f" (it drops {dropped[1]}, the parent, and ON DELETE CASCADE deletes the rows "
                "with it: on SQLite a batch rebuild does that while PRAGMA foreign_keys is "
                "on; run the rebuild with foreign keys off)"
                if dropped
                else ""
            )
            shown = ", ".join(_show(row, identity) for row in lost[:_SHOWN])
            more = f" and {len(lost) - _SHOWN} more" if len(lost) > _SHOWN else ""
            return RowProblem(
                "rows lost",
                f"{where}: table {table.name} lost {len(lost)} of {len(rows)} row(s) sqlgen "
                f"inserted ({shown}{more}); the revision neither drops the table nor deletes "
                f"from it{cause}: keep the rows, or delete them in the revision if that is "
                f"intended ({EMPTY_HINT})",
            )
        where = self._where(change.revision, script, self._origin(group, table, change))
        shown = "; ".join(differ[:_SHOWN])
        more = f" and {len(differ) - _SHOWN} more" if len(differ) > _SHOWN else ""
        return RowProblem(
            "rows changed",
            f"{where}: table {table.name}: values of rows sqlgen inserted changed ({shown}{more}) "
            f"though the revision does not update the table: keep the values, or update them in "
            f"the revision if that is intended ({EMPTY_HINT})",
        )

    def _origin(
        self, group: Sequence[Unit], table: TableModel, change: Change, defaults: bool = False
    ) -> Unit:
        """The revision's first statement that names the table (with `defaults`: that makes
        or alters it with a DEFAULT, a batch rebuild's copy included), else its first."""
        old = {v: k for k, v in change.table_renames.items()}.get(table.key, table.key)
        names = {table.name, old[1], f"_alembic_tmp_{table.name}"}
        if defaults:
            for unit in group:
                makes = re.match(r"\s*(CREATE|ALTER)\s+TABLE\b", unit.sql, re.I)
                if (
                    makes
                    and re.search(r"\bDEFAULT\b", unit.sql, re.I)
                    and any(_mentions(unit.sql, name) for name in names)
                ):
                    return unit
        for unit in group:
            if any(_mentions(unit.sql, name) for name in names):
                return unit
        return group[0]

    def _cascade(self, group: Sequence[Unit], table: TableModel) -> tuple[Unit, str] | None:
        """The statement that dropped the parent whose ON DELETE CASCADE took the rows."""
        for fk in table.foreign_keys:
            if str(dict(fk.options).get("ondelete", "")).upper() != "CASCADE":
                continue
            for unit in group:
                dropped = _DROPPED.match(unit.sql)
                if dropped and _bare(dropped.group(1)) == fk.referred_table.lower():
                    return unit, fk.referred_table
        return None

    def _probe(
        self,
        change: Change,
        table: TableModel,
        timeline: Timeline,
        script: str,
        group: Sequence[Unit],
    ) -> None:
        defaulted = left_to_default(table)
        if not defaulted:
            return
        tables = self._fillable(change.after, timeline)
        n = self._next(table)
        try:
            row = self.maker.make(table, n, tables, self.tracked, probe=True)
        except (NoRow, CannotFill):
            return
        try:
            sql = self.maker.insert_sql(table, [row])
        except ValueError:
            return  # as for its rows, noted when the table was filled
        try:
            self.session.execute(sql)
        except Exception as exc:  # the engine's own error, whatever the driver calls it
            error = f"{type(exc).__name__}: {_one_line(str(exc))}"
            defaults = ", ".join(
                f"{c.name} DEFAULT {c.server_default}" for c in table.columns if c.name in defaulted
            )
            where = self._where(
                change.revision, script, self._origin(group, table, change, defaults=True)
            )
            raise RowsFailed(
                [
                    RowProblem(
                        "default insert failed",
                        f"{where}: an INSERT into {table.name} that leaves out {defaults} "
                        f"fails: {error}; give the column(s) a default the engine can "
                        f"evaluate ({EMPTY_HINT})",
                    )
                ]
            ) from exc
        self.probes += 1
        self.tracked.setdefault(table.key, []).append(row)

    def hint(self, unit: Unit, error: BaseException) -> str:
        """What a statement that failed with rows in the tables likely needs."""
        sql = " ".join(unit.sql.split())
        if _DROPPED.match(sql) and "FOREIGN KEY constraint failed" in str(error):
            return (
                "; rows sqlgen inserted into tables that refer to it block the DROP TABLE "
                "of this SQLite batch rebuild while PRAGMA foreign_keys is on: run the "
                "script with foreign keys off, as Alembic's batch mode requires "
                "(`sqlgen verify --no-sqlite-foreign-keys` when your application runs "
                f"SQLite without them; {EMPTY_HINT})"
            )
        adds = re.search(
            r"\bADD\b(?!\s+(CONSTRAINT|INDEX|PRIMARY|UNIQUE|FOREIGN|CHECK)\b)", sql, re.I
        )
        if (
            adds
            and re.search(r"\bNOT\s+NULL\b", sql, re.I)
            and not re.search(r"\bDEFAULT\b", sql, re.I)
        ):
            return (
                "; the table held rows sqlgen inserted, and a NOT NULL column added without a "
                "default cannot be filled for them: give it a server_default, or add it "
                f"nullable, fill it, then make it NOT NULL ({EMPTY_HINT})"
            )
        return ""


_DROPPED = re.compile(r"^\s*DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?([^\s;]+)", re.I)


def _bare(name: str) -> str:
    """A table name as written in SQL, without schema and quotes, lower-cased."""
    return name.rstrip(";").split(".")[-1].strip('"`[]').lower()


def _reached(change: Change, group: Sequence[Unit]) -> set[TableKey]:
    """The tables the revision's statements can touch: those they name or it changed, and
    the tables whose foreign keys lead to one it deletes from, updates or drops (their
    ON DELETE / ON UPDATE actions)."""
    words = {w.lower() for unit in group for w in re.findall(r"[\w$]+", unit.sql)}
    old = {new: key for key, new in change.table_renames.items()}
    reached = {
        key
        for key in change.after
        if key in change.changed or key[1].lower() in words or old.get(key, key)[1].lower() in words
    }
    sources = set(change.written)
    for unit in group:
        dropped = _DROPPED.match(unit.sql)
        if dropped:
            sources.add(_bare(dropped.group(1)))
    if ALL in sources:
        return set(change.after)
    grew = bool(sources)
    while grew:
        grew = False
        for key, table in change.after.items():
            if key[1].lower() not in sources and any(
                fk.referred_table.lower() in sources for fk in table.foreign_keys
            ):
                sources.add(key[1].lower())
                reached.add(key)
                grew = True
    return reached


def _groups(units: Sequence[Unit]) -> list[tuple[str | None, list[Unit]]]:
    groups: list[tuple[str | None, list[Unit]]] = []
    for unit in units:
        if groups and groups[-1][0] == unit.revision:
            groups[-1][1].append(unit)
        else:
            groups.append((unit.revision, [unit]))
    return groups


def _value(value: Any) -> str:
    return repr(canonical(value))


def _show(row: Row, identity: Sequence[str]) -> str:
    shown = ", ".join(f"{c}={canonical(row[c])}" for c in identity)
    return shown if len(identity) == 1 else f"({shown})"
