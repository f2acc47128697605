"""The review lock: which generated files a reviewer approved, at which checksum.

`sqlgen approve` records approvals in `<out>/sqlgen.lock`. Regenerating refuses
to change an approved file unless forced (and a forced change drops its
approval), and `sqlgen check` fails when an approved file would change.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlgen.errors import ApprovedFilesChanged, ConfigError
from sqlgen.output import (
    OutputFile,
    atomic_write,
    merged_manifest,
    read_manifest,
    sha256,
    write_output,
)

LOCK = "sqlgen.lock"
LOCK_FORMAT = 1


@dataclass(frozen=True)
class Approval:
    path: str  # relative to the output folder
    sha256: str
    by: str
    on: str  # ISO date of the approval


def read_lock(root: Path) -> dict[str, Approval]:
    path = root / LOCK
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != LOCK_FORMAT:
            raise ValueError(f"unknown lock format {data.get('format')!r}")
        approvals = [Approval(**entry) for entry in data["approved"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        # a lock we cannot read must never be taken as "nothing approved"
        raise ConfigError(path, f"unreadable review lock: {exc}") from exc
    return {a.path: a for a in approvals}


def write_lock(root: Path, approvals: Mapping[str, Approval]) -> None:
    entries = [asdict(approvals[path]) for path in sorted(approvals)]
    text = json.dumps({"format": LOCK_FORMAT, "approved": entries}, indent=2, sort_keys=True)
    atomic_write(root / LOCK, (text + "\n").encode("utf-8"))


def respect_approvals(
    out: Path,
    files: Sequence[OutputFile],
    direction: str,
    dialects: Sequence[str],
    section: Mapping[str, Any],
    force: bool,
) -> None:
    """Refuse to change or remove approved files; with force, drop their approvals."""
    lock = read_lock(out)
    if not lock:
        return
    new = {f.path: sha256(f.data) for f in files}
    _, dropped = merged_manifest(read_manifest(out), files, direction, dialects, section, {})
    touched = [
        approval
        for approval in lock.values()
        if (approval.path in new and new[approval.path] != approval.sha256)
        or any(entry.get("path") == approval.path for entry in dropped)
    ]
    if not touched:
        return
    if not force:
        raise ApprovedFilesChanged([(a.path, a.by, a.on) for a in touched])
    write_lock(out, {path: a for path, a in lock.items() if a not in touched})


def write_checked(
    out: Path,
    files: Sequence[OutputFile],
    direction: str,
    dialects: Sequence[str],
    section: Mapping[str, Any],
    generator: Mapping[str, str],
    force: bool,
) -> list[Path]:
    """write_output, after respect_approvals."""
    respect_approvals(out, files, direction, dialects, section, force)
    return write_output(out, files, direction, dialects, section, generator)
