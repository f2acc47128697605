"""Transpiling raw SQL from the project's source dialect: the one place sqlglot translates.

`op.execute("...")` strings are written in one dialect (`source_dialect`,
PostgreSQL by default). For another target, the string is translated with
sqlglot only when every guard passes:

1. it parses in the source dialect with errors raised;
2. exactly one statement goes in and one non-empty statement comes out;
3. no opaque `Command` node appears anywhere in the tree;
4. sqlglot generates it for the target with `unsupported_level=RAISE`;
5. the output parses again in the target, as the same kind of statement;
6. it is DML or a query: DDL in raw strings is never transpiled;
7. every node of the tree is of a kind sqlglot is trusted to translate
   (sqlglot passes `ON CONFLICT` through to MySQL, for one, with no error).

When the translation only changes layout or keyword case, the original text is
kept and nothing is marked. Otherwise the caller marks the statement as machine
translated. A guard that fails raises TranspileRefused, which names the guard.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlgen.pipeline.captured import Refusal, one_line
from sqlgen.render.layout import same_tokens

# Node kinds sqlglot is trusted to translate between dialects. Deliberately short:
# no string concatenation (NULL handling differs), no unknown functions, no
# ON CONFLICT / RETURNING / MERGE, no dialect-specific clauses.
_TRUSTED = (
    "Select",
    "Union",
    "Intersect",
    "Except",
    "Insert",
    "Update",
    "Delete",
    "Values",
    "Tuple",
    "Schema",
    "Subquery",
    "From",
    "Where",
    "Join",
    "Group",
    "Having",
    "Order",
    "Ordered",
    "Limit",
    "Offset",
    "With",
    "CTE",
    "Table",
    "TableAlias",
    "Alias",
    "Column",
    "Identifier",
    "Star",
    "Dot",
    "Literal",
    "Null",
    "Boolean",
    "Paren",
    "Neg",
    "Not",
    "And",
    "Or",
    "EQ",
    "NEQ",
    "GT",
    "GTE",
    "LT",
    "LTE",
    "Is",
    "In",
    "Like",
    "Between",
    "Add",
    "Sub",
    "Mul",
    "Div",
    "Exists",
    "Distinct",
    "Case",
    "If",
    "Coalesce",
    "Lower",
    "Upper",
    "Count",
    "Sum",
    "Max",
    "Min",
    "Avg",
    "Abs",
    "CurrentTimestamp",
    "CurrentDate",
    "Cast",
    "DataType",
    "DataTypeParam",
    "Var",
)


class TranspileRefused(Refusal):
    def __init__(self, sql: str, source: str, target: str, guard: str) -> None:
        self.sql = sql
        self.source = source
        self.target = target
        self.guard = guard
        statement = one_line(sql)
        statement = statement if len(statement) <= 160 else statement[:157] + "..."
        super().__init__(
            f"has raw SQL written for {source} that sqlgen will not translate to {target} "
            f"({guard}): {statement}; give SQL per dialect with "
            f'op.execute(sqlgen.per_dialect({source}="...", {target}="...", default="..."))'
        )


@dataclass(frozen=True)
class Transpiled:
    sql: str
    changed: bool  # False: the target text is the original (layout and case aside)


@cache
def _trusted() -> tuple[type, ...]:
    from sqlglot import exp

    return tuple(getattr(exp, name) for name in _TRUSTED if hasattr(exp, name))


@cache
def _dml_or_query() -> tuple[type, ...]:
    from sqlglot import exp

    return (exp.Query, exp.Insert, exp.Update, exp.Delete)


def _statements(sql: str, dialect: str) -> list[Any]:
    from sqlglot.dialects.dialect import Dialect
    from sqlglot.errors import ErrorLevel

    return [e for e in Dialect.get_or_raise(dialect).parse(sql, error_level=ErrorLevel.RAISE) if e]


def _has_command(tree: Any) -> bool:
    from sqlglot import exp

    return isinstance(tree, exp.Command) or tree.find(exp.Command) is not None


def transpile(
    sql: str, source: str, target: str, names: tuple[str, str] | None = None
) -> Transpiled:
    """`sql` (sqlglot dialect `source`) for sqlglot dialect `target`, or TranspileRefused.

    `names` are the sqlgen dialect names used in messages (default: the sqlglot ones).
    """
    from sqlglot.dialects.dialect import Dialect
    from sqlglot.errors import ErrorLevel

    source_name, target_name = names or (source, target)

    def refuse(guard: str) -> TranspileRefused:
        return TranspileRefused(sql, source_name, target_name, guard)

    try:
        statements = _statements(sql, source)
    except Exception as exc:  # sqlglot raises several error types
        raise refuse(f"it does not parse as {source_name}: {one_line(str(exc))[:100]}") from exc
    if len(statements) != 1:
        raise refuse(f"it holds {len(statements)} statements, not one")
    tree = statements[0]
    if _has_command(tree):
        raise refuse("sqlglot only understands it as an opaque command")
    try:
        output = str(
            Dialect.get_or_raise(target).generate(tree, unsupported_level=ErrorLevel.RAISE)
        ).strip()
    except Exception as exc:  # UnsupportedError and friends
        raise refuse(f"sqlglot cannot express it: {one_line(str(exc))[:100]}") from exc
    if not output:
        raise refuse("sqlglot produced no statement")
    try:
        again = _statements(output, target)
    except Exception as exc:
        raise refuse("the translation does not parse as the target dialect") from exc
    if len(again) != 1 or _has_command(again[0]) or type(again[0]) is not type(tree):
        raise refuse("the translation is not one statement of the same kind")
    is_dml_or_query = isinstance(tree, _dml_or_query())
    if not is_dml_or_query:
        raise refuse("it is not DML or a query, and DDL in raw SQL is never translated")
    trusted = _trusted()
    untrusted = sorted({type(n).__name__ for n in tree.walk() if not isinstance(n, trusted)})
    if untrusted:
        raise refuse(f"sqlglot is not trusted to translate {', '.join(untrusted)}")
    if same_tokens(sql, output, target):
        return Transpiled(sql, changed=False)
    return Transpiled(output, changed=True)
