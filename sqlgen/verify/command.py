"""`sqlgen verify`: write each dialect's scripts, then run them on a real engine.

Upgrade, downgrade and upgrade again on a throwaway server sqlgen starts itself
(sqlgen.verify.targets) or on `--url`; with rows in the tables unless `--empty`
(docs/verify.md). The round trip itself is sqlgen.verify.roundtrip's.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlgen.dialects.profiles import Profile
from sqlgen.errors import MissingPackage, UsageError
from sqlgen.model.at_revision import model_at, schema_script
from sqlgen.pipeline.generation import GenerateRequest, run_range
from sqlgen.pipeline.results import GenerateResult, RangeSummary
from sqlgen.pipeline.run import generate
from sqlgen.project.graph import reverse_spec
from sqlgen.project.workspace import Workspace, engines, resolve_dialects
from sqlgen.verify.roundtrip import RoundTrip, Rows, Script, Verifier
from sqlgen.verify.split import Unit, split_script
from sqlgen.verify.targets import NotVerifiable, target_for
from sqlgen.verify.timeline import build


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
