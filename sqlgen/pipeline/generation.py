"""Rendering a range into script files and a manifest section, in memory.

`render_outputs` runs every dialect and renders its files; nothing is written
here (sqlgen.files.output does that), so `check` can compare a fresh rendering with
what is on disk.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, cast

from alembic.script import Script
from sqlalchemy.schema import CreateIndex, CreateTable

from sqlgen import __version__
from sqlgen.cache import imported
from sqlgen.cache.fingerprint import (
    CORE_LIBRARIES,
    digest_of,
    file_digest,
    installed_versions,
    project_code,
    sqlgen_source,
)
from sqlgen.cache.steps import FORMAT, DialectCache, StepStore, prepare_folder
from sqlgen.dialects.profiles import Profile, find_profile, parse_version
from sqlgen.errors import ConfigError, RevisionFailure, UsageError
from sqlgen.files.output import OutputFile, target_label
from sqlgen.pipeline.captured import DialectRun, StepLike
from sqlgen.pipeline.fanout import Tick, cores, fan_out, tuned_gc
from sqlgen.pipeline.results import RangeSummary
from sqlgen.project.config import Options
from sqlgen.project.graph import Direction, Plan
from sqlgen.project.workspace import Workspace, engines, profiles, resolve_dialects
from sqlgen.render.layout import KEPT_OUTCOMES
from sqlgen.render.script import Header, Rendered, render
from sqlgen.runtime.envpy import Environment, describe_value, load_object
from sqlgen.runtime.runner import RunSettings, dialect_class, run_dialect, store_rendered

# Below this many revision renderings (revisions x dialects), forking workers costs
# more than it saves.
PARALLEL_FROM = 400


class Progress(Protocol):
    """Told how much there is to do, then each revision rendered for a dialect."""

    def start(self, total: int) -> None: ...

    def advance(self, done: int) -> None: ...

    def finish(self) -> None: ...


@dataclass(frozen=True)
class GenerateRequest:
    direction: Direction
    spec: str
    dialects: Sequence[str]
    out: Path = Path("output")
    per_revision: bool = False
    version_table: bool = True
    server_version: str | None = None
    write: bool = True  # False renders in memory only (--stdout)
    force: bool = False  # overwrite files a reviewer approved (their approval is dropped)
    cache: Path | None = None  # the rendering cache folder; None renders everything afresh


def generator_versions() -> dict[str, str]:
    """The generator's versions, as the manifest records them."""
    return dict(installed_versions(("sqlalchemy", "alembic", "sqlglot"))) | {"sqlgen": __version__}


def revisions_label(ids: Sequence[str]) -> str:
    """A file-name part for a set of revisions: ids, never words like `head`."""
    if not ids:
        return "base"
    # ids are at most 64 characters (sqlgen.project.scripts.PLAIN_NAME): a long set is shortened,
    # so that a file name stays under the 255 bytes file systems take
    if len(ids) <= 3 and len("+".join(ids)) <= 100:
        return "+".join(ids)
    digest = hashlib.sha256(",".join(ids).encode()).hexdigest()[:8]
    return f"{ids[0]}+{len(ids) - 1}more-{digest}"


def _from_env_py(ours: Any, default: Any, env_options: Mapping[str, Any], key: str) -> Any:
    """A setting sqlgen's config leaves at its default takes env.py's configure() value."""
    return env_options.get(key, ours) if ours == default else ours


def run_settings(
    workspace: Workspace, request: GenerateRequest, environment: Environment | None = None
) -> RunSettings:
    """The settings of a run: sqlgen's, then what env.py's configure() set.

    `environment`: one database's (see `engines`); by default the project's. A
    project of several databases has no one configure(): its range-wide settings
    are sqlgen's own, and each database's run takes its own configure().
    """
    project = workspace.project
    options = project.options
    server_version = None
    wanted = request.server_version or options.server_version  # the CLI's, else SQLGEN_/config
    if wanted:
        try:
            server_version = parse_version(wanted)
        except ValueError as exc:
            raise UsageError(f"--server-version: {exc}") from exc
    environment = environment or workspace.environment
    configured = environment.options if len(environment.runs) <= 1 else {}
    metadata = configured.get("target_metadata")
    if options.target_metadata:
        metadata = load_object(project.root, options.target_metadata, "target_metadata")
    defaults = Options()
    baseline: Any = None
    if options.baseline:
        baseline = _baseline(project.root, options.baseline)
    return RunSettings(
        version_table=_from_env_py(
            options.version_table, defaults.version_table, configured, "version_table"
        ),
        version_table_schema=_from_env_py(
            options.version_table_schema,
            defaults.version_table_schema,
            configured,
            "version_table_schema",
        ),
        version_table_enabled=request.version_table,
        transaction_per_migration=_from_env_py(
            options.transaction_per_migration,
            defaults.transaction_per_migration,
            configured,
            "transaction_per_migration",
        ),
        data_reads="empty" if options.data_reads == "empty" else "fail",
        source_dialect=(
            find_profile(options.source_dialect, profiles(project))
            if options.source_dialect
            else None
        ),
        overrides=options.overrides,
        server_version=server_version,
        alembic_ini=project.alembic_ini,
        environment=environment,
        target_metadata=metadata,
        project_root=project.root,
        baseline=baseline,
    )


def _baseline(root: Path, value: str) -> Any:
    """The `baseline` setting: a .sql file of CREATE statements, or a "module:attr" MetaData."""
    if value.endswith(".sql"):
        path = root / value
        try:
            return path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(path, f"baseline: {exc.strerror or exc}") from exc
    return load_object(root, value, "baseline")


def _environment_record(settings: RunSettings) -> dict[str, Any]:
    """What the migrations ran in, for the manifest and the cache keys."""
    record = settings.environment.describe() if settings.environment is not None else {}
    record["target_metadata"] = describe_value(settings.target_metadata)
    baseline = settings.baseline
    if isinstance(baseline, str):
        record["baseline"] = hashlib.sha256(baseline.encode()).hexdigest()
    elif baseline is not None:
        tables = baseline.sorted_tables if hasattr(baseline, "sorted_tables") else []
        record["baseline"] = [
            [str(CreateTable(t)), *sorted(str(CreateIndex(i)) for i in t.indexes)] for t in tables
        ]
    return record


def _files_for(
    run: DialectRun, plan: Plan, request: GenerateRequest, target: Target
) -> tuple[Rendered, list[OutputFile]]:
    name, engine, settings = run.profile.name, target.engine, target.settings
    # one database of several: its name ends the file's (postgresql/upgrade-base-X.engine1.sql)
    stem = f"{name}/{plan.direction}-{revisions_label(plan.start)}-{revisions_label(plan.end)}"
    stem += f".{engine}" if engine is not None else ""
    header = Header(__version__, plan.direction, plan.spec, plan.start, plan.end, len(plan.steps))
    per_migration = settings.transaction_per_migration
    whole = render(run, header, run.steps, per_migration=per_migration, include_prologue=True)
    files = [
        OutputFile(
            f"{stem}.sql",
            whole.text,
            name,
            plan.direction,
            "range",
            plan.start,
            plan.end,
            engine=engine,
        )
    ]
    if request.per_revision:
        for index, capture in enumerate(run.steps):
            revision = capture.step.revision.revision
            one = Header(
                __version__, plan.direction, plan.spec, plan.start, plan.end, 1, revision=revision
            )
            text = render(
                run, one, [capture], per_migration=per_migration, include_prologue=index == 0
            ).text
            files.append(
                OutputFile(
                    f"{stem}/{index + 1:04d}-{revision}.sql",
                    text,
                    name,
                    plan.direction,
                    "revision",
                    plan.start,
                    plan.end,
                    revision,
                    engine=engine,
                )
            )
    return whole, files


def _statement_counts(scripts: Sequence[Rendered]) -> dict[str, Any]:
    """Formatted by sqlglot, or kept as compiled, and why it was kept."""
    return {
        "formatted": sum(s.formatted for s in scripts),
        "kept": sum(s.kept for s in scripts),
        "kept_because": {
            outcome: sum(s.outcomes[outcome] for s in scripts) for outcome in KEPT_OUTCOMES
        },
    }


def _dialect_section(run: DialectRun, whole: Rendered) -> dict[str, Any]:
    """One dialect's part of the manifest section."""
    return {
        "statements": _statement_counts([whole]),
        "overrides": [
            {"revision": s.step.revision.revision, "file": s.override.name}
            for s in run.steps
            if s.override is not None
        ],
        "warnings": [
            {"revision": s.step.revision.revision, "line": w.line, "message": w.message}
            for s in run.steps
            for w in s.warnings
        ],
        "transpiled": [
            {
                "revision": s.step.revision.revision,
                "line": item.line,
                "from": item.transpiled_from,
                "to": item.sql,
            }
            for s in run.steps
            for item in s.items
            if item.transpiled_from is not None
        ],
        "corrections": [
            {
                "revision": s.step.revision.revision,
                "line": item.line,
                "correction": item.corrected,
                "sql": item.sql,
            }
            for s in run.steps
            for item in s.items
            if item.corrected is not None
        ],
        "data_reads_empty": [
            {"revision": s.step.revision.revision, "line": r.line, "sql": r.summary()}
            for s in run.steps
            for r in s.reads
        ],
    }


def _engine_options(settings: RunSettings) -> dict[str, Any]:
    """One database's own settings: its configure() may set them apart from the others'."""
    return {
        "version_table": settings.version_table if settings.version_table_enabled else None,
        "version_table_schema": settings.version_table_schema,
        "transaction_per_migration": settings.transaction_per_migration,
    }


def _section(
    workspace: Workspace,
    plan: Plan,
    request: GenerateRequest,
    settings: RunSettings,
    outputs: Sequence[DialectOutput],
) -> dict[str, Any]:
    rendered = [o.rendered for o in outputs if o.rendered is not None]
    dialects: dict[str, Any] = {}
    for o in outputs:
        if o.section is None:
            continue
        if o.engine is None:
            dialects[o.profile.name] = o.section
        else:  # several databases: each one's part, under its dialect
            dialects.setdefault(o.profile.name, {"engines": {}})["engines"][o.engine] = o.section
    return {
        "requested": plan.spec,
        "from": list(plan.start),
        "to": list(plan.end),
        "revisions": [
            {
                "id": script.revision,
                "message": script.doc,
                "path": workspace.relative(script.path),
            }
            for script in (cast(Script, step.revision) for step in plan.steps)
        ],
        "dialects": dialects,
        "statements": _statement_counts(rendered),
        "options": {
            "version_table": settings.version_table if settings.version_table_enabled else None,
            "version_table_schema": settings.version_table_schema,
            "transaction_per_migration": settings.transaction_per_migration,
            "data_reads": settings.data_reads,
            "per_revision": request.per_revision,
            "source_dialect": settings.source_dialect.name if settings.source_dialect else None,
            "overrides": workspace.relative(settings.overrides) if settings.overrides else None,
            "server_version": request.server_version or workspace.project.options.server_version,
            "environment": _environment_record(settings),
        },
    }


@dataclass
class Generation:
    """A range rendered for every requested dialect, before anything is written."""

    plan: Plan
    runs: list[DialectRun]
    # target -> the whole-range script, for targets that worked; a target is a dialect
    # (`postgresql`), or a dialect and a database of several (`postgresql.engine1`)
    scripts: dict[str, Rendered]
    files: list[OutputFile]
    section: dict[str, Any]  # this run's manifest section
    failures: list[RevisionFailure] = field(default_factory=list)
    # the files the runs imported from outside the project (imported.py): the memo's too
    imported: list[str] = field(default_factory=list)

    def summary(self) -> RangeSummary:
        plan = self.plan
        return RangeSummary(plan.direction, plan.spec, plan.start, plan.end, plan.revisions)


@dataclass
class DialectOutput:
    """What one dialect's run gives: its files, or the revisions that failed."""

    profile: Profile
    engine: str | None  # the database, when env.py migrates several (see Target)
    run: DialectRun | None  # kept only when the caller needs the captures (lint, review)
    rendered: Rendered | None  # the whole-range script; None when a revision failed
    files: list[OutputFile]
    section: dict[str, Any] | None  # its part of the manifest section
    failures: list[RevisionFailure]
    imported: tuple[str, ...] = ()  # the files its run imported from outside the project

    @property
    def label(self) -> str:
        return target_label(self.profile.name, self.engine)


@dataclass(frozen=True)
class Target:
    """What one worker renders: a dialect, for one database when env.py migrates several."""

    profile: Profile
    settings: RunSettings
    engine: str | None = None  # the database's name (multidb); None for a single database

    @property
    def label(self) -> str:
        return target_label(self.profile.name, self.engine)


@dataclass(frozen=True)
class _Job:
    """A range, for each target: the work one target's worker does."""

    plan: Plan
    request: GenerateRequest
    settings: RunSettings  # the range's, for the manifest section
    seed: tuple[StepLike, ...]
    targets: tuple[Target, ...]
    keep_runs: bool
    run_keys: tuple[str, ...] = ()  # per target, when the cache is used
    digests: Mapping[str, str] = field(default_factory=dict)  # revision file -> sha256
    # per settings' shared key: the token of the files the last run imported (imported.py)
    tokens: Mapping[str, str] = field(default_factory=dict)

    def remember_imports(self, files: Sequence[str]) -> None:
        """Record, for the next run, what this one imported from outside the project."""
        folder = self.request.cache
        if folder is None:
            return
        for shared, token in self.tokens.items():
            imported.record(folder, shared, token, files)

    def _cache(self, index: int) -> DialectCache | None:
        folder = self.request.cache
        if folder is None or not self.run_keys:
            return None
        store = StepStore(folder, self.targets[index].label)
        return DialectCache(store, self.run_keys[index], self.digests)

    def run(
        self, index: int, tick: Tick | None = None, cache: DialectCache | None = None
    ) -> DialectRun:
        plan = self.plan
        target = self.targets[index]
        return run_dialect(
            plan.steps,
            plan.starts_at_base,
            target.profile,
            target.settings,
            self.seed,
            on_step=tick,
            cache=cache,
            lean=not self.keep_runs,
        )

    def output(self, index: int, tick: Tick) -> DialectOutput:
        cache = self._cache(index)
        run = self.run(index, tick, cache)
        kept = run if self.keep_runs else None
        target = self.targets[index]
        profile, engine = target.profile, target.engine
        if run.failures:
            return DialectOutput(profile, engine, kept, None, [], None, run.failures)
        # in the process that ran the migrations, which may be a worker
        loaded = tuple(imported.imported_files()) if cache is not None else ()
        whole, files = _files_for(run, self.plan, self.request, target)
        if cache is not None:
            store_rendered(run, cache)
        section = _dialect_section(run, whole)
        if engine is not None:  # one database of several: its own settings too
            section |= _engine_options(target.settings)
        return DialectOutput(profile, engine, kept, whole, files, section, [], loaded)


def _targets(
    workspace: Workspace,
    request: GenerateRequest,
    requested: Sequence[Profile],
    settings: RunSettings,
) -> tuple[Target, ...]:
    """Each requested dialect; for a project of several databases, each database whose
    url is of that dialect (or names none sqlgen knows), with its own settings."""
    databases = engines(workspace)
    if not databases:
        return tuple(Target(profile, settings) for profile in requested)
    own = {e.name: run_settings(workspace, request, e.environment) for e in databases}
    targets: list[Target] = []
    for profile in requested:
        matched = [e for e in databases if e.profile is None or e.profile.name == profile.name]
        if not matched:
            listed = ", ".join(
                f"{e.name}: {e.profile.name if e.profile else 'any'}" for e in databases
            )
            raise UsageError(
                f"--dialect {profile.name}: env.py migrates {len(databases)} databases and "
                f"none is {profile.name} ({listed}); each renders for the dialect of its "
                "url, as under alembic upgrade --sql"
            )
        targets += [Target(profile, own[e.name], e.name) for e in matched]
    return tuple(targets)


def _job(workspace: Workspace, request: GenerateRequest, keep_runs: bool) -> _Job:
    requested = resolve_dialects(workspace, request.dialects)
    for profile in requested:
        dialect_class(profile)  # a missing dialect package is reported here, not in a worker
    plan = workspace.graph.plan(request.direction, request.spec)
    seed = workspace.graph.history_before(plan)
    settings = run_settings(workspace, request)
    targets = _targets(workspace, request, requested, settings)
    run_keys: tuple[str, ...] = ()
    digests: dict[str, str] = {}
    tokens: dict[str, str] = {}
    if request.cache is not None:
        prepare_folder(request.cache)
        shared: dict[int, str] = {}  # by settings: a database's dialects share its key
        for target in targets:
            if id(target.settings) not in shared:
                key = _shared_key(workspace, target.settings, request.cache)
                tokens[key] = imported.current_token(request.cache, key)
                shared[id(target.settings)] = digest_of(key, tokens[key])
        run_keys = tuple(_run_key(shared[id(t.settings)], t.profile) for t in targets)
        paths = {str(cast(Script, step.revision).path) for step in (*seed, *plan.steps)}
        digests = {path: file_digest(Path(path)) for path in sorted(paths)}
    return _Job(plan, request, settings, seed, targets, keep_runs, run_keys, digests, tokens)


def _shared_key(workspace: Workspace, settings: RunSettings, cache: Path) -> str:
    """What every dialect's cache entries depend on, beyond the revision files themselves."""
    project = workspace.project
    layout = project.layout
    versions = list(layout.version_locations) or [layout.script_location / "versions"]
    code = project_code([project.root, *layout.prepend_sys_path], [*versions, cache])
    configs = [*project.config_files, project.alembic_ini, project.alembic_toml]
    return digest_of(
        FORMAT,
        sqlgen_source(),
        installed_versions(CORE_LIBRARIES),
        repr(settings),
        _environment_record(settings),
        project.options.preload,
        [(workspace.relative(p), file_digest(p)) for p in code],
        sorted({(str(p), file_digest(p)) for p in configs if p is not None and p.is_file()}),
    )


def _run_key(shared: str, profile: Profile) -> str:
    packages = [profile.package] if profile.package else []
    return digest_of(shared, repr(profile), installed_versions(packages))


@dataclass
class RangeRuns:
    """A range run offline for every requested dialect, nothing rendered yet."""

    plan: Plan
    settings: RunSettings
    runs: list[DialectRun]
    targets: list[str] = field(default_factory=list)  # per run: its Target.label


def run_range(workspace: Workspace, request: GenerateRequest) -> RangeRuns:
    job = _job(workspace, request, keep_runs=True)
    with tuned_gc():
        # inside env.py's run_migrations(), where env.py may have set up what they need
        runs = workspace.environment.around(
            lambda: [job.run(index) for index in range(len(job.targets))]
        )
    return RangeRuns(job.plan, job.settings, runs, [t.label for t in job.targets])


def render_outputs(
    workspace: Workspace,
    request: GenerateRequest,
    progress: Progress | None = None,
    *,
    keep_runs: bool = True,
) -> Generation:
    """Every dialect's files for the range, in memory.

    Without `keep_runs` (writing files needs none of the captures), dialects
    render in worker processes when the range is big enough for that to pay.
    """
    job = _job(workspace, request, keep_runs)
    total = len(job.plan.steps) * len(job.targets)
    parallel = not keep_runs and total >= PARALLEL_FROM and cores() > 1
    if progress is not None:
        progress.start(total)
    with tuned_gc():
        # inside env.py's run_migrations(), where env.py may have set up what they need
        outputs = workspace.environment.around(
            lambda: fan_out(
                job.output,
                len(job.targets),
                parallel=parallel,
                on_progress=progress.advance if progress is not None else None,
            )
        )
    if progress is not None:
        progress.finish()
    loaded = sorted({path for o in outputs for path in o.imported})
    if not any(o.failures for o in outputs):
        job.remember_imports(loaded)
    plan = job.plan
    return Generation(
        plan,
        [o.run for o in outputs if o.run is not None],
        {o.label: o.rendered for o in outputs if o.rendered is not None},
        [file for o in outputs for file in o.files],
        _section(workspace, plan, request, job.settings, outputs),
        [failure for o in outputs for failure in o.failures],
        loaded,
    )
