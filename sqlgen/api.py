"""sqlgen's commands as functions: thin, each a few calls into the pipeline.

    config/scripts/graph -> runtime (capture) -> render -> output

Nothing here prints or exits; the CLI does that, from what these return or raise.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlgen import __version__
from sqlgen.authoring import RevisionRequest, WrittenRevision, write_revision
from sqlgen.config import Project, load_project
from sqlgen.config import cache_folder as config_cache_folder
from sqlgen.dialects import Profile
from sqlgen.drift import Drift, compare, expected_output
from sqlgen.errors import (
    ConfigError,
    GenerationFailed,
    NoMigrationsFound,
    OutputError,
    UsageError,
)
from sqlgen.generation import (
    GenerateRequest,
    Generation,
    Progress,
    library_versions,
    render_outputs,
)
from sqlgen.graph import UNDO, Direction, Plan
from sqlgen.lint import Finding, LintConfig
from sqlgen.lint import lint as run_lint
from sqlgen.lock import Approval, read_lock, write_checked, write_lock
from sqlgen.memo import Remembered, failure_record, memo_inputs, record_run
from sqlgen.output import (
    MANIFEST,
    atomic_write,
    read_manifest,
    sha256,
    write_output,
    write_zip,
)
from sqlgen.results import GenerateResult, RangeSummary, ScriptText
from sqlgen.review import build_review, to_html
from sqlgen.review import to_markdown as review_markdown
from sqlgen.runtime.runner import dialect_available
from sqlgen.snapshot import model_at, schema_script
from sqlgen.verify.roundtrip import RoundTrip, Script, Verifier
from sqlgen.verify.split import split_script
from sqlgen.verify.targets import NotVerifiable, target_for
from sqlgen.workspace import (
    Workspace,
    all_dialects,
    engines,
    open_project,
    profiles,
    resolve_dialects,
)

__all__ = [
    "Direction",
    "GenerateRequest",
    "GenerateResult",
    "GenerationFailed",
    "Progress",
    "RevisionRequest",
    "Workspace",
    "__version__",
    "all_dialects",
    "generate",
    "library_versions",
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
    run is remembered whole, its failures included, for `sqlgen.memo.replay`.
    """
    generation = render_outputs(workspace, request, progress, keep_runs=False)
    result = GenerateResult(
        generation.summary(),
        {name: ScriptText(rendered.text) for name, rendered in generation.scripts.items()},
        generation.files,
        [],
    )
    versions = library_versions()
    if request.write and generation.files:
        result.written = write_checked(
            request.out,
            generation.files,
            generation.plan.direction,
            list(generation.scripts),
            generation.section,
            versions,
            request.force,
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


def _manifest(out: Path) -> dict[str, Any]:
    manifest = read_manifest(out)
    if manifest is None:
        raise OutputError(out / MANIFEST, "no sqlgen manifest here: generate the scripts first")
    return manifest


def check(workspace: Workspace, out: Path) -> CheckResult:
    """Regenerate every run the manifest records, in memory, and compare with disk."""
    manifest = _manifest(out)
    files, expected_manifest = expected_output(workspace, manifest)
    drifts = compare(out, manifest, files, expected_manifest, read_lock(out))
    return CheckResult(drifts, len(files))


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


@dataclass
class LintResult:
    findings: list[Finding]
    upgrade: Generation
    downgrade: Generation


def lint(workspace: Workspace, spec: str, dialects: Sequence[str]) -> LintResult:
    """Lint a range's upgrade, and the downgrade of the same revisions."""
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
    return LintResult(run_lint(up.runs, down.runs, config), up, down)


@dataclass
class BundleResult:
    folder: Path
    archive: Path
    files: list[Path]
    findings: list[Finding]


def bundle(workspace: Workspace, spec: str, dialects: Sequence[str], out: Path) -> BundleResult:
    """Everything a change ticket needs, in `out` and in `out`.zip beside it."""
    if out.exists() and any(out.iterdir()) and read_manifest(out) is None:
        raise UsageError(f"{out} is not empty and holds no sqlgen bundle; choose a new folder")
    linted = lint(workspace, spec, dialects)
    up, down = linted.upgrade, linted.downgrade
    if down.failures:
        raise GenerationFailed(down.failures)
    written: list[Path] = []
    for generation in (up, down):
        written += write_output(
            out,
            generation.files,
            generation.plan.direction,
            list(generation.scripts),
            generation.section,
            library_versions(),
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
        library_versions(),
        project_root=workspace.project.root,
    )
    scripts = {f.path: f.content for f in (*up.files, *down.files)}
    for name, text in (
        ("REVIEW.md", review_markdown(review)),
        ("REVIEW.html", to_html(review, scripts)),
    ):
        atomic_write(out / name, text.encode("utf-8"))
        written.append(out / name)
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
) -> list[VerifyOutcome]:
    """Write each dialect's scripts, then run upgrade, downgrade, upgrade on an engine."""
    databases = engines(workspace)
    if databases:
        raise UsageError(
            f"verify runs one database's scripts, and env.py migrates {len(databases)} "
            f"({', '.join(e.name for e in databases)}); it does not take several yet"
        )
    workdir = Path(tempfile.mkdtemp(prefix="sqlgen-verify-"))
    folder = out or workdir / "scripts"
    outcomes: list[VerifyOutcome] = []
    files = {s.revision: workspace.relative(s.path) for s in workspace.scripts}
    try:
        for profile in resolve_dialects(workspace, dialects):
            outcomes.append(
                _verify_one(workspace, profile, spec, url, keep, folder, workdir, files)
            )
    finally:
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)
    return outcomes


def _verify_one(
    workspace: Workspace,
    profile: Profile,
    spec: str,
    url: str | None,
    keep: bool,
    folder: Path,
    workdir: Path,
    files: Mapping[str, str],
) -> VerifyOutcome:
    up = generate(workspace, GenerateRequest("upgrade", spec, [profile.name], out=folder))
    back = GenerateRequest("downgrade", reverse_spec(up.plan), [profile.name], out=folder)
    down = generate(workspace, back)

    def script(name: str, text: str) -> Script:
        return Script(name, split_script(text, profile.sqlglot, profile.batch_separator))

    up_name, up_text = _script_text(folder, up, profile.name)
    down_name, down_text = _script_text(folder, down, profile.name)
    setup = None
    if up.plan.start:  # bring the scratch database to where the range starts
        base = GenerateRequest(
            "upgrade", f"base:{','.join(up.plan.start)}", [profile.name], write=False
        )
        setup = script("(setup)", generate(workspace, base).scripts[profile.name].text)
    trip = RoundTrip(
        script(up_name, up_text),
        script(down_name, down_text),
        up.plan.start,
        up.plan.end,
        setup,
        workspace.project.options.version_table,
        files,
    )
    outcome = VerifyOutcome(profile.name, "not verified", "", scripts=[up_name, down_name])
    try:
        with target_for(profile, url, workdir, keep) as target:
            verifier = Verifier(trip, target.url, profile.sqlglot)
            problems = verifier.run()
            outcome.where = target.description
            outcome.log = verifier.log
            if target.kept:
                outcome.log.append(f"kept {target.kept}")
    except NotVerifiable as exc:
        outcome.where = str(exc)
        return outcome
    outcome.status = "failed" if problems else "passed"
    outcome.problems = [p.line() for p in problems]
    return outcome
