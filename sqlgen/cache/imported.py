"""What a run imported from outside the project: part of what its output depends on.

A migration (or env.py) imports the application: a package installed in the
virtualenv, a monorepo sibling on sys.path. Those files are not under the project
folder, so hashing the project alone would let the cache serve SQL made from an old
version of them. After each run, the Python files of every module then loaded are
listed (the standard library and the libraries whose versions are already part of
every key aside) with their sha256; the next run checks them before trusting the
cache. The record's `token` goes into the cache keys: it stays while the files are
unchanged and is replaced when one changed, so entries made from the old files are
never found again.

Records live in the cache folder, are written like every cache file (a failure to
write never fails a run) and are untrusted when read: one that does not parse is
treated as a change.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import sysconfig
from collections.abc import Iterable
from pathlib import Path

from sqlgen.cache.fingerprint import digest_of, file_digest
from sqlgen.cache.writes import write_cache_file

# top-level packages whose installed version is part of every cache key already
KEYED_PACKAGES = frozenset({"sqlgen", "sqlalchemy", "alembic", "sqlglot", "sqlglotc", "click"})
FIRST_TOKEN = "first"
_FOLDER = "imported"


_INSTALLED = ("site-packages", "dist-packages")  # installed packages, even inside stdlib


def _standard_library() -> tuple[str, ...]:
    """The standard library's folders as sys.path names them, and as they resolve."""
    paths = sysconfig.get_paths()
    roots = {paths[k] for k in ("stdlib", "platstdlib") if k in paths}
    roots |= {os.path.realpath(root) for root in roots}
    return tuple(os.path.join(root, "") for root in sorted(roots))


def imported_files() -> list[str]:
    """The Python files of the modules loaded now, beyond the standard library and the
    keyed libraries, sorted. Paths are taken as the modules give them (no resolving:
    this runs after every run, over every module loaded)."""
    stdlib = _standard_library()
    found: set[str] = set()
    for name, module in list(sys.modules.items()):
        if name.partition(".")[0] in KEYED_PACKAGES:
            continue
        file = getattr(module, "__file__", None)
        if not isinstance(file, str) or not file.endswith(".py"):
            continue
        path = os.path.abspath(file)
        if path.startswith(stdlib) and not any(part in path for part in _INSTALLED):
            continue
        found.add(path)
    return sorted(found)


def _record_path(folder: Path, key: str) -> Path:
    return folder / _FOLDER / f"{key[:40]}.json"


def _digests(files: Iterable[str]) -> list[tuple[str, str]] | None:
    try:
        return [(path, file_digest(Path(path))) for path in files]
    except OSError:
        return None


def current_token(folder: Path, key: str) -> str:
    """The token for runs under `key`: the recorded one while every file it lists is
    unchanged, else one made from what the files hold now."""
    path = _record_path(folder, key)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        token = record["token"]
        files = [(str(p), str(d)) for p, d in record["files"]]
        if not isinstance(token, str):
            raise TypeError(token)
    except FileNotFoundError:
        return FIRST_TOKEN
    except (OSError, ValueError, TypeError, KeyError):
        return digest_of("unreadable record", key, _safe_read(path))
    now = _digests(p for p, _ in files)
    if now == files:
        return token
    return digest_of(key, now)


def _safe_read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def record(folder: Path, key: str, token: str, files: Iterable[str]) -> None:
    """Remember the files a run under `key` imported, with the token it used."""
    digests = _digests(sorted(set(files)))
    if digests is None:
        return  # a file went away meanwhile: the next run finds the record stale anyway
    text = json.dumps({"token": token, "files": digests}, indent=0, sort_keys=True)
    path = _record_path(folder, key)
    with contextlib.suppress(OSError):  # write_cache_file reports an unwritable folder
        path.parent.mkdir(parents=True, exist_ok=True)
    write_cache_file(folder, path, text.encode("utf-8"))
