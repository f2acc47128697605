"""What each revision of a run does to the tables, as row checks need it.

From one dialect's offline run (the schema model where the range starts, and the
tables each step changed), per revision: the tables before and after it, the
ones it created or changed, the tables and columns it renamed, and the tables its
own SQL deletes from, truncates or updates (whose rows may go, or change).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from alembic.operations import ops

from sqlgen.model import SchemaModel, TableKey, TableModel
from sqlgen.pipeline.captured import DialectRun, StepCapture

ALL = "*"  # in `written`: SQL sqlgen cannot read may write to any table


@dataclass(frozen=True)
class Change:
    revision: str
    before: Mapping[TableKey, TableModel]
    after: Mapping[TableKey, TableModel]
    changed: frozenset[TableKey]  # keys (after) of tables created or altered
    table_renames: Mapping[TableKey, TableKey]  # before -> after
    column_renames: Mapping[TableKey, Mapping[str, str]]  # after key -> {old: new}
    written: frozenset[str]  # lower-cased names of tables its SQL deletes/updates; ALL
    # its data reads, answered with no rows (--data-reads=empty): "line N (SELECT ...)"
    reads: tuple[str, ...] = ()


@dataclass(frozen=True)
class Timeline:
    changes: Mapping[str, Change]  # by revision id
    skipped: Mapping[TableKey, str] = field(default_factory=dict)  # tables left alone: why
    unknown: str | None = None  # why no table can be filled at all, if so


def _find(tables: Iterable[TableKey], schema: str | None, name: str) -> TableKey | None:
    keys = list(tables)
    if (schema, name) in keys:
        return (schema, name)
    folded = [k for k in keys if k[0] == schema and k[1].lower() == name.lower()]
    return folded[0] if len(folded) == 1 else None


_COMMENT = re.compile(r"--[^\n]*|/\*.*?\*/", re.S)
_TARGET = re.compile(
    r"\b(?:DELETE\s+FROM|TRUNCATE\s+(?:TABLE\s+)?|UPDATE\s+(?:ONLY\s+)?|MERGE\s+INTO)\s*"
    r"((?:[\w$]+|\"[^\"]+\"|`[^`]+`|\[[^\]]+\])(?:\s*\.\s*(?:[\w$]+|\"[^\"]+\"|`[^`]+`|\[[^\]]+\]))*)",
    re.I,
)
_WRITES = ("DELETE", "TRUNCATE", "UPDATE", "MERGE", "WITH", "REPLACE")


def _last_name(dotted: str) -> str:
    last = re.split(r"\s*\.\s*(?=[\w$\"`\[])", dotted)[-1]
    return last.strip('"`[]').lower()


def written_tables(sqls: Iterable[str]) -> set[str]:
    """The tables these statements delete from, truncate or update (lower-cased names);
    ALL when a statement writes rows somewhere sqlgen cannot name."""
    names: set[str] = set()
    for sql in sqls:
        for piece in _COMMENT.sub(" ", sql).split(";"):
            words = piece.split(None, 1)
            if not words or words[0].upper() not in _WRITES:
                continue
            found = [_last_name(m.group(1)) for m in _TARGET.finditer(piece)]
            if words[0].upper() in ("WITH", "REPLACE") and not found:
                continue  # a query, or REPLACE INTO (an insert)
            names.update(found or [ALL])
    return names


def _runs_sql(capture: StepCapture) -> bool:
    """Whether the step runs SQL of its own (op.execute), which may rename things."""
    return any(isinstance(call.operation, ops.ExecuteSQLOp) for call in capture.calls)


def _renamed_tables(
    capture: StepCapture,
    model: SchemaModel,
    before: Mapping[TableKey, TableModel],
    after: Mapping[TableKey, TableModel],
) -> dict[TableKey, TableKey]:
    renames: dict[TableKey, TableKey] = {}
    for call in capture.calls:
        operation = call.operation
        if isinstance(operation, ops.RenameTableOp):
            schema = model.normal(operation.schema)
            old = _find(before, schema, operation.table_name)
            new = _find(after, schema, operation.new_table_name)
            if old is not None and new is not None:
                renames[old] = new
    if not _runs_sql(capture):
        return renames
    # raw SQL renames: a table gone and one come with the same columns
    gone = [k for k in before if k not in after and k not in renames]
    come = [k for k in after if k not in before and k not in renames.values()]
    for old in gone:
        shape = [c.name for c in before[old].columns]
        same = [k for k in come if [c.name for c in after[k].columns] == shape]
        if len(same) == 1:
            renames[old] = same[0]
            come.remove(same[0])
    return renames


def _renamed_columns(
    capture: StepCapture,
    model: SchemaModel,
    before: Mapping[TableKey, TableModel],
    after: Mapping[TableKey, TableModel],
    tables: Mapping[TableKey, TableKey],
) -> dict[TableKey, dict[str, str]]:
    renames: dict[TableKey, dict[str, str]] = {}
    for call in capture.calls:
        operation = call.operation
        if not isinstance(operation, ops.AlterColumnOp) or not operation.modify_name:
            continue
        if operation.modify_name == operation.column_name:
            continue
        name = operation.table_name or call.batch_table
        if not name:
            continue
        key = _find(after, model.normal(operation.schema), name)
        if key is not None:
            renames.setdefault(key, {})[operation.column_name] = operation.modify_name
    if not _runs_sql(capture):
        return renames
    # raw SQL renames: same place, same type, another name
    back = {new: old for old, new in tables.items()}
    for key, table in after.items():
        old_key = back.get(key, key)
        if old_key not in before:
            continue
        old_columns = before[old_key].columns
        if len(old_columns) != len(table.columns):
            continue
        mine = renames.setdefault(key, {})
        old_names = {c.name for c in old_columns}
        new_names = {c.name for c in table.columns}
        for old, new in zip(old_columns, table.columns, strict=True):
            if (
                old.name != new.name
                and old.name not in mine
                and old.name not in new_names
                and new.name not in old_names
                and old.type_text == new.type_text
            ):
                mine[old.name] = new.name
        if not mine:
            del renames[key]
    return renames


def build(run: DialectRun, version_table: str) -> Timeline:
    """The timeline of a run made with its models (not a lean run)."""
    start, end = run.model_start, run.model_end
    if start is None or end is None:
        return Timeline({}, unknown="the run kept no schema model")
    if end.unknown is not None or start.unknown is not None:
        why = (end.unknown or start.unknown).reason  # type: ignore[union-attr]
        where = (end.unknown or start.unknown).where  # type: ignore[union-attr]
        return Timeline({}, unknown=f"the schema {why} ({where})")
    skipped: dict[TableKey, str] = {}
    for model in (start, end):
        for key, uncertainty in model.uncertain.items():
            skipped.setdefault(key, f"its shape is unknown offline: it {uncertainty.reason}")

    def ours(key: TableKey, table: TableModel | None) -> bool:
        return (
            table is not None
            and key[1].lower() != version_table.lower()
            and key not in start.views
            and key not in end.views
        )

    tables = {k: t for k, t in start.tables.items() if ours(k, t)}
    changes: dict[str, Change] = {}
    for capture in run.steps:
        before = dict(tables)
        changed: set[TableKey] = set()
        for key, (_, table) in capture.tables_changed.items():
            if table is None or not ours(key, table):
                tables.pop(key, None)
            else:
                tables[key] = table
                changed.add(key)
        after = dict(tables)
        renamed = _renamed_tables(capture, end, before, after)
        statements = [
            item.sql
            for item in capture.items
            if item.kind in ("statement", "raw") and not item.version
        ]
        revision = str(capture.step.revision.revision)
        changes[revision] = Change(
            revision,
            before,
            after,
            frozenset(changed),
            renamed,
            _renamed_columns(capture, end, before, after, renamed),
            frozenset(written_tables(statements)),
            tuple(f"line {r.line} ({r.summary(60)})" for r in capture.reads),
        )
    return Timeline(changes, skipped)
