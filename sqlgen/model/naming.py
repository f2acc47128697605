"""The names a database gives constraints created without one.

PostgreSQL and MariaDB name an unnamed constraint by a fixed rule; the profile's
`[constraint_names]` table declares it (sqlgen.dialects.profiles.ConstraintNames) and this
module applies it when the constraint is created, so that the model holds the name
the database gave: the inspector reports it as reflection would, a drop by that name
finds it, and a later rename of the table leaves it as the database leaves it.

The rule is applied only where its outcome is certain. Where it depends on something
the model does not know (a constraint it holds unnamed, a table whose shape is
unknown, the order of a CREATE TABLE's keys that the model does not keep, an index
MySQL made on its own), the constraint stays unnamed: the model never guesses.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from sqlgen.dialects.profiles import ConstraintNames, template_parts
from sqlgen.model.schema import (
    CheckModel,
    ForeignKeyModel,
    PrimaryKeyModel,
    SchemaModel,
    TableKey,
    TableModel,
    UniqueModel,
)

Constraint = PrimaryKeyModel | UniqueModel | CheckModel | ForeignKeyModel
C = TypeVar("C", PrimaryKeyModel, UniqueModel, CheckModel, ForeignKeyModel)

_KINDS: dict[type, str] = {
    PrimaryKeyModel: "primary_key",
    UniqueModel: "unique",
    CheckModel: "check",
    ForeignKeyModel: "foreign_key",
}


@dataclass(frozen=True)
class Created:
    """What a CREATE TABLE's text says about its CHECKs beyond the TableModel.

    `order`: the positions in `table.checks` in the order the statement lists them
    (None: as they are); `column_level`: those declared on a column rather than as a
    table constraint; `absent`: type CHECKs (a Boolean's, an Enum's) the dialect does
    not create; `unsure`: type CHECKs it may or may not create (no dialect to ask).
    """

    order: tuple[int, ...] | None = None
    column_level: frozenset[int] = frozenset()
    absent: frozenset[int] = frozenset()
    unsure: frozenset[int] = frozenset()


# --- entry points, called by sqlgen.model.edit ---


def name_new_table(model: SchemaModel, table: TableModel, created: Created | None) -> TableModel:
    """`table`, about to be created by CREATE TABLE, with the names its database gives."""
    rules = model.naming
    if rules is None or not _unnamed(table):
        return table
    created = created or Created()
    if rules.family == "postgresql":
        return _PostgreSQL(model, rules, table.schema).create(table, created)
    return _MariaDB(rules).create(table, created)


def name_added(model: SchemaModel, key: TableKey, constraint: C, column_level: bool = False) -> C:
    """`constraint`, about to be added to the table at `key` (ALTER TABLE ... ADD)."""
    rules = model.naming
    if rules is None or constraint.name is not None:
        return constraint
    table = model.tables[key]
    if not _knowable(model, key):
        return constraint
    if rules.family == "postgresql":
        return _PostgreSQL(model, rules, key[0]).add(table, constraint)
    return _MariaDB(rules).add(table, constraint, column_level)


def renamed(model: SchemaModel, table: TableModel, new_name: str) -> TableModel:
    """`table` renamed to `new_name`: MariaDB renames the foreign keys named after it."""
    rules = model.naming
    if rules is None or rules.family != "mariadb" or rules.foreign_key is None:
        return table
    return _MariaDB(rules).rename(table, new_name)


# --- shared ---


def _unnamed(table: TableModel) -> bool:
    return any(c.name is None for c in _constraints(table))


def _constraints(table: TableModel) -> list[Constraint]:
    found: list[Constraint] = [] if table.primary_key is None else [table.primary_key]
    return [*found, *table.uniques, *table.checks, *table.foreign_keys]


def _knowable(model: SchemaModel, key: TableKey) -> bool:
    """Whether the model knows the table's constraints: its shape is certain."""
    return model.unknown is None and key not in model.uncertain


def _ascii(*names: str) -> bool:
    # the engines measure and compare names in bytes of their own character set; only
    # ASCII is the same in all of them
    return all(n.isascii() for n in names)


# --- PostgreSQL ---


def _object_name(name1: str, name2: str | None, label: str, limit: int) -> str:
    """PostgreSQL's makeObjectName: name1[_name2]_label, the longer part cut first."""
    overhead = len(label) + 1 + (1 if name2 is not None else 0)
    available = limit - overhead
    chars1, chars2 = len(name1), len(name2 or "")
    while chars1 + chars2 > available:
        if chars1 > chars2:
            chars1 -= 1
        else:
            chars2 -= 1
    name = name1[:chars1]
    if name2 is not None:
        name += "_" + name2[:chars2]
    return f"{name}_{label}"


def _columns_part(columns: Iterable[str], limit: int) -> str:
    """ChooseForeignKeyConstraintNameAddition / ChooseIndexNameAddition: the columns
    joined by "_", stopping once the text reaches the identifier buffer's size."""
    text = ""
    for name in columns:
        if text:
            text += "_"
        text += name[:limit]
        if len(text) > limit:
            break
    return text


class _PostgreSQL:
    """Constraint names are unique per schema; a PRIMARY KEY's or UNIQUE's name is also
    its index's, so it must not be the name of any relation (table, view, index) there.
    A name in use gets 1, 2... after the label (ChooseConstraintName, ChooseRelationName)."""

    def __init__(self, model: SchemaModel, rules: ConstraintNames, schema: str | None) -> None:
        self.model = model
        self.rules = rules
        self.limit = rules.max_length or 63
        self.schema = model.normal(schema)
        self.constraints: set[str] = set()  # constraint names in use in the schema
        self.relations: set[str] = set()  # relation names in use in the schema
        self.unknown: set[str] = set()  # kinds with a constraint whose name is unknown
        self.blind = False  # the schema holds tables whose constraints are unknown
        self._survey()

    def _survey(self) -> None:
        model = self.model
        if model.unknown is not None:
            self.blind = True
            return
        for (schema, name), table in model.tables.items():
            if schema != self.schema:
                continue
            if (schema, name) in model.uncertain:
                self.blind = True
            self.relations.add(name)
            self.relations.update(i.name for i in table.indexes if i.name)
            self._take(table)
        self.relations.update(name for schema, name in model.views if schema == self.schema)

    def _take(self, table: TableModel) -> None:
        for constraint in _constraints(table):
            if constraint.name is None:
                self.unknown.add(_KINDS[type(constraint)])
                continue
            self.constraints.add(constraint.name)
            if isinstance(constraint, PrimaryKeyModel | UniqueModel):
                self.relations.add(constraint.name)

    def _choose(self, kind: str, table: str, part: str | None) -> str | None:
        template = self.rules.template(kind)
        if template is None or self.blind or kind in self.unknown:
            return None
        if not _ascii(table, part or ""):
            return None
        parts = template_parts("postgresql", kind, template)
        assert parts is not None  # checked when the profile was loaded
        label = parts["label"]
        relation = kind in ("primary_key", "unique")
        number = 0
        while True:
            name = _object_name(
                table, part, label if not number else f"{label}{number}", self.limit
            )
            taken = name in self.constraints or (relation and name in self.relations)
            if not taken:
                self.constraints.add(name)
                if relation:
                    self.relations.add(name)
                return name
            number += 1

    def _part(
        self, kind: str, table: TableModel, constraint: Constraint
    ) -> tuple[bool, str | None]:
        """(whether the name can be known, the part between table and label)."""
        if isinstance(constraint, PrimaryKeyModel):
            return True, None
        if isinstance(constraint, UniqueModel | ForeignKeyModel):
            return True, _columns_part(constraint.columns, self.limit)
        named = _check_columns(constraint.sqltext, table)
        if named is None:
            return False, None
        return True, (named[0] if len(named) == 1 else None)

    def _named(self, kind: str, table: TableModel, constraint: C) -> C:
        known, part = self._part(kind, table, constraint)
        name = self._choose(kind, table.name, part) if known else None
        if name is None:
            self.unknown.add(kind)  # a later one may collide with the name it really has
            return constraint
        return replace(constraint, name=name)

    def add(self, table: TableModel, constraint: C) -> C:
        return self._named(_KINDS[type(constraint)], table, constraint)

    def create(self, table: TableModel, created: Created) -> TableModel:
        # a table of this name replaced by CREATE TABLE is gone already; its names are free
        if (self.schema, table.name) in self.model.tables:
            return table
        self.relations.add(table.name)
        # the names given in the statement are taken, whatever their order in it
        for constraint in _constraints(table):
            if constraint.name is not None:
                self.constraints.add(constraint.name)
                if isinstance(constraint, PrimaryKeyModel | UniqueModel):
                    self.relations.add(constraint.name)
        self.relations.update(i.name for i in table.indexes if i.name)
        # PostgreSQL names the CHECKs as it creates the table, then makes the key
        # indexes, then adds the foreign keys: in the statement's order within each kind
        checks = list(table.checks)
        if created.unsure:
            self.unknown.add("check")
        for position in created.order or range(len(checks)):
            if position in created.absent or checks[position].name is not None:
                continue
            checks[position] = self._named("check", table, checks[position])
        pk = table.primary_key
        # CREATE TABLE makes one index for keys on the same columns, the primary key's
        # first: an unnamed UNIQUE repeating one is not created, and reflection reports
        # none (one with a name gives it to the index it repeats: that name is unknown)
        key_columns = [] if pk is None else [pk.columns]
        uniques: list[UniqueModel] = []
        for unique in table.uniques:
            if unique.columns in key_columns:
                if unique.name is None:
                    continue
                self.unknown.update(("primary_key", "unique"))
            key_columns.append(unique.columns)
            uniques.append(unique)
        if pk is not None and pk.name is None:
            pk = self._named("primary_key", table, pk)
        uniques = [u if u.name is not None else self._named("unique", table, u) for u in uniques]
        fks = [
            f if f.name is not None else self._named("foreign_key", table, f)
            for f in table.foreign_keys
        ]
        return replace(
            table,
            primary_key=pk,
            uniques=tuple(uniques),
            checks=tuple(checks),
            foreign_keys=tuple(fks),
        )


def _check_columns(sqltext: str, table: TableModel) -> list[str] | None:
    """The table's columns a CHECK condition names, each once, in the table's spelling;
    None when that cannot be known for certain (SQL sqlglot cannot read, a name that is
    not one of the table's columns)."""
    try:
        parsed = sqlglot.parse_one(sqltext, read="postgres")
    except (ParseError, TokenError, ValueError):
        return None
    if parsed is None or any(isinstance(n, exp.Subquery | exp.Select) for n in parsed.walk()):
        return None
    names = [c.name for c in table.columns]
    found: list[str] = []
    for column in parsed.find_all(exp.Column):
        identifier = column.this
        if not isinstance(identifier, exp.Identifier):
            return None
        qualifier = column.table
        if qualifier and qualifier != table.name:
            return None
        written = identifier.this
        name = written if identifier.quoted else written.lower()
        if name not in names:
            return None
        if name not in found:
            found.append(name)
    return found


# --- MariaDB ---


class _MariaDB:
    """Index and CHECK names are unique per table, compared without regard to case.

    Foreign keys: InnoDB names them {table}_ibfk_{n}. A unique key: its first column's
    name (make_unique_key_name), but MySQL also gives a foreign key an index of its own
    when no other index starts with its columns, and keeps it when the foreign key is
    dropped; the model does not track those, so a unique key is named only where the
    table is created, all its indexes in view. A table CHECK: CONSTRAINT_{n}, the lowest n
    not in use on the table (counting on within one statement).
    """

    def __init__(self, rules: ConstraintNames) -> None:
        self.rules = rules
        self.limit = rules.max_length or 64

    def _parts(self, kind: str) -> dict[str, str] | None:
        template = self.rules.template(kind)
        return None if template is None else template_parts("mariadb", kind, template)

    # -- foreign keys --

    def _fk_prefix(self, table: str) -> str | None:
        parts = self._parts("foreign_key")
        return None if parts is None else table + parts["infix"]

    def _fk_names(
        self, table: TableModel, fks: Sequence[ForeignKeyModel], start: int
    ) -> list[ForeignKeyModel]:
        prefix = self._fk_prefix(table.name)
        if prefix is None or not _ascii(table.name):
            return list(fks)
        named = list(fks)
        number = start
        given = {f.name.lower() for f in fks if f.name is not None}
        for index, fk in enumerate(fks):
            if fk.name is not None:
                continue
            number += 1
            name = f"{prefix}{number}"
            if len(name) > self.limit or name.lower() in given:
                return list(fks)  # the server refuses it: nothing to name
            named[index] = replace(fk, name=name)
        return named

    def highest(self, table: TableModel) -> int | None:
        """InnoDB's dict_table_get_highest_foreign_id: the highest n among the table's
        foreign keys named {table}_ibfk_{n}; None when a name is unknown."""
        prefix = self._fk_prefix(table.name)
        if prefix is None or any(f.name is None for f in table.foreign_keys):
            return None
        pattern = re.compile(re.escape(prefix) + r"([1-9][0-9]*)")
        numbers = [0]
        for fk in table.foreign_keys:
            found = pattern.fullmatch(fk.name or "")
            if found:
                numbers.append(int(found.group(1)))
        return max(numbers)

    def rename(self, table: TableModel, new_name: str) -> TableModel:
        """InnoDB's rename renames the foreign keys whose names begin with {old}_ibfk_."""
        old = self._fk_prefix(table.name)
        new = self._fk_prefix(new_name)
        if old is None or new is None:
            return table
        moved = [
            replace(f, name=new + f.name[len(old) :])
            if f.name is not None and f.name.startswith(old)
            else f
            for f in table.foreign_keys
        ]
        return replace(table, foreign_keys=tuple(moved))

    # -- unique keys --

    def _unique_names(self, table: TableModel) -> list[UniqueModel]:
        uniques = list(table.uniques)
        if self._parts("unique") is None:
            return uniques
        covering = [u.columns for u in uniques]
        if table.primary_key is not None:
            covering.append(table.primary_key.columns)
        # the foreign keys that get an index of their own: none of the statement's keys
        # starts with their columns; where that index goes in the statement's order of
        # keys is not kept, so a name it may take is one the model cannot give
        own = [
            f
            for f in table.foreign_keys
            if not any(c[: len(f.columns)] == f.columns for c in covering)
        ]
        doubtful = [f.columns[0].lower() for f in own] + [f.name.lower() for f in own if f.name]
        # a KEY written in CREATE TABLE's text (raw SQL) is in that order too
        doubtful += [(i.name or i.columns[0] or "").lower() for i in table.indexes]
        taken = ["primary"]
        for index, unique in enumerate(uniques):
            if unique.name is not None:
                taken.append(unique.name.lower())
                continue
            column = unique.columns[0]
            name = _key_name(column, taken, self.limit)
            if name is None or not _ascii(column) or _may_be(name, doubtful):
                # a name the model cannot know: nor can it know the names after it
                return uniques[:index] + list(table.uniques[index:])
            taken.append(name.lower())
            uniques[index] = replace(unique, name=name)
        return uniques

    # -- checks --

    def _check_names(
        self,
        checks: Sequence[CheckModel],
        order: Sequence[int],
        skip: Collection[int],
        given: set[str],
    ) -> list[CheckModel] | None:
        parts = self._parts("check")
        if parts is None:
            return None
        prefix = parts["prefix"]
        named = list(checks)
        number = 1
        for position in order:
            if position in skip or checks[position].name is not None:
                continue
            while f"{prefix}{number}".lower() in given:
                number += 1
            name = f"{prefix}{number}"
            number += 1
            given.add(name.lower())
            named[position] = replace(checks[position], name=name)
        return named

    # -- the statements --

    def create(self, table: TableModel, created: Created) -> TableModel:
        fks = self._fk_names(table, table.foreign_keys, 0)
        uniques = self._unique_names(table)
        checks: Sequence[CheckModel] = table.checks
        if not created.unsure:
            order = created.order or tuple(range(len(table.checks)))
            skip = created.column_level | created.absent
            given = {
                c.name.lower()
                for i, c in enumerate(table.checks)
                if c.name is not None and i not in created.column_level
            }
            checks = self._check_names(table.checks, order, skip, given) or table.checks
        return replace(table, foreign_keys=tuple(fks), uniques=tuple(uniques), checks=tuple(checks))

    def add(self, table: TableModel, constraint: C, column_level: bool) -> C:
        if isinstance(constraint, ForeignKeyModel):
            highest = self.highest(table)
            if highest is None:
                return constraint
            (named,) = self._fk_names(table, [constraint], highest)
            return named  # type: ignore[return-value]  # C is ForeignKeyModel here
        if isinstance(constraint, CheckModel) and not column_level:
            if any(c.name is None for c in table.checks):
                return constraint  # one may be a table CHECK holding any number
            given = {c.name.lower() for c in table.checks if c.name is not None}
            found = self._check_names([constraint], [0], (), given)
            return constraint if found is None else found[0]  # type: ignore[return-value]
        # a unique key added later: the table may hold indexes MySQL made for foreign
        # keys, which the model does not track; the primary key is always PRIMARY
        return constraint


def _key_name(column: str, taken: Sequence[str], limit: int) -> str | None:
    """make_unique_key_name: the column's name, else it with _2, _3..."""
    if column.lower() not in taken:
        return column
    base = column[: limit - 3]
    for number in range(2, 100):
        name = f"{base}_{number}"
        if name.lower() not in taken:
            return name
    return None


def _may_be(name: str, doubtful: Sequence[str]) -> bool:
    """Whether an index MySQL named after `doubtful` columns (or _2, _3...) may be `name`."""
    lowered = name.lower()
    return any(lowered == d or re.fullmatch(re.escape(d) + r"_[0-9]+", lowered) for d in doubtful)


def type_checks_created(
    checks: Sequence[CheckModel], creates: Callable[[int], bool | None]
) -> tuple[frozenset[int], frozenset[int]]:
    """(absent, unsure): the positions of type CHECKs the dialect does not create, and of
    those it may or may not; `creates(position)` answers for each type CHECK."""
    absent: set[int] = set()
    unsure: set[int] = set()
    for position, check in enumerate(checks):
        if not check.type_bound:
            continue
        made = creates(position)
        if made is None:
            unsure.add(position)
        elif not made:
            absent.add(position)
    return frozenset(absent), frozenset(unsure)
