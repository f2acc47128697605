"""What a review is written in: the blocks and inline pieces REVIEW.md and REVIEW.html share.

sqlgen.review.rows lays the review out in these once; sqlgen.review.markdown and
sqlgen.review.html each only write them out. A piece says what its text is (data,
code, a remark), never how it looks, so that each format escapes and marks it up
its own way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from sqlgen.review.model import TableShape

# --- inline pieces ----------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    """Text from the project or the runs: escaped in either format (on one line in Markdown)."""

    value: str


@dataclass(frozen=True)
class Term:
    """A word of sqlgen's own (a severity, a direction, a kind of data read) inside wording.

    Markdown shows it as it is, HTML escapes it.
    """

    value: str


@dataclass(frozen=True)
class Code:
    """A name, id, path or piece of SQL, in code type."""

    value: str


@dataclass(frozen=True)
class FileRef:
    """A file of the review, in code type; HTML links it to the script when the page shows it."""

    path: str


@dataclass(frozen=True)
class Severity:
    """A finding's severity, which HTML colours by how bad it is."""

    value: str


AsideKind = Literal["line", "dialects"]


@dataclass(frozen=True)
class Aside:
    """A remark in parentheses after a change: its line, or the only dialects it happens in.

    Made of numbers and dialect names, it is shown as it is in Markdown (the dialects
    in italics) and escaped in HTML.
    """

    text: str
    kind: AsideKind


@dataclass(frozen=True)
class Break:
    """Between two entries of one table cell: Markdown cells hold no line break."""


# A plain str is sqlgen's fixed wording (and numbers): written as it is in either format.
Inline = str | Text | Term | Code | FileRef | Severity | Aside | Break
Inlines = tuple[Inline, ...]


def joined(parts: Iterable[Inlines], separator: Inline) -> Inlines:
    """`parts` one after another, `separator` between each two."""
    out: list[Inline] = []
    for index, part in enumerate(parts):
        if index:
            out.append(separator)
        out += part
    return tuple(out)


# --- blocks -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Paragraph:
    inlines: Inlines


@dataclass(frozen=True)
class Heading:
    """A heading inside a section (a level below the section's title)."""

    inlines: Inlines


@dataclass(frozen=True)
class Item:
    inlines: Inlines
    children: tuple[Inlines, ...] = ()  # a list nested under the item


@dataclass(frozen=True)
class Bullets:
    items: tuple[Item, ...]


Cells = tuple[Inlines, ...]


@dataclass(frozen=True)
class Table:
    """Headers are sqlgen's wording: as they are in Markdown, escaped in HTML."""

    headers: tuple[str, ...]
    rows: tuple[Cells, ...]
    numeric: frozenset[int] = frozenset()  # the columns of numbers (HTML aligns them right)
    total: Cells | None = None  # a last row that sums the others up


@dataclass(frozen=True)
class Shape:
    """A table before and after the range; each format shows the two its own way."""

    shape: TableShape
    sqlglot: str | None  # the sqlglot dialect its DDL is read with, to highlight it


Block = Paragraph | Heading | Bullets | Table | Shape


@dataclass(frozen=True)
class Section:
    title: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Document:
    title: Inlines
    sections: tuple[Section, ...]
