"""The offline schema model: what the database looks like after the migrations so far.

Everything below SchemaModel is a frozen dataclass holding tuples, so a change
replaces a table's TableModel instead of editing it. That makes `model.copy()`
a copy of a few dicts and sets, cheap enough to snapshot per revision.

Names are kept as the migration spelled them; a table in the database's default
schema has schema None. SQLAlchemy TypeEngine instances are treated as immutable
values (they are never edited after going into a ColumnModel).
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.types import NullType, TypeEngine

from sqlgen.pipeline.captured import Refusal

if TYPE_CHECKING:
    from sqlgen.dialects.profiles import ConstraintNames

TableKey = tuple[str | None, str]  # (schema, name); schema None is the default schema
Options = tuple[tuple[str, Any], ...]  # a dict's items, sorted, so the dataclass stays frozen


class VerbatimType(NullType):
    """A column type kept as the SQL wrote it: no SQLAlchemy equivalent sqlgen knows (GEOMETRY...).

    A NullType, so Alembic's type comparison skips it rather than reporting a
    difference that is not there; `sql`, the type as written, is kept for messages and DDL.
    """

    def __init__(self, sql: str) -> None:
        self.sql = sql

    def __repr__(self) -> str:
        return f"VerbatimType({self.sql!r})"


@compiles(VerbatimType)
def _compile_verbatim(type_: VerbatimType, compiler: Any, **kw: Any) -> str:
    # in DDL (to_table, CREATE statements) the type is written as the SQL had it
    return type_.sql


UNREADABLE = "was changed by SQL sqlgen could not read"


@dataclass(frozen=True)
class Uncertainty:
    """Why sqlgen cannot know a table's (or the whole schema's) shape offline."""

    where: str  # "revision abc123, line 12"
    reason: str = UNREADABLE
    # True when even whether the table exists is unknown (SQL that may drop or rename it)
    existence: bool = False


class UncertainTable(Refusal):
    """A question about a table whose shape the model does not know.

    `table` is the table asked about; the message names it unless the whole
    schema is unknown (`whole`).
    """

    def __init__(self, table: str | None, uncertainty: Uncertainty, whole: bool = False) -> None:
        self.table = table
        self.uncertainty = uncertainty
        subject = f"table {table}" if table is not None and not whole else "the schema"
        where = f" ({uncertainty.where})" if uncertainty.where else ""
        super().__init__(f"{subject} {uncertainty.reason}{where}; its shape is unknown offline")


@dataclass(frozen=True)
class ComputedModel:
    sqltext: str
    persisted: bool | None = None


@dataclass(frozen=True, eq=False)
class ColumnModel:
    name: str
    type: TypeEngine[Any]
    nullable: bool = True
    server_default: str | None = None  # SQL text, as DDL would write it ('app', CURRENT_TIMESTAMP)
    comment: str | None = None
    autoincrement: bool | str = "auto"  # as sqlalchemy.Column: True, False or "auto"
    computed: ComputedModel | None = None
    identity: Options | None = None  # sqlalchemy.Identity keyword arguments

    # TypeEngine compares by identity: columns compare by the type's rendering instead
    def _value(self) -> tuple[Any, ...]:
        return (
            self.name,
            self.type_text,
            self.nullable,
            self.server_default,
            self.comment,
            self.autoincrement,
            self.computed,
            self.identity,
        )

    @functools.cached_property
    def type_text(self) -> str:
        """canonical_type_text(self.type), made once: the column never changes."""
        return canonical_type_text(self.type)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ColumnModel) and self._value() == other._value()

    def __hash__(self) -> int:
        return hash(self._value())


@dataclass(frozen=True)
class PrimaryKeyModel:
    name: str | None
    columns: tuple[str, ...]


@dataclass(frozen=True)
class IndexModel:
    name: str | None
    columns: tuple[str | None, ...]  # None where the element is an expression
    unique: bool = False
    # every element's SQL (the column name for plain columns); empty when all are columns
    expressions: tuple[str, ...] = ()
    sorting: tuple[tuple[str, tuple[str, ...]], ...] = ()  # ("a", ("desc",)): not the default
    dialect_options: Options = ()


@dataclass(frozen=True)
class UniqueModel:
    name: str | None
    columns: tuple[str, ...]


@dataclass(frozen=True)
class CheckModel:
    name: str | None
    sqltext: str
    # made by a column's type (Boolean/Enum create_constraint): the type makes it again
    type_bound: bool = False


@dataclass(frozen=True)
class ForeignKeyModel:
    name: str | None
    columns: tuple[str, ...]
    referred_schema: str | None
    referred_table: str
    referred_columns: tuple[str, ...]
    options: Options = ()  # ondelete, onupdate, deferrable, initially, match

    def refers_to(self, key: TableKey) -> bool:
        return (self.referred_schema, self.referred_table) == key


@dataclass(frozen=True)
class TableModel:
    name: str
    schema: str | None = None
    columns: tuple[ColumnModel, ...] = ()
    primary_key: PrimaryKeyModel | None = None
    indexes: tuple[IndexModel, ...] = ()
    uniques: tuple[UniqueModel, ...] = ()
    checks: tuple[CheckModel, ...] = ()
    foreign_keys: tuple[ForeignKeyModel, ...] = ()
    comment: str | None = None

    @property
    def key(self) -> TableKey:
        return (self.schema, self.name)

    @property
    def referred_keys(self) -> set[TableKey]:
        return {(f.referred_schema, f.referred_table) for f in self.foreign_keys}

    def column(self, name: str) -> ColumnModel | None:
        found = self.column_name(name)
        return next((c for c in self.columns if c.name == found), None)

    def column_name(self, name: str) -> str | None:
        """The model's spelling of a column name (see find_name)."""
        return find_name([c.name for c in self.columns], name)

    def replace_column(self, name: str, column: ColumnModel) -> TableModel:
        return replace(self, columns=tuple(column if c.name == name else c for c in self.columns))


def find_name(names: Iterable[str], wanted: str) -> str | None:
    """`wanted` among `names`: exactly, else the one name equal ignoring case.

    Raw SQL's unquoted identifiers are case-insensitive on most databases; an
    exact match always wins, and two case-insensitive matches find nothing.
    """
    names = list(names)
    if wanted in names:
        return wanted
    lowered = wanted.lower()
    folded = [n for n in names if n.lower() == lowered]
    return folded[0] if len(folded) == 1 else None


@dataclass
class SchemaModel:
    """Tables by (schema, name), in creation order, plus what the model cannot know."""

    tables: dict[TableKey, TableModel] = field(default_factory=dict)
    schemas: set[str] = field(default_factory=set)  # created by the migrations
    views: set[TableKey] = field(default_factory=set)  # their columns are not modelled
    uncertain: dict[TableKey, Uncertainty] = field(default_factory=dict)
    unknown: Uncertainty | None = None  # set: no question about any table can be answered
    # the database's default schema ("public", "dbo"): a table named in it has schema None
    default_schema: str | None = None
    # how the database names a constraint created without a name (the profile's
    # [constraint_names]): the model gives it that name when it is created (see
    # sqlgen.model.naming). None: such constraints stay unnamed
    naming: ConstraintNames | None = field(default=None, compare=False)
    # while set: each table key changed since, with the table it had before (see watch())
    journal: dict[TableKey, TableModel | None] | None = field(
        default=None, compare=False, repr=False
    )
    # Indexes over `tables`, kept by put/remove, so lookups stay O(1) as the history
    # grows: names by (schema, lower-cased name), and the tables whose foreign keys
    # point at a table.
    _folded: dict[tuple[str | None, str], dict[str, None]] = field(
        init=False, compare=False, repr=False
    )
    _referrers: dict[TableKey, set[TableKey]] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._folded = {}
        self._referrers = {}
        for key, table in self.tables.items():
            self._index(key, table)

    def _index(self, key: TableKey, table: TableModel) -> None:
        self._folded.setdefault((key[0], key[1].lower()), {})[key[1]] = None
        for target in table.referred_keys:
            self._referrers.setdefault(target, set()).add(key)

    def _unindex(self, key: TableKey, table: TableModel) -> None:
        fold = (key[0], key[1].lower())
        names = self._folded.get(fold, {})
        names.pop(key[1], None)
        if not names:
            self._folded.pop(fold, None)
        for target in table.referred_keys:
            referrers = self._referrers.get(target, set())
            referrers.discard(key)
            if not referrers:
                self._referrers.pop(target, None)

    def _store(self, key: TableKey, table: TableModel) -> None:
        old = self.tables.get(key)
        if old is not None:
            self._unindex(key, old)
        self.tables[key] = table
        self._index(key, table)

    def referrers(self, key: TableKey) -> list[TableModel]:
        """The tables with a foreign key that points at `key`, by name: the same order
        however the model was built (run step by step or replayed from the cache)."""
        return [self.tables[k] for k in sorted(self._referrers.get(key, ()), key=_sort_key)]

    def copy(self) -> SchemaModel:
        # TableModels are immutable: copying the containers is a full, independent copy
        return SchemaModel(
            dict(self.tables),
            set(self.schemas),
            set(self.views),
            dict(self.uncertain),
            self.unknown,
            self.default_schema,
            self.naming,
        )

    def normal(self, schema: str | None) -> str | None:
        return None if schema == self.default_schema else schema

    # --- lookups ---

    def find(self, name: str, schema: str | None = None) -> TableKey | None:
        """The key of table `name` in `schema`, matched as find_name does."""
        schema = self.normal(schema)
        if (schema, name) in self.tables:  # the exact name wins
            return (schema, name)
        folded = self._folded.get((schema, name.lower()), {})
        # as find_name: one case-insensitive match, or none when it is ambiguous
        return (schema, next(iter(folded))) if len(folded) == 1 else None

    def table(self, name: str, schema: str | None = None) -> TableModel | None:
        key = self.find(name, schema)
        return None if key is None else self.tables[key]

    def check(self, key: TableKey | None, name: str | None = None) -> None:
        """Raise UncertainTable when the model cannot answer questions about `key`.

        `name`: the table asked about when it is not in the model (key None).
        """
        if self.unknown is not None:
            raise UncertainTable(key[1] if key is not None else name, self.unknown, whole=True)
        if key is not None and key in self.uncertain:
            raise UncertainTable(key[1], self.uncertain[key])

    def check_existence(self, schema: str | None) -> None:
        """Raise UncertainTable when which tables exist in `schema` is unknown."""
        if self.unknown is not None:
            raise UncertainTable(None, self.unknown, whole=True)
        for key, uncertainty in self.uncertain.items():
            if key[0] == schema and uncertainty.existence:
                raise UncertainTable(key[1], uncertainty)

    # --- changes ---

    @contextmanager
    def watch(self) -> Iterator[dict[TableKey, TableModel | None]]:
        """Note the tables changed inside the block: key -> the table as it was before."""
        self.journal = {}
        try:
            yield self.journal
        finally:
            self.journal = None

    def _changing(self, key: TableKey) -> None:
        if self.journal is not None and key not in self.journal:
            self.journal[key] = self.tables.get(key)

    def put(self, table: TableModel) -> None:
        schema = self.normal(table.schema)
        if schema != table.schema or any(
            fk.referred_schema is not None and self.normal(fk.referred_schema) is None
            for fk in table.foreign_keys
        ):
            table = replace(
                table,
                schema=schema,
                foreign_keys=tuple(
                    replace(fk, referred_schema=self.normal(fk.referred_schema))
                    for fk in table.foreign_keys
                ),
            )
        self._changing(table.key)
        self._store(table.key, table)

    def remove(self, key: TableKey) -> None:
        self._changing(key)
        old = self.tables.pop(key, None)
        if old is not None:
            self._unindex(key, old)
        self.uncertain.pop(key, None)

    def mark_uncertain(self, key: TableKey, uncertainty: Uncertainty) -> None:
        """The table's shape is unknown from here on; the first reason is the one kept."""
        key = (self.normal(key[0]), key[1])
        if key not in self.tables:
            # it exists (SQL created or altered it) but the model never saw its shape
            self._changing(key)
            self._store(key, TableModel(key[1], key[0]))
        first = self.uncertain.setdefault(key, uncertainty)
        if uncertainty.existence and not first.existence:
            # now whether it exists is unknown too
            self.uncertain[key] = replace(first, existence=True)

    def mark_unknown(self, uncertainty: Uncertainty) -> None:
        if self.unknown is None:
            self.unknown = uncertainty

    # --- identity ---

    def fingerprint(self) -> str:
        """sha256 of canonical JSON: equal for models that answer alike."""
        data = {
            "tables": [
                table_fingerprint_data(self.tables[k]) for k in sorted(self.tables, key=_sort_key)
            ],
            "schemas": sorted(self.schemas),
            "views": [list(k) for k in sorted(self.views, key=_sort_key)],
            "uncertain": [
                [list(k), u.where, u.reason, u.existence]
                for k, u in sorted(self.uncertain.items(), key=lambda i: _sort_key(i[0]))
            ],
            "default_schema": self.default_schema,
            "unknown": None
            if self.unknown is None
            else [self.unknown.where, self.unknown.reason, self.unknown.existence],
        }
        text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=fingerprint_value)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _sort_key(key: TableKey) -> tuple[str, str]:
    return (key[0] or "", key[1])


_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def canonical_type_text(type_: TypeEngine[Any]) -> str:
    """A type's canonical text: its class and constructor arguments, never an address."""
    cls = type(type_)
    return f"{cls.__module__}.{cls.__qualname__}:{_ADDRESS.sub('', repr(type_))}"


def fingerprint_value(value: Any) -> str:
    """A value JSON cannot hold (a type, an option's object) as text for the fingerprint."""
    if isinstance(value, TypeEngine):
        return canonical_type_text(value)
    return _ADDRESS.sub("", repr(value))


def table_fingerprint_data(table: TableModel) -> dict[str, Any]:
    """A table as the canonical JSON data its fingerprint hashes (not SQL)."""
    return {
        "key": [table.schema, table.name],
        "columns": [
            [
                c.name,
                c.type_text,
                c.nullable,
                c.server_default,
                c.comment,
                str(c.autoincrement),
                None if c.computed is None else [c.computed.sqltext, c.computed.persisted],
                None if c.identity is None else [[k, fingerprint_value(v)] for k, v in c.identity],
            ]
            for c in table.columns
        ],
        "pk": None
        if table.primary_key is None
        else [table.primary_key.name, list(table.primary_key.columns)],
        "indexes": sorted(
            (
                [
                    i.name or "",
                    list(i.columns),
                    i.unique,
                    list(i.expressions),
                    [[c, list(s)] for c, s in i.sorting],
                    [[k, fingerprint_value(v)] for k, v in i.dialect_options],
                ]
                for i in table.indexes
            ),
            key=repr,
        ),
        "uniques": sorted(([u.name or "", list(u.columns)] for u in table.uniques), key=repr),
        "checks": sorted(([c.name or "", c.sqltext, c.type_bound] for c in table.checks), key=repr),
        "fks": sorted(
            (
                [
                    f.name or "",
                    list(f.columns),
                    f.referred_schema,
                    f.referred_table,
                    list(f.referred_columns),
                    [[k, fingerprint_value(v)] for k, v in f.options],
                ]
                for f in table.foreign_keys
            ),
            key=repr,
        ),
        "comment": table.comment,
    }


def options(mapping: dict[str, Any]) -> Options:
    """A dict as sorted items without the None values (the defaults)."""
    return tuple(sorted((k, v) for k, v in mapping.items() if v is not None))
