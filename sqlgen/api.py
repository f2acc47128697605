"""sqlgen's commands as functions: thin, each a few calls into the pipeline.

    config/scripts/graph -> runtime (capture) -> render -> output

Nothing here prints or exits; the CLI does that, from what these return or raise.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from alembic.script import Script

from sqlgen import __version__
from sqlgen.captured import DialectRun
from sqlgen.config import Project, load_project
from sqlgen.dialects import Profile, find_profile, load_profiles, parse_version
from sqlgen.errors import GenerationFailed, NoMigrationsFound, UsageError
from sqlgen.graph import Direction, Plan, RevisionGraph
from sqlgen.output import OutputFile, write_output
from sqlgen.render.layout import KEPT_OUTCOMES
from sqlgen.render.script import Header, Rendered, render
from sqlgen.runtime.runner import RunSettings, dialect_available, run_dialect
from sqlgen.scripts import load_scripts, prepare_imports

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Workspace:
    """A loaded project: settings, revision scripts and their graph."""

    project: Project
    scripts: list[Script]
    graph: RevisionGraph

    def relative(self, path: str | Path) -> str:
        """A path as shown to users and written to files: relative to the project."""
        relative = os.path.relpath(Path(path), self.project.root)
        return Path(relative).as_posix()


def open_project(
    root: Path,
    config_file: Path | None = None,
    *,
    overrides: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
) -> Workspace:
    project = load_project(root, config_file, env=env, overrides=overrides)
    prepare_imports(project.layout, project.options.preload)
    scripts = load_scripts(project.layout)
    return Workspace(project, scripts, RevisionGraph(scripts))


# --- looking at the graph -----------------------------------------------------------


@dataclass(frozen=True)
class RevisionInfo:
    revision: str
    down_revisions: tuple[str, ...]
    depends_on: tuple[str, ...]
    branch_labels: tuple[str, ...]
    message: str
    path: str
    is_head: bool
    is_base: bool
    is_branch_point: bool
    is_merge_point: bool
    children: tuple[str, ...] = field(default=())

    def as_json(self) -> dict[str, Any]:
        return {
            "revision": self.revision,
            "down_revisions": list(self.down_revisions),
            "depends_on": list(self.depends_on),
            "branch_labels": list(self.branch_labels),
            "message": self.message,
            "path": self.path,
            "is_head": self.is_head,
            "is_base": self.is_base,
            "is_branch_point": self.is_branch_point,
            "is_merge_point": self.is_merge_point,
            "children": list(self.children),
        }


def _info(workspace: Workspace, script: Any) -> RevisionInfo:
    from alembic.util import to_tuple

    return RevisionInfo(
        revision=script.revision,
        down_revisions=script._versioned_down_revisions,
        depends_on=to_tuple(script.dependencies, default=()),
        branch_labels=tuple(sorted(script.branch_labels)),
        message=script.doc,
        path=workspace.relative(script.path),
        is_head=script.is_head,
        is_base=script.is_base,
        is_branch_point=script.is_branch_point,
        is_merge_point=script.is_merge_point,
        children=workspace.graph.ordered(script.nextrev),
    )


def heads(workspace: Workspace) -> list[RevisionInfo]:
    graph = workspace.graph
    return [_info(workspace, graph.get(rev)) for rev in graph.heads]


def history(workspace: Workspace, spec: str | None = None) -> list[RevisionInfo]:
    return [_info(workspace, r) for r in workspace.graph.history(spec)]


def branches(workspace: Workspace) -> list[RevisionInfo]:
    return [_info(workspace, r) for r in workspace.graph.branch_points()]


def show(workspace: Workspace, identifier: str) -> list[RevisionInfo]:
    return [_info(workspace, r) for r in workspace.graph.resolve(identifier)]


# --- generating SQL ------------------------------------------------------------------


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


@dataclass
class GenerateResult:
    plan: Plan
    scripts: dict[str, Rendered]  # dialect -> the whole-range script
    files: list[OutputFile]
    written: list[Path]


def library_versions() -> dict[str, str]:
    from importlib.metadata import version

    return {name: version(name) for name in ("sqlalchemy", "alembic", "sqlglot")} | {
        "sqlgen": __version__
    }


def profiles(project: Project | None) -> dict[str, Profile]:
    """The built-in profiles, with the project's own folder added over them."""
    folders = [project.options.dialects] if project and project.options.dialects else []
    return load_profiles(folders)


def resolve_dialects(workspace: Workspace, names: Sequence[str]) -> list[Profile]:
    if not names:
        raise UsageError("no dialect given; pass --dialect NAME (repeatable) or --all-dialects")
    known = profiles(workspace.project)
    chosen: dict[str, Profile] = {}
    for name in names:
        profile = find_profile(name, known)
        chosen.setdefault(profile.name, profile)
    return list(chosen.values())


def all_dialects(workspace: Workspace) -> tuple[list[str], list[Profile]]:
    """(every dialect whose SQLAlchemy dialect is installed here, the profiles that are not)."""
    available: list[Profile] = []
    missing: list[Profile] = []
    for profile in profiles(workspace.project).values():
        (available if dialect_available(profile) else missing).append(profile)
    return [p.name for p in available], missing


@dataclass(frozen=True)
class DialectInfo:
    profile: Profile
    installed: bool

    def as_json(self) -> dict[str, Any]:
        p = self.profile
        return {
            "name": p.name,
            "aliases": list(p.aliases),
            "description": p.description,
            "sqlalchemy": p.sqlalchemy,
            "package": p.package,
            "extra": p.extra,
            "install": f"pip install 'sqlgen[{p.extra}]'" if p.extra else None,
            "installed": self.installed,
            "sqlglot": p.sqlglot,
            "transactional_ddl": p.transactional_ddl,
            "verify": p.verify,
            "source": p.source,
        }


def dialect_table(root: Path, config_file: Path | None = None) -> list[DialectInfo]:
    """Every profile, with whether its SQLAlchemy dialect can be imported here.

    Outside a project only the built-in profiles are listed.
    """
    try:
        project: Project | None = load_project(root, config_file)
    except NoMigrationsFound:
        project = None
    return [DialectInfo(p, dialect_available(p)) for p in profiles(project).values()]


def _label(ids: Sequence[str]) -> str:
    """A file-name part for a set of revisions: ids, never words like `head`."""
    if not ids:
        return "base"
    if len(ids) <= 3:
        return "+".join(ids)
    digest = hashlib.sha256(",".join(ids).encode()).hexdigest()[:8]
    return f"{ids[0]}+{len(ids) - 1}more-{digest}"


def _run_settings(workspace: Workspace, request: GenerateRequest) -> RunSettings:
    options = workspace.project.options
    server_version = None
    if request.server_version:
        try:
            server_version = parse_version(request.server_version)
        except ValueError as exc:
            raise UsageError(f"--server-version: {exc}") from exc
    return RunSettings(
        version_table=options.version_table,
        version_table_schema=options.version_table_schema,
        version_table_enabled=request.version_table,
        transaction_per_migration=options.transaction_per_migration,
        data_reads="empty" if options.data_reads == "empty" else "fail",
        source_dialect=find_profile(options.source_dialect, profiles(workspace.project)),
        overrides=options.overrides,
        server_version=server_version,
        alembic_ini=workspace.project.alembic_ini,
    )


def _files_for(
    run: DialectRun, plan: Plan, request: GenerateRequest, settings: RunSettings
) -> tuple[Rendered, list[OutputFile]]:
    name = run.profile.name
    stem = f"{name}/{plan.direction}-{_label(plan.start)}-{_label(plan.end)}"
    header = Header(__version__, plan.direction, plan.spec, plan.start, plan.end, len(plan.steps))
    per_migration = settings.transaction_per_migration
    whole = render(run, header, run.steps, per_migration=per_migration, include_prologue=True)
    files = [
        OutputFile(f"{stem}.sql", whole.text, name, plan.direction, "range", plan.start, plan.end)
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


def _section(
    workspace: Workspace,
    plan: Plan,
    request: GenerateRequest,
    settings: RunSettings,
    runs: Sequence[DialectRun],
    rendered: Mapping[str, Rendered],
) -> dict[str, Any]:
    dialects: dict[str, Any] = {}
    for run in runs:
        if run.profile.name not in rendered:
            continue
        whole = rendered[run.profile.name]
        dialects[run.profile.name] = {
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
            "data_reads_empty": [
                {"revision": s.step.revision.revision, "line": r.line, "sql": r.summary()}
                for s in run.steps
                for r in s.reads
            ],
        }
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
        "statements": _statement_counts(list(rendered.values())),
        "options": {
            "version_table": settings.version_table if settings.version_table_enabled else None,
            "version_table_schema": settings.version_table_schema,
            "transaction_per_migration": settings.transaction_per_migration,
            "data_reads": settings.data_reads,
            "per_revision": request.per_revision,
        },
    }


def generate(
    workspace: Workspace, request: GenerateRequest, progress: Progress | None = None
) -> GenerateResult:
    """Render a range for every requested dialect; write the ones that succeed.

    Raises GenerationFailed (after writing the dialects that succeeded) when any
    revision failed for any dialect.
    """
    targets = resolve_dialects(workspace, request.dialects)
    plan = workspace.graph.plan(request.direction, request.spec)
    settings = _run_settings(workspace, request)
    runs: list[DialectRun] = []
    for profile in targets:
        if progress:
            progress(profile.name, 0, len(plan.steps))
        runs.append(run_dialect(plan.steps, plan.starts_at_base, profile, settings))
        if progress:
            progress(profile.name, len(plan.steps), len(plan.steps))

    rendered: dict[str, Rendered] = {}
    files: list[OutputFile] = []
    failures = [failure for run in runs for failure in run.failures]
    for run in runs:
        if run.failures:
            continue
        whole, run_files = _files_for(run, plan, request, settings)
        rendered[run.profile.name] = whole
        files += run_files

    written: list[Path] = []
    if request.write and files:
        section = _section(workspace, plan, request, settings, runs, rendered)
        written = write_output(
            request.out, files, plan.direction, list(rendered), section, library_versions()
        )
    if failures:
        raise GenerationFailed(failures, [str(p) for p in written])
    return GenerateResult(plan, rendered, files, written)
