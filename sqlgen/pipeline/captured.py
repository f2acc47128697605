"""What an offline run captured: the data handed from the runtime to the renderer.

Kept apart from both so that each layer depends only on this plain data, never
on the other's machinery.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from sqlgen.dialects.profiles import Profile
from sqlgen.errors import RevisionFailure

if TYPE_CHECKING:  # the model imports this module; at run time it needs nothing of it
    from sqlgen.model.delta import ModelDelta
    from sqlgen.model.schema import SchemaModel, TableKey, TableModel

    TableChange = tuple[TableModel | None, TableModel | None]  # before, after

# "note": text the migration printed, as `-- ` comment lines (never SQL, never counted)
ItemKind = Literal["statement", "raw", "begin", "commit", "note"]
DataReadMode = Literal["fail", "empty"]


class Refusal(Exception):
    """sqlgen declines to render something a migration did.

    Raised into the migration; its message, which reads on from "revision X
    (file:line)", becomes that revision's failure reason as it is.
    """


class VersionChangeLike(Protocol):
    @property
    def kind(self) -> str: ...

    @property
    def old(self) -> str | None: ...

    @property
    def new(self) -> str | None: ...


class StepLike(Protocol):
    """A planned step of a range (see sqlgen.project.graph.PlannedStep)."""

    @property
    def revision(self) -> Any: ...  # an alembic Script

    @property
    def is_upgrade(self) -> bool: ...

    @property
    def version_changes(self) -> Sequence[VersionChangeLike]: ...

    @property
    def direction(self) -> str: ...

    @property
    def short_log(self) -> str: ...


@dataclass(frozen=True)
class Item:
    """One thing a migration put into the script."""

    kind: ItemKind
    sql: str = ""
    line: int | None = None
    operation: object | None = None  # the alembic MigrateOperation being invoked, if any
    version: bool = False  # version-table bookkeeping, not the migration's own SQL
    transpiled_from: str | None = None  # the raw source-dialect SQL sqlglot translated
    corrected: str | None = None  # the profile's correction that wrote this statement


def one_line(text: str) -> str:
    """Text with every run of whitespace, newlines included, turned into one space."""
    return " ".join(text.split())


# ANSI escape sequences (colours of a log formatter) and the other control characters
_CONTROL = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|[\x00-\x08\x0e-\x1f\x7f]")


def printed_lines(text: str) -> list[str]:
    """The lines of text a migration printed, as they go into a note: cleaned, none blank.

    Split at every line break Python knows (a superset of what ends a `--`
    comment in any SQL dialect), so no line can reach past its comment.
    """
    cleaned = (_CONTROL.sub("", line).rstrip() for line in text.splitlines())
    return [line for line in cleaned if line.strip()]


def comment_line(line: str) -> str:
    """One printed line as a comment: kept as it is when it already is one (`-- WARNING`)."""
    return line if line.startswith("-- ") else f"-- {line}"


@dataclass(frozen=True)
class DataRead:
    line: int | None
    sql: str
    what: str

    def summary(self, limit: int = 80) -> str:
        flat = one_line(self.sql)
        return flat if len(flat) <= limit else flat[: limit - 3] + "..."


@dataclass(frozen=True)
class OperationCall:
    """An Alembic operation a migration invoked (op.add_column(...) -> AddColumnOp)."""

    operation: Any  # an alembic.operations.ops.MigrateOperation
    line: int | None
    batch_table: str | None = None  # set when invoked inside op.batch_alter_table()
    # the table it acts on as the schema model had it just before (None: not known)
    table_before: TableModel | None = None


@dataclass(frozen=True)
class BatchFlush:
    """The `operation` of statements a batch_alter_table block emits when it ends.

    The batch's own operations are in StepCapture.calls (with batch_table); its SQL
    comes later, all at once, when Alembic applies the batch.
    """

    table: str


@dataclass(frozen=True)
class Warning_:
    """A warning SQLAlchemy or Alembic raised while the revision ran (e.g. a dropped constraint)."""

    line: int | None
    message: str


@dataclass(frozen=True)
class StepText:
    """A step's part of a script, laid out; rendered once, reused by every file it goes in."""

    blocks: tuple[str, ...]
    outcomes: tuple[tuple[str, int], ...]  # layout outcome -> statements, sorted


@dataclass
class StepCapture:
    step: StepLike
    path: Path
    items: list[Item] = field(default_factory=list)
    reads: list[DataRead] = field(default_factory=list)
    warnings: list[Warning_] = field(default_factory=list)
    calls: list[OperationCall] = field(default_factory=list)
    override: Path | None = None
    failure: RevisionFailure | None = None
    # the tables this step created, changed or dropped, as the schema model saw them
    tables_changed: dict[TableKey, TableChange] = field(default_factory=dict)
    rendered: StepText | None = None  # set by the renderer (or taken from the cache)
    # set when the step ran (not taken from the cache): its cache key and what it did
    cache_key: str | None = None
    delta: ModelDelta | None = None


@dataclass(frozen=True)
class OfflineServer:
    """The server a run's dialect was initialized for (see sqlgen.runtime.server)."""

    version: tuple[int, ...] | None
    chosen: bool  # asked for with --server-version, not the profile's default
    initialized: bool  # the dialect's own initialize() ran against the stand-in server
    reason: str | None = None  # why it did not, when it did not


@dataclass
class DialectRun:
    profile: Profile
    source_dialect: str | None = None  # where raw SQL was translated from, if anywhere
    prologue: list[Item] = field(default_factory=list)
    prologue_warnings: list[Warning_] = field(default_factory=list)
    steps: list[StepCapture] = field(default_factory=list)
    # the schema model where the range starts and where it ends (or where it failed)
    model_start: SchemaModel | None = None
    model_end: SchemaModel | None = None
    dialect: Any = None  # the SQLAlchemy Dialect the statements were compiled for
    server: OfflineServer | None = None  # the server version the dialect was initialized for

    @property
    def failures(self) -> list[RevisionFailure]:
        return [s.failure for s in self.steps if s.failure is not None]
