"""`UPDATE` or `DELETE` without a WHERE clause, whether the migration wrote it as SQL
or built it with SQLAlchemy (`op.execute(table.update().values(...))`).

It changes or deletes every row of the table. Sometimes that is the point (a
backfill of a new column); often a WHERE clause was forgotten.

```python
def upgrade():
    op.execute("UPDATE orders SET status = 'open'")  # SG501
```
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlglot import exp

from sqlgen.lint.model import Hit, Rule, Severity, StepView
from sqlgen.lint.rules.helpers import qualified, table_of

RULE = Rule(
    id="SG501",
    severity=Severity.WARNING,
    dialects=None,
    message="it changes every row of the table",
    hint="Add a WHERE clause, or suppress with a reason if every row is meant.",
    title="UPDATE or DELETE without WHERE",
    docs=__doc__,
)


def check(view: StepView) -> Iterator[Hit]:
    # every statement: raw SQL and SQLAlchemy constructs compile to the same thing here
    for statement in view.statements:
        expression = statement.expression
        if isinstance(expression, exp.Update | exp.Delete) and not expression.args.get("where"):
            verb = type(expression).__name__.upper()
            table = qualified(*table_of(expression.this))
            yield Hit(statement.item.line, f"{verb} of {table} has no WHERE clause")
