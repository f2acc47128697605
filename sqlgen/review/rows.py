"""The review laid out once for both formats: its sections, their rows and their wording.

layout(review) decides what each section holds, in what order, under which labels
and with which counts; REVIEW.md (sqlgen.review.markdown) and REVIEW.html
(sqlgen.review.html) only write that out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlgen.review.blocks import (
    Aside,
    Block,
    Break,
    Bullets,
    Cells,
    Code,
    Document,
    FileRef,
    Heading,
    Inline,
    Inlines,
    Item,
    Paragraph,
    Section,
    Severity,
    Shape,
    Table,
    Term,
    Text,
    joined,
)
from sqlgen.review.model import (
    ROLLBACK_EFFECTS,
    Change,
    Finding,
    Review,
    RevisionFlags,
)


def section_id(title: str) -> str:
    """`Tables touched` -> `tables-touched`: the HTML section's id, found by tests too."""
    return "-".join(title.lower().split())


def _ids_text(ids: Sequence[str]) -> str:
    """Revision ids as shown: `base` for none."""
    return ", ".join(ids) if ids else "base"


def _where(path: str | None, line: int | None) -> str:
    return f"{path}:{line}" if path and line is not None else path or ""


def layout(review: Review) -> Document:
    title: Inlines = ("Change review: ", Text(review.range.requested))
    return Document(title, tuple(Section(name, build(review)) for name, build in _SECTIONS))


# --- pieces -------------------------------------------------------------------------------


def _cells(*cells: Inline | Inlines) -> Cells:
    """A table row; a cell of one piece may be given as that piece."""
    return tuple(cell if isinstance(cell, tuple) else (cell,) for cell in cells)


def _codes(values: Sequence[str]) -> Inlines:
    """`a`, `b`; `none` for no value."""
    return joined(((Code(value),) for value in values), ", ") or ("none",)


def _asides(change: Change) -> Inlines:
    """Where a change is, then the only dialects it happens in (where it is not in all)."""
    line: Inlines = (" ", Aside(f"(line {change.line})", "line")) if change.line is not None else ()
    return line + _only(change)


def _only(change: Change) -> Inlines:
    if not change.only_in:
        return ()
    return (" ", Aside(f"({', '.join(change.only_in)} only)", "dialects"))


# --- the sections -------------------------------------------------------------------------


def _range(review: Review) -> tuple[Block, ...]:
    r = review.range
    dialects = joined(
        ((Text(d.name), " (", Text(d.description), ")") for d in review.dialects), ", "
    )
    items: list[Inlines] = [
        ("Requested: ", Code(r.requested)),
        ("From: ", Code(_ids_text(r.start))),
        ("To: ", Code(_ids_text(r.end))),
        ("Revisions: ", str(len(review.revisions))),
        ("Dialects: ", *(dialects or ("none",))),
    ]
    return (Bullets(tuple(Item(item) for item in items)),)


def _revisions(review: Review) -> tuple[Block, ...]:
    if not review.revisions:
        return (Paragraph(("No revisions.",)),)
    rows = tuple(
        _cells(str(n), Code(r.revision), Text(r.message), Code(r.path))
        for n, r in enumerate(review.revisions, 1)
    )
    return (Table(("#", "Revision", "Message", "File"), rows, numeric=frozenset({0})),)


def _tables(review: Review) -> tuple[Block, ...]:
    if not review.tables:
        return (Paragraph(("No table is touched.",)),)
    sqlglot_of = {d.name: d.sqlglot for d in review.dialects}
    blocks: list[Block] = []
    for table in review.tables:
        items = tuple(
            Item(
                (Code(revision), " ", Text(review.message_of(revision))),
                tuple(
                    (Text(c.summary), *_asides(c)) for c in table.changes if c.revision == revision
                ),
            )
            for revision in table.revisions
        )
        blocks += [Heading((Code(table.name),)), Bullets(items)]
        if table.shape is not None:
            blocks.append(Shape(table.shape, sqlglot_of.get(table.shape.dialect)))
    return tuple(blocks)


def _statements(review: Review) -> tuple[Block, ...]:
    if not review.statements:
        return (Paragraph(("No statements were captured.",)),)
    columns = review.statements
    headers = ("Kind", *(f"{s.dialect} {s.direction}" for s in columns))
    rows = tuple(
        _cells(Text(kind), *(str(s.count(kind)) for s in columns))
        for kind in review.statement_kinds()
    )
    total = _cells("Total", *(str(s.total) for s in columns))
    table = Table(headers, rows, numeric=frozenset(range(1, len(headers))), total=total)
    note = "Version-table bookkeeping and transaction framing are not counted."
    return (table, Paragraph((note,)))


_FINDING_HEADERS = ("Severity", "Rule", "Where", "Dialect", "Direction", "Revision", "Message")


def _finding_table(findings: Sequence[Finding]) -> Table:
    rows = tuple(
        _cells(
            Severity(f.severity),
            Code(f.rule),
            Code(_where(f.path, f.line)) if f.path else "",
            Text(f.dialect or ""),
            Text(f.direction or ""),
            Code(f.revision) if f.revision else "",
            Text(f.message),
        )
        for f in findings
    )
    return Table(_FINDING_HEADERS, rows)


def _findings(review: Review) -> tuple[Block, ...]:
    findings = review.findings
    counts = joined(((str(n), " ", Term(severity)) for severity, n in findings.counts), ", ")
    summary = ("Findings: ", *counts, "; ", str(len(findings.suppressed)), " suppressed.")
    blocks: list[Block] = [Paragraph(summary)]
    if findings.active:
        blocks.append(_finding_table(findings.active))
    if findings.suppressed:
        blocks += [Heading(("Suppressed",)), _finding_table(findings.suppressed)]
    return tuple(blocks)


def _rollback(review: Review) -> tuple[Block, ...]:
    rollback = review.rollback
    if not rollback.captured:
        return (Paragraph(("No downgrade was captured for this range.",)),)
    if not rollback.losses:
        return (Paragraph(("The downgrade drops no table or column and deletes no data.",)),)
    summary = Bullets(
        (
            Item(("Tables dropped: ", *_codes(rollback.dropped_tables))),
            Item(("Columns dropped: ", *_codes(rollback.dropped_columns))),
            Item(("Data deleted from: ", *_codes(rollback.data_deleted_from))),
        )
    )
    rows = tuple(
        _cells(
            Code(c.revision),
            str(c.line or ""),
            Code(c.table),
            (Text(c.summary), *_only(c)),
            Text(ROLLBACK_EFFECTS[c.kind]),
        )
        for c in rollback.losses
    )
    headers = ("Revision", "Line", "Table", "Change", "Effect")
    return (
        Paragraph(("What the downgrade destroys, in the order it runs:",)),
        summary,
        Table(headers, rows, numeric=frozenset({1})),
    )


def _flag_cells(flag: RevisionFlags) -> Cells:
    reads = joined(
        (
            (f"line {r.line}: " if r.line else "", Term(r.what), " ", Code(r.sql))
            for r in flag.reads
        ),
        Break(),
    )
    return _cells(
        Text(flag.dialect),
        Term(flag.direction),
        Code(flag.revision),
        Code(flag.override) if flag.override else "",
        reads,
        Text(flag.failure or ""),
    )


def _flags(review: Review) -> tuple[Block, ...]:
    if not review.flags:
        none = "None: every revision's SQL comes from its migration, which reads no data."
        return (Paragraph((none,)),)
    headers = ("Dialect", "Direction", "Revision", "Override", "Data reads (no rows)", "Failure")
    return (Table(headers, tuple(_flag_cells(flag) for flag in review.flags)),)


def _checksums(review: Review) -> tuple[Block, ...]:
    blocks: list[Block] = [
        Table(
            ("File", "SHA-256"),
            tuple(_cells(FileRef(path), Code(digest)) for path, digest in review.checksums),
        )
        if review.checksums
        else Paragraph(("No files.",))
    ]
    if review.generator:
        versions = tuple(_cells(Text(name), Code(version)) for name, version in review.generator)
        blocks += [Heading(("Generator",)), Table(("Component", "Version"), versions)]
    return tuple(blocks)


# The sections of REVIEW.md and REVIEW.html, in order. Tests find them by these titles
# in either (in HTML by the section ids derived from them).
_SECTIONS: tuple[tuple[str, Callable[[Review], tuple[Block, ...]]], ...] = (
    ("Range", _range),
    ("Revisions", _revisions),
    ("Tables touched", _tables),
    ("Statements", _statements),
    ("Lint findings", _findings),
    ("Rollback", _rollback),
    ("Overrides and data reads", _flags),
    ("Checksums", _checksums),
)
SECTIONS = tuple(title for title, _ in _SECTIONS)
