"""Content fingerprints: of files, of sqlgen itself, of the libraries that shape the output.

Standard library only, so that checking a cached run needs nothing heavy loaded.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

# Folders never searched for project code: their files are not the project's own
# modules a migration could import.
_SKIPPED_FOLDERS = {
    "__pycache__",
    "node_modules",
    "site-packages",
    "build",
    "dist",
    "venv",
    "env",
}


# Inside one command the same files' digests are asked for several times (the
# script index, the run memo, the step keys); within `one_command()` each file is
# read once. Never across commands: an edit within the file system's timestamp
# granularity could leave size and mtime unchanged.
_digests: dict[str, str] | None = None


@contextmanager
def one_command() -> Iterator[None]:
    global _digests
    outer, _digests = _digests, {} if _digests is None else _digests
    try:
        yield
    finally:
        _digests = outer


def file_digest(path: Path) -> str:
    if _digests is not None:
        known = _digests.get(str(path))
        if known is not None:
            return known
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 16), b""):
            digest.update(block)
    found = digest.hexdigest()
    if _digests is not None:
        _digests[str(path)] = found
    return found


def digest_of(*parts: object) -> str:
    """sha256 of the parts' reprs: for keys made of plain values."""
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()


@cache
def sqlgen_source() -> str:
    """sha256 of sqlgen's own code and profiles: an edited checkout is a new version.

    Each file counts by its size and modification time, as Python's own bytecode
    cache decides whether a module changed: reading all of sqlgen on every warm run
    would cost more than the rest of it.
    """
    from importlib import resources

    found = []
    for package in ("sqlgen", "sqlgen.dialects.builtin"):
        folder = Path(str(resources.files(package)))
        for path in sorted(folder.rglob("*")):
            if path.suffix in {".py", ".toml"}:
                try:
                    stat = path.stat()
                except OSError:
                    continue
                name = path.relative_to(folder).as_posix()
                found.append((package, name, stat.st_size, stat.st_mtime_ns))
    return digest_of(found)


def installed_versions(names: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """(name, version) of each installed distribution, "absent" for one not installed.

    Read from the `NAME-VERSION.dist-info` folder names on sys.path, which is what
    importlib.metadata finds too, without its cost (a warm run is checked with this
    on every call); a name not found that way is asked of importlib.metadata.
    """
    wanted = sorted(set(names))
    found = _dist_info_versions({_canonical(name) for name in wanted})
    missing = [name for name in wanted if _canonical(name) not in found]
    if missing:
        from importlib.metadata import PackageNotFoundError, version

        for name in missing:
            try:
                found[_canonical(name)] = version(name)
            except PackageNotFoundError:
                found[_canonical(name)] = "absent"
    return tuple((name, found[_canonical(name)]) for name in wanted)


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _dist_info_versions(wanted: set[str]) -> dict[str, str]:
    """The first NAME-VERSION.dist-info on sys.path for each wanted name, as Python finds it."""
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for folder in names:
            if not folder.endswith(".dist-info"):
                continue
            name, _, version = folder[: -len(".dist-info")].rpartition("-")
            key = _canonical(name)
            if key in wanted and key not in found and version:
                found[key] = version
        if len(found) == len(wanted):
            break
    return found


CORE_LIBRARIES = ("sqlgen", "sqlalchemy", "alembic", "sqlglot", "sqlglotc")


def project_code(roots: Iterable[Path], skipped: Iterable[Path]) -> list[Path]:
    """The Python files a migration could import from the project (its version folders aside)."""
    skip = {p.resolve() for p in skipped}
    found: list[Path] = []
    for root in sorted({r.resolve() for r in roots}):
        for folder, subfolders, files in os.walk(root):
            here = Path(folder)
            subfolders[:] = sorted(
                name
                for name in subfolders
                if not name.startswith(".")
                and name not in _SKIPPED_FOLDERS
                and (here / name).resolve() not in skip
            )
            found += [here / name for name in sorted(files) if name.endswith(".py")]
    return found
