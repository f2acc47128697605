"""Reading captured SQL with sqlglot: what kind of statement, on which table.

Only for the review's summaries; the SQL itself is never rewritten here. A
statement sqlglot cannot parse is still counted, by its leading keywords, with
no table.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ErrorLevel
from sqlglot.tokenizer_core import Token, TokenType

# sqlglot logs a warning for every statement it can only parse as a Command;
# those are expected here (they are counted by their keywords instead).
logging.getLogger("sqlglot").setLevel(logging.ERROR)

# The kinds the statement counts always list first, in this order; other
# CREATE/ALTER/DROP kinds follow alphabetically, and everything else is "other".
MAIN_KINDS = (
    "CREATE TABLE",
    "ALTER TABLE",
    "CREATE INDEX",
    "DROP TABLE",
    "DROP INDEX",
    "INSERT",
    "UPDATE",
    "DELETE",
)
OTHER = "other"
_DDL_VERBS = ("CREATE", "ALTER", "DROP")
# Words between a DDL verb and the kind of object it acts on.
_MODIFIERS = {"OR", "REPLACE", "UNIQUE", "TEMPORARY", "TEMP", "GLOBAL", "LOCAL", "IF", "NOT"}
_MODIFIERS |= {"EXISTS", "MATERIALIZED", "CLUSTERED", "NONCLUSTERED", "UNLOGGED", "VIRTUAL"}


@dataclass(frozen=True)
class Statement:
    verb: str  # CREATE TABLE, INSERT, TRUNCATE, MERGE, COMMENT, ...; "other" if unknown
    tables: tuple[str, ...] = ()  # the tables it acts on, when sqlglot can tell
    added_columns: tuple[str, ...] = ()  # ALTER TABLE ... ADD COLUMN
    dropped_columns: tuple[str, ...] = ()  # ALTER TABLE ... DROP COLUMN


def counted_kind(verb: str) -> str:
    """The row a statement is counted under."""
    if verb in MAIN_KINDS or verb.split(" ", 1)[0] in _DDL_VERBS:
        return verb
    return OTHER


def order_kinds(kinds: Iterable[str]) -> tuple[str, ...]:
    present = set(kinds)
    rest = sorted(present - set(MAIN_KINDS) - {OTHER})
    ordered = [k for k in MAIN_KINDS if k in present] + rest
    return tuple(ordered + ([OTHER] if OTHER in present else []))


@cache
def _dialect(name: str) -> Any:
    return Dialect.get_or_raise(name or None)


@lru_cache(maxsize=8192)
def parse_statements(sql: str, dialect: str) -> tuple[Statement, ...]:
    """Each statement in `sql` (one, or several split at semicolons, e.g. an override file)."""
    try:
        tokens: list[Token] = list(_dialect(dialect).tokenize(sql))
    except Exception:  # sqlglot raises several error types; unreadable text is one statement
        return (Statement(OTHER),)
    return tuple(_read(sql, group, dialect) for group in _split(tokens))


def _split(tokens: list[Token]) -> list[list[Token]]:
    groups: list[list[Token]] = [[]]
    for token in tokens:
        if token.token_type == TokenType.SEMICOLON:
            groups.append([])
        else:
            groups[-1].append(token)
    return [group for group in groups if group]


def _read(sql: str, tokens: list[Token], dialect: str) -> Statement:
    text = sql[tokens[0].start : tokens[-1].end + 1]
    try:
        tree = _dialect(dialect).parse(text, error_level=ErrorLevel.RAISE)[0]
    except Exception:  # any parse failure: fall back to the keywords
        tree = None
    if tree is None or isinstance(tree, exp.Command):
        return Statement(_verb_from_tokens(tokens))
    added, dropped = _column_actions(tree)
    return Statement(_verb(tree), _tables(tree), added, dropped)


def _verb_from_tokens(tokens: list[Token]) -> str:
    words = [token.text.upper() for token in tokens[:8]]
    if words[0] in _DDL_VERBS:
        kind = next((w for w in words[1:] if w not in _MODIFIERS), "")
        return f"{words[0]} {kind}" if kind.isalpha() else OTHER
    return words[0] if words[0] in {"INSERT", "UPDATE", "DELETE", "MERGE", "TRUNCATE"} else OTHER


# Parsed statement types and the verb they are counted and described by.
_DDL_NODES: tuple[tuple[type[exp.Expression], str], ...] = (
    (exp.Create, "CREATE"),
    (exp.Alter, "ALTER"),
    (exp.Drop, "DROP"),
)
_OTHER_NODES: tuple[tuple[type[exp.Expression], str], ...] = (
    (exp.Insert, "INSERT"),
    (exp.Update, "UPDATE"),
    (exp.Delete, "DELETE"),
    (exp.Merge, "MERGE"),
    (exp.TruncateTable, "TRUNCATE"),
    (exp.Comment, "COMMENT"),
)


def _verb(tree: exp.Expression) -> str:
    for node_type, verb in _DDL_NODES:
        if isinstance(tree, node_type):
            kind = str(tree.args.get("kind") or "").upper()  # TABLE, INDEX, VIEW, ...
            return f"{verb} {kind}" if kind else OTHER
    return next((verb for node_type, verb in _OTHER_NODES if isinstance(tree, node_type)), OTHER)


def table_name(node: exp.Expression | None) -> str | None:
    """`schema.table` of a sqlglot Table node."""
    if not isinstance(node, exp.Table) or not node.name:
        return None
    return ".".join(part for part in (node.catalog, node.db, node.name) if part)


def _tables(tree: exp.Expression) -> tuple[str, ...]:
    target: Any = tree.this
    if isinstance(tree, exp.Create) and isinstance(target, exp.Index):
        target = target.args.get("table")
    elif isinstance(target, exp.Schema):  # CREATE TABLE t (...), INSERT INTO t (cols)
        target = target.this
    if isinstance(tree, exp.Drop | exp.TruncateTable):
        if isinstance(tree, exp.Drop) and str(tree.args.get("kind") or "").upper() != "TABLE":
            return ()  # DROP INDEX i names the index, not its table
        nodes = [table_name(t) for t in tree.find_all(exp.Table)]
        return tuple(dict.fromkeys(n for n in nodes if n))
    if isinstance(tree, exp.Comment) and str(tree.args.get("kind") or "").upper() != "TABLE":
        return ()
    name = table_name(target)
    return (name,) if name else ()


def _column_actions(tree: exp.Expression) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(columns added, columns dropped) by an ALTER TABLE."""
    if not isinstance(tree, exp.Alter):
        return (), ()
    added: list[str] = []
    dropped: list[str] = []
    for action in tree.args.get("actions") or ():
        if isinstance(action, exp.ColumnDef):
            added.append(action.name)
        elif isinstance(action, exp.Drop) and str(action.args.get("kind")).upper() == "COLUMN":
            dropped += [column.name for column in action.find_all(exp.Column)]
    return tuple(added), tuple(dropped)
