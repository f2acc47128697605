"""The schema model against real engines, revision by revision.

The generated script is applied to a real database one revision at a time; after
each revision the schema reflected from the engine must equal what the model's
inspector answers at that point of the run. Upgrades and downgrades both (a
downgrade's model is seeded by replaying the history before it).

What "equal" means across engines: see tests/model_helpers.py.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from sqlgen import api
from sqlgen.pipeline.generation import GenerateRequest, render_outputs
from sqlgen.verify.postgres_server import PostgresServer
from tests.model_helpers import VERSION_TABLE, compare_revision_by_revision


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
                compared = compare_revision_by_revision(
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
                compared = compare_revision_by_revision(
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
