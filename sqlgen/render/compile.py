"""Compiling captured constructs for one dialect. SQLAlchemy decides the SQL.

This follows Alembic's offline `_exec`: DDL compiles as it is, everything else
with literal binds. The dialect is built with the named paramstyle, so a `%`
in a statement is never doubled.

Unlike Alembic, a parameter without a value is an error: with literal binds
SQLAlchemy renders it as NULL, so `op.execute("... ':ok'")` (a colon starts a
parameter in text(), even inside quotes) would silently become `'NULL'`.

Where Alembic fails, on a value bound to a column of no type (`sa.column("status")`
in `table.update().values(status=5)`: "No literal value renderer is available"),
the value's own Python type decides how it is written, as SQLAlchemy does for a
comparison with such a column (`status == 5`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from sqlalchemy import bindparam, text
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import CompileError
from sqlalchemy.schema import DDLElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.dml import ValuesBase
from sqlalchemy.sql.elements import BindParameter, ClauseElement, TextClause
from sqlalchemy.sql.sqltypes import NullType
from sqlalchemy.sql.visitors import iterate, replacement_traverse

from sqlgen.pipeline.captured import Refusal
from sqlgen.runtime import internals


class UnboundParameter(Refusal):
    """A statement has a parameter that no value was given for."""

    def __init__(self, name: str) -> None:
        super().__init__(
            f"has a parameter :{name} with no value; in text() SQL a colon starts a parameter, "
            f"even inside quotes: write \\:{name} for a literal colon, or pass a value"
        )
        self.name = name


def bind_parameters(construct: ClauseElement, params: Mapping[str, Any]) -> ClauseElement:
    """Fold execute() parameters into the construct so they render as literals."""
    if not params:
        return construct
    if isinstance(construct, TextClause):
        return construct.bindparams(**params)
    if isinstance(construct, ValuesBase):
        return construct.values(**params)
    return construct.params(**params)


def compile_statement(construct: ClauseElement | str, dialect: Dialect) -> str:
    """The SQL text of one construct, without a terminator."""
    if isinstance(construct, str):
        construct = text(construct)
    if isinstance(construct, DDLElement):
        compiled = construct.compile(dialect=dialect)
    else:
        _check_bound(construct)
        try:
            compiled = construct.compile(dialect=dialect, compile_kwargs={"literal_binds": True})
        except CompileError as exc:
            if "No literal value renderer" not in str(exc):
                raise
            typed = _typed_by_value(construct)
            compiled = typed.compile(dialect=dialect, compile_kwargs={"literal_binds": True})
        assert isinstance(compiled, SQLCompiler)
        for name, bind in compiled.binds.items():
            if bind.required:  # still a placeholder in the text: no script can run that
                raise UnboundParameter(name)
    return str(compiled).strip()


def _typed_by_value(construct: ClauseElement) -> ClauseElement:
    """The construct with each untyped bind given the type of its value."""

    def typed(element: Any, **kw: Any) -> Any:
        if (
            isinstance(element, BindParameter)
            and isinstance(element.type, NullType)
            and element.value is not None
        ):
            return bindparam(
                element.key,
                element.value,
                type_=internals.resolve_value_to_type(element.value),
                unique=element.unique,
            )
        return None

    opts: dict[str, Any] = {}
    return cast(ClauseElement, replacement_traverse(cast(Any, construct), opts, typed))


def _check_bound(construct: ClauseElement) -> None:
    binds = (
        internals.text_bindparams(construct).values()
        if isinstance(construct, TextClause)
        else (e for e in iterate(construct) if isinstance(e, BindParameter))
    )
    for bind in binds:
        if bind.required and bind.value is None and bind.callable is None:
            raise UnboundParameter(str(bind.key))
