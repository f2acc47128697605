"""Lint reports: text (for a terminal), JSON, Markdown (for a pull request) and SARIF.

Every format is a pure function of the findings, so the same findings always give
the same bytes. Text and Markdown group findings that differ only in dialect into
one entry; JSON lists each finding as it is; SARIF gives one result per group.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlgen.lint.model import Finding, Rule, Severity

INFORMATION_URI = "https://github.com/sqlgen/sqlgen"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
SEVERITY_ORDER = (Severity.ERROR, Severity.WARNING, Severity.INFO)

_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"
_DIM = "\x1b[2m"
_COLORS = {Severity.ERROR: "\x1b[31m", Severity.WARNING: "\x1b[33m", Severity.INFO: "\x1b[36m"}


def exit_code(findings: Iterable[Finding], fail_on: Severity) -> int:
    """1 when any finding that is not suppressed is at least `fail_on`, else 0."""
    return int(any(not f.suppressed and f.severity >= fail_on for f in findings))


@dataclass(frozen=True)
class Group:
    """Findings identical but for their dialect."""

    finding: Finding  # the first of them
    dialects: tuple[str, ...]


def group_findings(findings: Iterable[Finding]) -> list[Group]:
    groups: dict[Finding, list[str]] = {}
    for finding in findings:
        groups.setdefault(replace(finding, dialect=""), []).append(finding.dialect)
    return [
        Group(replace(key, dialect=dialects[0]), tuple(dict.fromkeys(dialects)))
        for key, dialects in groups.items()
    ]


def display_path(path: Path, root: Path | None) -> str:
    """The path relative to `root` (when given and possible), with forward slashes."""
    if root is not None and path.is_absolute():
        try:
            return Path(os.path.relpath(path, root)).as_posix()
        except ValueError:  # another drive on Windows
            return path.as_posix()
    return path.as_posix()


def location(finding: Finding, root: Path | None) -> str:
    where = display_path(finding.path, root)
    return f"{where}:{finding.line}" if finding.line is not None else where


def summary(findings: Sequence[Finding]) -> str:
    active = [f for f in findings if not f.suppressed]
    counts = [_count(sum(f.severity == s for f in active), s) for s in SEVERITY_ORDER]
    suppressed = len(findings) - len(active)
    return f"{', '.join(counts)} (one per dialect); {suppressed} suppressed"


def _count(number: int, severity: Severity) -> str:
    plural = number != 1 and severity is not Severity.INFO
    return f"{number} {severity.value}{'s' if plural else ''}"


# --- text -----------------------------------------------------------------------------


def to_text(findings: Sequence[Finding], color: bool, root: Path | None = None) -> str:
    """Grouped by severity, then the suppressed ones; ANSI colors only when `color`."""

    def paint(text: str, *codes: str) -> str:
        return f"{''.join(codes)}{text}{_RESET}" if color and codes else text

    if not findings:
        return "No findings.\n"
    lines: list[str] = []
    sections = [
        (s.value, [f for f in findings if f.severity == s and not f.suppressed])
        for s in SEVERITY_ORDER
    ]
    sections.append(("suppressed", [f for f in findings if f.suppressed]))
    for title, members in sections:
        groups = group_findings(members)
        if not groups:
            continue
        heading_color = _DIM if title == "suppressed" else _COLORS[Severity(title)]
        lines.append(paint(f"{title} ({len(groups)})", _BOLD, heading_color))
        for group in groups:
            finding = group.finding
            rule = paint(finding.rule, _BOLD)
            lines.append(f"  {location(finding, root)}  {rule}  {finding.message}")
            lines.append(
                paint(
                    f"      revision {finding.revision} ({finding.direction}); "
                    f"{', '.join(group.dialects)}",
                    _DIM,
                )
            )
            if finding.suppressed:
                lines.append(f"      reason: {finding.reason}")
            else:
                lines.append(f"      hint: {finding.hint}")
            if finding.note:
                lines.append(paint(f"      note: {finding.note}", _COLORS[Severity.WARNING]))
    lines.append(summary(findings))
    return "\n".join(lines) + "\n"


# --- JSON -----------------------------------------------------------------------------


def finding_json(finding: Finding, root: Path | None = None) -> dict[str, Any]:
    return {
        "rule": finding.rule,
        "severity": finding.severity.value,
        "message": finding.message,
        "hint": finding.hint,
        "dialect": finding.dialect,
        "direction": finding.direction,
        "revision": finding.revision,
        "path": display_path(finding.path, root),
        "line": finding.line,
        "suppressed": finding.suppressed,
        "reason": finding.reason,
        "note": finding.note,
    }


def to_json(findings: Sequence[Finding], root: Path | None = None) -> str:
    active = [f for f in findings if not f.suppressed]
    document = {
        "findings": [finding_json(f, root) for f in findings],
        "summary": {
            **{s.value: sum(f.severity == s for f in active) for s in SEVERITY_ORDER},
            "suppressed": len(findings) - len(active),
        },
    }
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


# --- Markdown -------------------------------------------------------------------------


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def to_markdown(findings: Sequence[Finding], root: Path | None = None) -> str:
    lines = ["## sqlgen lint", ""]
    if not findings:
        return "\n".join([*lines, "No findings.", ""])
    lines += [f"**{summary(findings)}**", ""]
    headings = {Severity.ERROR: "Errors", Severity.WARNING: "Warnings", Severity.INFO: "Info"}
    for severity in SEVERITY_ORDER:
        groups = group_findings(f for f in findings if f.severity == severity and not f.suppressed)
        if groups:
            lines += _markdown_table(headings[severity], groups, root, last="Hint")
    suppressed = group_findings(f for f in findings if f.suppressed)
    if suppressed:
        lines += _markdown_table("Suppressed", suppressed, root, last="Reason")
    return "\n".join(lines)


def _markdown_table(
    heading: str, groups: Sequence[Group], root: Path | None, last: str
) -> list[str]:
    lines = [
        f"### {heading}",
        "",
        f"| Rule | Location | Revision | Dialects | Finding | {last} |",
        "|---|---|---|---|---|---|",
    ]
    for group in groups:
        finding = group.finding
        extra = finding.reason if last == "Reason" else finding.hint
        message = finding.message + (f" ({finding.note})" if finding.note else "")
        cells = [
            finding.rule,
            f"`{location(finding, root)}`",
            f"{finding.revision} ({finding.direction})",
            ", ".join(group.dialects),
            message,
            extra or "",
        ]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    lines.append("")
    return lines


def rule_table(rules: Sequence[Rule]) -> str:
    """The rules as a Markdown table: the top of docs/lint-rules.md (`sqlgen.lint.reference`)."""
    lines = [
        "| Rule | Severity | Dialects | Runs on | Title | What it means |",
        "|---|---|---|---|---|---|",
    ]
    for rule in rules:
        dialects = ", ".join(sorted(rule.dialects)) if rule.dialects is not None else "all"
        directions = " and ".join(sorted(rule.directions, reverse=True))
        severity = rule.severity.value + ("" if rule.enabled_by_default else " (opt-in)")
        cells = [rule.id, severity, dialects, directions, rule.title, rule.message]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


# --- SARIF 2.1.0 ----------------------------------------------------------------------


def _sarif_rule(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": "".join(word.capitalize() for word in rule.title.split() if word.isalnum()),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": f"{rule.title}: {rule.message}."},
        "help": {"text": rule.hint},
        "defaultConfiguration": {
            "level": SARIF_LEVELS[rule.severity],
            "enabled": rule.enabled_by_default,
        },
        "properties": {
            "category": rule.category,
            "dialects": sorted(rule.dialects) if rule.dialects is not None else ["*"],
        },
    }


def _sarif_result(group: Group, root: Path, rule_index: dict[str, int]) -> dict[str, Any]:
    finding = group.finding
    physical: dict[str, Any] = {
        "artifactLocation": {"uri": quote(display_path(finding.path, root))}
    }
    if finding.line is not None:
        physical["region"] = {"startLine": finding.line}
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "level": SARIF_LEVELS[finding.severity],
        "message": {"text": finding.message},
        "locations": [{"physicalLocation": physical}],
        "properties": {
            "dialects": list(group.dialects),
            "direction": finding.direction,
            "revision": finding.revision,
        },
    }
    if finding.rule in rule_index:
        result["ruleIndex"] = rule_index[finding.rule]
    if finding.note:
        result["properties"]["note"] = finding.note
    if finding.suppressed:
        result["suppressions"] = [{"kind": "inSource", "justification": finding.reason or ""}]
    return result


def to_sarif(
    findings: Sequence[Finding],
    rules: Sequence[Rule],
    tool_version: str,
    root: Path,
    information_uri: str = INFORMATION_URI,
) -> str:
    """A SARIF 2.1.0 log with one run; paths relative to `root`, for code scanning."""
    rule_index = {rule.id: index for index, rule in enumerate(rules)}
    document = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "sqlgen",
                        "version": tool_version,
                        "informationUri": information_uri,
                        "rules": [_sarif_rule(rule) for rule in rules],
                    }
                },
                "results": [
                    _sarif_result(group, root, rule_index) for group in group_findings(findings)
                ],
            }
        ],
    }
    return json.dumps(document, indent=2, sort_keys=True) + "\n"
