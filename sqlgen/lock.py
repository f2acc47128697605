"""The review lock: which generated files a reviewer approved, at which checksum.

`sqlgen approve` records approvals in `<out>/sqlgen.lock`. Regenerating refuses
to change an approved file unless forced (and a forced change drops its
approval), and `sqlgen check` fails when an approved file would change.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlgen.errors import ConfigError
from sqlgen.output import atomic_write

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
