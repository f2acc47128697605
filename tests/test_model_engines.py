"""The schema model against real engines, revision by revision.

The generated script is applied to a real database one revision at a time; after
each revision the schema reflected from the engine must equal what the model's
inspector answers at that point of the run. Upgrades and downgrades both (a
downgrade's model is seeded by replaying the history before it).

Engines print some things their own way; `_facts` evens out only that: how a
default is written (`'0'::numeric` for `'0'`), an expression's parentheses and
casts, the name PostgreSQL gives an unnamed primary key, and the index that
backs a unique constraint.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from itertools import groupby
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Dialect

from sqlgen import api
from sqlgen.captured import DialectRun
from sqlgen.generation import GenerateRequest, render_outputs
from sqlgen.graph import Direction
from sqlgen.model import ModelInspector, SchemaModel
from sqlgen.runtime.runner import build_dialect
from sqlgen.verify.postgres_server import PostgresServer
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
    return None if name == f"{table}_pkey" else name  # PostgreSQL names an unnamed one


def _facts(insp: Any, dialect: Dialect) -> dict[str, Any]:
    names = sorted(n for n in insp.get_table_names() if n != VERSION_TABLE)
    if not names:
        return {}
    columns = insp.get_multi_columns(filter_names=names)
    pks = insp.get_multi_pk_constraint(filter_names=names)
    indexes = insp.get_multi_indexes(filter_names=names)
    fks = insp.get_multi_foreign_keys(filter_names=names)
    uniques = insp.get_multi_unique_constraints(filter_names=names)
    checks = insp.get_multi_check_constraints(filter_names=names)
    facts: dict[str, Any] = {}
    for name in names:
        key = (None, name)
        pk = pks[key]
        facts[name] = {
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
    return facts


# --- applying a script revision by revision ---


def _compare_revision_by_revision(
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
        assert _facts(sa.inspect(connection), dialect) == _facts(
            ModelInspector(model, dialect), dialect
        ), f"{direction} {revision}"
        compared += 1
    return compared


def test_model_matches_postgresql_after_every_revision_of_the_corpus(
    corpus: Callable[[int], Path], postgres_server: PostgresServer
) -> None:
    workspace = api.open_project(corpus(200))
    revisions = len(workspace.graph)
    name = postgres_server.create_database()
    engine = sa.create_engine(postgres_server.url(name), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            for direction, spec in (("upgrade", "base:heads"), ("downgrade", "heads:base")):
                compared = _compare_revision_by_revision(
                    workspace, direction, spec, "postgresql", connection
                )
                assert compared == revisions
            assert sa.inspect(connection).get_table_names() == [VERSION_TABLE]
    finally:
        engine.dispose()
        postgres_server.drop_database(name)


def test_model_matches_sqlite_after_every_revision_of_the_example(
    example_dir: Path, tmp_path: Path
) -> None:
    workspace = api.open_project(example_dir)
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'shop.db'}", isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            for direction, spec in (("upgrade", "base:heads"), ("downgrade", "heads:base")):
                compared = _compare_revision_by_revision(
                    workspace, direction, spec, "sqlite", connection
                )
                assert compared == len(workspace.graph)
            assert sa.inspect(connection).get_table_names() == [VERSION_TABLE]
    finally:
        engine.dispose()


@pytest.mark.parametrize("spec", ["2f9a0b7d3e06:heads", "9d7e2c5b1a09:heads"])
def test_a_range_that_starts_later_is_seeded_from_history(example_dir: Path, spec: str) -> None:
    workspace = api.open_project(example_dir)
    whole = render_outputs(workspace, GenerateRequest("upgrade", "base:heads", ["sqlite"]))
    part = render_outputs(workspace, GenerateRequest("upgrade", spec, ["sqlite"]))
    (full_run,), (part_run,) = whole.runs, part.runs
    assert part_run.model_start is not None and part_run.model_start.tables
    assert part_run.model_end is not None and full_run.model_end is not None
    assert part_run.model_end.fingerprint() == full_run.model_end.fingerprint()
