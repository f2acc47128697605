"""Loading Alembic-format revision files.

Files are found and read exactly as Alembic reads them (`alembic.script.Script`:
module attributes `revision`, `down_revision`, `branch_labels`, `depends_on`,
the docstring as message, nested folders with `recursive_version_locations`).
What Alembic only warns about (a duplicate id, a `down_revision` that points
nowhere) is an error here, reported with the file that causes it.
"""

from __future__ import annotations

import importlib
import re
import sys
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path

from alembic.script import Script, ScriptDirectory
from alembic.util import CommandError, to_tuple

from sqlgen.cache.fingerprint import file_digest
from sqlgen.errors import (
    DanglingRevision,
    DuplicateRevision,
    NoMigrationsFound,
    PreloadError,
    ScriptError,
    ScriptErrors,
    ScriptImportError,
    ScriptSyntaxError,
    UnsafeName,
    line_in,
)
from sqlgen.project.config import Layout
from sqlgen.project.script_index import LazyScriptModule, ScriptIndex
from sqlgen.runtime import internals


def prepare_imports(layout: Layout, preload: Sequence[str]) -> None:
    """Put `prepend_sys_path` on sys.path and import the `preload` modules."""
    for path in reversed(layout.prepend_sys_path):
        entry = str(path)
        if entry not in sys.path:
            sys.path.insert(0, entry)
    for module in preload:
        try:
            importlib.import_module(module)
        except Exception as exc:  # any failure of user code is reported, not raised
            raise PreloadError(module, f"{type(exc).__name__}: {exc}") from exc


def _script_directory(layout: Layout) -> ScriptDirectory:
    try:
        return ScriptDirectory(
            str(layout.script_location),
            version_locations=[str(p) for p in layout.version_locations] or None,
            recursive_version_locations=layout.recursive_version_locations,
        )
    except CommandError as exc:
        raise NoMigrationsFound(layout.script_location, [f"{layout.source}: {exc}"]) from exc


def _load_one(directory: ScriptDirectory, path: Path) -> Script | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return internals.script_from_path(directory, path)
    except SyntaxError as exc:
        raise ScriptSyntaxError(path, exc.lineno, exc.msg) from exc
    except ImportError as exc:
        raise ScriptImportError(path, line_in(path, exc), exc.name, str(exc)) from exc
    except AttributeError as exc:
        if getattr(exc, "name", None) in ("down_revision", "revision"):
            reason = f"migration script does not define {exc.name!r}"
        else:
            reason = f"AttributeError: {exc}"
        raise ScriptError(path, line_in(path, exc), reason) from exc
    except Exception as exc:  # user code runs at import; report any failure with its line
        raise ScriptError(path, line_in(path, exc), f"{type(exc).__name__}: {exc}") from exc


def _indexed(directory: ScriptDirectory, path: Path, index: ScriptIndex | None) -> Script | None:
    """The script, from the index when it knows the file, else loaded as Alembic does."""
    if index is None or directory.sourceless:
        return _load_one(directory, path)
    digest = file_digest(path)
    facts = index.facts(digest)
    if facts is not None and internals.is_revision_file_name(path.name):
        return Script(LazyScriptModule(path, facts), facts.revision, path)
    script = _load_one(directory, path)
    if script is not None:
        index.learn(digest, path.read_bytes(), script.module)
    return script


# what a revision id or branch label may be, as it becomes part of file names (Alembic's
# ids are hex, labels words): letters, digits, '_', '-', '.', not first; 64 at most
PLAIN_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,63}")


def _unsafe_name(script: Script, path: Path) -> UnsafeName | None:
    """The script's revision id or first branch label that is no plain name, if any."""
    values = [("revision id", script.revision)]
    values += [("branch label", label) for label in sorted(script.branch_labels, key=repr)]
    for what, value in values:
        if isinstance(value, str) and PLAIN_NAME.fullmatch(value):
            continue
        if not isinstance(value, str):
            reason = "is not a string"
        elif len(value) > 64 and PLAIN_NAME.fullmatch(value[:64]):
            reason = "is longer than 64 characters"
        else:
            reason = "is not a plain name"
        return UnsafeName(path, what, value, reason)
    return None


def _candidate_files(directory: ScriptDirectory) -> Iterable[Path]:
    seen: set[Path] = set()
    for location in internals.version_locations(directory):
        if not location.exists():
            continue
        for file_path in internals.list_py_dir(directory, location):
            real = file_path.resolve()
            if real not in seen:
                seen.add(real)
                yield real


def load_scripts(
    layout: Layout, index: ScriptIndex | None = None, *, empty_ok: bool = False
) -> list[Script]:
    """Every revision of the project, in Alembic's file order.

    Raises ScriptErrors listing every file that cannot be loaded or that breaks
    the graph (duplicate ids, references to missing revisions). With an `index`,
    files it knows are not executed until a revision of theirs runs. No revision
    at all is NoMigrationsFound unless `empty_ok` (a project fresh from `alembic
    init`, about to get its first revision).
    """
    directory = _script_directory(layout)
    scripts: list[Script] = []
    errors: list[ScriptError] = []
    first_path: dict[str, Path] = {}
    for path in _candidate_files(directory):
        try:
            script = _indexed(directory, path, index)
        except ScriptError as exc:
            errors.append(exc)
            continue
        if script is None:
            continue
        unsafe = _unsafe_name(script, path)
        if unsafe is not None:
            errors.append(unsafe)
            continue
        if script.revision in first_path:
            errors.append(DuplicateRevision(script.revision, path, first_path[script.revision]))
            continue
        first_path[script.revision] = path
        scripts.append(script)

    if not scripts and not errors and not empty_ok:
        searched = [str(p) for p in internals.version_locations(directory)]
        raise NoMigrationsFound(layout.script_location, searched)
    errors += _dangling_references(scripts)
    if errors:
        raise ScriptErrors(errors)
    if index is not None:
        index.save()
    return scripts


def _dangling_references(scripts: Sequence[Script]) -> list[ScriptError]:
    known = {s.revision for s in scripts}
    labels = {label for s in scripts for label in s.branch_labels}
    errors: list[ScriptError] = []
    for script in scripts:
        path = Path(script.path)
        for down in internals.versioned_down_revisions(script):
            if down not in known:
                errors.append(DanglingRevision(script.revision, path, down, "down_revision"))
        for dep in to_tuple(script.dependencies, default=()):
            # depends_on may name a revision, a unique prefix or a branch label
            if dep not in known and dep not in labels and not _is_unique_prefix(dep, known):
                errors.append(DanglingRevision(script.revision, path, dep, "depends_on"))
    return errors


def _is_unique_prefix(prefix: str, known: set[str]) -> bool:
    return len(prefix) >= 4 and sum(1 for r in known if r.startswith(prefix)) == 1
