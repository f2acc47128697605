"""Writing cache files, where a cache folder that cannot be written never fails a run.

The first write that fails (a read-only checkout, a full disk) prints one
`warning:` line on stderr; nothing more is written there by this process. Both
cache layers write through here: the step cache (sqlgen.cache.steps) and the run memo
(sqlgen.cache.memo), which must stay import-light, so this module is too.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

from sqlgen.errors import OutputError
from sqlgen.files.output import write_inside

# The cache folders found unwritable by this process (inherited by forked workers):
# reported once, then left alone.
_UNWRITABLE: set[str] = set()


def _folder_id(folder: Path) -> str:
    return os.path.abspath(folder)


def writable(folder: Path) -> bool:
    """False once `folder` was found unwritable in this process."""
    return _folder_id(folder) not in _UNWRITABLE


def unwritable(folder: Path, exc: BaseException) -> None:
    """Note that the cache `folder` cannot be written: one warning line, the first time."""
    key = _folder_id(folder)
    if key in _UNWRITABLE:
        return
    _UNWRITABLE.add(key)
    if isinstance(exc, OutputError):
        reason = exc.reason
    else:
        reason = getattr(exc, "strerror", None) or str(exc)
    # one line in the CLI's `error:` / `note:` form; the run goes on without the cache
    print(
        f"warning: the rendering cache {folder} cannot be written ({reason}); "
        "nothing is saved to it this run",
        file=sys.stderr,
        flush=True,
    )


def write_cache_file(folder: Path, path: Path, data: bytes | Sequence[bytes]) -> bool:
    """Write a file of the cache `folder`; False (warned once) when the folder is unwritable,
    or when `path` would not stay in it (a name with '..', a symlink out: see `inside`)."""
    if not writable(folder):
        return False
    try:
        relative = path.relative_to(folder).as_posix()
        source = f"the rendering cache {folder}"
        write_inside(folder, relative, data, source, durable=False, folder="cache folder")
    except (OSError, ValueError, OutputError) as exc:
        unwritable(folder, exc)
        return False
    return True
