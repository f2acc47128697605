"""A table or column dropped by a downgrade: what SG101 and SG102 report in an
upgrade, reported in the downgrade.

A downgrade usually drops what its upgrade created, as it should; but whatever
was written into that table or column since the upgrade ran is lost when the
downgrade runs. A warning, so the rollback is a decision, not a surprise.

```python
def upgrade():
    op.add_column("orders", sa.Column("note", sa.Text()))

def downgrade():
    op.drop_column("orders", "note")  # SG105: the notes written since are lost
```
"""

from __future__ import annotations

from collections.abc import Iterator

from alembic.operations import ops

from sqlgen.lint.model import DOWNGRADE_ONLY, Hit, Rule, Severity, StepView
from sqlgen.lint.rules import sg101_drop_table, sg102_drop_column

RULE = Rule(
    id="SG105",
    severity=Severity.WARNING,
    dialects=None,
    message="whatever was written into it since the upgrade is lost when the downgrade runs",
    hint="Back the data up before downgrading, or keep it (rename instead of drop).",
    title="Downgrade drops data",
    directions=DOWNGRADE_ONLY,
    operations=(ops.DropTableOp, ops.DropColumnOp),
    docs=__doc__,
)


def check(view: StepView) -> Iterator[Hit]:
    # the engine sorts findings, so the order of the two is not seen
    yield from sg101_drop_table.check(view)
    yield from sg102_drop_column.check(view)
