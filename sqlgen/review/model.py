"""The change-ticket review as plain data, derived from captured runs.

Everything a reviewer signs off on, in a fixed order; sqlgen.review.rows lays it
out in sections for REVIEW.md and REVIEW.html. Two sources, each used for what it
knows best:

- the Alembic operations a revision invoked (OperationCall) say what the author
  asked for: tables created, columns renamed, rows bulk-inserted. They give the
  tables touched and the rollback note.
- the captured statements say what will actually run. sqlglot parses them for
  the statement counts and for the tables that raw SQL and override files touch.
"""

from __future__ import annotations

import contextlib
import os
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from sqlgen.model import SchemaModel, UncertainTable
from sqlgen.pipeline.captured import DialectRun, StepCapture
from sqlgen.render.schema import render_statements, table_statements
from sqlgen.review.operations import Found, changes_of_call, changes_of_statements
from sqlgen.review.statements import counted_kind, order_kinds, parse_statements

SEVERITIES = ("error", "warning", "info")

Direction = Literal["upgrade", "downgrade"]


class FindingLike(Protocol):
    """A lint finding, as the lint engine reports it (read-only attributes)."""

    @property
    def rule(self) -> str: ...

    @property
    def severity(self) -> str: ...  # info, warning or error

    @property
    def message(self) -> str: ...

    @property
    def dialect(self) -> str | None: ...

    @property
    def revision(self) -> str | None: ...

    @property
    def path(self) -> str | os.PathLike[str] | None: ...

    @property
    def line(self) -> int | None: ...

    @property
    def suppressed(self) -> bool: ...


# --- the review ---------------------------------------------------------------------


@dataclass(frozen=True)
class RangeInfo:
    requested: str  # the spec as given, e.g. base:heads
    start: tuple[str, ...]  # empty: base
    end: tuple[str, ...]


@dataclass(frozen=True)
class DialectInfo:
    name: str
    description: str
    sqlglot: str  # the sqlglot dialect its SQL is read with (for highlighting too)


@dataclass(frozen=True)
class RevisionInfo:
    revision: str
    message: str
    path: str


@dataclass(frozen=True)
class Change:
    """One thing a revision does to a table."""

    table: str
    revision: str
    kind: str  # table created, column added, data deleted, ... (see sqlgen.review.operations)
    detail: str  # one line for a reviewer: "gift_note renamed to gift_message"
    line: int | None  # in the revision file; None for an override file
    column: str | None = None
    only_in: tuple[str, ...] = ()  # the dialects it happens in; empty: in every one reviewed

    @property
    def summary(self) -> str:
        """`column renamed: gift_note to gift_message`."""
        return f"{self.kind}: {self.detail}" if self.detail else self.kind


@dataclass(frozen=True)
class TableShape:
    """A table before and after the range, as CREATE statements for one dialect."""

    dialect: str
    before: str | None  # None: the table was not there
    after: str | None  # None: the range drops it


@dataclass(frozen=True)
class TableReview:
    name: str
    changes: tuple[Change, ...]  # in the order the revisions run
    shape: TableShape | None = None  # None: no schema model to show it from

    @property
    def revisions(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(change.revision for change in self.changes))


@dataclass(frozen=True)
class DialectStatements:
    """Statements of one dialect's script by kind, version-table bookkeeping left out."""

    dialect: str
    direction: Direction
    counts: tuple[tuple[str, int], ...]

    def count(self, kind: str) -> int:
        return dict(self.counts).get(kind, 0)

    @property
    def total(self) -> int:
        return sum(n for _, n in self.counts)


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    message: str
    dialect: str | None
    revision: str | None
    path: str | None
    line: int | None
    direction: str | None = None  # upgrade or downgrade, when the finding says


@dataclass(frozen=True)
class Findings:
    active: tuple[Finding, ...]  # most severe first
    suppressed: tuple[Finding, ...]

    @property
    def counts(self) -> tuple[tuple[str, int], ...]:
        """Active findings per severity: error, warning, info always, then any other."""
        counted = Counter(f.severity for f in self.active)
        others = sorted(set(counted) - set(SEVERITIES))
        return tuple((severity, counted[severity]) for severity in (*SEVERITIES, *others))


# What each destructive kind of change costs when the downgrade runs.
ROLLBACK_EFFECTS = {
    "table dropped": "the table and every row in it are lost",
    "column dropped": "every value in the column is lost",
    "data deleted": "rows are deleted",
    "column type changed": "values that do not fit the older type may be cut or rejected",
}


@dataclass(frozen=True)
class Rollback:
    """What the downgrade destroys, from the downgrade runs."""

    captured: bool  # False: no downgrade run was given
    losses: tuple[Change, ...]  # in the order the downgrade runs them

    def _of(self, kind: str) -> tuple[Change, ...]:
        return tuple(change for change in self.losses if change.kind == kind)

    @property
    def dropped_tables(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(change.table for change in self._of("table dropped")))

    @property
    def dropped_columns(self) -> tuple[str, ...]:
        found = (f"{c.table}.{c.column}" for c in self._of("column dropped"))
        return tuple(dict.fromkeys(found))

    @property
    def data_deleted_from(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(change.table for change in self._of("data deleted")))


@dataclass(frozen=True)
class DataReadFlag:
    line: int | None
    what: str  # query, fetchall, rowcount, ...
    sql: str  # one line, shortened


@dataclass(frozen=True)
class RevisionFlags:
    """A revision whose SQL for one dialect did not simply come from its migration."""

    dialect: str
    direction: Direction
    revision: str
    override: str | None  # the reviewed override file used instead of the migration
    reads: tuple[DataReadFlag, ...]  # data reads rendered as reading no rows
    failure: str | None  # why the revision could not be rendered, if it could not


@dataclass(frozen=True)
class Review:
    range: RangeInfo
    dialects: tuple[DialectInfo, ...]
    revisions: tuple[RevisionInfo, ...]
    tables: tuple[TableReview, ...]
    statements: tuple[DialectStatements, ...]
    findings: Findings
    rollback: Rollback
    flags: tuple[RevisionFlags, ...]
    checksums: tuple[tuple[str, str], ...]  # (file path, sha256), by path
    generator: tuple[tuple[str, str], ...]  # (component, version), by name

    def table(self, name: str) -> TableReview | None:
        return next((t for t in self.tables if t.name == name), None)

    def statement_kinds(self) -> tuple[str, ...]:
        """Every statement kind any dialect has, in the order the tables show them."""
        return order_kinds(kind for s in self.statements for kind, _ in s.counts)

    def message_of(self, revision: str) -> str:
        return next((r.message for r in self.revisions if r.revision == revision), "")


# --- building it ----------------------------------------------------------------------


def build_review(
    plan_spec: str,
    start: tuple[str, ...],
    end: tuple[str, ...],
    upgrade: Sequence[DialectRun],
    downgrade: Sequence[DialectRun],
    findings: Sequence[FindingLike],
    checksums: Mapping[str, str],
    generator: Mapping[str, str],
    *,
    project_root: Path | None = None,  # shown paths are made relative to it when given
    shape_dialect: str | None = None,  # the tables' DDL is this dialect's (the one named first)
) -> Review:
    # Sorted by dialect name: the review reads the same whatever order runs came in.
    upgrade = sorted(upgrade, key=lambda run: run.profile.name)
    # the tables before and after: shape_dialect's, else the first dialect by name
    shown = next((r for r in upgrade if r.profile.name == shape_dialect), None)
    shown = shown or (upgrade[0] if upgrade else None)
    downgrade = sorted(downgrade, key=lambda run: run.profile.name)
    revisions = _revisions([*upgrade, *downgrade], project_root)
    position = {info.revision: index for index, info in enumerate(revisions)}
    upgrade_changes = _changes(upgrade, position)
    downgrade_changes = _changes(downgrade, _run_order(downgrade))
    return Review(
        range=RangeInfo(plan_spec, tuple(start), tuple(end)),
        dialects=_dialects([*upgrade, *downgrade]),
        revisions=revisions,
        tables=_tables(upgrade_changes, shown),
        statements=tuple(
            [_statement_counts(run, "upgrade") for run in upgrade]
            + [_statement_counts(run, "downgrade") for run in downgrade]
        ),
        findings=_findings(findings, position, project_root),
        rollback=Rollback(
            captured=bool(downgrade),
            losses=tuple(c for c in downgrade_changes if c.kind in ROLLBACK_EFFECTS),
        ),
        flags=tuple(_flags(upgrade, "upgrade") + _flags(downgrade, "downgrade")),
        checksums=tuple(sorted(checksums.items())),
        generator=tuple(sorted(generator.items())),
    )


def _shown_path(path: str | os.PathLike[str], root: Path | None) -> str:
    shown = Path(os.fspath(path))
    if root is not None and shown.is_absolute():
        with contextlib.suppress(ValueError):  # outside the project: shown as it is
            shown = shown.resolve().relative_to(root.resolve())
    return shown.as_posix()


def _dialects(runs: Sequence[DialectRun]) -> tuple[DialectInfo, ...]:
    found = {
        run.profile.name: DialectInfo(
            run.profile.name, run.profile.description, run.profile.sqlglot
        )
        for run in runs
    }
    return tuple(found[name] for name in sorted(found))


def _revisions(runs: Sequence[DialectRun], root: Path | None) -> tuple[RevisionInfo, ...]:
    """Every revision of the runs, in the order the first run (upgrade if any) has them."""
    found: dict[str, RevisionInfo] = {}
    for run in runs:
        for capture in run.steps:
            script = capture.step.revision
            if script.revision not in found:
                message = " ".join(str(script.doc or "").split())
                found[script.revision] = RevisionInfo(
                    script.revision, message, _shown_path(capture.path, root)
                )
    return tuple(found.values())


def _run_order(runs: Sequence[DialectRun]) -> dict[str, int]:
    order: dict[str, int] = {}
    for run in runs:
        for capture in run.steps:
            order.setdefault(capture.step.revision.revision, len(order))
    return order


# --- what changed in each table -------------------------------------------------------


def _step_changes(capture: StepCapture, dialect: str) -> list[Found]:
    if capture.override is not None:
        # The migration never ran: the override file is what the table gets.
        source = f"override {capture.override.name}"
        return changes_of_statements(
            (item.sql for item in capture.items if not item.version), dialect, source, None
        )
    found: list[Found] = []
    for call in capture.calls:
        # Raw SQL is read as this dialect will run it (translated, per_dialect resolved).
        sql = [item.sql for item in capture.items if item.operation is call.operation]
        found += changes_of_call(call.operation, call.line, call.batch_table, sql, dialect)
    # SQL run on the connection (op.get_bind().execute) belongs to no operation; of
    # that only data changes are taken (DDL there is rare, and a batch block's SQL
    # carries a BatchFlush, its changes already read from the batch's calls).
    for item in capture.items:
        if item.operation is None and not item.version and item.kind == "statement":
            found += changes_of_statements(
                [item.sql], dialect, "SQL on the connection", item.line, data_only=True
            )
    return found


def _changes(runs: Sequence[DialectRun], position: Mapping[str, int]) -> list[Change]:
    """Every change of every run, merged across dialects, in the order the revisions run."""
    dialects_of: dict[tuple[str, Found], list[str]] = {}
    for run in runs:
        for capture in run.steps:
            revision = capture.step.revision.revision
            for found in _step_changes(capture, run.profile.sqlglot):
                names = dialects_of.setdefault((revision, found), [])
                if run.profile.name not in names:
                    names.append(run.profile.name)
    everywhere = sorted(run.profile.name for run in runs)
    changes = [
        Change(
            table=found.table,
            revision=revision,
            kind=found.kind,
            detail=found.detail,
            line=found.line,
            column=found.column,
            only_in=() if sorted(names) == everywhere else tuple(sorted(names)),
        )
        for (revision, found), names in dialects_of.items()
    ]
    # A stable sort: changes on the same line keep the order they were captured in.
    changes.sort(
        key=lambda c: (position.get(c.revision, len(position)), c.line is None, c.line or 0)
    )
    return changes


def _tables(changes: Iterable[Change], shown: DialectRun | None) -> tuple[TableReview, ...]:
    by_table: dict[str, list[Change]] = {}
    for change in changes:
        by_table.setdefault(change.table, []).append(change)
    return tuple(
        TableReview(name, tuple(by_table[name]), _shape(shown, name) if shown else None)
        for name in sorted(by_table)
    )


def _shape(run: DialectRun, name: str) -> TableShape | None:
    if run.model_start is None or run.model_end is None or run.dialect is None:
        return None
    before = _ddl(run, run.model_start, name)
    after = _ddl(run, run.model_end, name)
    return TableShape(run.profile.name, before, after)


def _ddl(run: DialectRun, model: SchemaModel, name: str) -> str | None:
    """The table as CREATE statements; a comment when its shape is unknown offline."""
    schema, _, table = name.rpartition(".")
    key = model.find(table, schema or None)
    try:
        model.check(key, table)
    except UncertainTable as exc:
        return f"-- {exc}"
    if key is None:
        return None
    statements = table_statements(model.tables[key])
    return "\n\n".join(render_statements(statements, run.profile, run.dialect))


# --- statements, findings, flags --------------------------------------------------------


def _statement_counts(run: DialectRun, direction: Direction) -> DialectStatements:
    counted: Counter[str] = Counter()
    for capture in run.steps:
        for item in capture.items:
            if item.version or item.kind not in ("statement", "raw"):
                continue  # bookkeeping and transaction framing are not the change
            for statement in parse_statements(item.sql, run.profile.sqlglot):
                counted[counted_kind(statement.verb)] += 1
    kinds = order_kinds(counted)
    return DialectStatements(run.profile.name, direction, tuple((k, counted[k]) for k in kinds))


def _findings(
    findings: Sequence[FindingLike], position: Mapping[str, int], root: Path | None
) -> Findings:
    rank = {severity: index for index, severity in enumerate(SEVERITIES)}
    copied = [
        (
            f.suppressed,
            Finding(
                rule=f.rule,
                severity=str(f.severity),
                message=f.message,
                dialect=f.dialect,
                revision=f.revision,
                path=None if f.path is None else _shown_path(f.path, root),
                line=f.line,
                # not part of FindingLike: shown when the lint engine's finding has it
                direction=getattr(f, "direction", None),
            ),
        )
        for f in findings
    ]

    def key(f: Finding) -> tuple[object, ...]:
        return (
            rank.get(f.severity, len(rank)),
            f.severity,
            position.get(f.revision or "", len(position)),
            f.path or "",
            f.line or 0,
            f.rule,
            f.dialect or "",
            f.message,
        )

    return Findings(
        active=tuple(sorted((f for hidden, f in copied if not hidden), key=key)),
        suppressed=tuple(sorted((f for hidden, f in copied if hidden), key=key)),
    )


def _flags(runs: Sequence[DialectRun], direction: Direction) -> list[RevisionFlags]:
    flags = []
    for run in runs:
        for capture in run.steps:
            if capture.override is None and not capture.reads and capture.failure is None:
                continue
            flags.append(
                RevisionFlags(
                    dialect=run.profile.name,
                    direction=direction,
                    revision=capture.step.revision.revision,
                    override=capture.override.name if capture.override else None,
                    reads=tuple(DataReadFlag(r.line, r.what, r.summary()) for r in capture.reads),
                    failure=capture.failure.reason if capture.failure else None,
                )
            )
    return flags
