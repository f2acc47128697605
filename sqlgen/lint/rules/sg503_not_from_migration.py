"""A revision whose SQL is not rendered from the migration alone: it comes from a
reviewed override, or was rendered with `--data-reads=empty` (reads returned no
rows). Off by default; turn it on with `enable = ["SG503"]`.

What runs is then not what the migration would produce by itself, so a reviewer
should read it. SG502 already reports every read; this rule is for teams that
want every such revision listed, reviewed overrides included.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlgen.lint.model import Hit, Rule, Severity, StepView

RULE = Rule(
    id="SG503",
    severity=Severity.INFO,
    dialects=None,
    message="what runs is not what the migration alone would produce, so review it by hand",
    hint="Review this revision's SQL by hand before running it.",
    title="SQL not rendered from the migration alone",
    # SG502 already reports every read; this one is for teams that want every such
    # revision listed, reviewed overrides included
    enabled_by_default=False,
    docs=__doc__,
)


def check(view: StepView) -> Iterator[Hit]:
    capture = view.capture
    if capture.override is not None:
        yield Hit(None, f"is rendered from the reviewed override {capture.override.name}")
    elif capture.reads and capture.failure is None:
        yield Hit(capture.reads[0].line, "was rendered with --data-reads=empty")
