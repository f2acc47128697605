"""Laying out compiled SQL with sqlglot, never at the cost of meaning.

sqlglot's pretty printer is allowed to change whitespace and the case of
keywords, nothing else. Each formatted statement is tokenized again and
compared with the compiled one token by token; on any other difference, a
parse failure, or an opaque `Command` node, the compiled text is kept (with
tabs and trailing whitespace tidied outside literals). Procedural blocks
(T-SQL batches, PL/SQL, PL/pgSQL) are never handed to sqlglot.

The guard is what makes this safe: sqlglot is known to rewrite SERIAL as an
IDENTITY column, `RENAME col` as a table rename, NUMERIC as REAL on SQLite,
and `SET IDENTITY_INSERT t OFF` as `... AS OFF`.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

# sqlglot logs a warning for every statement it can only parse as a Command;
# those are expected here and answered by keeping the compiled text.
logging.getLogger("sqlglot").setLevel(logging.ERROR)

PAD = 4
# A statement that already fits on one line this wide is left as compiled:
# sqlglot's layout would only spread it over several lines.
ONE_LINE_WIDTH = 100
_TRAILING_WS = re.compile(r"[ \t]+(?=\n)")
# sqlglot's layout puts a column list that it parsed as a schema (REFERENCES t (id),
# UNIQUE (name) on SQL Server, Oracle, MySQL) one name to a line, however short:
# such a list of plain names, one to a line, is joined back onto its line.
_SPLIT_NAMES = re.compile(r"\(\n((?:[ ]*[\w\"`\[\].$#]+,?\n)+)[ ]*\)")
SHORT_LIST_WIDTH = 60
_BLOCK_STARTS = {"DECLARE", "BEGIN", "IF", "EXEC", "EXECUTE", "WHILE", "DO"}
_ROUTINES = {"FUNCTION", "PROCEDURE", "TRIGGER", "PACKAGE", "BODY"}


Outcome = Literal["formatted", "short", "changed", "unparsed", "block"]
KEPT_OUTCOMES: tuple[Outcome, ...] = ("short", "changed", "unparsed", "block")


@dataclass(frozen=True)
class Laid:
    text: str
    # formatted: sqlglot's layout passed the fidelity guard. Otherwise the compiled
    # text was kept: short (fits on a line), changed (sqlglot changed a token),
    # unparsed (sqlglot could not parse it faithfully), block (procedural code).
    outcome: Outcome

    @property
    def formatted(self) -> bool:
        return self.outcome == "formatted"


@cache
def _dialect(name: str) -> Any:
    from sqlglot.dialects.dialect import Dialect

    return Dialect.get_or_raise(name)


@cache
def _exact_types() -> frozenset[Any]:
    """Token types whose text must match exactly (literals and identifiers)."""
    from sqlglot.tokenizer_core import TokenType

    names = [
        "VAR",
        "IDENTIFIER",
        "STRING",
        "NUMBER",
        "PARAMETER",
        "SESSION_PARAMETER",
        "PLACEHOLDER",
        "BIT_STRING",
        "HEX_STRING",
        "BYTE_STRING",
        "NATIONAL_STRING",
        "NATIONAL_RAW_STRING",
        "RAW_STRING",
        "HEREDOC_STRING",
        "UNICODE_STRING",
    ]
    return frozenset(getattr(TokenType, n) for n in names if hasattr(TokenType, n))


@cache
def _protected_types() -> frozenset[Any]:
    """Token types whose inside must never be touched when tidying whitespace."""
    from sqlglot.tokenizer_core import TokenType

    return _exact_types() - {TokenType.VAR, TokenType.NUMBER}


def _tokens(sql: str, dialect: str) -> list[Any] | None:
    try:
        return list(_dialect(dialect).tokenize(sql))
    except Exception:  # sqlglot raises several error types; any of them means "don't touch"
        return None


def tidy(sql: str, dialect: str) -> str:
    """Tabs to spaces and no trailing whitespace, outside literals and quoted names."""
    sql = sql.strip()
    return _tidied(sql, _tokens(sql, dialect))


def _tidied(sql: str, tokens: list[Any] | None) -> str:
    if "\t" not in sql and not _TRAILING_WS.search(sql):
        return sql  # nothing to tidy
    if tokens is None:
        return sql
    spans = [(t.start, t.end + 1) for t in tokens if t.token_type in _protected_types()]
    out: list[str] = []
    position = 0
    for start, end in spans:
        out.append(_tidy_plain(sql[position:start]))
        out.append(sql[start:end])
        position = end
    out.append(_tidy_plain(sql[position:]))
    return "".join(out)


def _tidy_plain(segment: str) -> str:
    return _TRAILING_WS.sub("", segment.replace("\t", "    "))


def is_block(sql: str, dialect: str) -> bool:
    """A procedural block or multi-statement batch, passed through verbatim."""
    return _is_block(_tokens(sql, dialect))


def _is_block(tokens: list[Any] | None) -> bool:
    if tokens is None:
        return True
    from sqlglot.tokenizer_core import TokenType

    if any(t.token_type == TokenType.SEMICOLON for t in tokens):
        return True
    words = [t.text.upper() for t in tokens[:6]]
    if words and words[0] in _BLOCK_STARTS:
        return True
    return bool(words) and words[0] == "CREATE" and bool(_ROUTINES.intersection(words))


_FIRST_WORD = re.compile(r"[A-Za-z]+")


def _plainly_one_statement(sql: str) -> bool:
    """Certainly neither a block nor a batch, seen without tokenizing.

    Only a `;`, a first word that starts a block (or a comment before it) or a
    CREATE (which may make a routine) needs the tokenizer to decide.
    """
    if ";" in sql:
        return False
    first = _FIRST_WORD.match(sql)
    return first is not None and first.group(0).upper() not in {*_BLOCK_STARTS, "CREATE"}


def _signature(tokens: list[Any], sql: str) -> list[tuple[Any, str]]:
    exact = _exact_types()
    signature = []
    for token in tokens:
        text = sql[token.start : token.end + 1]
        # a keyword of several words ("PRIMARY KEY") compares with its spacing evened out
        shown = text if token.token_type in exact else " ".join(text.upper().split())
        signature.append((token.token_type, shown))
    return signature


def same_tokens(original: str, formatted: str, dialect: str) -> bool:
    """True when the two texts differ only in whitespace and keyword case."""
    return _same(_tokens(original, dialect), original, formatted, dialect)


def _same(before: list[Any] | None, original: str, formatted: str, dialect: str) -> bool:
    after = _tokens(formatted, dialect)
    if before is None or after is None:
        return False
    if any(t.comments for t in before) or any(t.comments for t in after):
        return False  # comments have no token of their own; keep them where they were
    return _signature(before, original) == _signature(after, formatted)


def _pretty(sql: str, dialect: str, tokens: list[Any] | None = None) -> str | None:
    """sqlglot's layout of one statement; `tokens`: the statement's, when already made."""
    from sqlglot import exp
    from sqlglot.errors import ErrorLevel

    reader = _dialect(dialect)
    try:
        if tokens is None:
            expressions = reader.parse(sql, error_level=ErrorLevel.RAISE)
        else:
            expressions = reader.parser(error_level=ErrorLevel.RAISE).parse(tokens, sql)
    except Exception:  # any parse failure keeps the compiled text
        return None
    if len(expressions) != 1 or expressions[0] is None:
        return None
    tree = expressions[0]
    if isinstance(tree, exp.Command) or tree.find(exp.Command) is not None:
        return None
    try:
        return str(
            reader.generate(
                tree,
                copy=False,  # the tree is made for this call alone
                pretty=True,
                pad=PAD,
                indent=PAD,
                unsupported_level=ErrorLevel.RAISE,
            )
        )
    except Exception:  # unsupported syntax for the target: keep the compiled text
        return None


def lay_out(sql: str, dialect: str, one_line_width: int = ONE_LINE_WIDTH) -> Laid:
    """The statement as it goes into the file.

    The statement is tokenized once; that one token list decides whether it is
    a block, where tidying may touch it, what sqlglot parses, and what the
    formatted text is compared with. Tidying changes only whitespace between
    tokens, so the tokens stand for the tidied text too.
    """
    sql = sql.strip()
    short = "\n" not in sql and len(sql) <= one_line_width
    if short and _plainly_one_statement(sql) and "\t" not in sql:
        return Laid(sql, "short")  # nothing to decide: no tokenizing
    tokens = _tokens(sql, dialect)
    if _is_block(tokens):
        return Laid(sql, "block")
    compiled = _tidied(sql, tokens)
    if "\n" not in compiled and len(compiled) <= one_line_width:
        return Laid(compiled, "short")
    pretty = _pretty(compiled, dialect, tokens)
    if pretty is None:
        return Laid(compiled, "unparsed")
    if not _same(tokens, sql, pretty, dialect):
        return Laid(compiled, "changed")
    joined = _join_short_lists(pretty, dialect)
    if joined != pretty and _same(tokens, sql, joined, dialect):  # the guard decides again
        pretty = joined
    return Laid(pretty, "formatted")


def _join_short_lists(sql: str, dialect: str) -> str:
    """`(\n    id\n)` -> `(id)`: short lists of names split one to a line, joined;
    never inside a literal or a quoted name."""
    if "(\n" not in sql:
        return sql
    tokens = _tokens(sql, dialect)
    if tokens is None:
        return sql
    protected = [(t.start, t.end + 1) for t in tokens if t.token_type in _protected_types()]

    def join(match: re.Match[str]) -> str:
        start, end = match.span()
        if any(a < end and start < b for a, b in protected):
            return match.group(0)
        names = " ".join(line.strip() for line in match.group(1).splitlines())
        return f"({names})" if len(names) <= SHORT_LIST_WIDTH else match.group(0)

    return _SPLIT_NAMES.sub(join, sql)
