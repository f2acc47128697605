"""Comparing the schema model with what a real engine reflects.

`facts` reads the same comparable facts from any Inspector, the model's or an
engine's, and changes none of them: expressions (column defaults, CHECKs) are
compared as text, exactly. Engines print some things their own way, and only that
is evened out:

- PostgreSQL rewrites the expressions it stores (`'0'` on a NUMERIC column is
  `'0'::numeric`, `name <> ''` is `name::text <> ''::text`, `'1'` on an INTEGER is
  `1`). `EnginePrinter` lets the engine print the model's own expression: it is
  created on a scratch table of the same column types and reflected back, and that
  text is compared with the reflected schema's. A different expression (another
  literal, its case, other parentheses that change the meaning) prints differently.
- PostgreSQL's SERIAL default (`nextval(...)` on an autoincrement column) is left
  out: the model knows the column as autoincrement.
- An index the engine reports as the one backing a unique constraint
  (`duplicates_constraint`) is left out: the unique constraint is compared.

Constraint names are compared as they are. The model gives an unnamed constraint
the name the database gives it where the dialect's profile declares the rule
(`[constraint_names]`, sqlgen.model.naming); a name the model gives must be the
engine's exactly. Only where the model keeps a constraint unnamed (a dialect
without such a rule, a shape the rule cannot name for certain, a table batch mode
rebuilt as `_alembic_tmp_<table>`) is the engine's name left out, and only a name in
the shape the database makes (`orders_pkey`, `orders_customer_id_fkey1`,
`orders_ibfk_2`): `even_names`. Two engines compared with each other (`facts(...,
evened=True)`) may also differ in the name of an unnamed primary key.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from itertools import groupby
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

from sqlgen.model import ModelInspector, SchemaModel
from sqlgen.pipeline.captured import DialectRun
from sqlgen.pipeline.generation import GenerateRequest, render_outputs
from sqlgen.project.graph import Direction
from sqlgen.runtime.runner import build_dialect
from sqlgen.verify.split import split_script

VERSION_TABLE = "alembic_version"


# --- the model after each step of a run ---


def models_after_steps(run: DialectRun) -> Iterator[tuple[str, SchemaModel]]:
    """(revision, the model after it) for each step, rebuilt from the tables each step changed."""
    assert run.model_start is not None and run.model_end is not None
    start = run.model_start
    tables = dict(start.tables)
    for capture in run.steps:
        for key, (_, after) in capture.tables_changed.items():
            if after is None:
                tables.pop(key, None)
            else:
                tables[key] = after
        yield (
            capture.step.revision.revision,
            SchemaModel(tables=dict(tables), default_schema=start.default_schema),
        )
    assert tables == run.model_end.tables  # the steps' changes add up to the end state


# --- comparable facts from any inspector ---


def _expression(sql: object) -> str | None:
    """An expression's text, as the inspector gives it (a TextClause's or a str)."""
    if sql is None:
        return None
    return str(getattr(sql, "text", sql))


def _default(column: dict[str, Any]) -> str | None:
    default = column.get("default")
    if default is not None and str(default).startswith("nextval(") and column["autoincrement"]:
        return None  # PostgreSQL's SERIAL: the model knows it as an autoincrement column
    return _expression(default)


def _pk_name(table: str, name: str | None) -> str | None:
    # PostgreSQL names an unnamed primary key after the table it was created as
    # (batch mode's move-and-copy creates it as _alembic_tmp_<table>), adding a
    # number when the name is taken
    generated = re.fullmatch(rf"(?:_alembic_tmp_)?{re.escape(table)}_pkey\d*", name or "")
    return None if generated else name


# the shape of a name a database made: PostgreSQL's label (and number), InnoDB's
# {table}_ibfk_{n}, MariaDB's CONSTRAINT_{n} for a CHECK
_GENERATED = re.compile(r".*_(?:pkey|key|fkey|check)\d*|.*_ibfk_\d+|CONSTRAINT_\d+")


def _unnamed(items: list[tuple[Any, ...]], model_items: list[tuple[Any, ...]]) -> list[Any]:
    """`items` (name first) with the name left out where the model's item of the same
    shape has none and the engine's is one a database made."""
    unnamed = {item[1:] for item in model_items if item[0] is None}
    evened = [
        (None, *item[1:])
        if item[1:] in unnamed and item[0] is not None and _GENERATED.fullmatch(item[0])
        else item
        for item in items
    ]
    return sorted(evened, key=repr)


def even_names(engine: dict[str, Any], model: dict[str, Any]) -> dict[str, Any]:
    """The engine's facts with the names of the constraints the model keeps unnamed
    left out (see the module's docstring); every other name stays to be compared."""
    found: dict[str, Any] = {}
    for table, shape in engine.items():
        mine = model.get(table)
        if mine is None:
            found[table] = shape
            continue
        pk_name, pk_columns = shape["primary key"]
        if mine["primary key"][0] is None and _GENERATED.fullmatch(pk_name or ""):
            pk_name = None
        found[table] = {
            **shape,
            "primary key": (pk_name, pk_columns),
            "foreign keys": _unnamed(shape["foreign keys"], mine["foreign keys"]),
            "uniques": _unnamed(shape["uniques"], mine["uniques"]),
            "checks": _unnamed(shape["checks"], mine["checks"]),
        }
    return found


def facts(insp: Any, dialect: Dialect, evened: bool = True) -> dict[str, Any]:
    """`evened`: an unnamed primary key's generated name is left out, for two engines
    compared with each other; False keeps every name (see even_names)."""
    names = sorted(n for n in insp.get_table_names() if n != VERSION_TABLE)
    if not names:
        return {}
    columns = insp.get_multi_columns(filter_names=names)
    pks = insp.get_multi_pk_constraint(filter_names=names)
    indexes = insp.get_multi_indexes(filter_names=names)
    fks = insp.get_multi_foreign_keys(filter_names=names)
    uniques = insp.get_multi_unique_constraints(filter_names=names)
    checks = insp.get_multi_check_constraints(filter_names=names)
    found: dict[str, Any] = {}
    for name in names:
        key = (None, name)
        pk = pks[key]
        found[name] = {
            "columns": [
                (
                    c["name"],
                    c["type"].compile(dialect=dialect),
                    c["nullable"],
                    _default(c),
                    c.get("comment"),
                )
                for c in columns[key]
            ],
            "primary key": (
                _pk_name(name, pk.get("name")) if evened else pk.get("name"),
                tuple(pk["constrained_columns"]),
            ),
            "indexes": sorted(
                (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                for i in indexes[key]
                if "duplicates_constraint" not in i
            ),
            # names may be None beside names: ordered by their text
            "foreign keys": sorted(
                (
                    (
                        f["name"],
                        tuple(f["constrained_columns"]),
                        f["referred_table"],
                        tuple(f["referred_columns"]),
                        (f.get("options") or {}).get("ondelete"),
                    )
                    for f in fks[key]
                ),
                key=repr,
            ),
            "uniques": sorted(
                ((u["name"], tuple(u["column_names"])) for u in uniques[key]), key=repr
            ),
            "checks": sorted(
                ((c["name"], _expression(c["sqltext"])) for c in checks[key]), key=repr
            ),
        }
    return found


# --- a script applied revision by revision ---


def compare_revision_by_revision(
    workspace: Any, direction: Direction, spec: str, dialect_name: str, connection: sa.Connection
) -> int:
    """Apply the range's script unit by unit over `connection`, an autocommit one.

    The script's own BEGIN/COMMIT frame the transaction; reflecting over the same
    connection sees the schema inside it, as the script has left it so far.
    """
    driver = connection.connection.driver_connection
    assert driver is not None
    generation = render_outputs(workspace, GenerateRequest(direction, spec, [dialect_name]))
    (run,) = generation.runs
    assert run.failures == []
    profile = run.profile
    dialect = build_dialect(profile)
    units = split_script(generation.scripts[dialect_name].text, profile.sqlglot, "")
    expected = dict(models_after_steps(run))
    # PostgreSQL rewrites the expressions it stores; SQLite keeps them as written
    postgresql = connection.dialect.name == "postgresql"
    printing = EnginePrinter(connection.engine) if postgresql else contextlib.nullcontext()
    compared = 0
    with printing as printer:
        for revision, group in groupby(units, key=lambda unit: unit.revision):
            for unit in group:
                driver.execute(unit.sql)
            if revision is None:  # the version table, before the first revision
                continue
            model = expected[revision]
            assert model.uncertain == {} and model.unknown is None, revision
            offline = facts(ModelInspector(model, dialect), dialect, evened=False)
            if printer is not None:
                offline = printer.printed(offline)
            online = even_names(facts(sa.inspect(connection), dialect, evened=False), offline)
            assert online == offline, f"{direction} {revision}"
            compared += 1
    return compared


class EnginePrinter:
    """The engine's own text for the expressions the model holds (see the module's
    docstring): each column default and CHECK of the model's facts is created on a
    scratch table, in a schema of its own, over a connection of its own, and
    reflected back. Only the column types of the model's table are taken along."""

    SCHEMA = "sqlgen_printed"

    def __init__(self, engine: sa.Engine) -> None:
        self.connection = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        self.dialect = self.connection.dialect
        self.quote = self.dialect.identifier_preparer.quote
        self.connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {self.SCHEMA} CASCADE")
        self.connection.exec_driver_sql(f"CREATE SCHEMA {self.SCHEMA}")
        self.known: dict[tuple[Any, ...], Any] = {}

    def __enter__(self) -> EnginePrinter:
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {self.SCHEMA} CASCADE")
        finally:
            self.connection.close()

    def _scratch(self, columns: list[str], extra: str = "") -> tuple[Any, str]:
        name = f"t{len(self.known)}"
        body = ", ".join([*columns, *([extra] if extra else [])])
        self.connection.exec_driver_sql(f"CREATE TABLE {self.SCHEMA}.{name} ({body})")
        return sa.inspect(self.connection), name

    def default(self, type_: str, default: str) -> str | None:
        key = ("default", type_, default)
        if key not in self.known:
            insp, name = self._scratch([f"c {type_} DEFAULT {default}"])
            [column] = insp.get_columns(name, schema=self.SCHEMA)
            self.known[key] = _default(column)
        return cast(str | None, self.known[key])

    def check(self, columns: list[tuple[str, str]], sqltext: str) -> str | None:
        key = ("check", tuple(columns), sqltext)
        if key not in self.known:
            typed = [f"{self.quote(name)} {type_}" for name, type_ in columns]
            insp, name = self._scratch(typed, f"CHECK ({sqltext})")
            [found] = insp.get_check_constraints(name, schema=self.SCHEMA)
            self.known[key] = _expression(found["sqltext"])
        return cast(str | None, self.known[key])

    def printed(self, model_facts: dict[str, Any]) -> dict[str, Any]:
        """The model's facts with their defaults and CHECKs as the engine prints them."""
        found: dict[str, Any] = {}
        for table, shape in model_facts.items():
            types = [(column[0], column[1]) for column in shape["columns"]]
            found[table] = {
                **shape,
                "columns": [
                    (name, type_, nullable, None if d is None else self.default(type_, d), c)
                    for name, type_, nullable, d, c in shape["columns"]
                ],
                "checks": sorted(
                    (
                        (name, None if t is None else self.check(types, t))
                        for name, t in shape["checks"]
                    ),
                    key=repr,
                ),
            }
        return found
