"""Suppressing a finding with a comment in the migration, with a reason.

    op.drop_column("orders", "note")  # sqlgen: ignore[SG102] unused since 2.3, backed up

The comment goes on the line the finding reports, or alone on the line just above
it (for lines a formatter keeps short). Several ids: `ignore[SG101,SG102]`. The
reason is required: an ignore comment without one suppresses nothing, and the
finding says so in its note.

Comments are read with `tokenize`, so `#` inside a string is never taken for one.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from sqlgen.lint.model import Finding

# Matched against the text of one Python comment (never SQL).
_IGNORE = re.compile(r"#\s*sqlgen:\s*ignore\[(?P<ids>[^\]]*)\]\s*(?P<reason>.*)$", re.IGNORECASE)


@dataclass(frozen=True)
class IgnoreComment:
    line: int
    rule_ids: frozenset[str]
    reason: str  # "" when none was given


def parse_ignore(comment: str, line: int) -> IgnoreComment | None:
    match = _IGNORE.search(comment)
    if match is None:
        return None
    ids = frozenset(part.strip().upper() for part in match["ids"].split(",") if part.strip())
    return IgnoreComment(line, ids, match["reason"].strip())


@dataclass(frozen=True)
class FileComments:
    ignores: dict[int, IgnoreComment]  # by line
    comment_only_lines: frozenset[int]  # lines holding nothing but a comment


def read_comments(path: Path) -> FileComments:
    ignores: dict[int, IgnoreComment] = {}
    code_lines: set[int] = set()
    comment_lines: set[int] = set()
    try:
        source = path.read_text(encoding="utf-8")
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT:
                comment_lines.add(token.start[0])
                found = parse_ignore(token.string, token.start[0])
                if found is not None:
                    ignores[found.line] = found
            elif token.type not in _LAYOUT_TOKENS:
                code_lines.update(range(token.start[0], token.end[0] + 1))
    except (OSError, UnicodeDecodeError, SyntaxError, tokenize.TokenError):
        return FileComments({}, frozenset())
    return FileComments(ignores, frozenset(comment_lines - code_lines))


_LAYOUT_TOKENS = {
    tokenize.NL,
    tokenize.NEWLINE,
    tokenize.INDENT,
    tokenize.DEDENT,
    tokenize.ENDMARKER,
    tokenize.COMMENT,
}


def ignore_for(comments: FileComments, line: int) -> IgnoreComment | None:
    """The ignore comment that covers `line`: on it, or alone on the line above it."""
    if line in comments.ignores:
        return comments.ignores[line]
    above = comments.ignores.get(line - 1)
    if above is not None and above.line in comments.comment_only_lines:
        return above
    return None


def apply_suppression(finding: Finding, comments: FileComments) -> Finding:
    if finding.line is None:
        return finding
    comment = ignore_for(comments, finding.line)
    if comment is None or finding.rule not in comment.rule_ids:
        return finding
    if not comment.reason:
        note = (
            f"not suppressed: the ignore comment on line {comment.line} gives no reason; "
            f"write one after it: # sqlgen: ignore[{finding.rule}] why this is safe"
        )
        return replace(finding, note=note)
    return replace(finding, suppressed=True, reason=comment.reason)


def apply_suppressions(findings: Sequence[Finding]) -> list[Finding]:
    files: dict[Path, FileComments] = {}
    result = []
    for finding in findings:
        if finding.path not in files:
            files[finding.path] = read_comments(finding.path)
        result.append(apply_suppression(finding, files[finding.path]))
    return result
