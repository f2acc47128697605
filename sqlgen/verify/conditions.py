"""Evaluating a CHECK constraint's condition on a row, offline, to pick rows that satisfy it.

Only the plain shapes checks are made of are understood: comparisons, AND/OR/NOT,
IN, BETWEEN, IS NULL, LIKE, arithmetic, length/lower/upper/trim and casts, over the
row's columns and literals. Anything else is `Unknown`: the caller then does not
fill the table rather than guess. As in SQL, a condition that comes out NULL
passes (a CHECK rejects only FALSE).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any


class Unknown(Exception):
    """The condition uses something this evaluator does not understand."""


class Missing(Exception):
    """The condition reads a column whose value is not known (left to its default)."""


@functools.lru_cache(maxsize=512)
def parse(sqltext: str, dialect: str) -> Any:
    """The condition as a sqlglot expression; Unknown when it cannot be read."""
    import sqlglot

    for read in (dialect, None):
        try:
            return sqlglot.parse_one(sqltext, read=read)
        except Exception:  # sqlglot raises several error types; any means "cannot read"
            continue
    raise Unknown(f"cannot read {sqltext!r}")


def columns(expression: Any) -> list[str]:
    """The column names the condition reads, in order, each once."""
    from sqlglot import exp

    names: dict[str, None] = {}
    for column in expression.find_all(exp.Column):
        names[column.name] = None
    return list(names)


def literals(expression: Any) -> list[Any]:
    """The literal values in the condition (numbers as Decimal), in order."""
    from sqlglot import exp

    found: list[Any] = []
    for node in expression.find_all(exp.Literal):
        value = _literal(node)
        if isinstance(node.parent, exp.Neg):
            value = -value
        if value not in found:
            found.append(value)
    return found


def satisfied(expression: Any, row: Mapping[str, Any]) -> bool:
    """True when the row passes the check (TRUE or NULL). Raises Unknown or Missing."""
    return _eval(expression, _folded(row)) is not False


def _folded(row: Mapping[str, Any]) -> dict[str, Any]:
    return {name.lower(): value for name, value in row.items()}


def _literal(node: Any) -> Any:
    if node.is_string:
        return str(node.this)
    try:
        return Decimal(str(node.this))
    except InvalidOperation as exc:
        raise Unknown(f"literal {node.this!r}") from exc


def _number(value: Any) -> Any:
    if isinstance(value, bool):
        return Decimal(int(value))
    if isinstance(value, int | float):
        return Decimal(str(value))
    return value


def _comparable(left: Any, right: Any) -> tuple[Any, Any]:
    left, right = _number(left), _number(right)
    if isinstance(left, Decimal) and isinstance(right, str):
        try:
            return left, Decimal(right)
        except InvalidOperation:
            return str(left), right
    if isinstance(left, str) and isinstance(right, Decimal):
        try:
            return Decimal(left), right
        except InvalidOperation:
            return left, str(right)
    if type(left) is not type(right):
        return str(left), str(right)
    return left, right


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "EQ": lambda a, b: bool(a == b),
    "NEQ": lambda a, b: bool(a != b),
    "GT": lambda a, b: bool(a > b),
    "GTE": lambda a, b: bool(a >= b),
    "LT": lambda a, b: bool(a < b),
    "LTE": lambda a, b: bool(a <= b),
}

_ARITHMETIC: dict[str, Callable[[Decimal, Decimal], Decimal]] = {
    "Add": lambda a, b: a + b,
    "Sub": lambda a, b: a - b,
    "Mul": lambda a, b: a * b,
    "Div": lambda a, b: a / b,
    "Mod": lambda a, b: a % b,
}


def _like(value: str, pattern: str) -> bool:
    regex = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, re.DOTALL) is not None


def _children(node: Any) -> Iterator[Any]:
    yield from node.expressions


def _eval(node: Any, row: dict[str, Any]) -> Any:
    from sqlglot import exp

    name = type(node).__name__
    if isinstance(node, exp.Paren):
        return _eval(node.this, row)
    if isinstance(node, exp.Column):
        key = node.name.lower()
        if key not in row:
            raise Missing(node.name)
        value = row[key]
        return int(value) if isinstance(value, bool) else value
    if isinstance(node, exp.Literal):
        return _literal(node)
    if isinstance(node, exp.Boolean):
        return bool(node.this)
    if isinstance(node, exp.Null):
        return None
    if isinstance(node, exp.Neg):
        value = _number(_eval(node.this, row))
        return None if value is None else -value
    if isinstance(node, exp.Not):
        value = _eval(node.this, row)
        return None if value is None else not value
    if isinstance(node, exp.And):
        left, right = _eval(node.this, row), _eval(node.expression, row)
        if left is False or right is False:
            return False
        return None if left is None or right is None else True
    if isinstance(node, exp.Or):
        left, right = _eval(node.this, row), _eval(node.expression, row)
        if left is True or right is True:
            return True
        return None if left is None or right is None else False
    if name in _COMPARE:
        left, right = _eval(node.this, row), _eval(node.expression, row)
        if left is None or right is None:
            return None
        return _COMPARE[name](*_comparable(left, right))
    if isinstance(node, exp.Is):
        value = _eval(node.this, row)
        if not isinstance(node.expression, exp.Null):
            raise Unknown("IS other than IS NULL")
        return value is None
    if isinstance(node, exp.In):
        value = _eval(node.this, row)
        if node.args.get("query") is not None or value is None:
            if value is None:
                return None
            raise Unknown("IN (subquery)")
        options = [_eval(option, row) for option in _children(node)]
        return any(
            option is not None and _comparable(value, option)[0] == _comparable(value, option)[1]
            for option in options
        )
    if isinstance(node, exp.Between):
        value, low, high = (_eval(node.args[k], row) for k in ("this", "low", "high"))
        if value is None or low is None or high is None:
            return None
        a, lo = _comparable(value, low)
        b, hi = _comparable(value, high)
        return bool(lo <= a and b <= hi)
    if isinstance(node, exp.Like):
        value, pattern = _eval(node.this, row), _eval(node.expression, row)
        if value is None or pattern is None:
            return None
        return _like(str(value), str(pattern))
    if name in _ARITHMETIC:
        left, right = _number(_eval(node.this, row)), _number(_eval(node.expression, row))
        if left is None or right is None:
            return None
        if not isinstance(left, Decimal) or not isinstance(right, Decimal):
            raise Unknown(f"{name} of text")
        return _ARITHMETIC[name](left, right)
    if isinstance(node, exp.Length):
        value = _eval(node.this, row)
        return None if value is None else Decimal(len(str(value)))
    if isinstance(node, exp.Lower | exp.Upper):
        value = _eval(node.this, row)
        if value is None:
            return None
        return str(value).lower() if isinstance(node, exp.Lower) else str(value).upper()
    if isinstance(node, exp.Trim):
        value = _eval(node.this, row)
        return None if value is None else str(value).strip()
    if isinstance(node, exp.Cast):
        return _eval(node.this, row)
    raise Unknown(f"{name} in a check")
