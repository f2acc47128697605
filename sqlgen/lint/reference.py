"""The rules' documentation, docs/lint-rules.md, written from the rule modules.

    python -m sqlgen.lint.reference > docs/lint-rules.md

Every rule module's docstring is its documentation; the table and each rule's
facts come from its `RULE`. tests/test_lint_rules.py fails when the file is not
what this writes.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Sequence

from sqlgen.lint.model import Rule
from sqlgen.lint.report import rule_table
from sqlgen.lint.rules import RULES

INTRODUCTION = """\
# Lint rules

<!-- Written by `python -m sqlgen.lint.reference > docs/lint-rules.md` from the rule
modules in sqlgen/lint/rules/: edit those, not this file. -->

`sqlgen lint` runs these rules over the Alembic operations a range's migrations
invoke and the SQL they emit, for its upgrade and for the downgrade that undoes
it. Suppressing a finding and configuring the rules:
[README](../README.md#lint-rules).
"""


def _facts(rule: Rule) -> list[str]:
    dialects = ", ".join(sorted(rule.dialects)) if rule.dialects is not None else "all"
    reads = ", ".join(f"`{kind.__name__}`" for kind in rule.operations) or "none"
    severity = rule.severity.value + ("" if rule.enabled_by_default else " (off by default)")
    return [
        f"- Severity: {severity}",
        f"- Dialects: {dialects}",
        f"- Runs on: {' and '.join(sorted(rule.directions, reverse=True))}",
        f"- Alembic operations it reads: {reads}",
        f"- Fix: {rule.hint}",
    ]


def rules_reference(rules: Sequence[Rule]) -> str:
    """docs/lint-rules.md: the rule table, then each rule's documentation and facts."""
    lines = [INTRODUCTION, rule_table(rules)]
    category = None
    for rule in rules:
        if rule.category != category:
            category = rule.category
            lines.append(f"## {category[0].upper()}{category[1:]}\n")
        lines.append(f"### {rule.id}: {rule.title}\n")
        if rule.docs:
            lines.append(inspect.cleandoc(rule.docs) + "\n")
        lines.append("\n".join(_facts(rule)) + "\n")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.stdout.write(rules_reference(RULES))

__all__ = ["rules_reference"]
