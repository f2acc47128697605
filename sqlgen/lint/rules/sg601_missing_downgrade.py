"""An upgrade that changes something, with no `downgrade()` function or one that
does nothing (only `pass`, a docstring or `...`).

Downgrading past the revision then leaves its schema changes in place, and the
downgrades below it run on a schema they were not written for. Judged from the
upgrade: a revision whose upgrade emits no SQL needs no downgrade. To say that a
revision is irreversible, make its downgrade raise (SG602 then reports that).

```python
def upgrade():
    op.add_column("orders", sa.Column("note", sa.Text()))

def downgrade():  # SG601
    pass
```
"""

from __future__ import annotations

import ast
import functools
import inspect
import textwrap
from collections.abc import Callable, Iterator
from typing import Any

from sqlgen.lint.model import UPGRADE_ONLY, Hit, Rule, Severity, StepView

RULE = Rule(
    id="SG601",
    severity=Severity.WARNING,
    dialects=None,
    message="downgrading past this revision leaves its schema changes in place",
    hint="Write a downgrade() that undoes the upgrade, or raise to say it is irreversible.",
    title="Missing or empty downgrade",
    directions=UPGRADE_ONLY,  # judged from the upgrade: did it change anything?
    docs=__doc__,
)


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


def check(view: StepView) -> Iterator[Hit]:
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
