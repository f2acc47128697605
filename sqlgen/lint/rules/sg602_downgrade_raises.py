"""A downgrade that raises: the migration's `downgrade()` ended with an exception
when sqlgen ran it (typically `raise NotImplementedError`).

The revision cannot be rolled back, and a rollback that reaches it stops there.
Sometimes that is deliberate (the change is irreversible): then keep the raise,
and suppress the finding with a reason that says so. Failures that are sqlgen
declining to render something (a data read, a rollback) are not reported here.

```python
def downgrade():
    raise NotImplementedError("the old column's data is gone")  # SG602
```
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlgen.lint.model import DOWNGRADE_ONLY, Hit, Rule, Severity, StepView

RULE = Rule(
    id="SG602",
    severity=Severity.WARNING,
    dialects=None,
    message="this revision cannot be rolled back",
    hint="Make the downgrade work, or document that the revision is irreversible.",
    title="Downgrade raises",
    directions=DOWNGRADE_ONLY,
    docs=__doc__,
)


def check(view: StepView) -> Iterator[Hit]:
    failure = view.capture.failure
    # "failed: ..." is the runner's wording for an exception the migration raised; other
    # failures are sqlgen declining to render something (data reads, rollback(), ...)
    if failure is not None and failure.reason.startswith("failed:"):
        yield Hit(failure.line, f"downgrade() {failure.reason}")
