"""Compare sqlgen's script with Alembic's for one real-world range, token by token.

Built on tests/sqltokens.py (statement splitting, sqlglot tokens, the version-table
simulation). Unlike the fidelity test, a range is compared to the end: every step,
every statement, so the report can say how many steps differ, not only the first.

Allowed differences are only those documented as sqlgen being right, and only where
tests/realworld/differences.toml lists them for a project, dialect and direction: each
entry names a rule of RULES below, and the comparison counts how often it applied.
Layout (whitespace, keyword case, comments, sqlgen's header) is never a difference,
and neither is the version-table INSERT's RETURNING/OUTPUT on Alembic's side or the
order of merge bookkeeping (compared by its effect on the version rows).
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tests.sqltokens import (
    Statement,
    Tok,
    apply_version_op,
    diff_statement,
    parse_script,
    returning_clause,
    strip_returning,
    version_op,
    version_target,
)

DIFFERENCES_FILE = Path(__file__).resolve().parent / "differences.toml"

# tests/sqltokens.py reads SQLite too (TOKENIZED_TOO), beside the fidelity test's dialects


# --- documented differences ------------------------------------------------------------

Rule = Callable[[list[Statement], list[Statement]], tuple[list[Statement], list[Statement], int]]


def _undouble_percent(
    ref: list[Statement], got: list[Statement]
) -> tuple[list[Statement], list[Statement], int]:
    """Alembic doubles `%` in raw SQL for a format/pyformat paramstyle; sqlgen does not.

    `op.execute("... LIKE 'a%'")` under MySQL's or psycopg's paramstyle is written by
    Alembic as `'a%%'`, which a client running the script (not a DBAPI) executes as two
    percent signs. Alembic's `%%` is read back as `%`.
    """
    count = 0
    fixed: list[Statement] = []
    for statement in ref:
        tokens = []
        for tok in statement.tokens:
            if "%%" in tok.text:
                count += 1
                tok = Tok(tok.type, tok.text.replace("%%", "%"), tok.keyword)
            tokens.append(tok)
        fixed.append(Statement(tuple(tokens), statement.text))
    return fixed, got, count


_CLOCK = re.compile(
    r"'\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:?\d\d)?'"
    r"|'[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}'",
    re.IGNORECASE,
)


def _mask_clock(statements: list[Statement]) -> tuple[list[Statement], int]:
    count = 0
    masked: list[Statement] = []
    for statement in statements:
        tokens = []
        for tok in statement.tokens:
            if tok.type == "STRING" and _CLOCK.fullmatch(tok.text):
                count += 1
                tok = Tok(tok.type, "'<clock-or-random>'", tok.keyword)
            tokens.append(tok)
        masked.append(Statement(tuple(tokens), statement.text))
    return masked, count


def _clock_values(
    ref: list[Statement], got: list[Statement]
) -> tuple[list[Statement], list[Statement], int]:
    """Values a migration computes when it runs (datetime.now(), uuid4(), uuid7()).

    Both tools run the migration, at different moments: a timestamp or UUID string
    literal on both sides is equal whatever its value.
    """
    ref, count = _mask_clock(ref)
    got, _ = _mask_clock(got)
    return ref, got, count


def _sort_index_runs(statements: list[Statement]) -> tuple[list[Statement], int]:
    out: list[Statement] = []
    run: list[Statement] = []
    moved = 0

    def flush() -> None:
        nonlocal moved
        ordered = sorted(run, key=lambda s: s.keys)
        moved += sum(1 for a, b in zip(run, ordered, strict=True) if a is not b)
        out.extend(ordered)
        run.clear()

    for statement in statements:
        kinds = [t.type for t in statement.tokens[:3]]
        if kinds[:2] == ["CREATE", "INDEX"] or kinds == ["CREATE", "UNIQUE", "INDEX"]:
            run.append(statement)
        else:
            flush()
            out.append(statement)
    flush()
    return out, moved


def _index_order(
    ref: list[Statement], got: list[Statement]
) -> tuple[list[Statement], list[Statement], int]:
    """The CREATE INDEX statements that follow a CREATE TABLE, in any order.

    Alembic's create_table() walks `Table.indexes`, a Python set of Index objects
    hashed by identity, so its order changes from run to run; sqlgen writes them in
    the order the migration declares them. Each run of consecutive CREATE INDEX
    statements is compared as a sorted list.
    """
    ref, moved = _sort_index_runs(ref)
    got, _ = _sort_index_runs(got)
    return ref, got, moved


def _reads_left_out(
    ref: list[Statement], got: list[Statement]
) -> tuple[list[Statement], list[Statement], int]:
    """With --data-reads=empty sqlgen leaves a migration's queries out of the script.

    Alembic's offline bind writes `conn.execute(select(...))` into the script as a bare
    SELECT (and returns None). A SELECT or WITH ... SELECT statement of Alembic's that
    sqlgen's step does not have is dropped; only in empty mode.
    """
    have = {tuple(s.keys) for s in got}
    kept: list[Statement] = []
    dropped = 0
    for statement in ref:
        first = statement.tokens[0].type if statement.tokens else ""
        is_query = first == "SELECT" or (
            first == "WITH" and all(t.type not in _WRITES for t in statement.tokens)
        )
        if is_query and tuple(statement.keys) not in have:
            dropped += 1
            continue
        kept.append(statement)
    return kept, got, dropped


_WRITES = frozenset({"INSERT", "UPDATE", "DELETE", "MERGE"})


_LITERALS = frozenset({"STRING", "NUMBER", "NATIONAL_STRING", "TRUE", "FALSE"})


def _execute_parameters(
    ref: list[Statement], got: list[Statement]
) -> tuple[list[Statement], list[Statement], int]:
    """Parameters given to `conn.execute(text(...), {...})` are written by sqlgen.

    Alembic's offline bind ignores execute() parameters, so `SET created_at = :now`
    comes out as `SET created_at = NULL`; sqlgen renders the value the migration passed
    (README: "Parameters passed to execute() are rendered as literals"). A statement
    whose only differences are Alembic NULLs where sqlgen has a literal is taken as equal.
    """
    count = 0
    fixed: list[Statement] = []
    for a, b in zip(ref, got, strict=False):
        if len(a.tokens) == len(b.tokens) and a.keys != b.keys:
            pairs = [(x, y) for x, y in zip(a.tokens, b.tokens, strict=True) if x.key != y.key]
            if all(x.type == "NULL" and y.type in _LITERALS for x, y in pairs):
                count += len(pairs)
                a = Statement(b.tokens, a.text)
        fixed.append(a)
    fixed += ref[len(fixed) :]
    return fixed, got, count


RULES: dict[str, Rule] = {
    "execute-parameters": _execute_parameters,
    "percent-not-doubled": _undouble_percent,
    "clock-values": _clock_values,
    "create-index-order": _index_order,
    "reads-left-out": _reads_left_out,
}


@dataclass(frozen=True)
class Allowance:
    id: str
    rule: str
    reason: str
    projects: tuple[str, ...]
    dialects: tuple[str, ...]
    directions: tuple[str, ...]
    modes: tuple[str, ...]

    def applies(self, project: str, dialect: str, direction: str, mode: str) -> bool:
        return (
            mode in self.modes
            and any(fnmatch.fnmatch(project, p) for p in self.projects)
            and any(fnmatch.fnmatch(dialect, d) for d in self.dialects)
            and any(fnmatch.fnmatch(direction, d) for d in self.directions)
        )


def load_allowances(path: Path = DIFFERENCES_FILE) -> list[Allowance]:
    if not path.is_file():
        return []
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    allowances = []
    for entry in data.get("difference", []):
        if entry["rule"] not in RULES:
            raise ValueError(f"{path}: {entry['id']}: unknown rule {entry['rule']!r}")
        allowances.append(
            Allowance(
                id=entry["id"],
                rule=entry["rule"],
                reason=entry["reason"],
                projects=tuple(entry.get("projects", ["*"])),
                dialects=tuple(entry.get("dialects", ["*"])),
                directions=tuple(entry.get("directions", ["*"])),
                modes=tuple(entry.get("modes", ["strict", "empty"])),
            )
        )
    return allowances


# --- comparison ------------------------------------------------------------------------


@dataclass
class RangeComparison:
    steps: int = 0
    differing_steps: int = 0
    statements: int = 0  # non-version statements equal token by token
    problems: list[str] = field(default_factory=list)
    applied: dict[str, int] = field(default_factory=dict)

    @property
    def same(self) -> bool:
        return not self.problems

    def first_problem(self) -> str:
        return self.problems[0].splitlines()[0] if self.problems else ""


class _Rows:
    def __init__(self, name: str, reference: bool) -> None:
        self.name = name
        self.reference = reference
        self.rows: set[str] = set()

    def split(
        self, statements: Sequence[Statement], where: str
    ) -> tuple[list[Statement], list[str]]:
        others: list[Statement] = []
        problems: list[str] = []
        for statement in statements:
            if version_target(statement) is None:
                others.append(statement)
                continue
            if self.reference:
                statement = strip_returning(statement)
            elif (clause := returning_clause(statement)) is not None:
                problems.append(f"{where}: sqlgen version-table statement has {clause!r}")
                continue
            try:
                problem = apply_version_op(self.rows, version_op(statement))
            except ValueError as exc:
                problem = str(exc)
            if problem:
                problems.append(f"{where}: {self.name}: {problem}")
        return others, problems


def _block(
    result: RangeComparison,
    where: str,
    ref: Sequence[Statement],
    got: Sequence[Statement],
    alembic: _Rows,
    sqlgen: _Rows,
    rules: Sequence[Allowance],
) -> list[str]:
    ref_others, problems = alembic.split(ref, where)
    got_others, more = sqlgen.split(got, where)
    problems += more
    for allowance in rules:
        ref_others, got_others, count = RULES[allowance.rule](ref_others, got_others)
        if count:
            result.applied[allowance.id] = result.applied.get(allowance.id, 0) + count
    for index, (a, b) in enumerate(zip(ref_others, got_others, strict=False)):
        problem = diff_statement(f"{where}, statement {index}", a, b)
        if problem:
            problems.append(problem)
            break
        result.statements += 1
    else:
        if len(ref_others) != len(got_others):
            n = min(len(ref_others), len(got_others))
            side, extra = (
                ("alembic", ref_others[n]) if len(ref_others) > n else ("sqlgen", got_others[n])
            )
            text = " ".join(extra.text.split())[:300]
            problems.append(
                f"{where}: alembic has {len(ref_others)} statements, sqlgen {len(got_others)}; "
                f"first extra ({side}): {text}"
            )
    if alembic.rows != sqlgen.rows:
        problems.append(
            f"{where}: version rows differ: alembic {sorted(alembic.rows)}, "
            f"sqlgen {sorted(sqlgen.rows)}"
        )
        sqlgen.rows = set(alembic.rows)
    return problems


def compare(
    alembic_text: str,
    sqlgen_text: str,
    dialect: str,
    rules: Sequence[Allowance] = (),
    keep: int = 5,
) -> RangeComparison:
    """Every step of sqlgen's script against Alembic's; `keep` problems are kept."""
    result = RangeComparison()
    ref = parse_script(alembic_text, dialect)
    got = parse_script(sqlgen_text, dialect)
    alembic, sqlgen = _Rows("alembic", True), _Rows("sqlgen", False)
    problems = _block(result, "prologue", ref.prologue, got.prologue, alembic, sqlgen, rules)
    if problems:
        result.differing_steps += 1
    if len(ref.steps) != len(got.steps):
        problems.append(f"alembic has {len(ref.steps)} steps, sqlgen {len(got.steps)}")
    for number, (a, b) in enumerate(zip(ref.steps, got.steps, strict=False), 1):
        where = f"step {number} ({a.header.label})"
        if a.header.ids != b.header.ids:
            problems.append(
                f"step {number}: headers differ: "
                f"alembic {a.header.line!r}, sqlgen {b.header.line!r}"
            )
            result.differing_steps += 1
            break
        result.steps += 1
        found = _block(result, where, a.statements, b.statements, alembic, sqlgen, rules)
        if found:
            result.differing_steps += 1
            problems += found
    result.problems = problems[:keep]
    if len(problems) > keep:
        result.problems.append(f"... and {len(problems) - keep} more")
    return result
