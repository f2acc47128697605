"""Downgrade gaps: a missing or empty downgrade(), and one that raises."""

from __future__ import annotations

import ast
import functools
import inspect
import textwrap
from collections.abc import Callable, Iterator
from typing import Any

from sqlgen.lint.model import (
    Hit,
    StepView,
)

# --- downgrade gaps -------------------------------------------------------------------


def _is_filler(statement: ast.stmt) -> bool:
    """`pass`, a docstring or `...`: a statement that does nothing."""
    if isinstance(statement, ast.Pass):
        return True
    return isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)


@functools.cache
def _function_body(function: Callable[..., Any]) -> tuple[bool, int] | None:
    """(whether the function does nothing, the line of its `def`); None if unreadable."""
    try:
        lines, start = inspect.getsourcelines(function)
        tree = ast.parse(textwrap.dedent("".join(lines)))
    except (OSError, TypeError, SyntaxError):
        return None
    definition = tree.body[0] if tree.body else None
    if not isinstance(definition, ast.FunctionDef | ast.AsyncFunctionDef):
        return None
    empty = all(_is_filler(statement) for statement in definition.body)
    return empty, start + definition.lineno - 1


def _emitted_sql(view: StepView) -> bool:
    return any(
        not item.version and item.kind in {"statement", "raw"} for item in view.capture.items
    )


def missing_downgrade(view: StepView) -> Iterator[Hit]:
    if not _emitted_sql(view):
        return
    module = view.capture.step.revision.module
    downgrade = getattr(module, "downgrade", None)
    if not callable(downgrade):
        upgrade = getattr(module, "upgrade", None)
        known = _function_body(upgrade) if callable(upgrade) else None
        yield Hit(known[1] if known else None, "has no downgrade() function")
        return
    known = _function_body(downgrade)
    if known is not None and known[0]:
        yield Hit(known[1], "has a downgrade() that does nothing")


def downgrade_raises(view: StepView) -> Iterator[Hit]:
    failure = view.capture.failure
    # "failed: ..." is the runner's wording for an exception the migration raised; other
    # failures are sqlgen declining to render something (data reads, rollback(), ...)
    if failure is not None and failure.reason.startswith("failed:"):
        yield Hit(failure.line, f"downgrade() {failure.reason}")
