"""The benchmark's scenarios, each a series of whole-process runs on one corpus.

Alembic is the baseline: `alembic upgrade base:heads --sql`, one process per
dialect, as a team would run it today. sqlgen renders all four dialects in one
process: cold (an empty cache), warm (nothing changed), after one revision in
the middle of the history was edited, and `sqlgen --help` for start-up.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from benchmarks.measure import Sample, Series, run_once, series
from tests.corpus.generate import source_digest, write_corpus

DIALECTS = ("postgresql", "mysql", "mssql", "oracle")
BIN = Path(sys.executable).parent


def environment() -> dict[str, str]:
    """The environment of every measured process: Python's defaults, so both tools
    keep compiled bytecode beside their modules as they would on a user's machine."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("SQLGEN_CACHE_DIR", None)
    return env


def make_corpus(revisions: int, folder: Path) -> Path:
    """The corpus (tests/corpus/generate.py), written once and reused while the
    generator is unchanged."""
    corpus = folder / f"r{revisions}"
    stamp = corpus / ".generator-sha256"
    digest = source_digest()
    if not (stamp.is_file() and stamp.read_text() == digest):
        shutil.rmtree(corpus, ignore_errors=True)
        write_corpus(corpus, revisions)
        stamp.write_text(digest)
    return corpus


@dataclass
class CorpusBench:
    corpus: Path
    runs: int
    scratch: Path

    def __post_init__(self) -> None:
        self.env = environment()
        self.sink = self.scratch / "stdout.sql"

    def _sqlgen(self, *args: str | Path) -> list[str | Path]:
        dialects = [a for d in DIALECTS for a in ("--dialect", d)]
        out = self.scratch / "out"
        return [BIN / "sqlgen", "upgrade", "base:heads", *dialects, "--out", out, *args]

    def _run(self, argv: list[str | Path]) -> Sample:
        return run_once(argv, self.corpus, self.env, self.sink)

    def warm_up(self) -> None:
        """One untimed run of each tool: bytecode written, files in the page cache."""
        self._run([BIN / "alembic", "-c", "alembic.ini", "upgrade", "base:heads", "--sql"])
        self._run(self._sqlgen("--no-cache"))

    def alembic(self, dialect: str) -> Series:
        argv: list[str | Path] = [BIN / "alembic", "-c", "alembic.ini", "-x", f"dialect={dialect}"]
        argv += ["upgrade", "base:heads", "--sql"]
        return series(f"alembic {dialect}", self.runs, lambda _: self._run(argv))

    def cold(self) -> Series:
        def once(_: int) -> Sample:
            with tempfile.TemporaryDirectory(dir=self.scratch) as empty:
                return self._run(self._sqlgen("--cache-dir", empty))

        return series("sqlgen cold", self.runs, once)

    def no_cache(self) -> Series:
        return series(
            "sqlgen --no-cache", self.runs, lambda _: self._run(self._sqlgen("--no-cache"))
        )

    def warm(self) -> Series:
        cache = self.scratch / "cache"
        shutil.rmtree(cache, ignore_errors=True)
        self._run(self._sqlgen("--cache-dir", cache))  # fills the cache and the run memo
        return series(
            "sqlgen warm", self.runs, lambda _: self._run(self._sqlgen("--cache-dir", cache))
        )

    def one_edit(self) -> Series:
        """Each run after a different edit of the same middle revision, the cache warm."""
        cache = self.scratch / "cache"
        self._run(self._sqlgen("--cache-dir", cache))
        with _editable(self.middle_revision()) as edit:

            def once(i: int) -> Sample:
                edit(f'    op.execute("UPDATE sqlgen_bench SET edits = {i + 1}")')
                return self._run(self._sqlgen("--cache-dir", cache))

            return series("sqlgen one edit", self.runs, once)

    def help(self) -> Series:
        return series("sqlgen --help", self.runs, lambda _: self._run([BIN / "sqlgen", "--help"]))

    def middle_revision(self) -> Path:
        files = sorted((self.corpus / "migrations" / "versions").glob("*.py"))
        return files[len(files) // 2]


@contextmanager
def _editable(path: Path) -> Iterator[Callable[[str], None]]:
    """edit(line): the file with `line` as the first statement of upgrade(); restored after."""
    original = path.read_text(encoding="utf-8")
    head, marker, tail = original.partition("def upgrade():\n")
    assert marker, f"{path} has no upgrade()"

    def edit(line: str) -> None:
        path.write_text(head + marker + line + "\n" + tail, encoding="utf-8")

    try:
        yield edit
    finally:
        path.write_text(original, encoding="utf-8")
