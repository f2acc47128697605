"""Writing scripts and the manifest: atomic, deterministic, nothing half-written.

Every file is written to a temporary file in its own folder and renamed over
the old one, so a reader sees the old file or the new one, never a mix. The
manifest is written last. It indexes every file sqlgen wrote into the output
root, for both directions; a run replaces the entries of the direction and
dialects it wrote and keeps the rest.

This module is the one place that decides where sqlgen writes, replaces or
deletes a file under a folder (the output folder, a bundle, the lock's folder,
the cache): `inside` checks every name, from wherever it came (a revision id, a
manifest, a lock, a cache record), before anything is written. Manifests and
locks are untrusted input (a pull request brings them): `read_manifest` refuses
one it cannot trust instead of guessing. tests/test_path_security.py checks
that no other module writes or deletes files on its own.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlgen.errors import ManifestError, OutputError, UnsafePath, shown

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


# --- the one place that decides where sqlgen writes ------------------------------------

NAME_MAX = 255  # bytes in one file name (ext4, APFS, NTFS...)
_DRIVE = re.compile(r"[A-Za-z]:")  # C:/x or C:x: a Windows drive
# sqlgen's own files in the output folder: no manifest or lock entry may name them
OWN_FILES = frozenset({MANIFEST, "sqlgen.lock"})


def path_problem(value: object) -> str | None:
    """Why `value` is not a relative path sqlgen may use under a folder; None when it is.

    One is a non-empty string of '/'-separated names: not absolute, no name empty,
    '.' or '..', no backslash, nothing unprintable (control characters, NUL), no name
    longer than NAME_MAX bytes.
    """
    if not isinstance(value, str):
        return "is not a string"
    if not value:
        return "is empty"
    if value.startswith("/") or _DRIVE.match(value):
        return "is absolute"
    if not value.isprintable():
        return "holds a control or unprintable character"
    if "\\" in value:
        return "holds a backslash (names in a path are separated by '/')"
    names = value.split("/")
    if ".." in names:
        return "climbs out of its folder with '..'"
    if "" in names or "." in names:
        return "has an empty or '.' name in it"
    if any(len(name.encode("utf-8")) > NAME_MAX for name in names):
        return f"has a name longer than {NAME_MAX} bytes"
    return None


def inside(root: Path, relative: object, source: str, folder: str = "output folder") -> Path:
    """`root / relative`, once it is sure to stay in `root`: `relative` passes
    `path_problem`, and the path, every symlink on it resolved, lies in `root` resolved.

    Else UnsafePath, naming `relative` and `source` (where it came from: a manifest,
    a lock, the file name made from a revision id...). Every path sqlgen writes,
    replaces or deletes under a folder is decided here.
    """
    problem = path_problem(relative)
    if problem is not None:
        raise UnsafePath(relative, source, problem)
    path = root / str(relative)
    try:
        base, real = os.path.realpath(root), os.path.realpath(path)
    except (OSError, ValueError) as exc:
        raise UnsafePath(relative, source, f"cannot be resolved ({exc})") from exc
    if real == base or os.path.commonpath([base, real]) != base:
        raise UnsafePath(relative, source, f"goes through a symlink out of the {folder} ({real})")
    return path


def output_folder(root: Path, what: str = "output folder") -> Path:
    """`root`, unless it is itself a symlink: sqlgen writes into real folders only, so a
    symlink checked out in its place cannot take the writes wherever it points."""
    if root.is_symlink():
        try:
            target = os.readlink(root)
        except OSError:
            target = "?"
        raise OutputError(
            root, f"the {what} is a symlink (to {target}); pass the folder it points to"
        )
    return root


def write_inside(
    root: Path,
    relative: str,
    data: bytes | Sequence[bytes],
    source: str,
    *,
    durable: bool = True,
    folder: str = "output folder",
) -> Path:
    """atomic_write of `root / relative`, once `inside` said it stays in `root`."""
    path = inside(root, relative, source, folder)
    atomic_write(path, data, durable=durable)
    return path


def remove_inside(root: Path, relative: str, source: str) -> None:
    """Delete `root / relative` (a file, or a symlink itself), once `inside` said it
    stays in `root`; one that is gone already is no error."""
    inside(root, relative, source).unlink(missing_ok=True)


def output_targets(root: Path, files: Sequence[OutputFile]) -> list[Path]:
    """Where each file goes under `root`, every name checked before anything is written."""
    output_folder(root)
    return [inside(root, f.path, f"the file name made for {f.target}") for f in files]


# --- the manifest: untrusted input -----------------------------------------------------

_DIRECTIONS = ("upgrade", "downgrade")
_KINDS = ("range", "revision")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_NONE = type(None)
# what each field of a manifest entry may hold: sqlgen reads them all
_ENTRY: dict[str, tuple[type, ...]] = {
    "path": (str,),
    "sha256": (str,),
    "dialect": (str,),
    "direction": (str,),
    "kind": (str,),
    "revision": (str, _NONE),
    "from": (list,),
    "to": (list,),
}
# the options of a recorded run that check and regenerate replay
_OPTIONS: dict[str, tuple[type, ...]] = {
    "version_table": (str, _NONE),
    "version_table_schema": (str, _NONE),
    "transaction_per_migration": (bool, _NONE),
    "data_reads": (str, _NONE),
    "per_revision": (bool, _NONE),
    "source_dialect": (str, _NONE),
    "overrides": (str, _NONE),
    "server_version": (str, _NONE),
    "environment": (dict, _NONE),
}


def _json_type(value: object) -> str:
    names = {str: "a string", bool: "true or false", int: "a number", float: "a number"}
    names |= {list: "a list", dict: "an object", _NONE: "null"}
    return names.get(type(value), type(value).__name__)


def _entry_problem(entry: object) -> str | None:
    if not isinstance(entry, dict):
        return f"is {_json_type(entry)}, not an object: {shown(entry)}"
    for name, types in _ENTRY.items():
        if name not in entry:
            return f"has no {shown(name)}"
        if not isinstance(entry[name], types):
            return f"has {shown(name)} {_json_type(entry[name])}, {shown(entry[name])}"
    if "engine" in entry and not isinstance(entry["engine"], (str, _NONE)):
        return f"has 'engine' {_json_type(entry['engine'])}, {shown(entry['engine'])}"
    if not _SHA256.fullmatch(entry["sha256"]):
        return f"has 'sha256' {shown(entry['sha256'])}, not a sha256 in hex"
    if entry["direction"] not in _DIRECTIONS:
        return f"has 'direction' {shown(entry['direction'])}, not upgrade or downgrade"
    if entry["kind"] not in _KINDS:
        return f"has 'kind' {shown(entry['kind'])}, not range or revision"
    for name in ("from", "to"):
        if not all(isinstance(r, str) for r in entry[name]):
            return f"has {shown(name)} {shown(entry[name])}, not a list of revision ids"
    return None


def section_problem(direction: str, section: object) -> str | None:
    """Why a manifest's record of an `upgrade` or `downgrade` run cannot be replayed."""
    if not isinstance(section, dict):
        return f"{shown(direction)} is {_json_type(section)}, not an object"
    if not isinstance(section.get("requested"), str):
        return f"{shown(direction)} has no 'requested' range"
    if not isinstance(section.get("dialects", {}), dict):
        return f"{shown(direction)} has 'dialects' {_json_type(section['dialects'])}, not an object"
    options = section.get("options", {})
    if not isinstance(options, dict):
        return f"{shown(direction)} has 'options' {_json_type(options)}, not an object"
    for name, types in _OPTIONS.items():
        if not isinstance(options.get(name), types):
            value = options[name]
            return (
                f"{shown(direction)} has option {shown(name)} {_json_type(value)}, {shown(value)}"
            )
    x = (options.get("environment") or {}).get("x", [])
    if not isinstance(x, list) or not all(isinstance(a, str) for a in x):
        return f"{shown(direction)} has -x arguments {shown(x)}, not a list of strings"
    return None


def _checked_manifest(root: Path, data: object) -> dict[str, Any]:
    """The manifest `data`, once every part sqlgen reads is what it wrote."""
    source = root / MANIFEST
    if not isinstance(data, dict):
        raise ManifestError(source, f"not a sqlgen manifest: it is {_json_type(data)}")
    if data.get("format") != MANIFEST_FORMAT:
        raise ManifestError(
            source, f"unknown manifest format {shown(data.get('format'))} (this sqlgen writes 1)"
        )
    files = data.get("files")
    if not isinstance(files, list):
        raise ManifestError(source, f"'files' is {_json_type(files)}, not a list")
    for direction in _DIRECTIONS:
        if direction in data:
            problem = section_problem(direction, data[direction])
            if problem is not None:
                raise ManifestError(source, f"unreadable sqlgen manifest: {problem}")
    seen: set[str] = set()
    for number, entry in enumerate(files, 1):
        problem = _entry_problem(entry)
        if problem is not None:
            raise ManifestError(source, f"entry {number} of 'files' {problem}")
        where = f"{source}, entry {number} of 'files'"
        inside(root, entry["path"], where)
        if entry["path"] in OWN_FILES:
            raise UnsafePath(entry["path"], where, "names a file sqlgen keeps itself")
        if entry["path"] in seen:
            raise ManifestError(source, f"duplicate entry for {shown(entry['path'])} in 'files'")
        seen.add(entry["path"])
    return data


def manifest_text(manifest: Mapping[str, Any]) -> str:
    return json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def read_manifest(root: Path) -> dict[str, Any] | None:
    """The manifest on disk; None when there is none.

    One that is there but cannot be trusted (not JSON, wrong types, a path that is
    absolute, climbs with '..' or goes through a symlink out of `root`, a duplicate
    entry, a symlink in its own place) is ManifestError or UnsafePath, never taken
    as absent.
    """
    path = root / MANIFEST
    if path.is_symlink():
        raise ManifestError(path, "is a symlink: sqlgen reads and writes only a real file there")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except UnicodeDecodeError:
        raise ManifestError(path, "unreadable sqlgen manifest: not UTF-8 text") from None
    except OSError as exc:
        raise ManifestError(path, f"unreadable: {exc.strerror or exc}") from exc
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ManifestError(
            path, f"unreadable sqlgen manifest: not a JSON document ({exc})"
        ) from exc
    return _checked_manifest(root, data)


def required_manifest(root: Path) -> dict[str, Any]:
    """The manifest on disk, for a command that works on generated files (check,
    approve, bundle): OutputError when there is none."""
    manifest = read_manifest(root)
    if manifest is None:
        raise OutputError(root / MANIFEST, "no sqlgen manifest here: generate the scripts first")
    return manifest


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
    this run replaced, but only when nobody edited them since.

    Every path is decided (`inside`) before the first write: a refusal writes nothing.
    """
    manifest, dropped = merged_manifest(
        read_manifest(root), files, direction, dialects, section, generator
    )
    targets = output_targets(root, files)
    where = str(root / MANIFEST)
    stale = [inside(root, entry["path"], where) for entry in dropped]
    manifest_path = inside(root, MANIFEST, "sqlgen")
    written = []
    for output, target in zip(files, targets, strict=True):
        _write_if_changed(target, output.data)
        written.append(target)
    _write_if_changed(manifest_path, manifest_text(manifest).encode("utf-8"))
    for entry, path in zip(dropped, stale, strict=True):
        if _file_sha(path) == entry.get("sha256"):
            remove_inside(root, str(entry["path"]), where)
            _remove_empty_parents(path.parent, root)
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


def zip_entries(folder: Path) -> list[tuple[str, Path]]:
    """The files a zip of `folder` holds, each with its entry name: `NAME/relative/path`
    (NAME: the folder's real name), every name relative, no '..', nothing absolute.
    A symlink in the folder is UnsafePath: a bundle holds the files sqlgen wrote, and
    never what a link points to."""
    name = Path(os.path.realpath(folder)).name
    entries = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).as_posix()
        if path.is_symlink():
            raise UnsafePath(
                relative, f"bundle folder {folder}", "is a symlink: a bundle holds only files"
            )
        if not path.is_file():
            continue
        entry = f"{name}/{relative}"
        problem = path_problem(entry)
        if problem is not None:
            raise UnsafePath(entry, f"bundle folder {folder}", problem)
        entries.append((entry, path))
    return entries


def write_zip(folder: Path, archive: Path) -> None:
    """Zip `folder` deterministically: sorted entries, fixed times and modes, atomic."""
    import io
    import zipfile

    entries = zip_entries(folder)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zipped:
        for entry, path in entries:
            info = zipfile.ZipInfo(entry)
            info.date_time = (1980, 1, 1, 0, 0, 0)  # the same bytes for the same files
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zipped.writestr(info, path.read_bytes())
    atomic_write(archive, buffer.getvalue())
