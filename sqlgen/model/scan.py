"""What SQL sqlgen cannot parse may touch: the tables it names, found by pattern.

Used only to decide which tables become uncertain, never to change the model:
a statement that looks like table DDL but names no table it touches makes the
whole schema uncertain.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NAME = r'(?:"[^"]+"|`[^`]+`|\[[^\]]+\]|[A-Za-z_][\w$#]*)'
_QNAME = rf"{_NAME}(?:\s*\.\s*{_NAME})*"
_FLAGS = re.IGNORECASE | re.DOTALL

# anything that changes tables: each occurrence must name the table(s) it touches
_SITE = re.compile(
    r"\b(?:ALTER\s+(?:TABLE|INDEX|TYPE)"
    r"|CREATE\s+(?:(?:OR\s+REPLACE|TEMP|TEMPORARY|GLOBAL|LOCAL|UNLOGGED|TRANSIENT|EXTERNAL"
    r"|UNIQUE|CLUSTERED|NONCLUSTERED|FULLTEXT|SPATIAL|BITMAP)\s+)*(?:TABLE|INDEX)"
    r"|DROP\s+(?:TABLE|INDEX|SCHEMA|TYPE|DOMAIN)"
    r"|RENAME\s+TABLE|COMMENT\s+ON\s+(?:TABLE|COLUMN)|sp_rename)\b",
    _FLAGS,
)
_ALTER_TABLE = re.compile(rf"ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?({_QNAME})", _FLAGS)
_CREATE_TABLE = re.compile(
    r"CREATE\s+(?:(?:OR\s+REPLACE|TEMP|TEMPORARY|GLOBAL|LOCAL|UNLOGGED|TRANSIENT|EXTERNAL)\s+)*"
    rf"TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?({_QNAME})",
    _FLAGS,
)
_DROP_TABLE = re.compile(
    rf"DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?({_QNAME}(?:\s*,\s*{_QNAME})*)", _FLAGS
)
_INDEX_ON = re.compile(
    rf"(?:CREATE|DROP)\s+(?:\w+\s+)*?INDEX\b[^;]*?\bON\s+(?:ONLY\s+)?({_QNAME})", _FLAGS
)
_RENAME_TABLE = re.compile(rf"RENAME\s+TABLE\s+({_QNAME})\s+TO\s+({_QNAME})", _FLAGS)
_COMMENT_ON = re.compile(rf"COMMENT\s+ON\s+(TABLE|COLUMN)\s+({_QNAME})", _FLAGS)
_MOVES = re.compile(r"\bRENAME\s+TO\b|\bSET\s+SCHEMA\b", _FLAGS)


@dataclass(frozen=True)
class Touched:
    parts: tuple[str, ...]  # the qualified name, as written (quotes kept)
    existence: bool  # whether the table may have been created, dropped or renamed


def split_name(qualified: str) -> list[str]:
    return re.findall(_NAME, qualified)


def touched(sql: str) -> list[Touched] | None:
    """Tables the SQL may change; None when some change names no table."""
    text = sql.strip()
    found: list[Touched] = []
    for site in _SITE.finditer(text):
        at = site.start()
        first = text[:at].strip() == ""
        names = _named(text, at, first)
        if names is None:
            return None
        found += names
    return found


def _named(text: str, at: int, first: bool) -> list[Touched] | None:
    if m := _ALTER_TABLE.match(text, at):
        moves = bool(_MOVES.search(text, m.end()))
        return [Touched(tuple(split_name(m.group(1))), moves)]
    if m := _CREATE_TABLE.match(text, at):
        # created only if the statement ran as written: not so inside a block
        return [Touched(tuple(split_name(m.group(1))), not first)]
    if m := _DROP_TABLE.match(text, at):
        names = re.findall(_QNAME, m.group(1))
        return [Touched(tuple(split_name(n)), True) for n in names]
    if m := _INDEX_ON.match(text, at):
        return [Touched(tuple(split_name(m.group(1))), False)]
    if m := _RENAME_TABLE.match(text, at):
        return [Touched(tuple(split_name(m.group(i))), True) for i in (1, 2)]
    if m := _COMMENT_ON.match(text, at):
        parts = split_name(m.group(2))
        if m.group(1).upper() == "COLUMN":
            parts = parts[:-1]
        return [Touched(tuple(parts), False)] if parts else None
    return None  # ALTER INDEX, DROP INDEX without ON, DROP SCHEMA, sp_rename...


# --- statements sqlglot reads only as a Command, but which sqlgen understands ---

_ALTER_PREFIX = rf"^\s*ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?(?P<table>{_QNAME})\s+"
# changes no column, key, index or comment: the model stays as it is
_HARMLESS = re.compile(
    _ALTER_PREFIX + r"(?:(?:ENABLE|DISABLE|FORCE|NO\s+FORCE)\s+"
    r"(?:ROW\s+LEVEL\s+SECURITY|TRIGGER|RULE|ALWAYS|REPLICA)"
    r"|OWNER\s+TO|CLUSTER\s+ON|SET\s+WITHOUT\s+CLUSTER|SET\s+(?:LOGGED|UNLOGGED|TABLESPACE)"
    r"|SET\s*\(|RESET\s*\(|REPLICA\s+IDENTITY|VALIDATE\s+CONSTRAINT"
    rf"|ALTER\s+(?:COLUMN\s+)?{_NAME}\s+(?:SET|RESET)\s+(?:STATISTICS|STORAGE|COMPRESSION|\())"
    r"[^,;]*;?\s*$",
    _FLAGS,
)
RENAME_CONSTRAINT = re.compile(
    _ALTER_PREFIX + rf"RENAME\s+CONSTRAINT\s+(?P<old>{_NAME})\s+TO\s+(?P<new>{_NAME})\s*;?\s*$",
    _FLAGS,
)
ADD_CHECK = re.compile(
    _ALTER_PREFIX + rf"ADD\s+(?:CONSTRAINT\s+(?P<name>{_NAME})\s+)?CHECK\s*\((?P<check>.*)\)"
    r"(?:\s+NOT\s+VALID)?\s*;?\s*$",
    _FLAGS,
)
COMMENT_NULL = re.compile(
    rf"^\s*COMMENT\s+ON\s+(?P<kind>TABLE|COLUMN)\s+(?P<target>{_QNAME})\s+IS\s+NULL\s*;?\s*$",
    _FLAGS,
)


def harmless(sql: str) -> bool:
    return bool(_HARMLESS.match(sql))
