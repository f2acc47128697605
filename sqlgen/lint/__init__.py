"""Linting migrations: rules over the operations and SQL an offline run captured.

    from sqlgen.lint import LintConfig, lint, to_text

    findings = lint(upgrade_runs, downgrade_runs, LintConfig.from_mapping(settings))
    print(to_text(findings, color=False), end="")

Each rule is a module of `sqlgen.lint.rules` (`RULES` lists them, by id); suppression
with `# sqlgen: ignore[SGxxx] reason` comments in `sqlgen.lint.suppress`.
"""

from __future__ import annotations

from sqlgen.lint.engine import Deployment, LintConfig, each_revision, lint, whole_range
from sqlgen.lint.model import Finding, Rule, Severity
from sqlgen.lint.report import exit_code, to_json, to_markdown, to_sarif, to_text
from sqlgen.lint.rules import RULES, RULES_BY_ID

__all__ = [
    "RULES",
    "RULES_BY_ID",
    "Deployment",
    "Finding",
    "LintConfig",
    "Rule",
    "Severity",
    "each_revision",
    "exit_code",
    "lint",
    "to_json",
    "to_markdown",
    "to_sarif",
    "to_text",
    "whole_range",
]
