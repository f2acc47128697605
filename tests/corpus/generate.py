"""A synthetic Alembic project of N revisions whose schema keeps changing, deterministically.

    python -m tests.corpus.generate OUT_DIR [--revisions N] [--seed S]

OUT_DIR gets alembic.ini and migrations/ (env.py, script.py.mako, versions/). The
versions are named NNNNN_REVISION.py in the order they were written, a topological
order of the history. The history is a line in which, every 100 revisions, two
branches split off and are merged again. Each revision makes one to five changes:

- tables created (a foreign key ON DELETE CASCADE or SET NULL, a unique constraint,
  sometimes a check constraint, an index), renamed, and dropped (the downgrade
  creates the table again as it was);
- columns added (some with a server default), dropped, renamed, widened, given a new
  server default, or backfilled with an UPDATE and made NOT NULL;
- indexes (single and composite, some unique, some written as raw SQL) created and
  dropped; unique and check constraints; foreign keys added and dropped;
- raw SQL that changes data (UPDATE, DELETE), rows seeded with op.bulk_insert;
- batch_alter_table blocks that group several column changes.

Every upgrade() has a downgrade() that undoes it, and the whole history upgrades,
downgrades and upgrades again on PostgreSQL and MySQL/MariaDB. What keeps it so:

- no index is ever made on a column a foreign key uses: InnoDB would adopt the new
  index for the key and then refuse to drop it (error 1553), so the downgrade fails;
- a column an index, a constraint or a key uses is never dropped, and a column a check
  constraint or a key uses is never renamed (MySQL refuses);
- a VARCHAR widens up to 400 characters (an InnoDB index key holds 3,072 bytes), TEXT
  columns get neither an index nor a default, a table has at most 12 columns;
- a column is made NOT NULL only after an UPDATE fills it, and op.bulk_insert gives a
  value to every NOT NULL column without a default; unique columns never get a default;
- a table is dropped only when no other table's foreign key points at it;
- a branch changes only the tables it created, so its two sides commute.

The output depends on the arguments only (no set or hash order is consulted): the
same arguments give the same bytes. Only alembic and sqlalchemy are imported by the
project it writes.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

ALEMBIC_INI = """\
# A synthetic project written by tests/corpus/generate.py.
[alembic]
script_location = %(here)s/migrations
"""

ENV_PY = '''\
"""Offline only: the dialect comes from `-x dialect=NAME` (postgresql by default)."""

from alembic import context

dialect = context.get_x_argument(as_dictionary=True).get("dialect", "postgresql")
context.configure(
    url=f"{dialect}://",
    literal_binds=True,
    dialect_opts={"paramstyle": "named"},
)
with context.begin_transaction():
    context.run_migrations()
'''

SCRIPT_MAKO = '''\
"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}

"""
from alembic import op
import sqlalchemy as sa
${imports if imports else ""}

# revision identifiers, used by Alembic.
revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = ${repr(branch_labels)}
depends_on = ${repr(depends_on)}


def upgrade():
    ${upgrades if upgrades else "pass"}


def downgrade():
    ${downgrades if downgrades else "pass"}
'''

MAX_COLUMNS = 12
MAX_VARCHAR = 400
FIXED = ("id", "name", "created_at")  # every table's first columns: never changed
# type -> (weight when a column is added, server default, backfill literal)
TYPES: dict[str, tuple[int, str | None, str | None]] = {
    "sa.String(40)": (5, "'n/a'", "'n/a'"),
    "sa.String(80)": (3, "'n/a'", "'n/a'"),
    "sa.Integer()": (5, "'0'", "0"),
    "sa.Numeric(12, 2)": (2, "'0'", "0"),
    "sa.Boolean()": (2, "sa.false()", None),
    "sa.DateTime()": (2, "sa.text('CURRENT_TIMESTAMP')", None),
    "sa.Text()": (2, None, None),
}
KEY_BYTES = 3072  # the longest InnoDB index key (utf8mb4: 4 bytes a character)
EPOCH = datetime(2024, 1, 1, 9, 0, 0)


def traits(type_: str) -> tuple[int, str | None, str | None]:
    """TYPES for a column's type; a widened VARCHAR is still a VARCHAR."""
    return TYPES["sa.String(40)"] if type_.startswith("sa.String(") else TYPES[type_]


def varchar_length(type_: str) -> int | None:
    return int(type_[len("sa.String(") : -1]) if type_.startswith("sa.String(") else None


# --- the schema as the history leaves it ------------------------------------------------


@dataclass
class Column:
    type: str
    nullable: bool = True
    default: str | None = None  # server_default, as Python source

    def existing(self) -> str:
        """The existing_* arguments MySQL needs to keep the rest of the column."""
        text = f"existing_type={self.type}, existing_nullable={self.nullable}"
        if self.default is not None:
            text += f", existing_server_default={self.default}"
        return text

    def declaration(self, name: str) -> str:
        default = f", server_default={self.default}" if self.default is not None else ""
        return f"sa.Column({name!r}, {self.type}, nullable={self.nullable}{default})"


@dataclass
class ForeignKey:
    column: str
    parent: Table
    ondelete: str

    def constraint(self, name: str) -> str:
        return (
            f"sa.ForeignKeyConstraint([{self.column!r}], ['{self.parent.name}.id'], "
            f"name={name!r}, ondelete={self.ondelete!r})"
        )


@dataclass
class Table:
    name: str
    columns: dict[str, Column]
    foreign_keys: dict[str, ForeignKey] = field(default_factory=dict)
    uniques: dict[str, list[str]] = field(default_factory=dict)
    checks: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (column, SQL)
    indexes: dict[str, tuple[list[str], bool]] = field(default_factory=dict)  # -> cols, unique

    def keyed(self, column: str) -> bool:
        return any(fk.column == column for fk in self.foreign_keys.values())

    def indexed(self, column: str) -> bool:
        return any(column in cols for cols, _ in self.indexes.values()) or any(
            column in cols for cols in self.uniques.values()
        )

    def checked(self, column: str) -> bool:
        return any(column == col for col, _ in self.checks.values())

    def added(self) -> list[str]:
        """Columns that are neither the fixed ones nor a foreign key's."""
        return [c for c in self.columns if c not in FIXED and not self.keyed(c)]

    def free(self) -> list[str]:
        """Columns nothing depends on: they may be dropped, tightened, get a new default."""
        return [c for c in self.added() if not self.indexed(c) and not self.checked(c)]

    def key_bytes(self, columns: list[str]) -> int:
        return sum(4 * (varchar_length(self.columns[c].type) or 2) for c in columns)

    def keys_with(self, column: str) -> list[list[str]]:
        """The columns of every index and unique constraint that holds `column`."""
        keys = [cols for cols, _ in self.indexes.values()] + list(self.uniques.values())
        return [cols for cols in keys if column in cols]

    def indexable(self) -> list[str]:
        return [
            c
            for c in self.columns
            if c != "id" and not self.keyed(c) and self.columns[c].type != "sa.Text()"
        ]

    def create(self) -> list[str]:
        """op.create_table for the table as it is now, then its indexes."""
        parts = ["sa.Column('id', sa.Integer(), primary_key=True)"]
        parts += [col.declaration(name) for name, col in self.columns.items() if name != "id"]
        parts += [fk.constraint(name) for name, fk in self.foreign_keys.items()]
        parts += [
            f"sa.UniqueConstraint({', '.join(map(repr, cols))}, name={name!r})"
            for name, cols in self.uniques.items()
        ]
        parts += [
            f"sa.CheckConstraint({sql!r}, name={name!r})" for name, (_, sql) in self.checks.items()
        ]
        lines = ["op.create_table(", f"    {self.name!r},"]
        lines += [f"    {part}," for part in parts]
        lines.append(")")
        for name, (cols, unique) in self.indexes.items():
            lines.append(_create_index(False, self.name, name, cols, unique))
        return lines


class Schema:
    def __init__(self) -> None:
        self.tables: dict[str, Table] = {}
        self.counter = 0

    def fresh(self, stem: str) -> str:
        self.counter += 1
        return f"{stem}_{self.counter}"

    def referenced(self, table: Table) -> bool:
        return any(
            fk.parent is table
            for other in self.tables.values()
            if other is not table
            for fk in other.foreign_keys.values()
        )


# --- one revision's upgrade and downgrade -----------------------------------------------


class Revision:
    """The upgrade's steps in order; the downgrade undoes them in reverse."""

    def __init__(self) -> None:
        self.up: list[str] = []
        self.down: list[list[str]] = []
        self.notes: list[str] = []

    def step(self, note: str, up: list[str], down: list[str]) -> None:
        self.up += up
        self.down.insert(0, down)
        self.notes.append(note)

    def message(self, fallback: str) -> str:
        if not self.notes:
            return fallback
        text = "; ".join(self.notes)
        return text if len(text) <= 72 else text[:69].rstrip() + "..."


def _call(batch: bool, method: str, table: str, args: str) -> str:
    return f"batch_op.{method}({args})" if batch else f"op.{method}({table!r}, {args})"


def _create_index(batch: bool, table: str, name: str, cols: list[str], unique: bool) -> str:
    flag = ", unique=True" if unique else ""
    listed = ", ".join(map(repr, cols))
    if batch:
        return f"batch_op.create_index({name!r}, [{listed}]{flag})"
    return f"op.create_index({name!r}, {table!r}, [{listed}]{flag})"


def _drop_index(batch: bool, table: str, name: str) -> str:
    return (
        f"batch_op.drop_index({name!r})"
        if batch
        else f"op.drop_index({name!r}, table_name={table!r})"
    )


Step = tuple[str, list[str], list[str]]  # note, upgrade lines, downgrade lines
ColumnChange = Callable[[random.Random, Schema, Table, bool], Step | None]


def add_column(rng: random.Random, s: Schema, t: Table, batch: bool) -> Step | None:
    if len(t.columns) >= MAX_COLUMNS:
        return None
    name = s.fresh("col")
    kinds = list(TYPES)
    kind = rng.choices(kinds, weights=[TYPES[k][0] for k in kinds])[0]
    default = TYPES[kind][1] if rng.random() < 0.4 else None
    column = Column(kind, True, default)
    t.columns[name] = column
    return (
        f"add {t.name}.{name}",
        [_call(batch, "add_column", t.name, column.declaration(name))],
        [_call(batch, "drop_column", t.name, repr(name))],
    )


def drop_column(rng: random.Random, s: Schema, t: Table, batch: bool) -> Step | None:
    # only nullable columns: the downgrade adds the column back, and its rows are gone
    free = [c for c in t.free() if t.columns[c].nullable]
    if not free:
        return None
    name = rng.choice(free)
    column = t.columns.pop(name)
    return (
        f"drop {t.name}.{name}",
        [_call(batch, "drop_column", t.name, repr(name))],
        [_call(batch, "add_column", t.name, column.declaration(name))],
    )


def rename_column(rng: random.Random, s: Schema, t: Table, batch: bool) -> Step | None:
    movable = [c for c in t.added() if not t.checked(c)]
    if not movable:
        return None
    old = rng.choice(movable)
    new = s.fresh("renamed")
    column = t.columns[old]
    t.columns = {new if c == old else c: v for c, v in t.columns.items()}
    for cols, _ in t.indexes.values():
        cols[:] = [new if c == old else c for c in cols]
    for cols in t.uniques.values():
        cols[:] = [new if c == old else c for c in cols]
    args = f"{{0!r}}, new_column_name={{1!r}}, {column.existing()}"
    return (
        f"rename {t.name}.{old} to {new}",
        [_call(batch, "alter_column", t.name, args.format(old, new))],
        [_call(batch, "alter_column", t.name, args.format(new, old))],
    )


def widen(rng: random.Random, s: Schema, t: Table, batch: bool) -> Step | None:
    def widened(column: str) -> int:
        return 2 * (varchar_length(t.columns[column].type) or MAX_VARCHAR)

    def fits(column: str) -> bool:
        grows = 4 * widened(column) // 2
        return all(t.key_bytes(cols) + grows <= KEY_BYTES for cols in t.keys_with(column))

    strings = [c for c in t.added() if widened(c) <= MAX_VARCHAR and fits(c)]
    if not strings:
        return None
    name = rng.choice(strings)
    column = t.columns[name]
    old, new = column.type, f"sa.String({widened(name)})"
    column.type = new
    rest = f"existing_nullable={column.nullable}"
    if column.default is not None:
        rest += f", existing_server_default={column.default}"

    def alter(before: str, after: str) -> str:
        args = f"{name!r}, existing_type={before}, type_={after}, {rest}"
        return _call(batch, "alter_column", t.name, args)

    return (f"widen {t.name}.{name}", [alter(old, new)], [alter(new, old)])


def change_default(rng: random.Random, s: Schema, t: Table, batch: bool) -> Step | None:
    choices = [c for c in t.free() if traits(t.columns[c].type)[1] is not None]
    if not choices:
        return None
    name = rng.choice(choices)
    column = t.columns[name]
    old = column.default
    usual = traits(column.type)[1]
    new = {"'n/a'": "'unknown'", "'0'": "'1'", "sa.false()": "sa.true()"}.get(usual or "", usual)
    if old == new:
        new = None
    existing = Column(column.type, column.nullable, None).existing()
    column.default = new

    def alter(value: str | None, before: str | None) -> str:
        was = f", existing_server_default={before}" if before is not None else ""
        return _call(
            batch, "alter_column", t.name, f"{name!r}, server_default={value}, {existing}{was}"
        )

    return (f"default for {t.name}.{name}", [alter(new, old)], [alter(old, new)])


def tighten(rng: random.Random, s: Schema, t: Table, batch: bool) -> Step | None:
    """Backfill a nullable column with an UPDATE, then make it NOT NULL."""
    choices = [
        c for c in t.free() if t.columns[c].nullable and traits(t.columns[c].type)[2] is not None
    ]
    if not choices or batch:
        return None
    name = rng.choice(choices)
    column = t.columns[name]
    existing = column.existing()
    column.nullable = False
    value = traits(column.type)[2]
    return (
        f"{t.name}.{name} NOT NULL",
        [
            f'op.execute("UPDATE {t.name} SET {name} = {value} WHERE {name} IS NULL")',
            f"op.alter_column({t.name!r}, {name!r}, nullable=False, {existing})",
        ],
        [
            f"op.alter_column({t.name!r}, {name!r}, nullable=True, "
            + existing.replace("existing_nullable=True", "existing_nullable=False")
            + ")"
        ],
    )


def create_index(rng: random.Random, s: Schema, t: Table, batch: bool) -> Step | None:
    candidates = [c for c in t.indexable() if c != "name"]
    if not candidates:
        return None
    cols = [rng.choice(candidates)]
    others = [c for c in candidates if c not in cols and t.key_bytes([*cols, c]) <= KEY_BYTES]
    if others and rng.random() < 0.3:
        cols.append(rng.choice(others))
    # unique only where every row so far holds NULL: no default, never made NOT NULL
    unique = rng.random() < 0.15 and all(
        c not in FIXED and t.columns[c].nullable and t.columns[c].default is None for c in cols
    )
    name = s.fresh(f"ix_{t.name}")
    t.indexes[name] = (cols, unique)
    return (
        f"index {t.name}({', '.join(cols)})",
        [_create_index(batch, t.name, name, cols, unique)],
        [_drop_index(batch, t.name, name)],
    )


def drop_index(rng: random.Random, s: Schema, t: Table, batch: bool) -> Step | None:
    if not t.indexes:
        return None
    name = rng.choice(list(t.indexes))
    cols, unique = t.indexes.pop(name)
    return (
        f"drop index {name}",
        [_drop_index(batch, t.name, name)],
        [_create_index(batch, t.name, name, cols, unique)],
    )


COLUMN_CHANGES: dict[str, tuple[int, ColumnChange]] = {
    "add": (18, add_column),
    "drop": (7, drop_column),
    "rename": (5, rename_column),
    "widen": (8, widen),
    "default": (4, change_default),
    "tighten": (4, tighten),
    "index": (9, create_index),
    "drop_index": (3, drop_index),
}


def create_table(rng: random.Random, s: Schema, pool: list[Table]) -> Step:
    name = s.fresh("tbl")
    t = Table(
        name,
        {
            "id": Column("sa.Integer()", False),
            "name": Column("sa.String(100)", False),
            "created_at": Column("sa.DateTime()", True, "sa.text('CURRENT_TIMESTAMP')"),
        },
    )
    t.uniques[f"uq_{name}_name"] = ["name"]
    if pool and rng.random() < 0.6:
        parent = rng.choice(pool)
        column = f"{parent.name}_id"
        t.columns[column] = Column("sa.Integer()", True)
        t.foreign_keys[f"fk_{name}_{parent.name}"] = ForeignKey(
            column, parent, rng.choice(["CASCADE", "SET NULL"])
        )
    if rng.random() < 0.3:
        t.checks[f"ck_{name}_name"] = ("name", "name <> ''")
    t.indexes[f"ix_{name}_created_at"] = (["created_at"], False)
    up = t.create()
    s.tables[name] = t
    return (f"create {name}", up, _drop_table(t))


def _drop_table(t: Table) -> list[str]:
    return [_drop_index(False, t.name, name) for name in t.indexes] + [f"op.drop_table({t.name!r})"]


def drop_table(rng: random.Random, s: Schema, pool: list[Table]) -> Step | None:
    droppable = [t for t in pool if not s.referenced(t)]
    if len(pool) < 4 or not droppable:
        return None
    t = rng.choice(droppable)
    del s.tables[t.name]
    # the table comes back empty, its columns as they were (NOT NULL ones too)
    return (f"drop {t.name}", _drop_table(t), t.create())


def rename_table(rng: random.Random, s: Schema, pool: list[Table]) -> Step | None:
    if not pool:
        return None
    t = rng.choice(pool)
    old, new = t.name, s.fresh("tbl")
    t.name = new
    s.tables = {new if k == old else k: v for k, v in s.tables.items()}
    return (
        f"rename {old} to {new}",
        [f"op.rename_table({old!r}, {new!r})"],
        [f"op.rename_table({new!r}, {old!r})"],
    )


def add_foreign_key(rng: random.Random, s: Schema, t: Table, pool: list[Table]) -> Step | None:
    if len(t.columns) >= MAX_COLUMNS:
        return None
    parent = rng.choice(pool)  # itself included: a tree
    column = s.fresh(f"{parent.name}_ref")
    name = f"fk_{t.name}_{column}"
    ondelete = rng.choice(["CASCADE", "SET NULL"])
    t.columns[column] = Column("sa.Integer()", True)
    t.foreign_keys[name] = ForeignKey(column, parent, ondelete)
    return (
        f"{t.name}.{column} references {parent.name}",
        [
            f"op.add_column({t.name!r}, sa.Column({column!r}, sa.Integer(), nullable=True))",
            f"op.create_foreign_key({name!r}, {t.name!r}, {parent.name!r}, [{column!r}], ['id'], "
            f"ondelete={ondelete!r})",
        ],
        [
            f"op.drop_constraint({name!r}, {t.name!r}, type_='foreignkey')",
            f"op.drop_column({t.name!r}, {column!r})",
        ],
    )


def drop_foreign_key(rng: random.Random, s: Schema, t: Table) -> Step | None:
    if not t.foreign_keys:
        return None
    name = rng.choice(list(t.foreign_keys))
    fk = t.foreign_keys.pop(name)
    t.columns.pop(fk.column)
    return (
        f"drop {t.name}.{fk.column}",
        [
            f"op.drop_constraint({name!r}, {t.name!r}, type_='foreignkey')",
            f"op.drop_column({t.name!r}, {fk.column!r})",
        ],
        [
            f"op.add_column({t.name!r}, sa.Column({fk.column!r}, sa.Integer(), nullable=True))",
            f"op.create_foreign_key({name!r}, {t.name!r}, {fk.parent.name!r}, [{fk.column!r}], "
            f"['id'], ondelete={fk.ondelete!r})",
        ],
    )


def add_unique(rng: random.Random, s: Schema, t: Table) -> Step | None:
    choices = [
        c
        for c in t.free()
        if t.columns[c].nullable
        and t.columns[c].default is None
        and t.columns[c].type in ("sa.String(40)", "sa.String(80)", "sa.Integer()")
    ]
    if not choices:
        return None
    column = rng.choice(choices)
    name = s.fresh(f"uq_{t.name}")
    t.uniques[name] = [column]
    return (
        f"unique {t.name}.{column}",
        [f"op.create_unique_constraint({name!r}, {t.name!r}, [{column!r}])"],
        [f"op.drop_constraint({name!r}, {t.name!r}, type_='unique')"],
    )


def add_check(rng: random.Random, s: Schema, t: Table) -> Step | None:
    numbers = [c for c in t.free() if t.columns[c].type in ("sa.Integer()", "sa.Numeric(12, 2)")]
    column, sql = (
        (rng.choice(numbers), "{} >= 0") if numbers and rng.random() < 0.7 else ("name", "{} <> ''")
    )
    name = s.fresh(f"ck_{t.name}")
    t.checks[name] = (column, sql.format(column))
    return (
        f"check on {t.name}.{column}",
        [f"op.create_check_constraint({name!r}, {t.name!r}, {sql.format(column)!r})"],
        [f"op.drop_constraint({name!r}, {t.name!r}, type_='check')"],
    )


def drop_check(rng: random.Random, s: Schema, t: Table) -> Step | None:
    if not t.checks:
        return None
    name = rng.choice(list(t.checks))
    _, sql = t.checks.pop(name)
    return (
        f"drop check {name}",
        [f"op.drop_constraint({name!r}, {t.name!r}, type_='check')"],
        [f"op.create_check_constraint({name!r}, {t.name!r}, {sql!r})"],
    )


def raw_index(rng: random.Random, s: Schema, t: Table) -> Step | None:
    """CREATE INDEX as raw SQL (portable); the downgrade uses op.drop_index."""
    candidates = [c for c in t.indexable() if c != "name"]
    if not candidates:
        return None
    column = rng.choice(candidates)
    name = s.fresh(f"ix_{t.name}")
    t.indexes[name] = ([column], False)
    return (
        f"index {t.name}({column}) in SQL",
        [f'op.execute("CREATE INDEX {name} ON {t.name} ({column})")'],
        [_drop_index(False, t.name, name)],
    )


def touch_rows(rng: random.Random, s: Schema, t: Table) -> Step:
    return (
        f"clean {t.name}",
        [f"op.execute(\"UPDATE {t.name} SET name = 'unnamed' WHERE name = ''\")"],
        [],
    )


def delete_rows(rng: random.Random, s: Schema, t: Table) -> Step:
    return (
        f"purge {t.name}",
        [f"op.execute(\"DELETE FROM {t.name} WHERE name LIKE 'tmp-%'\")"],
        [],
    )


def seed_rows(rng: random.Random, s: Schema, t: Table) -> Step:
    """op.bulk_insert of a few rows; every NOT NULL column without a default gets a value."""
    required = [
        c
        for c, col in t.columns.items()
        if c not in ("id", "name") and not col.nullable and col.default is None
    ]
    columns = ", ".join(
        ["sa.column('id', sa.Integer())", "sa.column('name', sa.String())"]
        + [f"sa.column({c!r}, {t.columns[c].type})" for c in required]
    )
    rows = []
    for _ in range(rng.randint(1, 4)):
        row_id = int(s.fresh("row").rsplit("_", 1)[1])
        values = [f"'id': {row_id}", f"'name': 'seed-{row_id}'"]
        values += [f"{c!r}: {traits(t.columns[c].type)[2]}" for c in required]
        rows.append("{" + ", ".join(values) + "}")
    return (
        f"seed {t.name}",
        [
            "op.bulk_insert(",
            f"    sa.table({t.name!r}, {columns}),",
            f"    [{', '.join(rows)}],",
            ")",
        ],
        [f"op.execute(\"DELETE FROM {t.name} WHERE name LIKE 'seed-%'\")"],
    )


def batch(rng: random.Random, s: Schema, t: Table) -> Step | None:
    """Two or three column changes in one op.batch_alter_table block."""
    up: list[str] = []
    down: list[list[str]] = []
    notes: list[str] = []
    kinds = ["add", "drop", "rename", "widen", "default", "index"]
    for _ in range(rng.randint(2, 3)):
        kind = rng.choice(kinds)
        step = COLUMN_CHANGES[kind][1](rng, s, t, True)
        if step is not None:
            notes.append(step[0])
            up += step[1]
            down.insert(0, step[2])
    if not up:
        return None
    head = f"with op.batch_alter_table({t.name!r}) as batch_op:"
    return (
        f"batch on {t.name}",
        [head] + [f"    {line}" for line in up],
        [head] + [f"    {line}" for lines in down for line in lines],
    )


TABLE_CHANGES: dict[str, int] = {
    "create_table": 12,
    "drop_table": 2,
    "rename_table": 2,
    "fk": 6,
    "drop_fk": 2,
    "unique": 3,
    "check": 4,
    "drop_check": 1,
    "raw_index": 2,
    "update": 5,
    "delete": 2,
    "seed": 5,
    "batch": 5,
}


def _change(rng: random.Random, s: Schema, kind: str, t: Table, pool: list[Table]) -> Step | None:
    if kind in COLUMN_CHANGES:
        return COLUMN_CHANGES[kind][1](rng, s, t, False)
    table_changes: dict[str, Callable[[], Step | None]] = {
        "create_table": lambda: create_table(rng, s, pool),
        "drop_table": lambda: drop_table(rng, s, pool),
        "rename_table": lambda: rename_table(rng, s, pool),
        "fk": lambda: add_foreign_key(rng, s, t, pool),
        "drop_fk": lambda: drop_foreign_key(rng, s, t),
        "unique": lambda: add_unique(rng, s, t),
        "check": lambda: add_check(rng, s, t),
        "drop_check": lambda: drop_check(rng, s, t),
        "raw_index": lambda: raw_index(rng, s, t),
        "update": lambda: touch_rows(rng, s, t),
        "delete": lambda: delete_rows(rng, s, t),
        "seed": lambda: seed_rows(rng, s, t),
        "batch": lambda: batch(rng, s, t),
    }
    return table_changes[kind]()


def one_revision(rng: random.Random, s: Schema, owned: list[str] | None) -> Revision:
    """A revision's changes; `owned`: the tables a branch may touch (it records its own)."""
    revision = Revision()

    def pool() -> list[Table]:
        return [t for t in s.tables.values() if owned is None or t.name in owned]

    def record(step: Step | None) -> None:
        if step is not None:
            revision.step(*step)

    if not pool():
        before = list(s.tables)
        record(create_table(rng, s, pool()))
        if owned is not None:
            owned += [name for name in s.tables if name not in before]
        return revision
    kinds = list(COLUMN_CHANGES) + list(TABLE_CHANGES)
    weights = [w for w, _ in COLUMN_CHANGES.values()] + list(TABLE_CHANGES.values())
    for _ in range(rng.randint(1, 5)):
        tables = pool()
        if not tables:
            break
        kind = rng.choices(kinds, weights=weights)[0]
        target = rng.choice(tables)
        before = list(s.tables)
        step = _change(rng, s, kind, target, tables)
        if step is None:  # nothing to do of that kind here: add a column instead
            step = add_column(rng, s, target, False)
        record(step)
        if owned is not None:  # a table made or renamed is the branch's; a dropped one goes
            owned[:] = [name for name in owned if name in s.tables]
            owned += [name for name in s.tables if name not in before]
    return revision


# --- the project on disk ------------------------------------------------------------------


def _indent(lines: list[str]) -> str:
    return "\n".join(f"    {line}" if line else "" for line in lines) if lines else "    pass"


def render(
    index: int, rev: str, down: str | tuple[str, ...] | None, message: str, r: Revision
) -> str:
    revises = ", ".join(down) if isinstance(down, tuple) else (down or "")
    created = EPOCH + timedelta(hours=7 * index, minutes=13 * index % 60)
    return (
        f'"""{message}\n\nRevision ID: {rev}\nRevises: {revises}\n'
        f'Create Date: {created:%Y-%m-%d %H:%M:%S}.000000\n\n"""\n'
        "from alembic import op\nimport sqlalchemy as sa\n\n\n"
        "# revision identifiers, used by Alembic.\n"
        f"revision = {rev!r}\ndown_revision = {down!r}\n"
        "branch_labels = None\ndepends_on = None\n\n\n"
        f"def upgrade():\n{_indent(r.up)}\n\n\n"
        f"def downgrade():\n{_indent([line for lines in r.down for line in lines])}\n"
    )


def history(
    revisions: int, seed: int
) -> Iterator[tuple[str, str | tuple[str, ...] | None, str, Revision]]:
    """(revision, down_revision, message, changes) in the order they are written."""
    rng = random.Random(seed)
    ids = random.Random(f"revision ids {seed}")
    s = Schema()
    made = 0
    head: str | None = None

    def new_id() -> str:
        return f"{ids.getrandbits(48):012x}"

    while made < revisions:
        if made % 100 == 60 and revisions - made >= 7:
            tips: list[str] = []
            for branch, length in (("a", 2), ("b", 3)):
                owned: list[str] = []
                tip = head
                for step in range(length):
                    changes = one_revision(rng, s, owned)
                    rev = new_id()
                    message = changes.message(f"branch {branch} step {step + 1}")
                    yield rev, tip, f"{branch}: {message}", changes
                    tip, made = rev, made + 1
                assert tip is not None
                tips.append(tip)
            rev = new_id()
            yield rev, tuple(tips), "merge branches a and b", Revision()
            head, made = rev, made + 1
            continue
        changes = one_revision(rng, s, None)
        rev = new_id()
        yield rev, head, changes.message(f"revision {made + 1}"), changes
        head, made = rev, made + 1


def write_corpus(out: Path, revisions: int = 200, seed: int = 1) -> Path:
    """Write the project into `out` (created; its versions folder must be empty)."""
    versions = out / "migrations" / "versions"
    versions.mkdir(parents=True, exist_ok=True)
    if any(versions.iterdir()):
        raise FileExistsError(f"{versions} is not empty")
    (out / "alembic.ini").write_text(ALEMBIC_INI, encoding="utf-8")
    (out / "migrations" / "env.py").write_text(ENV_PY, encoding="utf-8")
    (out / "migrations" / "script.py.mako").write_text(SCRIPT_MAKO, encoding="utf-8")
    for index, (rev, down, message, changes) in enumerate(history(revisions, seed), start=1):
        source = render(index, rev, down, message, changes)
        (versions / f"{index:05d}_{rev}.py").write_text(source, encoding="utf-8")
    return out


def source_digest() -> str:
    """Changes whenever this generator does: corpora built by an older one are stale."""
    import hashlib

    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.corpus.generate", description=(__doc__ or "").splitlines()[0]
    )
    parser.add_argument("out", type=Path, help="the project folder to write")
    parser.add_argument("--revisions", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    write_corpus(args.out, args.revisions, args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
