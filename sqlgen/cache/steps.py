"""The rendering cache: each revision's rendered SQL, for one dialect, kept between runs.

An entry is keyed by everything its text can depend on: the revision file's
content, the dialect profile, the schema model's state before the step, the
versions of sqlgen (and its source), SQLAlchemy, Alembic and sqlglot, the
project's own Python code beside the migrations, and the options of the run.
A hit gives back the step's statements, its laid-out text and what it did to
the schema model, so the step is neither run nor laid out again.

The folder (default `PROJECT/.sqlgen-cache`) holds one file per dialect,
carrying a sha256 of its content: a file that does not match, or does not
load, is ignored and rendered again, never trusted. Deleting the folder is
always safe.

The cache never stops a run. A step whose effect on the model cannot be
pickled (a column type of a class defined inside a function, an Enum whose
`values_callable` is a lambda...) is not cached: it is run and rendered every
time, and the steps around it are cached as usual. A folder that cannot be
written (a read-only checkout, a full disk) is reported once, as one
`warning:` line on stderr, and the run goes on without writing to it.
"""

from __future__ import annotations

import hashlib
import pickle
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlgen.cache.writes import unwritable, writable, write_cache_file
from sqlgen.errors import OutputError
from sqlgen.files.output import write_inside
from sqlgen.model.delta import ModelDelta
from sqlgen.pipeline.captured import DataRead, Item, StepText, Warning_

FORMAT = 3  # bump when an entry's shape or meaning changes
_MAGIC = b"SQLGEN-STEPS\n"


def prepare_folder(folder: Path) -> Path:
    """The cache folder, made with a .gitignore and a CACHEDIR.TAG (so backups skip it).

    A folder that cannot be made or written is reported once (see `unwritable`)
    and used read-only: whatever it holds is still read.
    """
    if not writable(folder):
        return folder
    try:
        folder.mkdir(parents=True, exist_ok=True)
        source = f"the rendering cache {folder}"
        if not (folder / ".gitignore").exists():
            ignore = b"# created by sqlgen: the rendering cache, safe to delete\n*\n"
            write_inside(folder, ".gitignore", ignore, source, folder="cache folder")
        if not (folder / "CACHEDIR.TAG").exists():
            tag = (
                b"Signature: 8a477f597d28d172789f06886806bc55\n"
                b"# This file is a cache directory tag created by sqlgen.\n"
            )
            write_inside(folder, "CACHEDIR.TAG", tag, source, folder="cache folder")
        # an existing folder may still refuse new files (read-only checkout, mount)
        with tempfile.TemporaryFile(dir=folder, prefix=".probe-"):
            pass
    except (OSError, OutputError) as exc:
        unwritable(folder, exc)
    return folder


def _pickled(value: Any) -> bytes | None:
    """`value` pickled, or None when it holds something pickle cannot write.

    Pickle refuses objects it could not load again: a class or function defined
    inside a function (`upgrade.<locals>.<lambda>`), or in a revision module
    (Alembic does not import those by name). It says so with PicklingError,
    AttributeError or TypeError, depending on the object.
    """
    try:
        return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, AttributeError, TypeError, ValueError, RecursionError):
        return None


# --- the step store ----------------------------------------------------------------------


@dataclass(frozen=True)
class CachedStep:
    """One step as a run captured and rendered it, without what only a live run has."""

    # only the statements sqlglot translated (for the manifest); the rest of the
    # step's SQL is in `rendered`
    transpiled: tuple[Item, ...]
    reads: tuple[DataRead, ...]
    warnings: tuple[Warning_, ...]
    override: str | None
    rendered: StepText
    # what the step did to the schema model: its digest names the next state; the
    # delta itself stays pickled until a later step must run on the model
    delta_digest: str
    delta_pickle: bytes

    @classmethod
    def of(
        cls,
        items: Iterable[Item],
        reads: Iterable[DataRead],
        warnings: Iterable[Warning_],
        override: str | None,
        rendered: StepText,
        delta: ModelDelta,
    ) -> CachedStep | None:
        """The entry for a step; None when the step cannot be cached (see `_pickled`)."""
        delta_pickle = _pickled(delta)
        if delta_pickle is None:
            return None
        entry = cls(
            transpiled=transpiled_items(items),
            reads=tuple(reads),
            warnings=tuple(warnings),
            override=override,
            rendered=rendered,
            delta_digest=delta.digest,
            delta_pickle=delta_pickle,
        )
        # the rest is plain text; checked here so that one entry never spoils the file
        return entry if _pickled(replace(entry, delta_pickle=b"")) is not None else None

    def delta(self) -> ModelDelta:
        # the store's checksum vouched for these bytes
        delta = pickle.loads(self.delta_pickle)
        assert isinstance(delta, ModelDelta)
        return delta


class StepStore:
    """The cached steps of one dialect; `save()` writes what this run used and added.

    One file: a header, the sha256 of the payload, then the payload (the pickled
    entries). A file whose checksum does not match, or that does not load, is
    ignored as a whole and rebuilt by the run.
    """

    def __init__(self, folder: Path, namespace: str) -> None:
        self.folder = folder
        self.path = folder / "steps" / f"{namespace}.bin"
        self._stored = self._load()
        self._used: dict[str, CachedStep] = {}

    def _load(self) -> dict[str, CachedStep]:
        try:
            data = self.path.read_bytes()
        except OSError:
            return {}
        header = len(_MAGIC) + 32
        digest, payload = data[len(_MAGIC) : header], data[header:]
        if not data.startswith(_MAGIC) or hashlib.sha256(payload).digest() != digest:
            return {}  # corrupt or foreign: ignored, rebuilt
        try:
            loaded = pickle.loads(payload)
        except Exception:  # any unpickling failure means a corrupt file
            return {}
        if not isinstance(loaded, dict) or loaded.get("format") != FORMAT:
            return {}
        entries = loaded.get("entries")
        return entries if isinstance(entries, dict) else {}

    def get(self, key: str) -> CachedStep | None:
        entry = self._stored.get(key)
        if not isinstance(entry, CachedStep):
            return None
        self._used[key] = entry
        return entry

    def put(self, key: str, entry: CachedStep | None) -> None:
        """Keep `entry` for `key`; None (a step that cannot be cached) keeps nothing."""
        if entry is not None:
            self._used[key] = entry

    def save(self, keep_unused: int = 2000) -> None:
        """Write the entries this run used or made, then older ones up to `keep_unused`.

        Never raises: a folder that cannot be written is reported once and skipped.
        """
        if not writable(self.folder):
            return
        kept = dict(self._used)
        for key, entry in self._stored.items():
            if len(kept) >= len(self._used) + keep_unused:
                break
            kept.setdefault(key, entry)
        if kept.keys() == self._stored.keys():
            return  # nothing new: the file stays as it is
        payload = _pickled({"format": FORMAT, "entries": kept})
        if payload is None:  # CachedStep.of checked every entry: not expected, but never fatal
            return
        digest = hashlib.sha256(payload).digest()
        write_cache_file(self.folder, self.path, [_MAGIC, digest, payload])


def transpiled_items(items: Iterable[Item]) -> tuple[Item, ...]:
    """The items sqlglot translated or a correction wrote, without their operation objects
    (they belong to the run): the manifest lists them."""
    return tuple(
        replace(i, operation=None)
        for i in items
        if i.transpiled_from is not None or i.corrected is not None
    )


@dataclass(frozen=True)
class DialectCache:
    """What a run needs to use the cache for one dialect.

    `digests`: the sha256 of the revision files, by path, made once for all dialects.
    """

    store: StepStore
    run_key: str
    digests: Mapping[str, str]
