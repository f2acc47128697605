"""Reading a generated script back as the units a client would send, with their lines.

SQL Server scripts are cut at `GO` lines and Oracle scripts at `/` lines, as
sqlcmd and SQL*Plus do; the others at statement-ending semicolons, found with
sqlglot's tokenizer so a `;` inside a string, a dollar-quoted body or a comment
never cuts. Each unit knows the script line it starts on and the revision whose
`-- Running` comment it follows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_RUNNING = re.compile(r"^-- Running (?:upgrade|downgrade) .*?-> ?([^:]*)(?::|$)")
_FROM = re.compile(r"^-- Running (upgrade|downgrade) (.*?) ?->")  # from base: no ids


@dataclass(frozen=True)
class Unit:
    sql: str
    line: int  # 1-based line of the script where the unit starts
    revision: str | None  # the revision being run, None before the first one


def _revision_at(comment: str) -> str | None:
    """The revision a `-- Running upgrade A -> B` / `downgrade B -> A` comment runs."""
    match = _FROM.match(comment)
    if not match:
        return None
    direction, left = match.groups()
    if direction == "downgrade":
        return left.strip() or None
    running = _RUNNING.match(comment)
    return running.group(1).strip() if running else None


def _is_blank(sql: str) -> bool:
    return all(not line.strip() or line.lstrip().startswith("--") for line in sql.splitlines())


def _by_separator(script: str, separator: str) -> list[tuple[str, int]]:
    pieces: list[tuple[str, int]] = []
    current: list[str] = []
    start = 1
    for number, line in enumerate(script.splitlines(), 1):
        if line.strip() == separator:
            pieces.append(("\n".join(current), start))
            current, start = [], number + 1
        else:
            current.append(line)
    pieces.append(("\n".join(current), start))
    return pieces


def _by_semicolon(script: str, dialect: str) -> list[tuple[str, int]]:
    from sqlglot.dialects.dialect import Dialect
    from sqlglot.tokenizer_core import TokenType

    tokens: list[Any] = list(Dialect.get_or_raise(dialect).tokenize(script))
    pieces: list[tuple[str, int]] = []
    start = 0
    statement: list[str] = []  # the words of the statement so far
    depth = 0  # BEGIN/CASE ... END blocks open in a trigger body
    for token in tokens:
        word = token.text.upper()
        if token.token_type != TokenType.SEMICOLON:
            statement.append(word)
            if _is_trigger(statement):  # its body's `;` end its statements, not it
                depth += word in ("BEGIN", "CASE")
                depth -= word == "END" and depth > 0
            continue
        if depth:
            continue
        end = token.end + 1
        pieces.append((script[start:end], script.count("\n", 0, start) + 1))
        start, statement = end, []
    pieces.append((script[start:], script.count("\n", 0, start) + 1))
    return pieces


def _is_trigger(words: list[str]) -> bool:
    """Whether the statement begun with these words is a CREATE TRIGGER, as SQLite's
    and MySQL's clients see one: its BEGIN ... END body holds semicolons."""
    head = [w for w in words[:4] if w not in ("TEMP", "TEMPORARY", "OR", "REPLACE")]
    return head[:2] == ["CREATE", "TRIGGER"]


def split_script(script: str, dialect: str, batch_separator: str) -> list[Unit]:
    """The units of a script, in order; `dialect` is the sqlglot dialect name."""
    if batch_separator:
        pieces = _by_separator(script, batch_separator)
    else:
        pieces = _by_semicolon(script, dialect)
    units: list[Unit] = []
    revision: str | None = None
    for text, first_line in pieces:
        lines = text.split("\n")
        body: list[str] = []
        start = first_line
        for offset, line in enumerate(lines):
            if line.startswith("-- Running "):
                revision = _revision_at(line)
            if not body and (not line.strip() or line.lstrip().startswith("--")):
                start = first_line + offset + 1  # the unit starts after leading comments
                continue
            body.append(line)
        sql = "\n".join(body).strip()
        if sql.strip(";").strip() and not _is_blank(sql):  # `;;`: an empty statement
            units.append(Unit(sql, start, revision))
    return units
