"""What `upgrade` and `downgrade` give back: plain values, cheap to load.

Kept apart from the pipeline so that a run answered from the run memo (see
sqlgen.cache.memo) hands the CLI the same result without loading the pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlgen.files.approvals import Approval
from sqlgen.files.output import OutputFile


@dataclass(frozen=True)
class RangeSummary:
    """A planned range, as reported: direction, requested spec, heads before and after."""

    direction: str
    spec: str
    start: tuple[str, ...]
    end: tuple[str, ...]
    revisions: tuple[str, ...]


@dataclass(frozen=True)
class ScriptText:
    text: str  # a dialect's whole-range script


@dataclass
class GenerateResult:
    plan: RangeSummary
    # dialect (or dialect.engine, for one database of several) -> the whole-range script
    scripts: dict[str, ScriptText]
    files: list[OutputFile]
    written: list[Path]
    dropped: list[Approval] = field(default_factory=list)  # approvals --force dropped
