"""Compare two offline migration scripts statement by statement, token by token.

Used by the Alembic fidelity test: one script is `alembic ... --sql` output (the
reference), the other is sqlgen's. Both are split into a prologue and one step per
`-- Running upgrade|downgrade A -> B` comment, each step into statements, and each
statement into sqlglot tokens compared as (token type, text). The text is
compared case-insensitively for keyword tokens only.

The only differences tolerated are the documented ones:

- layout: whitespace, keyword case, comment lines, sqlgen's header, `GO` / `/`
  batch separators (all gone after tokenizing);
- the version-table INSERT: Alembic adds `RETURNING ...` (PostgreSQL),
  `OUTPUT inserted...` (SQL Server) or `RETURNING ... INTO :ret_0` (Oracle).
  Those exact clauses are stripped from the reference; sqlgen's statement must be
  the plain INSERT;
- version-table bookkeeping (INSERT/UPDATE/DELETE on alembic_version): Alembic
  picks which row of a merge/unmerge to UPDATE via a Python set, so these
  statements are compared by their effect on a simulated set of version rows
  after every step, not by their tokens.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlglot import Token, TokenType
from sqlglot.dialects.dialect import Dialect

VERSION_TABLE = "alembic_version"
VERSION_COLUMN = "version_num"

# sqlgen profile name -> (sqlglot dialect, batch separator line or None)
DIALECTS: dict[str, tuple[str, str | None]] = {
    "postgresql": ("postgres", None),
    "mysql": ("mysql", None),
    "mssql": ("tsql", "GO"),
    "oracle": ("oracle", "/"),
}

# Dialects the comparison can read beyond those of the fidelity test (the real-world
# suite renders SQLite too); kept apart so the fidelity test's DIALECTS stay its own.
TOKENIZED_TOO: dict[str, tuple[str, str | None]] = {"sqlite": ("sqlite", None)}

# Token types whose text is data or a name: compared exactly (case-sensitively).
_LITERAL_NAMES = (
    "VAR",
    "IDENTIFIER",
    "STRING",
    "NUMBER",
    "NATIONAL_STRING",
    "NATIONAL_RAW_STRING",
    "RAW_STRING",
    "BIT_STRING",
    "HEX_STRING",
    "BYTE_STRING",
    "HEREDOC_STRING",
    "UNICODE_STRING",
    "PARAMETER",
    "SESSION_PARAMETER",
    "PLACEHOLDER",
)
LITERAL_TYPES = frozenset(
    getattr(TokenType, name) for name in _LITERAL_NAMES if hasattr(TokenType, name)
)

HEADER = re.compile(r"^--\s*Running\s+(upgrade|downgrade)\b(.*)$")


# --- tokens and statements -----------------------------------------------------------


@dataclass(frozen=True)
class Tok:
    type: str
    text: str
    keyword: bool

    @property
    def key(self) -> tuple[str, str]:
        return (self.type, self.text.upper() if self.keyword else self.text)

    def __str__(self) -> str:
        return f"{self.type}:{self.text}"


@dataclass(frozen=True)
class Statement:
    tokens: tuple[Tok, ...]
    text: str  # the statement's source text, for messages

    @property
    def keys(self) -> list[tuple[str, str]]:
        return [t.key for t in self.tokens]


def _tok(sql: str, token: Token) -> Tok:
    return Tok(
        token.token_type.name,
        sql[token.start : token.end + 1],
        token.token_type not in LITERAL_TYPES,
    )


def split_statements(body: str, dialect: str) -> list[Statement]:
    """Statements of a script fragment: comment lines dropped, batches split, `;` split."""
    glot, separator = {**DIALECTS, **TOKENIZED_TOO}[dialect]
    batches: list[list[str]] = [[]]
    for line in body.splitlines():
        stripped = line.strip()
        if stripped.startswith("--"):
            continue
        if separator is not None and stripped == separator:
            batches.append([])
            continue
        batches[-1].append(line)
    tokenizer = Dialect.get_or_raise(glot)
    statements: list[Statement] = []
    for lines in batches:
        sql = "\n".join(lines)
        if not sql.strip():
            continue
        current: list[Token] = []
        for token in [*tokenizer.tokenize(sql), None]:
            if token is None or token.token_type == TokenType.SEMICOLON:
                if current:
                    text = sql[current[0].start : current[-1].end + 1]
                    statements.append(Statement(tuple(_tok(sql, t) for t in current), text))
                current = []
            else:
                current.append(token)
    return statements


# --- steps -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Header:
    direction: str
    sources: tuple[str, ...]
    targets: tuple[str, ...]
    line: str

    @property
    def ids(self) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
        return (self.direction, self.sources, self.targets)

    @property
    def label(self) -> str:
        return f"{self.direction} {', '.join(self.sources)} -> {', '.join(self.targets)}"


def _ids(part: str) -> tuple[str, ...]:
    return tuple(i.strip() for i in part.split(",") if i.strip())


def parse_header(line: str) -> Header:
    """`-- Running upgrade A, B -> C` (Alembic) or `... -> C: message` (sqlgen)."""
    match = HEADER.match(line.strip())
    if not match:
        raise ValueError(f"not a step header: {line!r}")
    direction, rest = match.groups()
    sources, arrow, targets = rest.partition("->")
    if not arrow:
        raise ValueError(f"step header without '->': {line!r}")
    # sqlgen appends ": message"; revision ids never contain ':'
    targets = targets.split(":", 1)[0]
    return Header(direction, _ids(sources), _ids(targets), line.strip())


@dataclass
class Step:
    header: Header
    statements: list[Statement]


@dataclass
class Script:
    prologue: list[Statement]
    steps: list[Step]


def parse_script(text: str, dialect: str) -> Script:
    """Split a whole script at its `-- Running ...` lines, then into statements."""
    chunks: list[tuple[Header | None, list[str]]] = [(None, [])]
    for line in text.splitlines():
        if HEADER.match(line.strip()):
            chunks.append((parse_header(line), []))
        else:
            chunks[-1][1].append(line)
    prologue = split_statements("\n".join(chunks[0][1]), dialect)
    steps = [
        Step(header, split_statements("\n".join(lines), dialect))
        for header, lines in chunks[1:]
        if header is not None
    ]
    return Script(prologue, steps)


# --- the version table -------------------------------------------------------------------


@dataclass(frozen=True)
class VersionOp:
    kind: str  # insert | update | delete
    new: str | None
    old: str | None


def _is_name(tok: Tok, name: str) -> bool:
    if tok.type == "IDENTIFIER":
        return tok.text.strip('"[]`') == name
    return tok.type == "VAR" and tok.text.lower() == name


def version_target(statement: Statement) -> str | None:
    """insert/update/delete when the statement writes the version table, else None."""
    t = statement.tokens
    if len(t) >= 3 and t[0].type == "INSERT" and t[1].type == "INTO":
        return "insert" if _is_name(t[2], VERSION_TABLE) else None
    if len(t) >= 2 and t[0].type == "UPDATE":
        return "update" if _is_name(t[1], VERSION_TABLE) else None
    if len(t) >= 3 and t[0].type == "DELETE" and t[1].type == "FROM":
        return "delete" if _is_name(t[2], VERSION_TABLE) else None
    return None


def strip_returning(statement: Statement) -> Statement:
    """Drop Alembic's RETURNING / OUTPUT / RETURNING ... INTO :ret_N from a version INSERT.

    Only these exact clauses are removed; anything else is left for the shape check.
    """
    t = list(statement.tokens)
    if version_target(statement) != "insert":
        return statement
    # SQL Server: INSERT INTO alembic_version (version_num) OUTPUT inserted.version_num VALUES
    for i, tok in enumerate(t):
        if tok.text.upper() == "OUTPUT" and len(t) > i + 3:
            tail = t[i + 1 : i + 4]
            if (
                _is_name(tail[0], "inserted")
                and tail[1].type == "DOT"
                and _is_name(tail[2], VERSION_COLUMN)
            ):
                del t[i : i + 4]
                break
    # PostgreSQL / Oracle: ... VALUES ('x') RETURNING alembic_version.version_num [INTO :ret_0]
    for i, tok in enumerate(t):
        if tok.text.upper() == "RETURNING" and len(t) >= i + 4:
            tail = t[i + 1 :]
            if (
                _is_name(tail[0], VERSION_TABLE)
                and tail[1].type == "DOT"
                and _is_name(tail[2], VERSION_COLUMN)
            ):
                rest = tail[3:]
                if not rest or (
                    len(rest) == 3
                    and rest[0].type == "INTO"
                    and rest[1].type == "COLON"
                    and re.fullmatch(r"ret_\d+", rest[2].text)
                ):
                    del t[i:]
            break
    return Statement(tuple(t), statement.text)


def returning_clause(statement: Statement) -> str | None:
    """What makes a version-table statement not plain: RETURNING, OUTPUT, INTO :param."""
    for tok in statement.tokens:
        if tok.type == "RETURNING" or tok.text.upper() in ("RETURNING", "OUTPUT"):
            return tok.text
        if tok.type in ("COLON", "PARAMETER", "PLACEHOLDER"):
            return tok.text
    if [t.type for t in statement.tokens].count("INTO") > 1:
        return "INTO"
    return None


# token shapes of plain version-table statements; "T"/"C" the table/column, "S" a string
_SHAPES = {
    "insert": "INSERT INTO T L_PAREN C R_PAREN VALUES L_PAREN S R_PAREN",
    "update": "UPDATE T SET C EQ S WHERE T DOT C EQ S",
    "delete": "DELETE FROM T WHERE T DOT C EQ S",
}


def _unquote(literal: str) -> str:
    if len(literal) >= 2 and literal[0] == literal[-1] == "'":
        return literal[1:-1].replace("''", "'")
    raise ValueError(literal)


def version_op(statement: Statement) -> VersionOp:
    """Parse a plain version-table statement; ValueError for any other shape."""
    kind = version_target(statement)
    if kind is None:
        raise ValueError("not a version-table statement")
    shape = _SHAPES[kind].split()
    tokens = statement.tokens
    strings: list[str] = []
    ok = len(tokens) == len(shape)
    for want, tok in zip(shape, tokens, strict=False):
        if not ok:
            break
        if want == "T":
            ok = _is_name(tok, VERSION_TABLE)
        elif want == "C":
            ok = _is_name(tok, VERSION_COLUMN)
        elif want == "S":
            ok = tok.type == "STRING"
            strings.append(_unquote(tok.text) if ok else "")
        else:
            ok = tok.type == want
    if not ok:
        raise ValueError(
            f"unexpected {kind} on {VERSION_TABLE}: {' '.join(t.text for t in tokens)}"
        )
    if kind == "insert":
        return VersionOp(kind, strings[0], None)
    if kind == "update":
        return VersionOp(kind, strings[0], strings[1])
    return VersionOp(kind, None, strings[0])


def apply_version_op(rows: set[str], op: VersionOp) -> str | None:
    """Apply op to the set of version rows; a problem description when it cannot apply."""
    if op.kind == "insert":
        assert op.new is not None
        if op.new in rows:
            return f"INSERT of {op.new!r}, already a row of {sorted(rows)}"
        rows.add(op.new)
        return None
    assert op.old is not None
    if op.old not in rows:
        return f"{op.kind.upper()} of row {op.old!r}, which is not in {sorted(rows)}"
    rows.discard(op.old)
    if op.kind == "update":
        assert op.new is not None
        if op.new in rows:
            return f"UPDATE to {op.new!r}, already a row of {sorted(rows)}"
        rows.add(op.new)
    return None


# --- comparison ----------------------------------------------------------------------------


@dataclass
class Comparison:
    dialect: str
    problems: list[str] = field(default_factory=list)
    steps: int = 0
    statements: int = 0  # non-version statements compared token by token
    tokens: int = 0
    version_statements: tuple[int, int] = (0, 0)  # (alembic, sqlgen)
    merge_steps: int = 0  # steps with several ids on one side of '->'
    final_versions: set[str] = field(default_factory=set)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        return (
            f"{self.dialect}: {self.steps} steps, {self.statements} statements "
            f"({self.tokens} tokens) compared, version statements "
            f"alembic={self.version_statements[0]} sqlgen={self.version_statements[1]}, "
            f"{self.merge_steps} merge steps"
        )


def _window(tokens: Sequence[Tok], at: int, width: int = 8) -> str:
    lo = max(0, at - width)
    hi = min(len(tokens), at + width + 1)
    parts = [f">>{tok}<<" if i == at else str(tok) for i, tok in enumerate(tokens[lo:hi], lo)]
    if at >= len(tokens):
        parts.append(">><end><<")
    return ("... " if lo else "") + " ".join(parts) + (" ..." if hi < len(tokens) else "")


def _short(text: str, limit: int = 400) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + " ..."


def diff_statement(where: str, ref: Statement, got: Statement) -> str | None:
    """None when the statements' tokens are equal, else a message at the first difference."""
    a, b = ref.keys, got.keys
    if a == b:
        return None
    at = next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )
    return (
        f"{where}: tokens differ at token {at}\n"
        f"  alembic: {_window(ref.tokens, at)}\n"
        f"  sqlgen:  {_window(got.tokens, at)}\n"
        f"  alembic statement: {_short(ref.text)}\n"
        f"  sqlgen statement:  {_short(got.text)}"
    )


class _Side:
    """One script's version-row simulation."""

    def __init__(self, name: str, rows: Iterable[str], reference: bool) -> None:
        self.name = name
        self.rows = set(rows)
        self.reference = reference
        self.count = 0

    def split(
        self, statements: Sequence[Statement], where: str
    ) -> tuple[list[Statement], list[str]]:
        """Apply the version-table statements; return the others and any problems."""
        others: list[Statement] = []
        problems: list[str] = []
        for index, statement in enumerate(statements):
            if version_target(statement) is None:
                others.append(statement)
                continue
            self.count += 1
            if self.reference:
                statement = strip_returning(statement)
            else:
                clause = returning_clause(statement)
                if clause is not None:
                    problems.append(
                        f"{where}, {self.name} version-table statement {index}: must be plain, "
                        f"found {clause!r}: {_short(statement.text)}"
                    )
                    continue
            try:
                op = version_op(statement)
            except ValueError as exc:
                problems.append(f"{where}, {self.name} statement {index}: {exc}")
                continue
            problem = apply_version_op(self.rows, op)
            if problem:
                problems.append(f"{where}, {self.name} statement {index}: {problem}")
        return others, problems


def _compare_block(
    result: Comparison,
    where: str,
    ref: Sequence[Statement],
    got: Sequence[Statement],
    alembic: _Side,
    sqlgen: _Side,
) -> list[str]:
    ref_others, problems = alembic.split(ref, where)
    got_others, more = sqlgen.split(got, where)
    problems += more
    for index, (a, b) in enumerate(zip(ref_others, got_others, strict=False)):
        problem = diff_statement(
            f"{where}, statement {index} (0-based, version-table statements excluded)", a, b
        )
        if problem:
            problems.append(problem)
            break
        result.statements += 1
        result.tokens += len(a.tokens)
    else:
        if len(ref_others) != len(got_others):
            n = min(len(ref_others), len(got_others))
            extra = ref_others[n:] or got_others[n:]
            side = "alembic" if len(ref_others) > n else "sqlgen"
            problems.append(
                f"{where}: alembic has {len(ref_others)} statements, sqlgen "
                f"{len(got_others)}; first extra statement ({side}, index {n}): "
                f"{_short(extra[0].text)}"
            )
    if alembic.rows != sqlgen.rows:
        problems.append(
            f"{where}: version rows differ after the step: alembic {sorted(alembic.rows)}, "
            f"sqlgen {sorted(sqlgen.rows)}"
        )
        sqlgen.rows = set(alembic.rows)  # report each divergence once, not at every later step
    return problems


def compare_scripts(
    alembic_text: str,
    sqlgen_text: str,
    dialect: str,
    initial_versions: Iterable[str] = (),
    max_problems: int = 5,
) -> Comparison:
    """Compare sqlgen's script with Alembic's for one dialect (see the module docstring)."""
    result = Comparison(dialect)
    ref = parse_script(alembic_text, dialect)
    got = parse_script(sqlgen_text, dialect)
    start = list(initial_versions)
    alembic = _Side("alembic", start, reference=True)
    sqlgen = _Side("sqlgen", start, reference=False)

    problems = _compare_block(result, "prologue", ref.prologue, got.prologue, alembic, sqlgen)
    if len(ref.steps) != len(got.steps):
        problems.append(f"alembic has {len(ref.steps)} steps, sqlgen {len(got.steps)}")
    for number, (a, b) in enumerate(zip(ref.steps, got.steps, strict=False), 1):
        if len(problems) >= max_problems:
            break
        where = f"step {number} ({a.header.label})"
        if a.header.ids != b.header.ids:
            problems.append(
                f"step {number}: headers differ: alembic {a.header.line!r}, "
                f"sqlgen {b.header.line!r}"
            )
            break  # the steps are out of step: the rest would only repeat the problem
        result.steps += 1
        if len(a.header.sources) > 1 or len(a.header.targets) > 1:
            result.merge_steps += 1
        problems += _compare_block(result, where, a.statements, b.statements, alembic, sqlgen)
    result.problems = problems[:max_problems]
    result.version_statements = (alembic.count, sqlgen.count)
    result.final_versions = set(alembic.rows)
    return result
