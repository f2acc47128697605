"""Writing scripts and the manifest: atomic, deterministic, nothing half-written.

Every file is written to a temporary file in its own folder and renamed over
the old one, so a reader sees the old file or the new one, never a mix. The
manifest is written last. It indexes every file sqlgen wrote into the output
root, for both directions; a run replaces the entries of the direction and
dialects it wrote and keeps the rest.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlgen.errors import OutputError

MANIFEST = "manifest.json"
MANIFEST_FORMAT = 1


@dataclass(frozen=True)
class OutputFile:
    path: str  # relative to the output root, with forward slashes
    content: str
    dialect: str
    direction: str
    kind: str  # "range" for a whole range, "revision" for one revision
    start: tuple[str, ...]
    end: tuple[str, ...]
    revision: str | None = None
    # the database it is for, when env.py migrates several (Alembic's multidb template)
    engine: str | None = None

    @property
    def data(self) -> bytes:
        return self.content.encode("utf-8")

    @property
    def target(self) -> str:
        return target_label(self.dialect, self.engine)

    def entry(self) -> dict[str, Any]:
        entry = {
            "path": self.path,
            "dialect": self.dialect,
            "direction": self.direction,
            "kind": self.kind,
            "revision": self.revision,
            "from": list(self.start),
            "to": list(self.end),
            "sha256": sha256(self.data),
        }
        if self.engine is not None:  # a single database's entries stay as they were
            entry["engine"] = self.engine
        return entry


def target_label(dialect: str, engine: str | None) -> str:
    """What a file was rendered for: `postgresql`, or `postgresql.engine1` for one
    database of several (env.py migrating several, as Alembic's multidb template)."""
    return dialect if engine is None else f"{dialect}.{engine}"


def target_of(entry: Mapping[str, Any]) -> str:
    """A manifest entry's target (see `target_label`)."""
    return target_label(str(entry.get("dialect")), entry.get("engine") or None)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def atomic_write(path: Path, data: bytes | Sequence[bytes], *, durable: bool = True) -> None:
    """Replace `path` with `data` (or its pieces, in order) in one rename; on failure
    the old file stays. `durable=False` skips the fsync, for caches that checksum
    their content and can always be rebuilt."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise OutputError(path, exc.strerror or str(exc)) from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            for piece in [data] if isinstance(data, bytes) else data:
                fh.write(piece)
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        # mkstemp makes the file private (0600); give it the mode a plain write would
        os.chmod(temp, _mode_for(path))
        os.replace(temp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise OutputError(path, exc.strerror or str(exc)) from exc


def _mode_for(path: Path) -> int:
    """The existing file's mode, or what the umask allows for a new file."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def manifest_text(manifest: Mapping[str, Any]) -> str:
    return json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def read_manifest(root: Path) -> dict[str, Any] | None:
    """The manifest on disk, or None when there is none we can trust."""
    try:
        data = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
        return None
    if not isinstance(data.get("files"), list):
        return None
    return data


def _file_sha(path: Path) -> str | None:
    try:
        return sha256(path.read_bytes())
    except OSError:
        return None


def merged_manifest(
    old: Mapping[str, Any] | None,
    files: Sequence[OutputFile],
    direction: str,
    dialects: Sequence[str],
    section: Mapping[str, Any],
    generator: Mapping[str, str],
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The new manifest, and the old entries it no longer lists.

    `dialects`: the targets this run wrote (see `target_of`): their old entries
    of `direction` are replaced.
    """
    kept: list[dict[str, Any]] = []
    dropped: list[dict[str, Any]] = []
    new_paths = {f.path for f in files}
    for entry in (old or {}).get("files", []):
        replaced = entry.get("direction") == direction and target_of(entry) in dialects
        if replaced or entry.get("path") in new_paths:
            if entry.get("path") not in new_paths:
                dropped.append(entry)
            continue
        kept.append(entry)
    entries = sorted(kept + [f.entry() for f in files], key=lambda e: str(e["path"]))
    manifest: dict[str, Any] = {
        "format": MANIFEST_FORMAT,
        "generator": dict(generator),
        "files": entries,
    }
    for other in ("upgrade", "downgrade"):
        if other == direction:
            manifest[other] = dict(section)
        elif old and other in old and any(e.get("direction") == other for e in entries):
            manifest[other] = old[other]
    return manifest, dropped


def write_output(
    root: Path,
    files: Sequence[OutputFile],
    direction: str,
    dialects: Sequence[str],
    section: Mapping[str, Any],
    generator: Mapping[str, str],
) -> list[Path]:
    """Write the files, then the manifest; remove files a previous run wrote that
    this run replaced, but only when nobody edited them since."""
    manifest, dropped = merged_manifest(
        read_manifest(root), files, direction, dialects, section, generator
    )
    written = []
    for output in files:
        target = root / output.path
        _write_if_changed(target, output.data)
        written.append(target)
    _write_if_changed(root / MANIFEST, manifest_text(manifest).encode("utf-8"))
    for entry in dropped:
        stale = root / str(entry["path"])
        if _file_sha(stale) == entry.get("sha256"):
            stale.unlink()
            _remove_empty_parents(stale.parent, root)
    return written


def _write_if_changed(path: Path, data: bytes) -> None:
    """atomic_write, unless the file already holds exactly `data` (no needless fsync)."""
    with contextlib.suppress(OSError):
        if path.read_bytes() == data:
            return
    atomic_write(path, data)


def _remove_empty_parents(folder: Path, root: Path) -> None:
    root = root.resolve()
    folder = folder.resolve()
    while folder != root and root in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


def write_zip(folder: Path, archive: Path) -> None:
    """Zip `folder` deterministically: sorted entries, fixed times and modes, atomic."""
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zipped:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(f"{folder.name}/{path.relative_to(folder).as_posix()}")
            info.date_time = (1980, 1, 1, 0, 0, 0)  # the same bytes for the same files
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zipped.writestr(info, path.read_bytes())
    atomic_write(archive, buffer.getvalue())
