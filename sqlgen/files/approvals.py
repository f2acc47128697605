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

from sqlgen.errors import ApprovedFilesChanged, ConfigError, OutputError, UsageError, shown
from sqlgen.files.output import (
    OutputFile,
    inside,
    merged_manifest,
    output_folder,
    output_targets,
    read_manifest,
    required_manifest,
    sha256,
    write_inside,
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


_FIELDS = ("path", "sha256", "by", "on")


def _approvals(root: Path, path: Path, data: dict[str, Any], key: str) -> dict[str, Approval]:
    """The approvals listed under `key`, each field checked; paths as `inside` wants."""
    entries = data.get(key, [])
    if not isinstance(entries, list):
        raise ConfigError(path, f"unreadable review lock: {key!r} is not a list")
    found: dict[str, Approval] = {}
    for number, entry in enumerate(entries, 1):
        where = f"entry {number} of {key!r}"
        if not isinstance(entry, dict) or not all(name in entry for name in _FIELDS):
            reason = f"{where} is not an approval (path, sha256, by, on): {shown(entry)}"
            raise ConfigError(path, f"unreadable review lock: {reason}")
        for name in _FIELDS:
            if not isinstance(entry[name], str):
                reason = f"{where} has {name!r} {shown(entry[name])}, not a string"
                raise ConfigError(path, f"unreadable review lock: {reason}")
        inside(root, entry["path"], f"{path}, {where}")
        if entry["path"] in found:
            reason = f"duplicate entry for {shown(entry['path'])} in {key!r}"
            raise ConfigError(path, f"unreadable review lock: {reason}")
        found[entry["path"]] = Approval(*(entry[name] for name in _FIELDS))
    return found


def _read(root: Path) -> tuple[dict[str, Approval], dict[str, Approval]]:
    """The approvals and the dropped approvals of the lock in `root`; none without one.

    The lock is untrusted input: one that cannot be read, or lists a path that could
    leave `root`, is an error, never taken as "nothing approved".
    """
    path = root / LOCK
    if path.is_symlink():
        raise ConfigError(path, "the review lock is a symlink: sqlgen keeps a real file there")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}, {}
    except (OSError, ValueError, RecursionError) as exc:
        raise ConfigError(path, f"unreadable review lock: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(path, f"unreadable review lock: {shown(data)} is not an object")
    if data.get("format") != LOCK_FORMAT:
        raise ConfigError(
            path, f"unreadable review lock: unknown format {shown(data.get('format'))}"
        )
    if "approved" not in data:
        raise ConfigError(path, "unreadable review lock: it has no 'approved' list")
    return _approvals(root, path, data, "approved"), _approvals(root, path, data, "dropped")


def read_lock(root: Path) -> dict[str, Approval]:
    return _read(root)[0]


def read_dropped(root: Path) -> dict[str, Approval]:
    """Approvals a forced regeneration dropped, until the file is approved again."""
    return _read(root)[1]


def write_lock(
    root: Path, approvals: Mapping[str, Approval], dropped: Mapping[str, Approval] | None = None
) -> None:
    """Write the approvals; `dropped` (default: those on record) minus the files approved."""
    dropped = read_dropped(root) if dropped is None else dropped
    entries = [asdict(approvals[path]) for path in sorted(approvals)]
    data: dict[str, Any] = {"format": LOCK_FORMAT, "approved": entries}
    gone = [asdict(dropped[path]) for path in sorted(dropped) if path not in approvals]
    if gone:  # a lock without dropped approvals reads as it always did
        data["dropped"] = gone
    text = json.dumps(data, indent=2, sort_keys=True)
    write_inside(output_folder(root), LOCK, (text + "\n").encode("utf-8"), "sqlgen")


def respect_approvals(
    out: Path,
    files: Sequence[OutputFile],
    direction: str,
    dialects: Sequence[str],
    section: Mapping[str, Any],
    force: bool,
) -> list[Approval]:
    """Refuse to change or remove approved files; with force, drop their approvals (and
    return them: they stay on record as dropped until approved again)."""
    lock = read_lock(out)
    if not lock:
        return []
    new = {f.path: sha256(f.data) for f in files}
    _, dropped = merged_manifest(read_manifest(out), files, direction, dialects, section, {})
    touched = [
        approval
        for approval in lock.values()
        if (approval.path in new and new[approval.path] != approval.sha256)
        or any(entry.get("path") == approval.path for entry in dropped)
    ]
    if not touched:
        return []
    if not force:
        raise ApprovedFilesChanged([(a.path, a.by, a.on) for a in touched])
    lost = read_dropped(out) | {a.path: a for a in touched}
    write_lock(out, {path: a for path, a in lock.items() if a not in touched}, lost)
    return touched


def write_checked(
    out: Path,
    files: Sequence[OutputFile],
    direction: str,
    dialects: Sequence[str],
    section: Mapping[str, Any],
    generator: Mapping[str, str],
    force: bool,
    dropped: list[Approval] | None = None,
) -> list[Path]:
    """write_output, after respect_approvals; the approvals --force dropped are added to
    `dropped` when given."""
    output_targets(out, files)  # every name checked before the lock may be written
    touched = respect_approvals(out, files, direction, dialects, section, force)
    if dropped is not None:
        dropped += touched
    return write_output(out, files, direction, dialects, section, generator)


@dataclass(frozen=True)
class Covering:
    """The generated files a range covers: each of its revisions' own files, and the
    whole-range files between its two ends, in either direction."""

    spec: str
    revisions: frozenset[str]
    start: tuple[str, ...]
    end: tuple[str, ...]

    def covers(self, entry: Mapping[str, Any]) -> bool:
        if entry.get("kind") == "revision":
            return entry.get("revision") in self.revisions
        ends = {(self.start, self.end), (self.end, self.start)}
        return (tuple(entry["from"]), tuple(entry["to"])) in ends


def approve(out: Path, by: str, day: str, covering: Covering | None = None) -> list[Approval]:
    """Record the reviewed files' checksums (all, or those `covering` names) in the lock.

    Every file approved must be as sqlgen wrote it (its manifest checksum)."""
    if not by.strip():
        raise UsageError("--by needs the reviewer's name")
    entries: list[dict[str, Any]] = required_manifest(out)["files"]
    if covering is not None:
        entries = [e for e in entries if covering.covers(e)]
        if not entries:
            raise UsageError(f"no generated file in {out} covers {covering.spec!r}")
    approvals = read_lock(out)
    added = []
    for entry in sorted(entries, key=lambda e: str(e["path"])):
        path = str(entry["path"])
        try:
            current = sha256((out / path).read_bytes())
        except OSError as exc:
            raise OutputError(out / path, "listed in manifest.json but missing") from exc
        if current != entry["sha256"]:
            raise OutputError(
                out / path, "edited since sqlgen wrote it; run `sqlgen check` before approving"
            )
        approval = Approval(path, current, by.strip(), day)
        approvals[path] = approval
        added.append(approval)
    write_lock(out, approvals)
    return added
