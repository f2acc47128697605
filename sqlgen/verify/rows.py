"""Rows for a table, made from the schema model: deterministic, and valid for the table.

Row number `n` of a table (counted per table name, never reused) gives every
column its value: a function of the column's type and `n` alone, so the same
model always gives the same rows. Values are chosen to stay clear of what
migrations usually insert themselves (integers count down from near the type's
maximum, strings start with `sg`), to be distinct from row to row (unique
constraints), and to fit the type (lengths, precision). Then:

- NOT NULL columns always get a value; nullable ones get one in even rows and
  NULL in odd rows, and stay NULL when the type has only a few values (booleans,
  enums), which a unique index would not take twice;
- a foreign key takes the key of a row already inserted into the table it refers
  to (parents are filled first); NULL when nullable and there is none, or when it
  refers to its own table;
- CHECK conditions are evaluated offline (sqlgen.verify.conditions); when the
  first values fail one, values built from the condition's own literals are
  tried; a condition beyond the evaluator leaves the table unfilled, with a note;
- computed columns, identity columns GENERATED ALWAYS, and nullable columns of
  a type sqlgen cannot write are left out; a NOT NULL column of such a type
  without a default leaves the table unfilled, with a note.

A "probe" row leaves out every column with a server default: inserting it proves
the defaults work on the engine.
"""

from __future__ import annotations

import itertools
import json
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import types as sqltypes

from sqlgen.model import ColumnModel, TableKey, TableModel, VerbatimType
from sqlgen.verify import conditions

Row = dict[str, Any]  # column -> the value inserted; a column left out is absent

_EPOCH = datetime(2001, 2, 3, 4, 5, 6)
_UUID_BASE = 0x5E70_0000_0000_0000_0000_0000_0000_0000  # "sqlgen" rows' UUIDs
_MAX_TRIES = 256  # value combinations tried against CHECK conditions


class CannotFill(Exception):
    """The table, as it is now, cannot be given rows; the message says why."""


class NoRow(Exception):
    """No further row fits now (unique values used up, no parent row yet)."""


def stored(type_: Any, dialect: Any = None) -> Any:
    """The type the database stores: a project's TypeDecorator (Airflow's UtcDateTime)
    is written as the type it stores on `dialect` (Airflow's ExtendedJSON is JSONB on
    PostgreSQL, TEXT elsewhere), bypassing conversions meant for its own objects."""
    while isinstance(type_, sqltypes.TypeDecorator):
        chosen = type_.load_dialect_impl(dialect) if dialect is not None else type_
        type_ = type_.impl_instance if chosen is type_ else chosen
    return type_


def left_to_default(table: TableModel) -> list[str]:
    """The columns a probe row leaves out, to see the database fill them: those with a
    server default, but not computed ones, nor a foreign key's (left to its default, a
    key column would refer to a parent row sqlgen cannot choose)."""
    referring = {c for fk in table.foreign_keys for c in fk.columns}
    return [
        c.name
        for c in table.columns
        if c.server_default is not None and c.computed is None and c.name not in referring
    ]


def kind_of(type_: Any) -> str | None:
    """What kind of value a column of this type takes; None: one sqlgen cannot write."""
    type_ = stored(type_)
    if isinstance(type_, sqltypes.Boolean):
        return "bool"
    if isinstance(type_, sqltypes.Enum):
        return "enum" if type_.enums else None
    if isinstance(type_, sqltypes.Integer):
        return "int"
    if isinstance(type_, sqltypes.Float):
        return "float"
    if isinstance(type_, sqltypes.Numeric):
        return "numeric" if type_.asdecimal else "float"
    if isinstance(type_, sqltypes.DateTime):
        return "datetime"
    if isinstance(type_, sqltypes.Date):
        return "date"
    if isinstance(type_, sqltypes.Time):
        return "time"
    if isinstance(type_, sqltypes.Uuid):
        return "uuid"
    if isinstance(type_, sqltypes.JSON):
        return "json"
    if isinstance(type_, sqltypes.String):
        return "string"
    if isinstance(type_, sqltypes.LargeBinary):
        return "binary"
    return None


def few_values(kind: str) -> bool:
    return kind in ("bool", "enum")


def _int_top(type_: Any) -> int:
    name = type(type_).__name__.upper()
    if "TINY" in name:
        return 120
    if "SMALL" in name:
        return 32_000
    if "MEDIUM" in name:
        return 8_000_000
    return 2_000_000_000


def _numeric(type_: Any, n: int, key: bool) -> Decimal | None:
    precision = getattr(type_, "precision", None) or 10
    scale = getattr(type_, "scale", None) or 0
    digits = max(precision - scale, 0)
    if digits == 0:
        return None
    top = 10 ** min(digits, 8) - 1
    if n > top:
        return None
    fraction = ".25" if scale >= 2 else ".5" if scale == 1 else ""
    return Decimal(f"{top - n if key else n}{fraction}")


def _base36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        n, rest = divmod(n, 36)
        text = digits[rest] + text
        if not n:
            return text


def _string(type_: Any, n: int) -> str | None:
    length = getattr(type_, "length", None)
    for text in (f"sg{n}", _base36(n)):
        if length is None or len(text) <= length:
            return text
    return None


def value(kind: str, type_: Any, n: int, engine: str, key: bool = True) -> Any:
    """Row n's value for a column; None when the type has no distinct value left for n.

    `key`: the column is part of a key (primary or unique): its numbers count down from
    near the type's maximum, clear of the small ones migrations insert themselves.
    Other numbers are n itself: distinct, and small as most data (and checks) expect."""
    type_ = stored(type_)
    if kind == "bool":
        return n % 2 == 0
    if kind == "enum":
        enums = list(type_.enums)
        return enums[n % len(enums)]
    if kind == "int":
        top = _int_top(type_)
        if not key:
            return n if n <= top else None
        return top - n if n < top else None
    if kind == "float":
        if not key:
            return n + 0.5
        return 1_000_000.5 - n if n < 1_000_000 else None
    if kind == "numeric":
        return _numeric(type_, n, key)
    if kind == "datetime":
        moment = _EPOCH + timedelta(minutes=n)
        if getattr(type_, "timezone", False) and engine in ("postgresql", "duckdb"):
            return moment.replace(tzinfo=UTC)
        return moment
    if kind == "date":
        return _EPOCH.date() + timedelta(days=n)
    if kind == "time":
        return time((n // 60) % 24, n % 60, 0)
    if kind == "uuid":
        made = uuid.UUID(int=_UUID_BASE + n)
        return made if getattr(type_, "as_uuid", True) else str(made)
    if kind == "json":
        return {"sqlgen": n}
    if kind == "binary":
        return f"sg{n}".encode()
    return _string(type_, n)


def _alternatives(kind: str, type_: Any, n: int, found: Iterable[Any]) -> list[Any]:
    """Values to try for a column when its first one fails a CHECK: from its literals."""
    options: list[Any] = []
    for literal in found:
        if kind in ("int", "numeric", "float") and isinstance(literal, Decimal):
            for step in (0, 1, -1, 1 + n, -1 - n):
                number = literal + step
                options.append(int(number) if kind == "int" else number)
        elif kind in ("string", "enum") and isinstance(literal, str):
            options.append(literal)
        elif kind == "string" and isinstance(literal, Decimal):
            width = int(literal)
            if 0 < width <= 64:
                options += [f"{n:0{width}d}"[-width:], f"{n:0{width + 1}d}"[-width - 1 :]]
        elif kind == "bool":
            options += [True, False]
    return options


def canonical(value: Any) -> Any:
    """A value as comparable across drivers: what was inserted and what is read back."""
    if value is None:
        return None
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int | float | Decimal):
        try:
            number = Decimal(str(value)).normalize()
        except InvalidOperation:
            return str(value)
        return format(number, "f")
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat(sep=" ", timespec="microseconds")
    if isinstance(value, date):
        return canonical(datetime(value.year, value.month, value.day))
    if isinstance(value, time):
        return value.isoformat(timespec="microseconds")
    if isinstance(value, dict | list):  # JSON, as a driver may read it back
        return json.dumps(value, sort_keys=True)
    text = str(value).rstrip()
    if text[:1] in ("{", "["):  # JSON, as a driver may read it back: as text
        try:
            return json.dumps(json.loads(text), sort_keys=True)
        except ValueError:
            return text
    if not text or not (text[0].isdigit() or text[0] in "-abcdefABCDEF"):
        return text  # the common case: no number, date or UUID starts so
    if re.fullmatch(
        r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}", text
    ):
        return text.replace("-", "").lower()
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        return canonical(Decimal(text))
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}([ T][0-9:.]+([+-]\d{2}:?\d{2}|Z)?)?", text):
        try:
            return canonical(datetime.fromisoformat(text))
        except ValueError:
            return text
    return text


@dataclass
class _Plan:
    """How one table's rows are made, as the table is now."""

    columns: list[ColumnModel]  # written, in table order
    kinds: dict[str, str]
    checks: list[tuple[str, Any]]  # (name or text, parsed condition)
    uniques: list[tuple[str, ...]]
    omitted_nullable: set[str] = field(default_factory=set)
    keys: set[str] = field(default_factory=set)  # columns of a primary or unique key


class RowMaker:
    """Makes rows for the tables of one engine; `engine` is its SQLAlchemy dialect."""

    def __init__(self, engine_dialect: Any, sqlglot_dialect: str) -> None:
        self.dialect = engine_dialect
        self.engine = engine_dialect.name
        self.sqlglot = sqlglot_dialect
        self._writable: dict[tuple[str, str], bool] = {}
        self._plans: dict[tuple[int, bool], _Plan] = {}

    # --- SQL ---

    def quote_table(self, table: TableModel) -> str:
        preparer = self.dialect.identifier_preparer
        name = preparer.quote(table.name)
        return f"{preparer.quote_schema(table.schema)}.{name}" if table.schema else name

    def quote(self, name: str) -> str:
        return str(self.dialect.identifier_preparer.quote(name))

    def literal(self, type_: Any, value: Any) -> str:
        """The value as a SQL literal of the engine; ValueError when it has none."""
        if value is None:
            return "NULL"
        type_ = stored(type_, self.dialect)
        if kind_of(type_) == "json":
            type_, value = sqltypes.String(), json.dumps(value, sort_keys=True)
        try:
            processor = type_.dialect_impl(self.dialect).literal_processor(self.dialect)
            if processor is None:
                raise ValueError(f"no literal for {type_!r}")
            return str(processor(value))
        except Exception as exc:  # a type's processor may raise anything on a value
            raise ValueError(str(exc)) from exc

    def type_sql(self, column: ColumnModel) -> str:
        """The column's type as the engine names it (Integer and a reflected INTEGER alike)."""
        try:
            return str(column.type.compile(dialect=self.dialect))
        except Exception:  # a type this engine cannot compile: compare its description
            return column.type_text

    def insert_sql(self, table: TableModel, rows: Sequence[Row]) -> str:
        """One INSERT for rows that all name the same columns."""
        names = list(rows[0])
        types = {c.name: c.type for c in table.columns}
        values = ",\n".join(
            "(" + ", ".join(self.literal(types[name], row[name]) for name in names) + ")"
            for row in rows
        )
        if not names:
            return f"INSERT INTO {self.quote_table(table)} DEFAULT VALUES"
        columns = ", ".join(self.quote(name) for name in names)
        return f"INSERT INTO {self.quote_table(table)} ({columns}) VALUES\n{values}"

    # --- planning ---

    def _can_write(self, column: ColumnModel, kind: str) -> bool:
        key = (column.type_text, kind)
        if key not in self._writable:
            sample = value(kind, column.type, 1, self.engine, False)
            try:
                self.literal(column.type, sample)
                self._writable[key] = True
            except ValueError:
                self._writable[key] = False
        return self._writable[key]

    def plan(self, table: TableModel, probe: bool) -> _Plan:
        cached = self._plans.get((id(table), probe))
        if cached is not None:
            return cached
        written: list[ColumnModel] = []
        kinds: dict[str, str] = {}
        omitted_nullable: set[str] = set()
        defaulted = set(left_to_default(table)) if probe else set()
        for column in table.columns:
            always = dict(column.identity or ()).get("always", False)
            if column.computed is not None or always or column.name in defaulted:
                continue
            kind = kind_of(stored(column.type, self.dialect))
            if kind is None or not self._can_write(column, kind):
                if column.nullable or column.server_default is not None:
                    omitted_nullable.add(column.name)
                    continue
                raise CannotFill(
                    f"column {column.name} is NOT NULL, has no default and is of a type "
                    f"sqlgen does not write values for ({_type_name(column.type)})"
                )
            written.append(column)
            kinds[column.name] = kind
        checks = []
        for check in table.checks:
            label = f"CHECK {check.name}" if check.name else f"CHECK ({check.sqltext})"
            try:
                checks.append((label, conditions.parse(check.sqltext, self.sqlglot)))
            except conditions.Unknown as exc:
                raise CannotFill(f"{label} cannot be read to pick values that satisfy it") from exc
        uniques = [table.primary_key.columns] if table.primary_key else []
        uniques += [u.columns for u in table.uniques]
        uniques += [
            tuple(c for c in i.columns if c is not None)
            for i in table.indexes
            if i.unique and not i.expressions and all(c is not None for c in i.columns)
        ]
        keys = {c for columns in uniques for c in columns}
        made = _Plan(written, kinds, checks, [u for u in uniques if u], omitted_nullable, keys)
        self._plans[(id(table), probe)] = made
        return made

    # --- rows ---

    def make(
        self,
        table: TableModel,
        n: int,
        tables: Mapping[TableKey, TableModel],
        rows: Mapping[TableKey, Sequence[Row]],
        *,
        probe: bool = False,
    ) -> Row:
        """Row n of `table`. `rows`: the rows known to be in each table (parents, itself).

        Raises CannotFill (the table cannot be filled as it is) or NoRow (not now)."""
        plan = self.plan(table, probe)
        row: Row = {}
        for column in plan.columns:
            kind = plan.kinds[column.name]
            # a value in every nullable column, each distinct: NULLs the schema allows but
            # the application never writes would fail statements that rightly expect values
            # (SET NOT NULL after a backfill). Booleans and enums have too few values to stay
            # distinct for a unique index added later: they stay NULL
            if column.nullable and few_values(kind):
                row[column.name] = None
                continue
            made = value(kind, column.type, n, self.engine, column.name in plan.keys)
            if made is None:
                raise NoRow(f"no distinct value left for column {column.name}")
            row[column.name] = made
        fixed = self._refer(table, row, n, tables, rows)
        self._satisfy(table, plan, row, n, fixed)
        used = rows.get(table.key, ())
        for key in plan.uniques:
            # a probe's defaulted columns take values it cannot know: the others must differ
            columns = [c for c in key if c in row] if probe else list(key)
            if not columns or any(row.get(c) is None for c in columns):
                continue
            mine = tuple(canonical(row.get(c)) for c in columns)
            if any(
                all(c in other for c in columns)
                and tuple(canonical(other[c]) for c in columns) == mine
                for other in used
            ):
                raise NoRow(f"no value left that keeps ({', '.join(columns)}) unique")
        return row

    def _refer(
        self,
        table: TableModel,
        row: Row,
        n: int,
        tables: Mapping[TableKey, TableModel],
        rows: Mapping[TableKey, Sequence[Row]],
    ) -> set[str]:
        """Give each foreign key a parent's key (or NULL); the columns it set."""
        fixed: set[str] = set()
        # keys sharing columns (a child of task_instance and of dag_run) must agree: the
        # widest goes first and the others take a parent that matches what it set
        for fk in sorted(table.foreign_keys, key=lambda fk: -len(fk.columns)):
            columns = [c for c in fk.columns if c in row]
            if len(columns) != len(fk.columns):
                continue  # a key column left out: nothing to give
            nullable = all((col := table.column(c)) is not None and col.nullable for c in columns)
            parent = _find(tables, fk.referred_schema, fk.referred_table)
            pairs = list(zip(columns, fk.referred_columns, strict=True))
            shared = [(c, r) for c, r in pairs if c in fixed]
            fixed.update(columns)
            if parent == table.key:
                if nullable:
                    for c in columns:
                        row[c] = None
                    continue
                if parent == table.key and all(r in row for r in fk.referred_columns):
                    for c, r in zip(columns, fk.referred_columns, strict=True):
                        row[c] = row[r]
                    continue
                raise CannotFill(f"foreign key {fk.name or columns} refers to its own table")
            known = rows.get(parent, ()) if parent is not None else ()
            candidates = [
                r
                for r in known
                if all(r.get(c) is not None for c in fk.referred_columns)
                and all(canonical(r[p]) == canonical(row[c]) for c, p in shared)
            ]
            if not candidates:
                if nullable:
                    for c in columns:
                        row[c] = None
                    continue
                if parent is None:
                    raise CannotFill(
                        f"foreign key {fk.name or columns} refers to {fk.referred_table}, "
                        "which is not a table sqlgen fills"
                    )
                raise NoRow(f"no row in {fk.referred_table} to refer to yet")
            chosen = candidates[n % len(candidates)]
            for c, r in zip(columns, fk.referred_columns, strict=True):
                row[c] = chosen[r]
        return fixed

    def _satisfy(self, table: TableModel, plan: _Plan, row: Row, n: int, fixed: set[str]) -> None:
        """Change the row's free values until every CHECK condition passes."""
        failing = [
            (label, cond) for label, cond in plan.checks if not self._passes(label, cond, row)
        ]
        if not failing:
            return
        free: list[str] = []
        for _, cond in failing:
            for name in conditions.columns(cond):
                column = table.column_name(name)
                if column in plan.kinds and column not in fixed and column not in free:
                    free.append(column)
        options: list[list[Any]] = []
        found = [lit for _, cond in failing for lit in conditions.literals(cond)]
        for name in free:
            model = table.column(name)
            assert model is not None
            extra = _alternatives(plan.kinds[name], model.type, n, found)
            options.append(_unique_list([row[name], *extra]))
        for combination in itertools.islice(itertools.product(*options), _MAX_TRIES):
            trial = dict(row)
            trial.update(zip(free, combination, strict=True))
            if all(self._passes(label, cond, trial) for label, cond in plan.checks) and all(
                self._fits(table, name, trial[name]) for name in free
            ):
                row.update(trial)
                return
        labels = ", ".join(label for label, _ in failing)
        raise CannotFill(f"sqlgen found no values that satisfy {labels}")

    def _passes(self, label: str, condition: Any, row: Row) -> bool:
        try:
            return conditions.satisfied(condition, row)
        except conditions.Missing:
            return True  # it reads a column left to its default: the default is trusted
        except conditions.Unknown as exc:
            raise CannotFill(f"{label} is beyond what sqlgen evaluates ({exc})") from exc

    def _fits(self, table: TableModel, name: str, candidate: Any) -> bool:
        column = table.column(name)
        if column is None:
            return False
        if candidate is None:
            return column.nullable
        try:
            self.literal(column.type, candidate)
        except ValueError:
            return False
        length = getattr(column.type, "length", None)
        return not (isinstance(candidate, str) and length is not None and len(candidate) > length)


def _unique_list(values: Iterable[Any]) -> list[Any]:
    seen: list[Any] = []
    for item in values:
        if item not in seen:
            seen.append(item)
    return seen


def _type_name(type_: Any) -> str:
    written = type_.sql if isinstance(type_, VerbatimType) else None
    return written or type(type_).__name__


def _find(tables: Mapping[TableKey, TableModel], schema: str | None, name: str) -> TableKey | None:
    if (schema, name) in tables:
        return (schema, name)
    folded = [k for k in tables if k[0] == schema and k[1].lower() == name.lower()]
    return folded[0] if len(folded) == 1 else None


def order(tables: Mapping[TableKey, TableModel]) -> list[TableKey]:
    """Tables with the ones they refer to first (by name where a cycle leaves a choice)."""
    import heapq

    def sort_key(key: TableKey) -> tuple[str, str]:
        return (key[0] or "", key[1])

    needs: dict[TableKey, set[TableKey]] = {}
    for key, table in tables.items():
        found = {_find(tables, fk.referred_schema, fk.referred_table) for fk in table.foreign_keys}
        needs[key] = {k for k in found if k is not None and k != key}
    waiting = {key: set(needed) for key, needed in needs.items()}
    users: dict[TableKey, list[TableKey]] = {}
    for key, needed in needs.items():
        for other in needed:
            users.setdefault(other, []).append(key)
    ready = [(sort_key(k), k) for k, needed in waiting.items() if not needed]
    heapq.heapify(ready)
    done: list[TableKey] = []
    placed: set[TableKey] = set()
    while len(done) < len(tables):
        if ready:
            _, key = heapq.heappop(ready)
            if key in placed:
                continue
        else:  # a cycle: its first table by name goes first, its nullable keys get NULL
            key = min((k for k in tables if k not in placed), key=sort_key)
        placed.add(key)
        done.append(key)
        for user in users.get(key, ()):
            pending = waiting[user]
            pending.discard(key)
            if not pending and user not in placed:
                heapq.heappush(ready, (sort_key(user), user))
    return done
