"""A migration that reads data: it uses the result of a query run through
`op.get_bind()` (`execute(select(...)).fetchall()`, `scalar()`, iteration) or a
statement's `rowcount`.

Offline there is no database to read from: by default such a revision fails,
and with `--data-reads=empty` every read sees no rows
([offline migrations](offline-migrations.md)). Against a real database the
migration may then do something else: take an `if` the other way, loop over rows
that are there.

```python
def upgrade():
    bind = op.get_bind()
    for (user_id,) in bind.execute(sa.text("SELECT id FROM users")):  # SG502
        bind.execute(sa.text("INSERT INTO wallets (user_id) VALUES (:u)"), {"u": user_id})
```
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlgen.lint.model import Hit, Rule, Severity, StepView

RULE = Rule(
    id="SG502",
    severity=Severity.WARNING,
    dialects=None,
    message="offline, the SQL was rendered as if it returned no rows; against a real "
    "database the migration may do something else",
    hint="Provide reviewed SQL for this revision as an override, or make the migration "
    "independent of what it reads.",
    title="Migration reads data",
    docs=__doc__,
)


def check(view: StepView) -> Iterator[Hit]:
    for read in view.capture.reads:
        yield Hit(read.line, f"reads data ({read.summary()}) through {read.what}")
