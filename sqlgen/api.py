"""sqlgen's commands as functions: thin, each a few calls into the pipeline.

    config/scripts/graph -> runtime (capture) -> render -> output

Nothing here prints or exits; the CLI does that, from what these return or raise.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any, Literal

from sqlgen import __version__
from sqlgen.cache.memo import Remembered, failure_record, memo_inputs, record_run
from sqlgen.dialects.profiles import Profile
from sqlgen.errors import (
    ConfigError,
    GenerationFailed,
    MissingPackage,
    NoMigrationsFound,
    OutputError,
    UsageError,
)
from sqlgen.files.approvals import Approval, read_dropped, read_lock, write_checked, write_lock
from sqlgen.files.drift import NOTE_KINDS, Drift, compare, expected_output, recorded_runs
from sqlgen.files.output import (
    MANIFEST,
    atomic_write,
    inside,
    output_folder,
    output_targets,
    read_manifest,
    sha256,
    write_inside,
    write_output,
    write_zip,
    zip_entries,
)
from sqlgen.lint import Deployment, Finding, LintConfig, each_revision, whole_range
from sqlgen.lint import lint as run_lint
from sqlgen.model.at_revision import model_at, schema_script
from sqlgen.pipeline.generation import (
    GenerateRequest,
    Generation,
    Progress,
    generator_versions,
    render_outputs,
)
from sqlgen.pipeline.results import GenerateResult, RangeSummary, ScriptText
from sqlgen.project.authoring import RevisionRequest, WrittenRevision, write_revision
from sqlgen.project.changes import Changed, changed_since
from sqlgen.project.config import Project, load_project
from sqlgen.project.config import cache_folder as config_cache_folder
from sqlgen.project.graph import UNDO, Direction, Plan
from sqlgen.project.workspace import (
    Workspace,
    all_dialects,
    engines,
    open_project,
    profiles,
    resolve_dialects,
)
from sqlgen.review import build_review, to_html
from sqlgen.review import to_markdown as review_markdown
from sqlgen.runtime import internals
from sqlgen.runtime.runner import dialect_available
from sqlgen.verify.roundtrip import RoundTrip, Rows, Script, Verifier
from sqlgen.verify.split import Unit, split_script
from sqlgen.verify.targets import NotVerifiable, target_for

__all__ = [
    "Changed",
    "Direction",
    "GenerateRequest",
    "GenerateResult",
    "GenerationFailed",
    "Progress",
    "RevisionRequest",
    "Workspace",
    "__version__",
    "all_dialects",
    "changed_since",
    "generate",
    "generator_versions",
    "open_project",
]


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
        down_revisions=internals.versioned_down_revisions(script),
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


RevisionCommand = Literal["history", "heads", "branches", "show"]


def revisions_text(
    workspace: Workspace, command: RevisionCommand, infos: Sequence[RevisionInfo], verbose: bool
) -> str:
    """What `alembic COMMAND [-v]` prints for these revisions, line for line (people
    parse it in scripts). Where Alembic lists a set (branch labels, the revisions a
    branch point branches into) in hash order, the order here is fixed: labels sorted,
    children in the graph's order."""
    lines: list[str] = []
    for info in infos:
        script: Any = workspace.graph.get(info.revision)  # an Alembic Script
        if verbose or command == "show":
            lines.append(_log_entry(script, info.children))
        elif command == "history":
            lines.append(_head_only(script, doc=True, parents=True))
        elif command == "heads":
            lines.append(_head_only(script, tree=False))
        else:
            lines.append(_head_only(script))
        if command == "branches":
            pad = " " * len(str(script.revision))
            children = [
                f"{pad} -> {_head_only(workspace.graph.get(child), doc=verbose)}"
                for child in info.children
            ]
            lines[-1] += "\n" + "\n".join(children) + "\n"
    return "".join(f"{line}\n" for line in lines)


def _head_only(script: Any, *, doc: bool = False, parents: bool = False, tree: bool = True) -> str:
    """Alembic's Script._head_only(include_branches=True, ...), labels sorted."""
    text = str(script.revision)
    if parents:
        dependencies = _comma(script.dependencies)
        down = internals.format_down_revision(script)
        text = f"{down} ({dependencies}) -> {text}" if dependencies else f"{down} -> {text}"
    if script.branch_labels:
        text += f" ({', '.join(sorted(script.branch_labels))})"
    if internals.is_real_head(script):
        text += " (head)"
    elif script.is_head:
        text += " (effective head)"
    if tree:
        text += " (branchpoint)" if script.is_branch_point else ""
        text += " (mergepoint)" if script.is_merge_point else ""
    return f"{text}, {script.doc}" if doc else text


def _log_entry(script: Any, children: Sequence[str]) -> str:
    """Alembic's Script.log_entry, labels sorted and children in the graph's order."""
    flags = [("head", script.is_head), ("branchpoint", script.is_branch_point)]
    flags.append(("mergepoint", script.is_merge_point))
    entry = f"Rev: {script.revision}" + "".join(f" ({name})" for name, on in flags if on) + "\n"
    parent = "Merges" if script.is_merge_point else "Parent"
    entry += f"{parent}: {internals.format_down_revision(script)}\n"
    if script.dependencies:
        entry += f"Also depends on: {_comma(script.dependencies)}\n"
    if script.is_branch_point:
        entry += f"Branches into: {', '.join(children)}\n"
    if script.branch_labels:
        entry += f"Branch names: {', '.join(sorted(script.branch_labels))}\n"
    entry += f"Path: {script.path}\n"
    return entry + "\n" + "\n".join(f"    {p}" for p in script.longdoc.splitlines()) + "\n"


def _comma(value: str | Sequence[str] | None) -> str:
    from alembic.util import to_tuple

    return ", ".join(to_tuple(value, default=()))


# --- dialects ------------------------------------------------------------------------


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


# --- the schema at a revision ------------------------------------------------------------


def schema(workspace: Workspace, revision: str, dialect: str, out: Path | None = None) -> str:
    """CREATE statements for the schema the migrations leave at `revision`, offline.

    Written to `out` (atomically) when given.
    """
    text = schema_script(model_at(workspace, revision, dialect))
    if out is not None:
        atomic_write(out, text.encode("utf-8"))
    return text


@dataclass(frozen=True)
class SchemaScript:
    dialect: str
    at: tuple[str, ...]  # the heads the schema is at; () for base
    sql: str
    path: Path | None  # where it was written; None when only returned

    def as_json(self) -> dict[str, Any]:
        path = str(self.path) if self.path is not None else None
        return {"dialect": self.dialect, "at": list(self.at), "path": path, "sql": self.sql}


def schemas(
    workspace: Workspace,
    revision: str,
    dialects: Sequence[str],
    folder: Path | None = None,
    file: Path | None = None,
) -> list[SchemaScript]:
    """Each dialect's schema at `revision`; written to `folder`/DIALECT/schema-AT.sql, or
    the one dialect's to `file`, once every dialect rendered (nothing partial)."""
    from sqlgen.pipeline.generation import _label

    if file is not None and len(dialects) != 1:
        raise UsageError("--file takes one dialect's schema; write several with -o FOLDER")
    rendered = []
    for profile in resolve_dialects(workspace, dialects):
        snapshot = model_at(workspace, revision, profile.name)
        rendered.append((profile.name, snapshot.at, schema_script(snapshot)))
    scripts = []
    for name, at, text in rendered:
        path = file if file is not None else None
        if folder is not None:
            relative = f"{name}/schema-{_label(at)}.sql"
            path = inside(folder, relative, f"the file name made for {name}")
        if path is not None:
            atomic_write(path, text.encode("utf-8"))
        scripts.append(SchemaScript(name, at, text, path))
    return scripts


# --- writing a new revision ----------------------------------------------------------------


def revision(workspace: Workspace, request: RevisionRequest) -> WrittenRevision:
    """Write a new revision file from the project's template (autogenerate: offline)."""
    return write_revision(workspace, request)


# --- generating SQL ------------------------------------------------------------------


def cache_folder(workspace: Workspace) -> Path:
    """Where the rendering cache lives: cache_dir if set, else PROJECT/.sqlgen-cache."""
    return config_cache_folder(workspace.project)


def generate(
    workspace: Workspace,
    request: GenerateRequest,
    progress: Progress | None = None,
    memo_key: str | None = None,
) -> GenerateResult:
    """Render a range for every requested dialect; write the ones that succeed.

    Raises GenerationFailed (after writing the dialects that succeeded) when any
    revision failed for any dialect. With a `memo_key` (and a cache folder), the
    run is remembered whole, its failures included, for `sqlgen.cache.memo.replay`.
    """
    if request.write:  # refused before any work: a symlinked folder, a manifest or lock
        read_manifest(output_folder(request.out))
        read_lock(request.out)
    generation = render_outputs(workspace, request, progress, keep_runs=False)
    result = GenerateResult(
        generation.summary(),
        {name: ScriptText(rendered.text) for name, rendered in generation.scripts.items()},
        generation.files,
        [],
    )
    versions = generator_versions()
    if request.write and generation.files:
        result.written = write_checked(
            request.out,
            generation.files,
            generation.plan.direction,
            list(generation.scripts),
            generation.section,
            versions,
            request.force,
            result.dropped,
        )
    if memo_key is not None and request.cache is not None:
        packages = [p.package for p in resolve_dialects(workspace, request.dialects) if p.package]
        remembered = Remembered(
            result.plan,
            generation.files,
            list(generation.scripts),
            generation.section,
            versions,
            [failure_record(f) for f in generation.failures],
        )
        inputs = memo_inputs(workspace, request.cache, packages, generation.imported)
        record_run(request.cache, memo_key, inputs, remembered)
    if generation.failures:
        raise GenerationFailed(generation.failures, [str(p) for p in result.written])
    return result


# --- review: drift check and approvals ----------------------------------------------------


@dataclass
class CheckResult:
    drifts: list[Drift]
    checked: int  # files regenerated and compared
    # differences that are no drift: the generator's library versions alone (see drift.py)
    notes: list[Drift] = field(default_factory=list)


def _manifest(out: Path) -> dict[str, Any]:
    manifest = read_manifest(out)
    if manifest is None:
        raise OutputError(out / MANIFEST, "no sqlgen manifest here: generate the scripts first")
    return manifest


# the rendering options a manifest records for each run, by their settings' names
_RECORDED = ("data_reads", "overrides", "source_dialect", "server_version")


def recorded_x(out: Path) -> tuple[str, ...]:
    """The -x arguments the manifest's runs were rendered with (check and regenerate
    replay them when none are given)."""
    manifest = read_manifest(out) or {}
    found: list[str] = []
    for direction in ("upgrade", "downgrade"):
        environment = manifest.get(direction, {}).get("options", {}).get("environment", {})
        found += [str(x) for x in environment.get("x", []) if str(x) not in found]
    return tuple(found)


def _only(
    workspace: Workspace,
    out: Path,
    manifest: Mapping[str, Any],
    dialects: Sequence[str],
    given: Mapping[str, Any],
) -> dict[str, Any]:
    """The manifest with only the runs of `dialects` (all when none); a setting `given`
    on the command line must be what the manifest records (it is replayed, not changed)."""
    manifest = dict(manifest)
    wanted = {p.name for p in resolve_dialects(workspace, dialects)} if dialects else None
    recorded: set[str] = set()
    for direction in ("upgrade", "downgrade"):
        section = manifest.get(direction)
        if not section:
            continue
        options = section.get("options", {})
        for key, value in given.items():
            if key not in _RECORDED or value is None:
                continue
            mine = workspace.relative(Path(value)) if key == "overrides" else str(value)
            if options.get(key) != mine:
                raise UsageError(
                    f"--{key.replace('_', '-')} {value}: {out / MANIFEST} records "
                    f"{options.get(key)!r} for its {direction} run, and check and regenerate "
                    f"replay what it records (run {direction} to change it)"
                )
        recorded |= set(section.get("dialects", {}))
        if wanted is not None:
            kept = {k: v for k, v in section.get("dialects", {}).items() if k in wanted}
            manifest[direction] = {**section, "dialects": kept} if kept else None
    if wanted is not None:
        unknown = sorted(wanted - recorded)
        if unknown:
            raise UsageError(
                f"--dialect {', '.join(unknown)}: {out / MANIFEST} records no run for it "
                f"(it has {', '.join(sorted(recorded)) or 'none'})"
            )
        manifest["files"] = [
            e for e in manifest.get("files", []) if str(e.get("dialect")) in wanted
        ]
    return manifest


def check(
    workspace: Workspace,
    out: Path,
    dialects: Sequence[str] = (),
    given: Mapping[str, Any] | None = None,
    cache: Path | None = None,
    strict_versions: bool = False,
) -> CheckResult:
    """Regenerate every run the manifest records (of `dialects`, when given), in memory,
    and compare with disk. `given`: settings from the command line (see `_only`);
    `cache`: the rendering cache to use. A manifest that differs only in the generator's
    library versions is a note, unless `strict_versions`."""
    manifest = _only(workspace, out, _manifest(out), dialects, given or {})
    files, expected_manifest = expected_output(workspace, manifest, cache)
    drifts = compare(
        out,
        manifest,
        files,
        expected_manifest,
        read_lock(out),
        read_dropped(out),
        whole_manifest=not dialects,
    )
    notes = [] if strict_versions else [d for d in drifts if d.kind in NOTE_KINDS]
    return CheckResult([d for d in drifts if d not in notes], len(files), notes)


def regenerate(
    workspace: Workspace,
    out: Path,
    dialects: Sequence[str] = (),
    given: Mapping[str, Any] | None = None,
    cache: Path | None = None,
    force: bool = False,
) -> list[GenerateResult]:
    """Run again what OUT/manifest.json records: each direction's range, dialects and
    options (of `dialects` only, when given), written to OUT as those runs wrote it."""
    manifest = _only(workspace, out, _manifest(out), dialects, given or {})
    results = []
    for replayed, request in recorded_runs(workspace, manifest):
        again = replace(request, out=out, write=True, force=force, cache=cache)
        results.append(generate(replayed, again))
    return results


def approve(
    workspace: Workspace, out: Path, by: str, spec: str | None = None, on: str | None = None
) -> list[Approval]:
    """Record the reviewed files' checksums (all, or those of a range) in the lock."""
    if not by.strip():
        raise UsageError("--by needs the reviewer's name")
    entries: list[dict[str, Any]] = _manifest(out)["files"]
    if spec is not None:
        plan = workspace.graph.plan("upgrade", spec)
        ends = {(plan.start, plan.end), (plan.end, plan.start)}

        def covered(entry: dict[str, Any]) -> bool:
            if entry.get("kind") == "revision":
                return entry.get("revision") in plan.revisions
            return (tuple(entry["from"]), tuple(entry["to"])) in ends

        entries = [e for e in entries if covered(e)]
        if not entries:
            raise UsageError(f"no generated file in {out} covers {spec!r}")
    day = on or date.today().isoformat()
    approvals = read_lock(out)
    added = []
    for entry in sorted(entries, key=lambda e: str(e["path"])):
        path = str(entry["path"])
        try:
            current = sha256((out / path).read_bytes())
        except OSError as exc:
            raise OutputError(out / path, "listed in manifest.json but missing") from exc
        if current != entry["sha256"]:
            raise OutputError(
                out / path, "edited since sqlgen wrote it; run `sqlgen check` before approving"
            )
        approval = Approval(path, current, by.strip(), day)
        approvals[path] = approval
        added.append(approval)
    write_lock(out, approvals)
    return added


# --- lint and the change-ticket bundle -----------------------------------------------------


def reverse_spec(plan: Plan | RangeSummary) -> str:
    """The downgrade that undoes exactly what an upgrade plan applies."""
    return f"{UNDO}{plan.spec}"


def _one_deployment(revisions: Sequence[str]) -> Deployment:
    """The revisions of one change ship together; any other can be deployed on its own."""
    together = frozenset(revisions)

    def deployment(revision: str) -> str:
        return "" if revision in together else revision

    return deployment


@dataclass
class LintResult:
    findings: list[Finding]
    upgrade: Generation
    downgrade: Generation


def lint(
    workspace: Workspace,
    spec: str,
    dialects: Sequence[str],
    *,
    assume_new_tables: bool = False,
    changed: Changed | None = None,
) -> LintResult:
    """Lint a range's upgrade, and the downgrade of the same revisions.

    A table an earlier revision of the range created is taken to hold rows (a
    deployment can stop after any revision) unless `assume_new_tables`. With
    `changed` (see `changed_since`), only its revisions are reported, and they are
    one deployment: what they create is new to each other.
    """
    deployment: Deployment = each_revision
    if assume_new_tables:
        deployment = whole_range
    elif changed is not None:
        deployment = _one_deployment(changed.revisions)
    try:
        config = LintConfig.from_mapping(workspace.project.options.lint)
    except ValueError as exc:
        where = workspace.project.config_files[0] if workspace.project.config_files else "config"
        raise ConfigError(where, f"[tool.sqlgen.lint]: {exc}") from exc
    up = render_outputs(workspace, GenerateRequest("upgrade", spec, dialects, write=False))
    if up.failures:
        raise GenerationFailed(up.failures)
    back = GenerateRequest("downgrade", reverse_spec(up.plan), dialects, write=False)
    down = render_outputs(workspace, back)
    # a downgrade that fails is a finding (SG602), not a reason to stop
    findings = run_lint(up.runs, down.runs, config, deployment)
    if changed is not None:
        findings = [f for f in findings if f.revision in changed.revisions]
    return LintResult(findings, up, down)


@dataclass
class BundleResult:
    folder: Path
    archive: Path
    files: list[Path]
    findings: list[Finding]


def bundle(
    workspace: Workspace,
    spec: str,
    dialects: Sequence[str],
    out: Path,
    *,
    assume_new_tables: bool = False,
    changed: Changed | None = None,
) -> BundleResult:
    """Everything a change ticket needs, in `out` and in `out`.zip beside it."""
    if out.exists() and any(out.iterdir()) and read_manifest(out) is None:
        raise UsageError(f"{out} is not empty and holds no sqlgen bundle; choose a new folder")
    if out.exists() or out.is_symlink():
        zip_entries(output_folder(out, "bundle folder"))  # a symlink in it: refused now
    linted = lint(workspace, spec, dialects, assume_new_tables=assume_new_tables, changed=changed)
    up, down = linted.upgrade, linted.downgrade
    if down.failures:
        raise GenerationFailed(down.failures)
    written: list[Path] = []
    output_targets(out, [*up.files, *down.files])  # every name checked before any write
    for generation in (up, down):
        written += write_output(
            out,
            generation.files,
            generation.plan.direction,
            list(generation.scripts),
            generation.section,
            generator_versions(),
        )
    manifest = _manifest(out)
    checksums = {str(e["path"]): str(e["sha256"]) for e in manifest["files"]}
    review = build_review(
        spec,
        up.plan.start,
        up.plan.end,
        up.runs,
        down.runs,
        linted.findings,
        checksums,
        generator_versions(),
        project_root=workspace.project.root,
        # the DDL of the tables touched, in the dialect the user named first
        shape_dialect=resolve_dialects(workspace, dialects)[0].name,
    )
    scripts = {f.path: f.content for f in (*up.files, *down.files)}
    for name, text in (
        ("REVIEW.md", review_markdown(review)),
        ("REVIEW.html", to_html(review, scripts)),
    ):
        written.append(write_inside(out, name, text.encode("utf-8"), "sqlgen"))
    archive = out.parent / f"{out.name}.zip"
    write_zip(out, archive)
    return BundleResult(out, archive, written, linted.findings)


# --- verify on a real engine ----------------------------------------------------------------


@dataclass
class VerifyOutcome:
    dialect: str
    status: str  # "passed", "failed" or "not verified"
    where: str  # the engine it ran on, or why it did not
    problems: list[str] = field(default_factory=list)
    log: list[str] = field(default_factory=list)
    scripts: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # the rows: what went in, tables left empty


def _script_text(out: Path, generation: GenerateResult, dialect: str) -> tuple[str, str]:
    """The whole-range file as written to disk: its name and its text."""
    [whole] = [f for f in generation.files if f.kind == "range" and f.dialect == dialect]
    return whole.path, (out / whole.path).read_text(encoding="utf-8")


def verify(
    workspace: Workspace,
    spec: str,
    dialects: Sequence[str],
    url: str | None = None,
    keep: bool = False,
    out: Path | None = None,
    rows: bool = True,
    sqlite_foreign_keys: bool = True,
) -> list[VerifyOutcome]:
    """Write each dialect's scripts, then run upgrade, downgrade, upgrade on an engine.

    `rows`: fill the tables before each revision and check them after it
    (docs/verify.md); False runs on empty tables (--empty). `sqlite_foreign_keys`:
    SQLite enforces foreign keys (PRAGMA foreign_keys = ON), as most applications run it."""
    databases = engines(workspace)
    if databases:
        raise UsageError(
            f"verify runs one database's scripts, and env.py migrates {len(databases)} "
            f"({', '.join(e.name for e in databases)}); it does not take several yet"
        )
    _require_drivers(resolve_dialects(workspace, dialects), url)  # before any server starts
    workdir = Path(tempfile.mkdtemp(prefix="sqlgen-verify-"))
    folder = out or workdir / "scripts"
    outcomes: list[VerifyOutcome] = []
    files = {s.revision: workspace.relative(s.path) for s in workspace.scripts}
    try:
        for profile in resolve_dialects(workspace, dialects):
            outcomes.append(
                _verify_one(
                    workspace,
                    profile,
                    spec,
                    url,
                    keep,
                    folder,
                    workdir,
                    files,
                    rows,
                    sqlite_foreign_keys,
                )
            )
    finally:
        # --keep keeps what is there to look at: never an empty scratch folder
        if not keep or not any(workdir.iterdir()):
            shutil.rmtree(workdir, ignore_errors=True)
    return outcomes


def _row_timelines(workspace: Workspace, profile: Profile, plan: RangeSummary) -> Rows:
    """What each revision of the upgrade and of its downgrade does to the tables."""
    from sqlgen.pipeline.generation import run_range
    from sqlgen.verify.timeline import build

    table = workspace.project.options.version_table
    requests = (
        GenerateRequest("upgrade", plan.spec, [profile.name], write=False),
        GenerateRequest("downgrade", reverse_spec(plan), [profile.name], write=False),
    )
    upgrade, downgrade = (build(run_range(workspace, r).runs[0], table) for r in requests)
    return Rows(upgrade, downgrade)


# the drivers verify connects through to the engines it runs locally (sqlgen.verify.targets)
_VERIFY_DRIVERS = {
    "postgresql": ("psycopg",),
    "mysql": ("pymysql",),
    "mariadb": ("pymysql",),
    "duckdb": ("duckdb", "duckdb_engine"),
}


def _require_drivers(chosen: Sequence[Profile], url: str | None) -> None:
    """MissingPackage, naming its extra, for a driver verify would need and cannot import."""
    import importlib

    if url is not None:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError, NoSuchModuleError

        try:
            make_url(url).get_dialect().import_dbapi()
        except ImportError as exc:
            raise MissingPackage(exc.name or str(exc), "verify --url") from exc
        except (ArgumentError, NoSuchModuleError) as exc:
            raise UsageError(f"--url: {exc}") from exc
        return
    for profile in chosen:
        for module in _VERIFY_DRIVERS.get(profile.verify, ()):
            try:
                importlib.import_module(module)
            except ImportError as exc:
                raise MissingPackage(module, f"verify -d {profile.name}") from exc


def _verify_one(
    workspace: Workspace,
    profile: Profile,
    spec: str,
    url: str | None,
    keep: bool,
    folder: Path,
    workdir: Path,
    files: Mapping[str, str],
    rows: bool = True,
    sqlite_foreign_keys: bool = True,
) -> VerifyOutcome:
    up = generate(workspace, GenerateRequest("upgrade", spec, [profile.name], out=folder))
    back = GenerateRequest("downgrade", reverse_spec(up.plan), [profile.name], out=folder)
    down = generate(workspace, back)

    def script(name: str, text: str) -> Script:
        return Script(name, split_script(text, profile.sqlglot, profile.batch_separator))

    up_name, up_text = _script_text(folder, up, profile.name)
    down_name, down_text = _script_text(folder, down, profile.name)
    setup: list[Unit] = []  # brings the scratch database to where the range starts
    if workspace.project.options.baseline:  # the tables there before the first revision
        baseline = schema_script(model_at(workspace, "base", profile.name))
        setup += script("(baseline)", baseline).units
    if up.plan.start:
        base = GenerateRequest(
            "upgrade", f"base:{','.join(up.plan.start)}", [profile.name], write=False
        )
        setup += script("(setup)", generate(workspace, base).scripts[profile.name].text).units
    trip = RoundTrip(
        script(up_name, up_text),
        script(down_name, down_text),
        up.plan.start,
        up.plan.end,
        Script("(setup)", setup) if setup else None,
        workspace.project.options.version_table,
        files,
        _row_timelines(workspace, profile, up.plan) if rows else None,
        sqlite_foreign_keys,
    )
    outcome = VerifyOutcome(profile.name, "not verified", "", scripts=[up_name, down_name])
    try:
        with target_for(profile, url, workdir, keep) as target:
            verifier = Verifier(trip, target.url, profile.sqlglot)
            problems = verifier.run()
            outcome.where = target.description
            outcome.log = verifier.log
            outcome.notes = verifier.notes
            if target.kept:
                outcome.log.append(f"kept {target.kept}")
    except NotVerifiable as exc:
        outcome.where = str(exc)
        return outcome
    outcome.status = "failed" if problems else "passed"
    outcome.problems = [p.line() for p in problems]
    return outcome
