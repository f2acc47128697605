"""REVIEW.md: the review as Markdown, one `##` section per entry of SECTIONS."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlgen.review.model import (
    ROLLBACK_EFFECTS,
    SECTIONS,
    Change,
    Finding,
    Review,
    RevisionFlags,
    TableShape,
    ids_text,
    where,
)


def to_markdown(review: Review) -> str:
    blocks = [f"# Change review: {_inline(review.range.requested)}"]
    for title in SECTIONS:
        blocks.append(f"## {title}")
        blocks += _SECTIONS[title](review)
    return "\n\n".join(blocks) + "\n"


# --- Markdown pieces ------------------------------------------------------------------


def _inline(text: str) -> str:
    """Plain text on one line, with the characters Markdown would act on escaped."""
    flat = " ".join(text.split())
    out = []
    for i, char in enumerate(flat):
        if char == "_":
            # order_items stays as it is: an underscore inside a word starts no emphasis
            inside = 0 < i < len(flat) - 1 and flat[i - 1].isalnum() and flat[i + 1].isalnum()
            out.append(char if inside else "\\_")
        else:
            out.append("\\" + char if char in "\\`*[]<|" else char)
    return "".join(out)


def _code(text: str) -> str:
    flat = " ".join(text.split()).replace("|", "\\|")  # a pipe ends a table cell even here
    return f"`` {flat} ``" if "`" in flat else f"`{flat}`"


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _only(change: Change) -> str:
    return f" _({', '.join(change.only_in)} only)_" if change.only_in else ""


def _line(line: int | None) -> str:
    return f" (line {line})" if line is not None else ""


# --- the sections ---------------------------------------------------------------------


def _range(review: Review) -> list[str]:
    r = review.range
    dialects = ", ".join(f"{_inline(d.name)} ({_inline(d.description)})" for d in review.dialects)
    return [
        "\n".join(
            [
                f"- Requested: {_code(r.requested)}",
                f"- From: {_code(ids_text(r.start))}",
                f"- To: {_code(ids_text(r.end))}",
                f"- Revisions: {len(review.revisions)}",
                f"- Dialects: {dialects or 'none'}",
            ]
        )
    ]


def _revisions(review: Review) -> list[str]:
    if not review.revisions:
        return ["No revisions."]
    rows = [
        [str(n), _code(r.revision), _inline(r.message), _code(r.path)]
        for n, r in enumerate(review.revisions, 1)
    ]
    return [_table(["#", "Revision", "Message", "File"], rows)]


def _tables(review: Review) -> list[str]:
    if not review.tables:
        return ["No table is touched."]
    blocks = []
    for table in review.tables:
        lines = [f"### {_code(table.name)}", ""]
        for revision in table.revisions:
            lines.append(f"- {_code(revision)} {_inline(review.message_of(revision))}")
            lines += [
                f"  - {_inline(c.summary)}{_line(c.line)}{_only(c)}"
                for c in table.changes
                if c.revision == revision
            ]
        blocks.append("\n".join(lines))
        if table.shape is not None:
            blocks += _shape(table.shape)
    return blocks


def _shape(shape: TableShape) -> list[str]:
    """The table before and after the range, as fenced SQL."""

    def shown(when: str, ddl: str | None, absent: str) -> list[str]:
        if ddl is None:
            return [f"{when}: {absent}"]
        return [f"{when}:", f"```sql\n{ddl}\n```"]

    return [
        *shown(f"Before the range ({shape.dialect})", shape.before, "not there."),
        *shown("After it", shape.after, "dropped."),
    ]


def _statements(review: Review) -> list[str]:
    if not review.statements:
        return ["No statements were captured."]
    headers = ["Kind"] + [f"{s.dialect} {s.direction}" for s in review.statements]
    rows = [
        [_inline(kind)] + [str(s.count(kind)) for s in review.statements]
        for kind in review.statement_kinds()
    ]
    rows.append(["**Total**"] + [f"**{s.total}**" for s in review.statements])
    note = "Version-table bookkeeping and transaction framing are not counted."
    return [_table(headers, rows), note]


def _finding_rows(findings: Sequence[Finding]) -> list[list[str]]:
    return [
        [
            _inline(f.severity),
            _code(f.rule),
            _code(where(f.path, f.line)) if f.path else "",
            _inline(f.dialect or ""),
            _inline(f.direction or ""),
            _code(f.revision) if f.revision else "",
            _inline(f.message),
        ]
        for f in findings
    ]


def _findings(review: Review) -> list[str]:
    findings = review.findings
    counts = ", ".join(f"{n} {severity}" for severity, n in findings.counts)
    blocks = [f"Findings: {counts}; {len(findings.suppressed)} suppressed."]
    headers = ["Severity", "Rule", "Where", "Dialect", "Direction", "Revision", "Message"]
    if findings.active:
        blocks.append(_table(headers, _finding_rows(findings.active)))
    if findings.suppressed:
        blocks += ["### Suppressed", _table(headers, _finding_rows(findings.suppressed))]
    return blocks


def _rollback(review: Review) -> list[str]:
    rollback = review.rollback
    if not rollback.captured:
        return ["No downgrade was captured for this range."]
    if not rollback.losses:
        return ["The downgrade drops no table or column and deletes no data."]
    summary = [
        f"- Tables dropped: {', '.join(_code(t) for t in rollback.dropped_tables) or 'none'}",
        f"- Columns dropped: {', '.join(_code(c) for c in rollback.dropped_columns) or 'none'}",
        f"- Data deleted from: {', '.join(_code(t) for t in rollback.data_deleted_from) or 'none'}",
    ]
    rows = [
        [
            _code(c.revision),
            str(c.line or ""),
            _code(c.table),
            _inline(c.summary) + _only(c),
            _inline(ROLLBACK_EFFECTS[c.kind]),
        ]
        for c in rollback.losses
    ]
    table = _table(["Revision", "Line", "Table", "Change", "Effect"], rows)
    return ["What the downgrade destroys, in the order it runs:", "\n".join(summary), table]


def _flag_cells(flag: RevisionFlags) -> list[str]:
    reads = "; ".join(
        f"line {r.line}: {r.what} {_code(r.sql)}" if r.line else f"{r.what} {_code(r.sql)}"
        for r in flag.reads
    )
    return [
        _inline(flag.dialect),
        flag.direction,
        _code(flag.revision),
        _code(flag.override) if flag.override else "",
        reads,
        _inline(flag.failure or ""),
    ]


def _flags(review: Review) -> list[str]:
    if not review.flags:
        return ["None: every revision's SQL comes from its migration, which reads no data."]
    headers = ["Dialect", "Direction", "Revision", "Override", "Data reads (no rows)", "Failure"]
    return [_table(headers, [_flag_cells(flag) for flag in review.flags])]


def _checksums(review: Review) -> list[str]:
    blocks = [
        _table(["File", "SHA-256"], [[_code(p), _code(s)] for p, s in review.checksums])
        if review.checksums
        else "No files."
    ]
    generator = [[_inline(name), _code(version)] for name, version in review.generator]
    if generator:
        blocks += ["### Generator", _table(["Component", "Version"], generator)]
    return blocks


_SECTIONS: dict[str, Callable[[Review], list[str]]] = {
    "Range": _range,
    "Revisions": _revisions,
    "Tables touched": _tables,
    "Statements": _statements,
    "Lint findings": _findings,
    "Rollback": _rollback,
    "Overrides and data reads": _flags,
    "Checksums": _checksums,
}
