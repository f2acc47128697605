"""Assembling one dialect's script: header, transaction framing, statements.

The framing comes from the dialect profile: BEGIN/COMMIT where DDL is
transactional, a terminator per statement, and a batch separator line (`GO`,
`/`) after each statement. The layout follows `alembic --sql`: statements are
separated by a blank line and each revision starts with
`-- Running upgrade A -> B: message`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlgen.dialects.corrections import correction_note
from sqlgen.dialects.profiles import Profile
from sqlgen.pipeline.captured import DialectRun, Item, StepCapture, StepText, Warning_, one_line
from sqlgen.render.layout import KEPT_OUTCOMES, lay_out


@dataclass(frozen=True)
class Header:
    tool_version: str
    direction: str
    spec: str
    start: tuple[str, ...]
    end: tuple[str, ...]
    revision_count: int
    revision: str | None = None  # set for a per-revision file


@dataclass
class Rendered:
    text: str
    outcomes: Counter[str] = field(default_factory=Counter)

    @property
    def formatted(self) -> int:
        return self.outcomes["formatted"]

    @property
    def kept(self) -> int:
        return sum(self.outcomes[o] for o in KEPT_OUTCOMES)


def _ids(ids: Sequence[str]) -> str:
    return ", ".join(ids) if ids else "base"


@dataclass
class _Writer:
    profile: Profile
    per_migration: bool
    source_dialect: str | None
    blocks: list[str] = field(default_factory=list)
    outcomes: Counter[str] = field(default_factory=Counter)
    # (correction, line, operation) of the previous statement, if a correction wrote it
    last_correction: tuple[str, int | None, int] | None = None

    def comments(self, lines: Sequence[str]) -> None:
        if lines:
            self.blocks.append("\n".join(f"-- {one_line(text)}" for text in lines))

    def warnings(self, found: Sequence[Warning_]) -> None:
        self.comments(
            [f"sqlgen: warning{f' at line {w.line}' if w.line else ''}: {w.message}" for w in found]
        )

    def _separated(self, text: str) -> None:
        separator = self.profile.batch_separator
        self.blocks.append(f"{text}\n{separator}" if separator else text)

    def statement(self, sql: str, note: str | None = None) -> None:
        laid = lay_out(sql, self.profile.sqlglot)
        self.outcomes[laid.outcome] += 1
        text = laid.text + self.profile.terminator
        self._separated(f"-- {one_line(note)}\n{text}" if note else text)

    def raw(self, sql: str) -> None:
        if sql:
            self.blocks.append(sql)

    def note(self, comments: str) -> None:
        """What the migration printed, already `-- ` comment lines: not a statement, so
        neither laid out by sqlglot nor counted, nor followed by a batch separator."""
        self.blocks.append(comments)

    def begin(self) -> None:
        if self.profile.transactional_ddl:
            self.blocks.append(self.profile.begin + self.profile.terminator)

    def commit(self) -> None:
        if self.profile.transactional_ddl:
            self._separated(self.profile.commit + self.profile.terminator)

    def item(self, item: Item) -> None:
        if item.kind == "statement":
            note = None
            if item.transpiled_from is not None:
                note = (
                    f"sqlgen: translated by sqlglot from {self.source_dialect} "
                    f"(line {item.line}): {item.transpiled_from}"
                )
            elif item.corrected is not None:
                # one note for the statements one correction wrote from one statement
                group = (item.corrected, item.line, id(item.operation))
                if group != self.last_correction:
                    note = correction_note(item.corrected, self.profile.name)
            self.last_correction = (
                None if item.corrected is None else (item.corrected, item.line, id(item.operation))
            )
            self.statement(item.sql, note)
        elif item.kind == "raw":
            self.raw(item.sql)
        elif item.kind == "note":
            self.note(item.sql)
        elif item.kind == "begin":
            self.begin()
        elif item.kind == "commit":
            self.commit()
        else:
            raise AssertionError(f"unknown item kind {item.kind!r}")

    def step(self, capture: StepCapture) -> None:
        """The step's blocks: laid out the first time, reused after that."""
        if capture.rendered is None:
            own = _Writer(self.profile, self.per_migration, self.source_dialect)
            own._step(capture)
            capture.rendered = StepText(tuple(own.blocks), tuple(sorted(own.outcomes.items())))
        self.blocks.extend(capture.rendered.blocks)
        self.outcomes.update(dict(capture.rendered.outcomes))

    def _step(self, capture: StepCapture) -> None:
        step = capture.step
        message = one_line(getattr(step.revision, "doc", "") or "")
        self.comments([f"Running {step.short_log}" + (f": {message}" if message else "")])
        notes = []
        if capture.override is not None:
            notes.append(
                f"sqlgen: reviewed override {capture.override.name} replaces this revision's SQL"
            )
        notes += [
            f"sqlgen: line {read.line} reads data ({read.summary()}); rendered with "
            "--data-reads=empty, so the read saw no rows"
            for read in capture.reads
        ]
        self.comments(notes)
        self.warnings(capture.warnings)
        for item in capture.items:
            self.item(item)


def _server_lines(run: DialectRun) -> list[str]:
    """The server version the script was rendered for, and where it came from."""
    server = run.server
    # a run whose dialect build_dialect did not make: the profile's version
    version = server.version if server is not None else run.profile.server_version
    chosen = server is not None and server.chosen
    shown = ".".join(str(part) for part in version) if version else "none"
    source = (
        "--server-version" if chosen else "the profile's default; --server-version sets another"
    )
    lines = [f"-- Server version: {shown} ({source})"]
    if server is not None and not server.initialized:
        lines.append(
            f"-- sqlgen: the {run.profile.name} dialect was not initialized for this version "
            f"offline ({server.reason}): its version-dependent choices are its package's defaults"
        )
    return lines


def _header(run: DialectRun, header: Header, steps: Sequence[StepCapture]) -> list[str]:
    profile = run.profile
    what = f"revision {header.revision} of " if header.revision else ""
    lines = [
        f"-- Generated by sqlgen {header.tool_version}: {header.direction} script for "
        f"{profile.name} ({profile.description or profile.name})",
        f"-- Range: {what}{_ids(header.start)} -> {_ids(header.end)}, "
        f"{header.revision_count} revision(s) (requested: {header.spec})",
        *_server_lines(run),
    ]
    overrides = [s for s in steps if s.override is not None]
    if overrides:
        listed = ", ".join(
            f"{s.step.revision.revision} ({s.override.name})" for s in overrides if s.override
        )
        lines.append(f"-- Reviewed overrides: {listed}")
    empty_reads = [s for s in steps if s.reads]
    if empty_reads:
        listed = ", ".join(s.step.revision.revision for s in empty_reads)
        lines.append(f"-- Data reads rendered empty (--data-reads=empty): {listed}")
    lines.append("-- Generated offline; review before applying. Do not edit: regenerate instead.")
    return lines


def render(
    run: DialectRun,
    header: Header,
    steps: Sequence[StepCapture],
    *,
    per_migration: bool,
    include_prologue: bool,
) -> Rendered:
    """The text of one script covering `steps` (all of a run, or one revision)."""
    writer = _Writer(run.profile, per_migration, run.source_dialect)
    writer.blocks.append("\n".join(_header(run, header, steps)))
    if not per_migration:
        writer.begin()
    for index, capture in enumerate(steps):
        if per_migration:
            writer.begin()
        if index == 0 and include_prologue:
            for item in run.prologue:
                writer.item(item)
            writer.warnings(run.prologue_warnings)
        writer.step(capture)
        if per_migration:
            writer.commit()
    if not per_migration:
        writer.commit()
    text = "\n\n".join(writer.blocks) + "\n"
    return Rendered(text, writer.outcomes)
