"""Every layer acting on Alembic operations covers the same ones (sqlgen.model.operations.KNOWN).

An operation the model applies but the review does not describe (or the other
way round) would be a change that goes unreviewed, or one the model misses;
these tests make that a failure rather than a silent gap.
"""

from __future__ import annotations

from typing import Any

import pytest
from alembic.ddl.postgresql import CreateExcludeConstraintOp
from alembic.operations import ops

from sqlgen.model.apply import APPLY
from sqlgen.model.operations import KNOWN, OperationTable
from sqlgen.review.operations import DESCRIBE

TABLES: list[OperationTable[Any]] = [APPLY, DESCRIBE]

# A layer may register a base of a KNOWN class as a fallback for subclasses it has
# no handler for (the review's AddConstraintOp). Never MigrateOperation: that would
# swallow the kinds no layer knows, which must fall through (to their SQL, or to
# "other operation" in the review).
ALLOWED_BASES = {base for kind in KNOWN for base in kind.__mro__[1:]} - {
    ops.MigrateOperation,
    object,
}


def _ids(table: OperationTable[Any]) -> str:
    return table.role


@pytest.mark.parametrize("table", TABLES, ids=_ids)
def test_every_known_operation_has_a_handler_of_its_own(table: OperationTable[Any]) -> None:
    # registered for the class itself: a base's fallback (AddConstraintOp) does not count
    missing = [kind.__name__ for kind in KNOWN if kind not in set(table.kinds())]
    assert missing == [], f"{table.role} has no handler for {missing}"


@pytest.mark.parametrize("table", TABLES, ids=_ids)
def test_nothing_is_registered_outside_known(table: OperationTable[Any]) -> None:
    extra = [k.__name__ for k in table.kinds() if k not in KNOWN and k not in ALLOWED_BASES]
    assert extra == [], f"{table.role} handles {extra}: add them to KNOWN (and to every layer)"


def test_a_class_cannot_be_registered_twice() -> None:
    table = OperationTable[str]("test")
    table.register(ops.DropTableOp)("first")
    with pytest.raises(ValueError, match="test: DropTableOp registered twice"):
        table.register(ops.DropTableOp)("second")
    assert table.handler(ops.DropTableOp("t")) == "first"


class _ProjectCreateTable(ops.CreateTableOp):
    """A project's own subclass of an Alembic operation."""


def test_lookup_follows_the_mro() -> None:
    table = OperationTable[str]("test")
    table.register(ops.CreateTableOp)("create")
    assert table.handler(_ProjectCreateTable("t", [])) == "create"
    assert table.handler(ops.DropTableOp("t")) is None
    # a registration after a lookup is seen (the resolved cache starts again)
    table.register(ops.AddConstraintOp)("constraint")
    assert table.handler(CreateExcludeConstraintOp("ex", "t", [("id", "=")])) == "constraint"
    table.register(ops.MigrateOperation)("any")
    assert table.handler(ops.DropTableOp("t")) == "any"


@pytest.mark.parametrize("table", TABLES, ids=_ids)
def test_a_subclass_is_handled_as_its_base(table: OperationTable[Any]) -> None:
    assert table.handler(_ProjectCreateTable("t", [])) is table.handler(ops.CreateTableOp("t", []))


def test_a_constraint_kind_of_its_own_is_described_but_left_to_its_sql_by_the_model() -> None:
    exclude = CreateExcludeConstraintOp("ex", "t", [("id", "=")])
    assert APPLY.handler(exclude) is None
    assert DESCRIBE.handler(exclude) is not None
