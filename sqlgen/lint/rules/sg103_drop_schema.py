"""`DROP SCHEMA` or `DROP DATABASE` in a migration's SQL.

Every object in the schema or database is dropped, with all its data. Alembic
has no operation for this, so it comes from SQL the migration writes.

```python
def upgrade():
    op.execute("DROP SCHEMA reporting CASCADE")  # SG103
```
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlglot import exp

from sqlgen.lint.model import Hit, Rule, Severity, StepView
from sqlgen.lint.rules.helpers import kind_of

RULE = Rule(
    id="SG103",
    severity=Severity.ERROR,
    dialects=None,
    message="every object in it, and all their data, are deleted",
    hint="Drop schemas and databases by hand, outside migrations, after a backup.",
    title="Schema or database dropped",
    docs=__doc__,
)


def check(view: StepView) -> Iterator[Hit]:
    for statement in view.statements:
        expression = statement.expression
        if isinstance(expression, exp.Drop) and kind_of(expression) in {"SCHEMA", "DATABASE"}:
            names = ", ".join(t.sql() for t in expression.args.get("tables") or [])
            yield Hit(statement.item.line, f"drops {kind_of(expression).lower()} {names}")
