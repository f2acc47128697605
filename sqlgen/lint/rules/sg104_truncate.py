"""`TRUNCATE` in a migration's SQL.

Every row of the table is deleted: TRUNCATE takes no WHERE clause to keep any.

```python
def upgrade():
    op.execute("TRUNCATE TABLE sessions")  # SG104
```
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlglot import exp

from sqlgen.lint.model import Hit, Rule, Severity, StepView
from sqlgen.lint.rules.helpers import qualified, table_of

RULE = Rule(
    id="SG104",
    severity=Severity.ERROR,
    dialects=None,
    message="every row of the table is deleted",
    hint="Delete only the rows that must go (DELETE ... WHERE), or copy them away first.",
    title="Table truncated",
    docs=__doc__,
)


def check(view: StepView) -> Iterator[Hit]:
    for statement in view.statements:
        expression = statement.expression
        if isinstance(expression, exp.TruncateTable):
            names = ", ".join(qualified(*table_of(t)) for t in expression.expressions)
            yield Hit(statement.item.line, f"truncates {names}")
