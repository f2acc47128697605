"""REVIEW.html: the review as one self-contained page.

Inline CSS only, no scripts and nothing fetched (a Content-Security-Policy says
so to the browser too), so it opens offline and can be attached to a ticket.
SQL is highlighted here, by tokenizing it with sqlglot; every piece of text,
from the SQL or anywhere else, goes through html.escape.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cache
from html import escape
from typing import Any

from sqlglot.dialects.dialect import Dialect
from sqlglot.tokenizer_core import Token, TokenType

from sqlgen.review.model import (
    ROLLBACK_EFFECTS,
    SECTIONS,
    Change,
    Finding,
    Review,
    RevisionFlags,
    TableShape,
    ids_text,
    section_id,
    where,
)

SCRIPTS_TITLE = "SQL scripts"

_STYLE = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2328;
       margin: 0; background: #fff; }
main { max-width: 72rem; margin: 0 auto; padding: 1rem 2rem 4rem; }
h1 { font-size: 1.6rem; border-bottom: 1px solid #d0d7de; padding-bottom: .4rem; }
h2 { font-size: 1.3rem; margin-top: 2.2rem; border-bottom: 1px solid #d0d7de; }
h3 { font-size: 1.05rem; margin-bottom: .3rem; }
nav ul { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .3rem 1.2rem; }
table { border-collapse: collapse; margin: .5rem 0; }
th, td { border: 1px solid #d0d7de; padding: .25rem .6rem; text-align: left;
         vertical-align: top; }
th { background: #f6f8fa; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.total td { font-weight: 600; }
code { font: .9em ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.only { color: #9a6700; font-style: italic; }
.sev-error { color: #cf222e; font-weight: 600; }
.sev-warning { color: #9a6700; font-weight: 600; }
.muted { color: #59636e; }
details { margin: .6rem 0; }
summary { cursor: pointer; }
pre.sql { background: #f6f8fa; border: 1px solid #d0d7de; padding: .8rem; overflow-x: auto;
          line-height: 1.35; }
pre.sql .kw { color: #0550ae; font-weight: 600; }
pre.sql .str { color: #0a3069; }
pre.sql .num { color: #953800; }
pre.sql .com { color: #59636e; font-style: italic; }
@media print { details { break-inside: avoid; } nav { display: none; } }
"""

# Nothing may be loaded, and no script may run: the page is what the file holds.
_POLICY = "default-src 'none'; style-src 'unsafe-inline'"


def to_html(review: Review, scripts: Mapping[str, str]) -> str:
    """The page; `scripts` maps each SQL file's path to its text."""
    anchors = {path: f"script-{n}" for n, path in enumerate(sorted(scripts), 1)}
    sections = [(title, _SECTIONS[title](review, anchors)) for title in SECTIONS]
    sections.append((SCRIPTS_TITLE, _scripts(review, scripts, anchors)))
    title = f"Change review: {review.range.requested}"
    nav = "".join(
        f'<li><a href="#{section_id(name)}">{escape(name)}</a></li>' for name, _ in sections
    )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_POLICY}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title>",
        f"<style>{_STYLE}</style>",
        "</head>",
        "<body>",
        "<main>",
        f"<h1>{escape(title)}</h1>",
        f"<nav><ul>{nav}</ul></nav>",
    ]
    for name, body in sections:
        parts.append(
            f'<section id="{section_id(name)}">\n<h2>{escape(name)}</h2>\n{body}\n</section>'
        )
    parts += ["</main>", "</body>", "</html>"]
    return "\n".join(parts) + "\n"


# --- HTML pieces ----------------------------------------------------------------------


def _code(text: str) -> str:
    return f"<code>{escape(text)}</code>"


def _p(html: str) -> str:
    return f"<p>{html}</p>"


def _table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    numeric: Iterable[int] = (),
    total: Sequence[str] | None = None,
) -> str:
    """A table of cells that are HTML already; columns in `numeric` align right."""
    right = set(numeric)

    def row(cells: Sequence[str], css: str = "") -> str:
        tds = "".join(
            f'<td class="n">{cell}</td>' if i in right else f"<td>{cell}</td>"
            for i, cell in enumerate(cells)
        )
        return f'<tr class="{css}">{tds}</tr>' if css else f"<tr>{tds}</tr>"

    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    lines = ["<table>", f"<thead><tr>{head}</tr></thead>", "<tbody>"]
    lines += [row(cells) for cells in rows]
    lines.append("</tbody>")
    if total is not None:
        lines.append(f"<tfoot>{row(total, 'total')}</tfoot>")
    lines.append("</table>")
    return "\n".join(lines)


def _only(change: Change) -> str:
    if not change.only_in:
        return ""
    return f' <span class="only">({escape(", ".join(change.only_in))} only)</span>'


def _line(line: int | None) -> str:
    return f' <span class="muted">(line {line})</span>' if line is not None else ""


# --- the sections ---------------------------------------------------------------------


def _range(review: Review, anchors: Mapping[str, str]) -> str:
    r = review.range
    dialects = ", ".join(f"{escape(d.name)} ({escape(d.description)})" for d in review.dialects)
    items = [
        ("Requested", _code(r.requested)),
        ("From", _code(ids_text(r.start))),
        ("To", _code(ids_text(r.end))),
        ("Revisions", str(len(review.revisions))),
        ("Dialects", dialects or "none"),
    ]
    return "<ul>" + "".join(f"<li>{name}: {value}</li>" for name, value in items) + "</ul>"


def _revisions(review: Review, anchors: Mapping[str, str]) -> str:
    if not review.revisions:
        return _p("No revisions.")
    rows = [
        [str(n), _code(r.revision), escape(r.message), _code(r.path)]
        for n, r in enumerate(review.revisions, 1)
    ]
    return _table(["#", "Revision", "Message", "File"], rows, numeric=[0])


def _tables(review: Review, anchors: Mapping[str, str]) -> str:
    if not review.tables:
        return _p("No table is touched.")
    sqlglot_of = {d.name: d.sqlglot for d in review.dialects}
    blocks = []
    for table in review.tables:
        items = []
        for revision in table.revisions:
            changes = "".join(
                f"<li>{escape(c.summary)}{_line(c.line)}{_only(c)}</li>"
                for c in table.changes
                if c.revision == revision
            )
            message = escape(review.message_of(revision))
            items.append(f"<li>{_code(revision)} {message}<ul>{changes}</ul></li>")
        blocks.append(f"<h3>{_code(table.name)}</h3>\n<ul>{''.join(items)}</ul>")
        if table.shape is not None:
            blocks.append(_shape(table.shape, sqlglot_of.get(table.shape.dialect)))
    return "\n".join(blocks)


def _shape(shape: TableShape, dialect: str | None) -> str:
    """The table before and after the range, side by side in one collapsed block."""

    def shown(when: str, ddl: str | None, absent: str) -> str:
        if ddl is None:
            return f"<p>{escape(when)}: {escape(absent)}</p>"
        code = highlight_sql(ddl, dialect)
        return f'<p>{escape(when)}:</p><pre class="sql"><code>{code}</code></pre>'

    return (
        f"<details><summary>Before and after the range "
        f'<span class="muted">({escape(shape.dialect)})</span></summary>\n'
        + shown("Before", shape.before, "not there")
        + shown("After", shape.after, "dropped")
        + "</details>"
    )


def _statements(review: Review, anchors: Mapping[str, str]) -> str:
    if not review.statements:
        return _p("No statements were captured.")
    columns = review.statements
    headers = ["Kind"] + [f"{s.dialect} {s.direction}" for s in columns]
    rows = [
        [escape(kind)] + [str(s.count(kind)) for s in columns] for kind in review.statement_kinds()
    ]
    total = ["Total"] + [str(s.total) for s in columns]
    table = _table(headers, rows, numeric=range(1, len(headers)), total=total)
    note = "Version-table bookkeeping and transaction framing are not counted."
    return table + "\n" + _p(note)


def _finding_rows(findings: Sequence[Finding]) -> list[list[str]]:
    return [
        [
            f'<span class="sev-{escape(f.severity)}">{escape(f.severity)}</span>',
            _code(f.rule),
            _code(where(f.path, f.line)) if f.path else "",
            escape(f.dialect or ""),
            escape(f.direction or ""),
            _code(f.revision) if f.revision else "",
            escape(f.message),
        ]
        for f in findings
    ]


def _findings(review: Review, anchors: Mapping[str, str]) -> str:
    findings = review.findings
    counts = ", ".join(f"{n} {escape(severity)}" for severity, n in findings.counts)
    blocks = [_p(f"Findings: {counts}; {len(findings.suppressed)} suppressed.")]
    headers = ["Severity", "Rule", "Where", "Dialect", "Direction", "Revision", "Message"]
    if findings.active:
        blocks.append(_table(headers, _finding_rows(findings.active)))
    if findings.suppressed:
        blocks += ["<h3>Suppressed</h3>", _table(headers, _finding_rows(findings.suppressed))]
    return "\n".join(blocks)


def _rollback(review: Review, anchors: Mapping[str, str]) -> str:
    rollback = review.rollback
    if not rollback.captured:
        return _p("No downgrade was captured for this range.")
    if not rollback.losses:
        return _p("The downgrade drops no table or column and deletes no data.")

    def names(values: Sequence[str]) -> str:
        return ", ".join(_code(v) for v in values) or "none"

    summary = (
        f"<ul><li>Tables dropped: {names(rollback.dropped_tables)}</li>"
        f"<li>Columns dropped: {names(rollback.dropped_columns)}</li>"
        f"<li>Data deleted from: {names(rollback.data_deleted_from)}</li></ul>"
    )
    rows = [
        [
            _code(c.revision),
            str(c.line or ""),
            _code(c.table),
            escape(c.summary) + _only(c),
            escape(ROLLBACK_EFFECTS[c.kind]),
        ]
        for c in rollback.losses
    ]
    table = _table(["Revision", "Line", "Table", "Change", "Effect"], rows, numeric=[1])
    return "\n".join([_p("What the downgrade destroys, in the order it runs:"), summary, table])


def _flag_cells(flag: RevisionFlags) -> list[str]:
    reads = "<br>".join(
        (f"line {r.line}: " if r.line else "") + f"{escape(r.what)} {_code(r.sql)}"
        for r in flag.reads
    )
    return [
        escape(flag.dialect),
        escape(flag.direction),
        _code(flag.revision),
        _code(flag.override) if flag.override else "",
        reads,
        escape(flag.failure or ""),
    ]


def _flags(review: Review, anchors: Mapping[str, str]) -> str:
    if not review.flags:
        return _p("None: every revision's SQL comes from its migration, which reads no data.")
    headers = ["Dialect", "Direction", "Revision", "Override", "Data reads (no rows)", "Failure"]
    return _table(headers, [_flag_cells(flag) for flag in review.flags])


def _checksums(review: Review, anchors: Mapping[str, str]) -> str:
    def file(path: str) -> str:
        anchor = anchors.get(path)
        return f'<a href="#{anchor}">{_code(path)}</a>' if anchor else _code(path)

    rows = [[file(path), _code(digest)] for path, digest in review.checksums]
    blocks = [_table(["File", "SHA-256"], rows) if rows else _p("No files.")]
    if review.generator:
        versions = [[escape(name), _code(version)] for name, version in review.generator]
        blocks += ["<h3>Generator</h3>", _table(["Component", "Version"], versions)]
    return "\n".join(blocks)


def _scripts(review: Review, scripts: Mapping[str, str], anchors: Mapping[str, str]) -> str:
    if not scripts:
        return _p("No SQL scripts were given.")
    sqlglot_of = {d.name: d.sqlglot for d in review.dialects}
    blocks = []
    for path in sorted(scripts):
        text = scripts[path]
        # Scripts live under a folder named after their dialect: postgresql/upgrade-....sql
        dialect = sqlglot_of.get(path.split("/", 1)[0])
        lines = len(text.splitlines())
        blocks.append(
            f'<details open id="{anchors[path]}"><summary>{_code(path)} '
            f'<span class="muted">({lines} lines)</span></summary>\n'
            f'<pre class="sql"><code>{highlight_sql(text, dialect)}</code></pre></details>'
        )
    return "\n".join(blocks)


_SECTIONS: dict[str, Callable[[Review, Mapping[str, str]], str]] = {
    "Range": _range,
    "Revisions": _revisions,
    "Tables touched": _tables,
    "Statements": _statements,
    "Lint findings": _findings,
    "Rollback": _rollback,
    "Overrides and data reads": _flags,
    "Checksums": _checksums,
}


# --- SQL highlighting -----------------------------------------------------------------


@cache
def _tokenizer_dialect(name: str | None) -> Any:
    return Dialect.get_or_raise(name)


_STRING_TYPES = frozenset(
    getattr(TokenType, name)
    for name in (
        "STRING",
        "NATIONAL_STRING",
        "RAW_STRING",
        "BIT_STRING",
        "HEX_STRING",
        "BYTE_STRING",
        "HEREDOC_STRING",
        "UNICODE_STRING",
        "NATIONAL_RAW_STRING",
    )
    if hasattr(TokenType, name)
)
_NAME_TYPES = frozenset({TokenType.VAR, TokenType.IDENTIFIER})


def _css_class(token: Token, raw: str) -> str | None:
    if token.token_type in _STRING_TYPES:
        return "str"
    if token.token_type == TokenType.NUMBER:
        return "num"
    if token.token_type in _NAME_TYPES:
        return None
    # Anything else spelled as a word is a keyword (or a type name) to sqlglot.
    return "kw" if raw[:1].isalpha() and raw.replace("_", "").isalnum() else None


def _between(text: str) -> str:
    """Text between tokens: whitespace and comments (sqlglot gives comments no token)."""
    out = []
    for line in text.splitlines(keepends=True):
        body = line.strip()
        if not body:
            out.append(escape(line))
            continue
        lead = line[: len(line) - len(line.lstrip())]
        tail = line[len(lead) + len(body) :]
        out.append(f'{escape(lead)}<span class="com">{escape(body)}</span>{escape(tail)}')
    return "".join(out)


def highlight_sql(sql: str, dialect: str | None = None) -> str:
    """`sql` as escaped HTML with keywords, strings, numbers and comments in spans.

    Removing the tags and unescaping gives `sql` back exactly. Text sqlglot cannot
    tokenize is shown escaped, without highlighting.
    """
    try:
        tokens = list(_tokenizer_dialect(dialect).tokenize(sql))
    except Exception:  # sqlglot raises several error types; show the text as it is
        return escape(sql)
    out = []
    position = 0
    for token in tokens:
        if token.start < position or token.end < token.start:
            return escape(sql)  # positions out of step with the text: do not guess
        raw = sql[token.start : token.end + 1]
        css = _css_class(token, raw)
        out.append(_between(sql[position : token.start]))
        out.append(f'<span class="{css}">{escape(raw)}</span>' if css else escape(raw))
        position = token.end + 1
    out.append(_between(sql[position:]))
    return "".join(out)
