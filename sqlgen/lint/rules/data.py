"""Data-dependent changes: writes without WHERE, data reads, SQL not from the migration."""

from __future__ import annotations

from collections.abc import Iterator

from sqlglot import exp

from sqlgen.lint.model import (
    Hit,
    StepView,
)
from sqlgen.lint.rules.common import _table_of, qualified

# --- data-dependent -------------------------------------------------------------------


def unbounded_write(view: StepView) -> Iterator[Hit]:
    # every statement: raw SQL and SQLAlchemy constructs compile to the same thing here
    for statement in view.statements:
        expression = statement.expression
        if isinstance(expression, exp.Update | exp.Delete) and not expression.args.get("where"):
            verb = type(expression).__name__.upper()
            table = qualified(*_table_of(expression.this))
            yield Hit(statement.item.line, f"{verb} of {table} has no WHERE clause")


def data_read(view: StepView) -> Iterator[Hit]:
    for read in view.capture.reads:
        yield Hit(read.line, f"reads data ({read.summary()}) through {read.what}")


def not_from_migration(view: StepView) -> Iterator[Hit]:
    capture = view.capture
    if capture.override is not None:
        yield Hit(None, f"is rendered from the reviewed override {capture.override.name}")
    elif capture.reads and capture.failure is None:
        yield Hit(capture.reads[0].line, "was rendered with --data-reads=empty")
