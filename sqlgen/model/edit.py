"""The changes a migration can make to the model, shared by operations and raw SQL.

Each function edits the model as the database would be edited. When the model
lacks what a change needs (a table, a column, a constraint by that name) it
raises Gap instead of guessing; the caller marks the table uncertain.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from sqlgen.model import naming
from sqlgen.model.naming import Created
from sqlgen.model.schema import (
    CheckModel,
    ColumnModel,
    ForeignKeyModel,
    IndexModel,
    PrimaryKeyModel,
    SchemaModel,
    TableKey,
    TableModel,
    UniqueModel,
    find_name,
)

NOT_CREATED = "is not in sqlgen's model: no migration sqlgen replayed created it"


class Gap(Exception):
    """The model lacks what a change needs; the change's table becomes uncertain."""

    def __init__(self, key: TableKey, reason: str) -> None:
        super().__init__(reason)
        self.key = key
        self.reason = reason


def require(model: SchemaModel, name: str, schema: str | None) -> TableKey:
    key = model.find(name, schema)
    if key is None:
        raise Gap((schema, name), NOT_CREATED)
    return key


def _column_name(model: SchemaModel, key: TableKey, name: str) -> str:
    found = model.tables[key].column_name(name)
    if found is None:
        raise Gap(key, f"was changed at column {name}, which sqlgen's model of it lacks")
    return found


# --- SQL text that names columns (CHECK conditions, index expressions) ---

_LITERAL = re.compile(r"('(?:[^']|'')*')")


def _identifier(name: str) -> re.Pattern[str]:
    quoted = "|".join(re.escape(q) for q in (f'"{name}"', f"`{name}`", f"[{name}]"))
    return re.compile(rf"{quoted}|(?<![\w$.\"`\[]){re.escape(name)}(?![\w$])", re.IGNORECASE)


def mentions(sql: str, name: str) -> bool:
    """Whether SQL text names `name` outside string literals."""
    pattern = _identifier(name)
    return any(pattern.search(part) for part in _LITERAL.split(sql)[::2])


def rename_in(sql: str, old: str, new: str) -> str:
    """SQL text with the identifier `old` renamed, as the database shows it after a rename."""
    pattern = _identifier(old)

    def swap(match: re.Match[str]) -> str:
        text = match.group(0)
        return text[0] + new + text[-1] if text[0] in '"`[' else new

    parts = _LITERAL.split(sql)
    return "".join(pattern.sub(swap, p) if i % 2 == 0 else p for i, p in enumerate(parts))


# --- tables ---


def create_table(
    model: SchemaModel,
    table: TableModel,
    if_not_exists: bool = False,
    created: Created | None = None,
) -> None:
    """CREATE TABLE: constraints made without a name get the one the database gives
    (`created`: what the statement says beyond `table`, see naming.Created)."""
    existing = model.find(table.name, table.schema)
    if existing is not None and if_not_exists:
        return
    if existing is not None:
        model.remove(existing)
    model.put(naming.name_new_table(model, table, created))


def drop_table(model: SchemaModel, key: TableKey, cascade: bool = False) -> None:
    """Foreign keys elsewhere that point at the table stay, as in SQLite (and MySQL with
    foreign_key_checks off), the only databases where the drop succeeds with them in
    place; CASCADE (PostgreSQL) drops them."""
    model.remove(key)
    if cascade:
        for other in model.referrers(key):
            kept = tuple(fk for fk in other.foreign_keys if not fk.refers_to(key))
            if kept != other.foreign_keys:
                model.put(replace(other, foreign_keys=kept))


def rename_table(model: SchemaModel, key: TableKey, new_name: str) -> None:
    table = model.tables[key]
    new_key = (key[0], new_name)
    uncertainty = model.uncertain.get(key)
    # constraint names stay as the database gave them, except those it renames itself
    kept = naming.renamed(model, table, new_name)
    model.remove(key)
    model.put(replace(kept, name=new_name))
    if uncertainty is not None:
        model.uncertain[new_key] = uncertainty
    for other in model.referrers(key):  # foreign keys follow the table they point at
        moved = tuple(
            replace(fk, referred_table=new_name) if fk.refers_to(key) else fk
            for fk in other.foreign_keys
        )
        if moved != other.foreign_keys:
            model.put(replace(other, foreign_keys=moved))


def set_comment(model: SchemaModel, key: TableKey, comment: str | None) -> None:
    model.put(replace(model.tables[key], comment=comment))


# --- columns ---


def add_column(model: SchemaModel, key: TableKey, column: ColumnModel) -> None:
    table = model.tables[key]
    if table.column_name(column.name) is not None:
        raise Gap(key, f"was given column {column.name}, which it already has in sqlgen's model")
    model.put(replace(table, columns=(*table.columns, column)))


def alter_column(model: SchemaModel, key: TableKey, name: str, **changes: Any) -> None:
    """Change fields of a ColumnModel (type, nullable, server_default, comment...)."""
    found = _column_name(model, key, name)
    table = model.tables[key]
    column = table.column(found)
    assert column is not None
    model.put(table.replace_column(found, replace(column, **changes)))


def drop_column(model: SchemaModel, key: TableKey, name: str) -> None:
    """Indexes and constraints on the column go with it, as on PostgreSQL, SQL Server
    (which refuses instead) and in Alembic's batch recreate."""
    found = _column_name(model, key, name)
    table = model.tables[key]

    def on(columns: tuple[str | None, ...], expressions: tuple[str, ...] = ()) -> bool:
        return found in columns or any(mentions(e, found) for e in expressions)

    pk = table.primary_key
    model.put(
        replace(
            table,
            columns=tuple(c for c in table.columns if c.name != found),
            primary_key=None if pk is not None and found in pk.columns else pk,
            indexes=tuple(i for i in table.indexes if not on(i.columns, i.expressions)),
            uniques=tuple(u for u in table.uniques if not on(u.columns)),
            checks=tuple(c for c in table.checks if not mentions(c.sqltext, found)),
            foreign_keys=tuple(f for f in table.foreign_keys if not on(f.columns)),
        )
    )


def rename_column(model: SchemaModel, key: TableKey, old: str, new: str) -> None:
    found = _column_name(model, key, old)
    table = model.tables[key]

    def names(columns: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(new if c == found else c for c in columns)

    def index(i: IndexModel) -> IndexModel:
        return replace(
            i,
            columns=tuple(new if c == found else c for c in i.columns),
            expressions=tuple(rename_in(e, found, new) for e in i.expressions),
            sorting=tuple((new if c == found else c, s) for c, s in i.sorting),
        )

    column = table.column(found)
    assert column is not None
    pk = table.primary_key
    model.put(
        replace(
            table.replace_column(found, replace(column, name=new)),
            primary_key=None if pk is None else replace(pk, columns=names(pk.columns)),
            indexes=tuple(index(i) for i in table.indexes),
            uniques=tuple(replace(u, columns=names(u.columns)) for u in table.uniques),
            checks=tuple(
                replace(c, sqltext=rename_in(c.sqltext, found, new)) for c in table.checks
            ),
            foreign_keys=tuple(replace(f, columns=names(f.columns)) for f in table.foreign_keys),
        )
    )
    for other in model.referrers(key):  # foreign keys that point at the column
        moved = tuple(
            replace(f, referred_columns=names(f.referred_columns)) if f.refers_to(key) else f
            for f in other.foreign_keys
        )
        if moved != other.foreign_keys:
            model.put(replace(other, foreign_keys=moved))


# --- constraints and indexes ---


def _check_columns(model: SchemaModel, key: TableKey, columns: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(_column_name(model, key, c) for c in columns)


def set_primary_key(model: SchemaModel, key: TableKey, pk: PrimaryKeyModel) -> None:
    """The key's columns become NOT NULL, as the databases make them."""
    columns = _check_columns(model, key, pk.columns)
    pk = naming.name_added(model, key, replace(pk, columns=columns))
    table = model.tables[key]
    model.put(
        replace(
            table,
            columns=tuple(
                replace(c, nullable=False) if c.name in columns else c for c in table.columns
            ),
            primary_key=replace(pk, columns=columns),
        )
    )


def add_unique(model: SchemaModel, key: TableKey, unique: UniqueModel) -> None:
    unique = replace(unique, columns=_check_columns(model, key, unique.columns))
    unique = naming.name_added(model, key, unique)
    table = model.tables[key]
    model.put(replace(table, uniques=(*table.uniques, unique)))


def add_check(
    model: SchemaModel,
    key: TableKey,
    check: CheckModel,
    column_level: bool = False,
    created: bool | None = True,
) -> None:
    """`column_level`: declared on a column (ADD COLUMN c INT CHECK (...)), not as a
    table constraint; MariaDB names those differently. `created`: whether the database
    creates it (a type's CHECK it may not; None: unknown): only one it creates is named."""
    if created:
        check = naming.name_added(model, key, check, column_level)
    table = model.tables[key]
    model.put(replace(table, checks=(*table.checks, check)))


def add_foreign_key(model: SchemaModel, key: TableKey, fk: ForeignKeyModel) -> None:
    fk = replace(fk, columns=_check_columns(model, key, fk.columns))
    fk = naming.name_added(model, key, fk)
    table = model.tables[key]
    model.put(replace(table, foreign_keys=(*table.foreign_keys, fk)))


def add_index(
    model: SchemaModel, key: TableKey, index: IndexModel, if_not_exists: bool = False
) -> None:
    table = model.tables[key]
    same = [i for i in table.indexes if index.name is not None and i.name == index.name]
    if same and if_not_exists:
        return
    columns = tuple(None if c is None else _column_name(model, key, c) for c in index.columns)
    kept = tuple(i for i in table.indexes if i not in same)
    model.put(replace(table, indexes=(*kept, replace(index, columns=columns))))


def find_index(model: SchemaModel, name: str, schema: str | None) -> TableKey | None:
    """The table of the index called `name` among the schema's tables the model knows."""
    schema = model.normal(schema)
    for key, table in model.tables.items():
        if key[0] == schema and find_name([i.name for i in table.indexes if i.name], name):
            return key
    return None


def drop_index(model: SchemaModel, key: TableKey, name: str) -> None:
    """An index by name; on MySQL DROP INDEX also drops a unique constraint of that name."""
    table = model.tables[key]
    found = find_name([i.name for i in table.indexes if i.name], name)
    if found is not None:
        model.put(replace(table, indexes=tuple(i for i in table.indexes if i.name != found)))
        return
    unique = find_name([u.name for u in table.uniques if u.name], name)
    if unique is None:
        raise Gap(key, f"had index {name} dropped, which sqlgen's model of it lacks")
    model.put(replace(table, uniques=tuple(u for u in table.uniques if u.name != unique)))


# Alembic's drop_constraint type_ values, and what each may name
_KINDS = {
    "primary": ("primary",),
    "unique": ("unique", "index"),  # MySQL keeps a unique constraint as a unique index
    "check": ("check",),
    "foreignkey": ("foreignkey",),
    None: ("primary", "unique", "check", "foreignkey"),
}


def drop_constraint(model: SchemaModel, key: TableKey, name: str | None, kind: str | None) -> None:
    """A constraint by name (a primary key also without: a table has one at most)."""
    table = model.tables[key]
    kinds = _KINDS.get(kind, _KINDS[None])
    pk = table.primary_key
    named_pk = pk is not None and name is not None and pk.name == name
    if "primary" in kinds and pk is not None and (kind == "primary" or named_pk):
        model.put(replace(table, primary_key=None))
        return
    if name is None:
        what = f"{kind} constraint" if kind else "constraint"
        raise Gap(key, f"had an unnamed {what} dropped, which sqlgen cannot match")
    if "unique" in kinds and find_name([u.name for u in table.uniques if u.name], name):
        found = find_name([u.name for u in table.uniques if u.name], name)
        model.put(replace(table, uniques=tuple(u for u in table.uniques if u.name != found)))
    elif "check" in kinds and find_name([c.name for c in table.checks if c.name], name):
        found = find_name([c.name for c in table.checks if c.name], name)
        model.put(replace(table, checks=tuple(c for c in table.checks if c.name != found)))
    elif "foreignkey" in kinds and find_name([f.name for f in table.foreign_keys if f.name], name):
        found = find_name([f.name for f in table.foreign_keys if f.name], name)
        model.put(
            replace(table, foreign_keys=tuple(f for f in table.foreign_keys if f.name != found))
        )
    elif "index" in kinds and find_name([i.name for i in table.indexes if i.name], name):
        drop_index(model, key, name)
    else:
        # e.g. a name the database chose for a constraint created unnamed
        raise Gap(key, f"had constraint {name} dropped, which sqlgen's model of it lacks")


def drop_constraint_if_exists(
    model: SchemaModel, key: TableKey, name: str | None, kind: str | None
) -> None:
    """DROP CONSTRAINT IF EXISTS: the constraint of that name goes, and a name the
    table certainly lacks is no change. Where the model cannot tell (a constraint of
    that kind it holds unnamed may have been given that very name by the database),
    this raises Gap as the plain drop does: the model never guesses that the
    constraint was not there."""
    try:
        drop_constraint(model, key, name, kind)
    except Gap:
        if name is None:
            raise
        if _unnamed_of_kind(model.tables[key], kind):
            raise Gap(
                key,
                f"had constraint {name} dropped if it exists, which may be one sqlgen's "
                "model holds unnamed",
            ) from None


def _unnamed_of_kind(table: TableModel, kind: str | None) -> bool:
    """Whether the table has a constraint the model holds without a name of a kind a drop
    of `kind` may remove."""
    kinds = _KINDS.get(kind, _KINDS[None])
    pk = table.primary_key
    return (
        ("primary" in kinds and pk is not None and pk.name is None)
        or ("unique" in kinds and any(u.name is None for u in table.uniques))
        or ("check" in kinds and any(c.name is None for c in table.checks))
        or ("foreignkey" in kinds and any(f.name is None for f in table.foreign_keys))
        or ("index" in kinds and any(i.name is None for i in table.indexes))
    )
