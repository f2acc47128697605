"""REVIEW.md: the review's layout (sqlgen.review.rows) written as Markdown."""

from __future__ import annotations

from collections.abc import Sequence

from sqlgen.review import blocks
from sqlgen.review.model import Review
from sqlgen.review.rows import layout


def to_markdown(review: Review) -> str:
    document = layout(review)
    parts = [f"# {_inlines(document.title)}"]
    for section in document.sections:
        parts.append(f"## {section.title}")
        for block in section.blocks:
            parts += _block(block)
    return "\n\n".join(parts) + "\n"


# --- inline pieces ----------------------------------------------------------------------


def _escaped(text: str) -> str:
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


def _inline(piece: blocks.Inline) -> str:
    match piece:
        case str():
            return piece
        case blocks.Term(value):
            return value
        case blocks.Text(value) | blocks.Severity(value):
            return _escaped(value)
        case blocks.Code(value) | blocks.FileRef(value):
            return _code(value)
        case blocks.Aside(text, kind):
            return f"_{text}_" if kind == "dialects" else text
        case blocks.Break():
            return "; "  # a table cell is one line


def _inlines(pieces: blocks.Inlines) -> str:
    return "".join(_inline(piece) for piece in pieces)


# --- blocks -----------------------------------------------------------------------------


def _table(table: blocks.Table) -> str:
    rows = [[_inlines(cell) for cell in row] for row in table.rows]
    if table.total is not None:
        rows.append([f"**{_inlines(cell)}**" for cell in table.total])
    lines = ["| " + " | ".join(table.headers) + " |", "|" + "---|" * len(table.headers)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _shape(block: blocks.Shape) -> list[str]:
    """The table before and after the range, as fenced SQL."""

    def shown(when: str, ddl: str | None, absent: str) -> list[str]:
        if ddl is None:
            return [f"{when}: {absent}"]
        return [f"{when}:", f"```sql\n{ddl}\n```"]

    shape = block.shape
    return [
        *shown(f"Before the range ({shape.dialect})", shape.before, "not there."),
        *shown("After it", shape.after, "dropped."),
    ]


def _bullets(bullets: blocks.Bullets) -> str:
    lines = []
    for item in bullets.items:
        lines.append(f"- {_inlines(item.inlines)}")
        lines += [f"  - {_inlines(child)}" for child in item.children]
    return "\n".join(lines)


def _block(block: blocks.Block) -> Sequence[str]:
    """The block as Markdown blocks (a blank line between each two)."""
    match block:
        case blocks.Paragraph(inlines):
            return [_inlines(inlines)]
        case blocks.Heading(inlines):
            return [f"### {_inlines(inlines)}"]
        case blocks.Bullets():
            return [_bullets(block)]
        case blocks.Table():
            return [_table(block)]
        case blocks.Shape():
            return _shape(block)
