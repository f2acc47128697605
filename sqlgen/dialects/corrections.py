"""Reviewed corrections: where a dialect package compiles SQL its own engine rejects.

A profile lists the corrections its dialect needs (`corrections = [...]` in its TOML
file); each one here is a function from one compiled statement to the statements
that do what it meant on that engine, or None where it does not apply. They run on
SQL that SQLAlchemy/Alembic compiled, never on a migration's raw SQL, and every use
is marked in the script and listed in the manifest.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

_NAME = r'(?:"[^"]+"|[\w$]+)'
_CREATE = re.compile(rf"\s*CREATE TABLE ((?:{_NAME}\.)?{_NAME})\s*\(", re.IGNORECASE)
_ADD = re.compile(rf"\s*ALTER TABLE ((?:{_NAME}\.)?{_NAME}) ADD (?:COLUMN )?", re.IGNORECASE)
_SERIAL_COLUMN = re.compile(rf"(^|\(|,)(\s*)({_NAME}) (SMALLSERIAL|BIGSERIAL|SERIAL)\b")
_INTEGER_OF = {"SMALLSERIAL": "SMALLINT", "SERIAL": "INTEGER", "BIGSERIAL": "BIGINT"}


@dataclass(frozen=True)
class Correction:
    id: str
    why: str  # one line, written into the script beside each corrected statement
    apply: Callable[[str], list[str] | None]


def _bare(name: str) -> str:
    return name[1:-1] if name.startswith('"') else name


def _quoted_like(example: str, name: str) -> str:
    return f'"{name}"' if example.startswith('"') else name


def _serial_as_sequence(sql: str) -> list[str] | None:
    """PostgreSQL's SERIAL is an integer column whose default is nextval() of a sequence
    made for it, {table}_{column}_seq: write that sequence and that default."""
    found = _CREATE.match(sql) or _ADD.match(sql)
    if found is None:
        return None
    table = found.group(1)
    schema, _, name = table.rpartition(".")
    sequences: list[str] = []

    def rewrite(column: re.Match[str]) -> str:
        sequence = _quoted_like(name, f"{_bare(name)}_{_bare(column.group(3))}_seq")
        qualified = f"{schema}.{sequence}" if schema else sequence
        sequences.append(qualified)
        literal = qualified.replace("'", "''")
        integer = _INTEGER_OF[column.group(4).upper()]
        lead = column.group(1) + column.group(2) + column.group(3)
        return f"{lead} {integer} DEFAULT nextval('{literal}')"

    # from CREATE TABLE's "(" (or where ADD COLUMN's definition starts): the columns
    start = found.end() - 1 if found.re is _CREATE else found.end()
    body = sql[:start] + _SERIAL_COLUMN.sub(rewrite, sql[start:])
    if not sequences:
        return None
    return [f"CREATE SEQUENCE IF NOT EXISTS {s}" for s in sequences] + [body]


CORRECTIONS: dict[str, Correction] = {
    c.id: c
    for c in (
        Correction(
            "serial-as-sequence",
            "the dialect writes SERIAL, which this engine rejects; a sequence and a "
            "nextval() default do what SERIAL does (a downgrade's DROP TABLE leaves the "
            "sequence, which the next upgrade reuses)",
            _serial_as_sequence,
        ),
    )
}


def correction_note(applied: str, dialect: str) -> str:
    """The comment written above a corrected statement."""
    why = "; ".join(CORRECTIONS[name].why for name in applied.split(", "))
    return f"sqlgen: correction {applied} (dialects/{dialect}.toml): {why}"


@dataclass(frozen=True)
class Corrected:
    statements: list[str]
    applied: tuple[str, ...]  # the ids of the corrections that changed the statement


def correct(sql: str, names: Sequence[str]) -> Corrected:
    """`sql` after the named corrections, in order; unchanged where none applies."""
    statements = [sql]
    applied: list[str] = []
    for name in names:
        correction = CORRECTIONS[name]
        done: list[str] = []
        for statement in statements:
            result = correction.apply(statement)
            if result is None:
                done.append(statement)
            else:
                done.extend(result)
                applied.append(name)
        statements = done
    return Corrected(statements, tuple(dict.fromkeys(applied)))
