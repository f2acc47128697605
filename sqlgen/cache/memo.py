"""The run memo: a whole `upgrade` / `downgrade` run, remembered to be answered again at once.

A run without failures is recorded under a key made of what was asked (range,
dialects, options, the command line's settings, the SQLGEN_* environment, the
project folder) and of sqlgen itself. The record lists every input the output
came from, each with its sha256: the config files, the revision files, the
project's own Python code, the dialect profiles, the reviewed overrides; the
folders whose file lists matter; and the library versions. Asked the same again
while none of them changed, the recorded files are written as a fresh run would
write them (approvals respected), without loading the migrations or the
pipeline. Anything changed, and it is an ordinary run, which the per-revision
cache (sqlgen.cache.steps) still makes cheap.

The record is JSON, with a sha256 of its own content: one that does not match
or does not parse is ignored and replaced, never trusted. Only the standard
library and sqlgen's light modules are imported here.

A cache folder that cannot be written (a read-only checkout, a full disk) never
fails a run: the first write that fails prints one `warning:` line on stderr,
and nothing more is written there by this process (see `write_cache_file`,
which the step cache uses too).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlgen.cache.fingerprint import (
    CORE_LIBRARIES,
    digest_of,
    file_digest,
    installed_versions,
    project_code,
    sqlgen_source,
)
from sqlgen.cache.writes import write_cache_file
from sqlgen.errors import GenerationFailed, OutputError, RevisionFailure
from sqlgen.files.approvals import Approval, write_checked
from sqlgen.files.output import OutputFile, path_problem, remove_inside, section_problem
from sqlgen.pipeline.results import GenerateResult, RangeSummary, ScriptText

if TYPE_CHECKING:
    from sqlgen.project.workspace import Workspace

FORMAT = 1
KEEP = 20  # records kept in the folder; the oldest go first


def memo_key(
    root: Path,
    config_file: Path | None,
    settings: Mapping[str, Any],
    asked: Mapping[str, Any],
    env: Mapping[str, str] | None = None,
) -> str:
    """A run's key: the project, the command line's settings, the environment, what was asked."""
    env = os.environ if env is None else env
    return digest_of(
        FORMAT,
        sqlgen_source(),
        str(root.resolve()),
        str(config_file.resolve()) if config_file else None,
        sorted((k, repr(v)) for k, v in settings.items()),
        sorted((k, v) for k, v in env.items() if k.startswith("SQLGEN_")),
        sorted((k, repr(v)) for k, v in asked.items()),
    )


@dataclass(frozen=True)
class Inputs:
    """What a run's output came from, to tell whether it would come out the same."""

    files: tuple[tuple[str, str], ...]  # path, sha256
    listings: tuple[tuple[str, str, tuple[str, ...]], ...]  # folder, pattern, sorted names
    code: tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]  # roots, skipped, files
    libraries: tuple[tuple[str, str], ...]

    def unchanged(self) -> bool:
        if installed_versions(name for name, _ in self.libraries) != self.libraries:
            return False
        for folder, pattern, names in self.listings:
            if _listing(Path(folder), pattern) != names:
                return False
        roots, skipped, files = self.code
        found = project_code([Path(r) for r in roots], [Path(s) for s in skipped])
        if tuple(str(p) for p in found) != files:
            return False
        for path, digest in self.files:
            try:
                if file_digest(Path(path)) != digest:
                    return False
            except OSError:
                return False
        return True


def _listing(folder: Path, pattern: str) -> tuple[str, ...]:
    if not folder.is_dir():
        return ()
    return tuple(sorted(p.relative_to(folder).as_posix() for p in folder.glob(pattern)))


def memo_inputs(
    workspace: Workspace,
    cache: Path,
    dialect_packages: Sequence[str],
    imported: Sequence[str] = (),
) -> Inputs:
    """Everything the run of `workspace` read that could change its output; `imported`:
    the Python files it imported from outside the project (sqlgen.cache.imported)."""
    project = workspace.project
    layout = project.layout
    pattern = "**/*.py" if layout.recursive_version_locations else "*.py"
    versions = list(layout.version_locations) or [layout.script_location / "versions"]
    listings = [(str(folder), pattern, _listing(folder, pattern)) for folder in versions]
    options = project.options
    if options.overrides is not None:
        listings.append((str(options.overrides), "*", _listing(options.overrides, "*")))
    if options.dialects is not None:
        listings.append((str(options.dialects), "*.toml", _listing(options.dialects, "*.toml")))
    files = [Path(folder) / name for folder, _, names in listings for name in names]
    files = [path for path in files if path.is_file()]
    files += [p for p in (*project.config_files, project.alembic_ini, project.alembic_toml) if p]
    roots = (project.root, *layout.prepend_sys_path)
    skipped = (*versions, cache)
    code = project_code(roots, skipped)
    files += code
    files += [Path(p) for p in imported if Path(p).is_file()]
    return Inputs(
        files=tuple(sorted({(str(p), file_digest(p)) for p in files})),
        listings=tuple(listings),
        code=(
            tuple(str(r) for r in roots),
            tuple(str(s) for s in skipped),
            tuple(str(p) for p in code),
        ),
        libraries=installed_versions([*CORE_LIBRARIES, *dialect_packages]),
    )


@dataclass(frozen=True)
class Remembered:
    """What writing a run's output needs again."""

    plan: RangeSummary
    files: list[OutputFile]
    dialects: list[str]
    section: dict[str, Any]
    generator: dict[str, str]
    # the revisions that failed: the run is replayed with the same failures (its inputs
    # unchanged, it would fail the same way), after writing the dialects that worked
    failures: list[dict[str, Any]] = field(default_factory=list)


def failure_record(failure: RevisionFailure) -> dict[str, Any]:
    return {
        "dialect": failure.dialect,
        "revision": failure.revision,
        "path": str(failure.path) if failure.path is not None else None,
        "line": failure.line,
        "reason": failure.reason,
        "replayed": failure_record(failure.replayed) if failure.replayed else None,
    }


def _failure(data: Mapping[str, Any]) -> RevisionFailure:
    return RevisionFailure(
        str(data["dialect"]),
        str(data["revision"]),
        Path(data["path"]) if data["path"] is not None else None,
        int(data["line"]) if data["line"] is not None else None,
        str(data["reason"]),
        _failure(data["replayed"]) if data["replayed"] else None,
    )


def _folder(cache: Path) -> Path:
    return cache / "runs"


def record_run(cache: Path, key: str, inputs: Inputs, remembered: Remembered) -> None:
    body = json.dumps(
        {"format": FORMAT, "inputs": asdict(inputs), "run": asdict(remembered)},
        sort_keys=True,
        separators=(",", ":"),
    )
    text = hashlib.sha256(body.encode("utf-8")).hexdigest() + "\n" + body
    folder = _folder(cache)
    # a cache folder that cannot be written is reported once, and the run goes on
    if not write_cache_file(cache, folder / f"{key}.json", text.encode("utf-8")):
        return
    try:
        records = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in records[KEEP:]:
            remove_inside(folder, old.name, f"the rendering cache {cache}")
    except (OSError, OutputError):
        pass  # a record pruned by another run meanwhile, or one that cannot be removed


def _load(cache: Path, key: str) -> dict[str, Any] | None:
    try:
        text = (_folder(cache) / f"{key}.json").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):  # missing, unreadable, or not even text
        return None
    digest, _, body = text.partition("\n")
    if hashlib.sha256(body.encode("utf-8")).hexdigest() != digest:
        return None  # corrupt: ignored, the run is rendered and recorded again
    try:
        data = json.loads(body)
    except ValueError:
        return None
    return data if isinstance(data, dict) and data.get("format") == FORMAT else None


def _inputs(data: Mapping[str, Any]) -> Inputs:
    roots, skipped, code = data["code"]
    return Inputs(
        files=tuple((str(p), str(d)) for p, d in data["files"]),
        listings=tuple((str(f), str(p), tuple(n)) for f, p, n in data["listings"]),
        code=(tuple(roots), tuple(skipped), tuple(code)),
        libraries=tuple((str(n), str(v)) for n, v in data["libraries"]),
    )


def _text(value: Any, optional: bool = False) -> Any:
    """`value`, when it is a string (or None, if `optional`); else TypeError: a record
    this version did not write is ignored, never trusted."""
    if isinstance(value, str) or (optional and value is None):
        return value
    raise TypeError(f"not a string: {value!r}")


def _texts(values: Any) -> tuple[str, ...]:
    if not isinstance(values, list):
        raise TypeError(f"not a list: {values!r}")
    return tuple(_text(v) for v in values)


def _remembered(data: Mapping[str, Any]) -> Remembered:
    """The record's run; TypeError or ValueError for anything not as this version writes
    it (a file name that could leave the output folder included)."""
    plan = data["plan"]
    files = [
        OutputFile(
            path=_text(f["path"]),
            content=_text(f["content"]),
            dialect=_text(f["dialect"]),
            direction=_text(f["direction"]),
            kind=_text(f["kind"]),
            start=_texts(f["start"]),
            end=_texts(f["end"]),
            revision=_text(f["revision"], optional=True),
            engine=_text(f.get("engine"), optional=True),
        )
        for f in data["files"]
    ]
    for output in files:
        problem = path_problem(output.path)
        if problem is not None:
            raise ValueError(f"file {output.path!r} {problem}")
    problem = section_problem(str(plan["direction"]), data["section"])
    if problem is not None:
        raise ValueError(problem)
    return Remembered(
        RangeSummary(
            plan["direction"],
            plan["spec"],
            tuple(plan["start"]),
            tuple(plan["end"]),
            tuple(plan["revisions"]),
        ),
        files,
        list(data["dialects"]),
        dict(data["section"]),
        dict(data["generator"]),
        [dict(f) for f in data.get("failures", [])],
    )


def lookup(
    root: Path,
    config_file: Path | None,
    settings: Mapping[str, Any],
    asked: Mapping[str, Any],
    out: Path,
    *,
    write: bool,
    force: bool,
) -> tuple[str, GenerateResult | None]:
    """The key of the run asked (`asked`: range, dialects, options; `settings`: the
    command line's), and that run remembered, written to `out` (if `write`) as a fresh
    run would; None for the run when it was not asked before or anything changed since.

    Reads the project's config files and the memo record only: no migrations."""
    from sqlgen.project.config import cache_dir_of

    key = memo_key(root, config_file, settings, asked)
    cache = cache_dir_of(root, config_file, os.environ, settings.get("cache_dir"))
    return key, replay(cache, key, out, write, force)


def replay(cache: Path, key: str, out: Path, write: bool, force: bool) -> GenerateResult | None:
    """The remembered run under `key`, written to `out` (if `write`); None if it would differ."""
    data = _load(cache, key)
    if data is None:
        return None
    try:
        inputs = _inputs(data["inputs"])
        remembered = _remembered(data["run"])
        failures = [_failure(f) for f in remembered.failures]
    except (KeyError, TypeError, ValueError, AttributeError):
        return None  # not a record this version can read: rendered again
    if not inputs.unchanged():
        return None
    written: list[Path] = []
    dropped: list[Approval] = []
    if write and remembered.files:
        written = write_checked(
            out,
            remembered.files,
            remembered.plan.direction,
            remembered.dialects,
            remembered.section,
            remembered.generator,
            force,
            dropped,
        )
    if failures:
        raise GenerationFailed(failures, [str(p) for p in written])
    scripts = {f.target: ScriptText(f.content) for f in remembered.files if f.kind == "range"}
    return GenerateResult(remembered.plan, scripts, remembered.files, written, dropped)
