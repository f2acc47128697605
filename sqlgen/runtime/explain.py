"""Failure messages that say what to do, for the failures a bare exception explains badly.

A revision's failure is one line that reads on from "revision X (file:line)".
For most exceptions the exception's own text is the best sqlgen can say; for a
few, the exception names a symptom far from its cause:

- `op.drop_constraint(None, ...)` ends in SQLAlchemy's CompileError (or Alembic's
  batch ValueError), which prints object reprs. The message names the operation,
  the table and the constraint names the schema model knows for it.
- After a data read that saw no rows (`--data-reads=empty`, and always in the
  replay before a range) a migration that needs a row fails with StopIteration,
  NoResultFound, IndexError or `'NoneType' object is not subscriptable`. The
  message says it needs rows and how to give reviewed SQL instead.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass
from pathlib import Path

from alembic.operations.ops import DropConstraintOp
from sqlalchemy.exc import CompileError

from sqlgen.model.schema import SchemaModel, TableModel
from sqlgen.pipeline.captured import OperationCall, one_line
from sqlgen.runtime.capture import Recorder


@dataclass(frozen=True)
class Explained:
    line: int | None  # where in the revision, when the explanation knows it better
    reason: str


def explain(
    exc: Exception, recorder: Recorder, override: Path, overrides_set: bool
) -> Explained | None:
    """A better failure message for `exc`, raised by the revision `recorder` ran; or None.

    `override`: where the revision's reviewed SQL would go (sqlgen's overrides
    convention); `overrides_set`: whether the run has an overrides folder at all.
    """
    detail = one_line(str(exc))
    failed = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
    unnamed = _unnamed_drop(exc, recorder)
    if unnamed is not None:
        return Explained(unnamed.line, _unnamed_message(unnamed, recorder.model))
    if recorder.data_reads == "empty" and recorder.reads:
        read = recorder.reads[0]
        at = f" at line {read.line}" if read.line is not None else ""
        todo = f"write reviewed SQL for this revision to {override}"
        if not overrides_set:
            todo += f" and pass --overrides {override.parent}"
        return Explained(
            None,
            f"failed: {failed}, after its data read{at} ({read.summary()}) saw no rows: the "
            f"migration needs rows that offline empty mode does not give; {todo}",
        )
    return None


def _unnamed_drop(exc: Exception, recorder: Recorder) -> OperationCall | None:
    """The op.drop_constraint(None, ...) call the exception comes from, if it does.

    SQLAlchemy's compiler raises CompileError (AssertionError for MySQL), Alembic's
    batch mode ValueError; the call is the one that was running (the last), or one
    of the batch block that was being applied.
    """
    if not isinstance(exc, CompileError | ValueError | AssertionError):
        return None
    if not _raised_by_libraries(exc):
        return None
    for call in reversed([*recorder.batched, *recorder.calls[-1:]]):
        operation = call.operation
        if isinstance(operation, DropConstraintOp) and not operation.constraint_name:
            return call
    return None


def _raised_by_libraries(exc: Exception) -> bool:
    """Whether the exception was raised inside SQLAlchemy or Alembic, not by the migration."""
    frames = traceback.extract_tb(exc.__traceback__)
    return bool(frames) and bool({"sqlalchemy", "alembic"} & set(Path(frames[-1].filename).parts))


_KINDS = {
    "unique": "unique constraint",
    "foreignkey": "foreign key",
    "primary": "primary key",
    "check": "check constraint",
}


def _call_text(call: OperationCall) -> str:
    operation = call.operation
    arguments = ["None"] if call.batch_table else ["None", repr(operation.table_name)]
    if operation.constraint_type:
        arguments.append(f"type_={operation.constraint_type!r}")
    if operation.schema and not call.batch_table:
        arguments.append(f"schema={operation.schema!r}")
    owner = "batch_op" if call.batch_table else "op"
    return f"{owner}.drop_constraint({', '.join(arguments)})"


def _unnamed_message(call: OperationCall, model: SchemaModel) -> str:
    operation = call.operation
    table_name = call.batch_table or operation.table_name
    kind = _KINDS.get(operation.constraint_type or "", "constraint")
    head = (
        f"{_call_text(call)} has no constraint name, and SQL drops a constraint only by "
        f"its name: pass the name of the {kind} to drop"
    )
    table = call.table_before or _known_table(model, table_name, operation.schema)
    if table is None:
        return f"{head} (sqlgen's schema model does not know table {table_name} here)"
    named, unnamed = _constraints(table, operation.constraint_type)
    if named:
        found = f"the {kind}s sqlgen knows on table {table_name}: {', '.join(named)}"
    else:
        found = f"sqlgen knows no named {kind} on table {table_name}"
    if unnamed:
        found += (
            f"; unnamed ones on {', '.join(unnamed)} got their names from the database "
            "that created them: look them up there"
        )
    return f"{head} ({found})"


def _known_table(model: SchemaModel, name: str, schema: str | None) -> TableModel | None:
    if model.unknown is not None:
        return None
    key = model.find(name, schema)
    if key is None or key in model.uncertain:
        return None
    return model.tables[key]


def _constraints(table: TableModel, kind: str | None) -> tuple[list[str], list[str]]:
    """The names of the table's constraints of `kind` (all kinds for None), and the
    columns of the unnamed ones."""
    found: list[tuple[str | None, str]] = []
    if kind in (None, "primary") and table.primary_key is not None:
        pk = table.primary_key
        found.append((pk.name, f"({', '.join(pk.columns)})"))
    if kind in (None, "unique"):
        found += [(u.name, f"({', '.join(u.columns)})") for u in table.uniques]
    if kind in (None, "foreignkey"):
        found += [(f.name, f"({', '.join(f.columns)})") for f in table.foreign_keys]
    if kind in (None, "check"):
        found += [(c.name, f"({one_line(c.sqltext)})") for c in table.checks]
    named = sorted({name for name, _ in found if name})
    unnamed = [shape for name, shape in found if not name]
    return named, unnamed
