"""The lint engine's vocabulary: severities, rules, findings, and what a check sees.

Plain data only. The rules themselves are declared in `sqlgen.lint.rules`, the
walk over captured runs lives in `sqlgen.lint.engine`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

from sqlglot import exp

from sqlgen.dialects.profiles import Profile
from sqlgen.pipeline.captured import Item, OperationCall, StepCapture

if TYPE_CHECKING:
    from alembic.operations.ops import MigrateOperation

    from sqlgen.model.schema import TableKey, TableModel

Direction = Literal["upgrade", "downgrade"]
BOTH_DIRECTIONS: frozenset[Direction] = frozenset({"upgrade", "downgrade"})
UPGRADE_ONLY: frozenset[Direction] = frozenset({"upgrade"})
DOWNGRADE_ONLY: frozenset[Direction] = frozenset({"downgrade"})


class Severity(StrEnum):
    """How bad a finding is. Ordered: info < warning < error (not alphabetically)."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return _RANKS[self]

    @classmethod
    def parse(cls, text: object) -> Severity:
        try:
            return cls(str(text).strip().lower())
        except ValueError:
            names = ", ".join(s.value for s in cls)
            raise ValueError(f"unknown severity {text!r} (expected one of: {names})") from None

    # str's own comparisons would order the names alphabetically
    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank < other.rank

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank <= other.rank

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank > other.rank

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank >= other.rank


_RANKS = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}

CATEGORIES = {
    "1": "destructive",
    "2": "locking (PostgreSQL)",
    "3": "locking (MySQL/MariaDB)",
    "4": "backward-incompatible",
    "5": "data-dependent",
    "6": "downgrade gaps",
    "7": "dialect compatibility",
}


@dataclass(frozen=True)
class Rule:
    """One lint rule's metadata, declared in its own module next to its check.

    Each rule is a module of `sqlgen.lint.rules` (e.g. `sg101_drop_table`) holding
    `RULE`, this record, and `check`, the function that finds where it fires.
    """

    id: str
    severity: Severity  # the default; a project can change it
    dialects: frozenset[str] | None  # profile names it applies to; None: every dialect
    message: str  # the risk, in one line; a finding puts what it saw in front of it
    hint: str  # how to fix it
    title: str  # a few words
    directions: frozenset[Direction] = BOTH_DIRECTIONS
    enabled_by_default: bool = True
    # the Alembic operation classes the check reads (it may read SQL statements too)
    operations: tuple[type[MigrateOperation], ...] = ()
    docs: str | None = None  # what it catches, why it matters, an example: Markdown

    @property
    def category(self) -> str:
        return CATEGORIES[self.id[2]]

    def applies_to(self, dialect: str, direction: Direction) -> bool:
        in_dialect = self.dialects is None or dialect in self.dialects
        return in_dialect and direction in self.directions


@dataclass(frozen=True)
class Finding:
    """One rule firing at one place of one revision, for one dialect."""

    rule: str
    severity: Severity
    message: str
    hint: str
    dialect: str
    direction: Direction
    revision: str
    path: Path  # the migration file
    line: int | None
    suppressed: bool = False
    reason: str | None = None  # why it is suppressed, from the ignore comment
    note: str | None = None  # e.g. why an ignore comment did not suppress it


@dataclass(frozen=True)
class Hit:
    """What a check function reports: where, and what exactly it saw."""

    line: int | None
    subject: str  # e.g. "drops table orders"


@dataclass(frozen=True)
class Statement:
    """One parsed SQL statement of a step, with what rules need to know about it."""

    item: Item
    expression: exp.Expr
    in_transaction: bool
    # the migration wrote this SQL itself (op.execute, the bind), rather than an Alembic
    # operation compiling it: operation-level checks already cover the latter
    written_by_migration: bool
    call_index: int  # the operation call that emitted it; len(calls) when not known


Position = tuple[int, int]  # (step index, call index) within one dialect's run


class TableFacts(Protocol):
    """What is known about the tables a migration touches.

    "Created earlier in the same range", by the operations, the migrations' own SQL
    and the schema model.
    """

    def existed_before(self, table: str | None, schema: str | None, at: Position) -> bool: ...


class SchemaHistory(Protocol):
    """The schema model's tables where each step of a run begins."""

    def at(self, step_index: int) -> Mapping[TableKey, TableModel] | None: ...


@dataclass(frozen=True)
class StepView:
    """Everything a check function sees: one revision's capture for one dialect."""

    profile: Profile
    capture: StepCapture
    statements: tuple[Statement, ...]
    tables: TableFacts
    step_index: int
    # the schema model's tables step by step (see tables_at_start)
    schema: SchemaHistory | None = None

    @property
    def dialect(self) -> str:
        return self.profile.name

    @property
    def direction(self) -> Direction:
        return "upgrade" if self.capture.step.is_upgrade else "downgrade"

    def calls(self) -> Iterator[tuple[int, OperationCall]]:
        yield from enumerate(self.capture.calls)

    def existing_table(self, table: str | None, schema: str | None, call_index: int) -> bool:
        """True unless the table was created earlier in the range (before this call)."""
        return self.tables.existed_before(table, schema, (self.step_index, call_index))

    def tables_at_start(self) -> Mapping[TableKey, TableModel] | None:
        """Every table as the schema model had it when this step began.

        None when the model cannot tell (it lost track of the schema in the run).
        """
        return self.schema.at(self.step_index) if self.schema is not None else None

    def raw_statements(self) -> Iterator[Statement]:
        """Statements the migration wrote as SQL itself."""
        return (s for s in self.statements if s.written_by_migration)


Check = Callable[[StepView], Iterator[Hit]]
"""A rule's check: every place in one step where the rule fires."""
