"""Comparing the schema model with what a real engine reflects.

`facts` reads the same comparable facts from any Inspector, the model's or an
engine's. Engines print some things their own way; it evens out only that: how
a default is written (`'0'::numeric` for `'0'`), an expression's parentheses
and casts, the name PostgreSQL gives an unnamed primary key, and the index that
backs a unique constraint.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import groupby
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

from sqlgen.captured import DialectRun
from sqlgen.generation import GenerateRequest, render_outputs
from sqlgen.graph import Direction
from sqlgen.model import ModelInspector, SchemaModel
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

_CAST = re.compile(r"::[a-z_ ]+(?:\(\d+(?:,\s*\d+)?\))?(?:\[\])?", re.IGNORECASE)
_QUOTED_NUMBER = re.compile(r"'(-?\d+(?:\.\d+)?)'")


def _expression(sql: object) -> str | None:
    if sql is None:
        return None
    text = _QUOTED_NUMBER.sub(r"\1", _CAST.sub("", str(sql)))
    return re.sub(r"[\s()]", "", text).lower()


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


def facts(insp: Any, dialect: Dialect) -> dict[str, Any]:
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
            "primary key": (_pk_name(name, pk.get("name")), tuple(pk["constrained_columns"])),
            "indexes": sorted(
                (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                for i in indexes[key]
                if "duplicates_constraint" not in i
            ),
            "foreign keys": sorted(
                (
                    f["name"],
                    tuple(f["constrained_columns"]),
                    f["referred_table"],
                    tuple(f["referred_columns"]),
                    (f.get("options") or {}).get("ondelete"),
                )
                for f in fks[key]
            ),
            "uniques": sorted((u["name"], tuple(u["column_names"])) for u in uniques[key]),
            "checks": sorted((c["name"], _expression(c["sqltext"])) for c in checks[key]),
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
    compared = 0
    for revision, group in groupby(units, key=lambda unit: unit.revision):
        for unit in group:
            driver.execute(unit.sql)
        if revision is None:  # the version table, before the first revision
            continue
        model = expected[revision]
        assert model.uncertain == {} and model.unknown is None, revision
        assert facts(sa.inspect(connection), dialect) == facts(
            ModelInspector(model, dialect), dialect
        ), f"{direction} {revision}"
        compared += 1
    return compared
