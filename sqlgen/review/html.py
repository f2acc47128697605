"""REVIEW.html: the review as one self-contained page.

Inline CSS only, no scripts and nothing fetched (a Content-Security-Policy says
so to the browser too), so it opens offline and can be attached to a ticket.
SQL is highlighted here, by tokenizing it with sqlglot; every piece of text but
sqlgen's own fixed wording, from the SQL or anywhere else, goes through html.escape.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from html import escape
from typing import Any

from sqlglot.dialects.dialect import Dialect
from sqlglot.tokenizer_core import Token, TokenType

from sqlgen.review import blocks
from sqlgen.review.model import Review
from sqlgen.review.rows import layout, section_id

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
    document = layout(review)
    anchors = {path: f"script-{n}" for n, path in enumerate(sorted(scripts), 1)}
    sections = [
        (section.title, "\n".join(_block(block, anchors) for block in section.blocks))
        for section in document.sections
    ]
    sections.append((SCRIPTS_TITLE, _scripts(review, scripts, anchors)))
    title = _inlines(document.title, anchors)
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
        f"<title>{title}</title>",
        f"<style>{_STYLE}</style>",
        "</head>",
        "<body>",
        "<main>",
        f"<h1>{title}</h1>",
        f"<nav><ul>{nav}</ul></nav>",
    ]
    for name, body in sections:
        parts.append(
            f'<section id="{section_id(name)}">\n<h2>{escape(name)}</h2>\n{body}\n</section>'
        )
    parts += ["</main>", "</body>", "</html>"]
    return "\n".join(parts) + "\n"


# --- inline pieces ----------------------------------------------------------------------


def _code(text: str) -> str:
    return f"<code>{escape(text)}</code>"


# A line number stays in the background; the only dialects a change happens in stand out.
_ASIDE_CLASSES: dict[blocks.AsideKind, str] = {"line": "muted", "dialects": "only"}


def _inline(piece: blocks.Inline, anchors: Mapping[str, str]) -> str:
    """`anchors`: the id of each script the page shows, by path, to link files to."""
    match piece:
        case str():
            return piece
        case blocks.Text(value) | blocks.Term(value):
            return escape(value)
        case blocks.Code(value):
            return _code(value)
        case blocks.FileRef(path):
            anchor = anchors.get(path)
            return f'<a href="#{anchor}">{_code(path)}</a>' if anchor else _code(path)
        case blocks.Severity(value):
            return f'<span class="sev-{escape(value)}">{escape(value)}</span>'
        case blocks.Aside(text, kind):
            return f'<span class="{_ASIDE_CLASSES[kind]}">{escape(text)}</span>'
        case blocks.Break():
            return "<br>"


def _inlines(pieces: blocks.Inlines, anchors: Mapping[str, str]) -> str:
    return "".join(_inline(piece, anchors) for piece in pieces)


# --- blocks -----------------------------------------------------------------------------


def _table(table: blocks.Table, anchors: Mapping[str, str]) -> str:
    """Columns of numbers align right; a total row goes in the table's foot."""

    def row(cells: blocks.Cells, css: str = "") -> str:
        tds = "".join(
            f'<td class="n">{html}</td>' if i in table.numeric else f"<td>{html}</td>"
            for i, html in enumerate(_inlines(cell, anchors) for cell in cells)
        )
        return f'<tr class="{css}">{tds}</tr>' if css else f"<tr>{tds}</tr>"

    head = "".join(f"<th>{escape(h)}</th>" for h in table.headers)
    lines = ["<table>", f"<thead><tr>{head}</tr></thead>", "<tbody>"]
    lines += [row(cells) for cells in table.rows]
    lines.append("</tbody>")
    if table.total is not None:
        lines.append(f"<tfoot>{row(table.total, 'total')}</tfoot>")
    lines.append("</table>")
    return "\n".join(lines)


def _shape(block: blocks.Shape) -> str:
    """The table before and after the range, side by side in one collapsed block."""

    def shown(when: str, ddl: str | None, absent: str) -> str:
        if ddl is None:
            return f"<p>{escape(when)}: {escape(absent)}</p>"
        code = highlight_sql(ddl, block.sqlglot)
        return f'<p>{escape(when)}:</p><pre class="sql"><code>{code}</code></pre>'

    shape = block.shape
    return (
        f"<details><summary>Before and after the range "
        f'<span class="muted">({escape(shape.dialect)})</span></summary>\n'
        + shown("Before", shape.before, "not there")
        + shown("After", shape.after, "dropped")
        + "</details>"
    )


def _bullets(bullets: blocks.Bullets, anchors: Mapping[str, str]) -> str:
    items = []
    for item in bullets.items:
        nested = "".join(f"<li>{_inlines(child, anchors)}</li>" for child in item.children)
        inner = f"<ul>{nested}</ul>" if item.children else ""
        items.append(f"<li>{_inlines(item.inlines, anchors)}{inner}</li>")
    return f"<ul>{''.join(items)}</ul>"


def _block(block: blocks.Block, anchors: Mapping[str, str]) -> str:
    match block:
        case blocks.Paragraph(inlines):
            return f"<p>{_inlines(inlines, anchors)}</p>"
        case blocks.Heading(inlines):
            return f"<h3>{_inlines(inlines, anchors)}</h3>"
        case blocks.Bullets():
            return _bullets(block, anchors)
        case blocks.Table():
            return _table(block, anchors)
        case blocks.Shape():
            return _shape(block)


# --- the SQL scripts, shown in full (HTML only) ---------------------------------------


def _scripts(review: Review, scripts: Mapping[str, str], anchors: Mapping[str, str]) -> str:
    if not scripts:
        return "<p>No SQL scripts were given.</p>"
    sqlglot_of = {d.name: d.sqlglot for d in review.dialects}
    shown = []
    for path in sorted(scripts):
        text = scripts[path]
        # Scripts live under a folder named after their dialect: postgresql/upgrade-....sql
        dialect = sqlglot_of.get(path.split("/", 1)[0])
        lines = len(text.splitlines())
        shown.append(
            f'<details open id="{anchors[path]}"><summary>{_code(path)} '
            f'<span class="muted">({lines} lines)</span></summary>\n'
            f'<pre class="sql"><code>{highlight_sql(text, dialect)}</code></pre></details>'
        )
    return "\n".join(shown)


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


def _css_class(token: Token, text: str) -> str | None:
    if token.token_type in _STRING_TYPES:
        return "str"
    if token.token_type == TokenType.NUMBER:
        return "num"
    if token.token_type in _NAME_TYPES:
        return None
    # Anything else spelled as a word is a keyword (or a type name) to sqlglot.
    return "kw" if text[:1].isalpha() and text.replace("_", "").isalnum() else None


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
        text = sql[token.start : token.end + 1]
        css = _css_class(token, text)
        out.append(_between(sql[position : token.start]))
        out.append(f'<span class="{css}">{escape(text)}</span>' if css else escape(text))
        position = token.end + 1
    out.append(_between(sql[position:]))
    return "".join(out)
