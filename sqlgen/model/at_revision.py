"""The schema at a revision, from the model an offline upgrade leaves.

`model_at` runs `upgrade base:REV` for one dialect and keeps only the model;
`schema_script` prints it as the CREATE statements that would build it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlgen import __version__
from sqlgen.dialects.profiles import Profile
from sqlgen.errors import GenerationFailed, SchemaUnknown, UsageError
from sqlgen.files.output import atomic_write, inside
from sqlgen.model import SchemaModel, UncertainTable
from sqlgen.model.tables import expressions_for
from sqlgen.pipeline.generation import GenerateRequest, revisions_label, run_range, run_settings
from sqlgen.project.workspace import Workspace, resolve_dialects
from sqlgen.render.schema import render_schema
from sqlgen.runtime.runner import build_dialect, seed_baseline


@dataclass(frozen=True)
class ModelAt:
    profile: Profile
    at: tuple[str, ...]  # the heads the schema is at; () for base
    revisions: int  # how many revisions were replayed
    model: SchemaModel
    server_version: tuple[int, ...] | None = None  # the one chosen (default: the profile's)
    baseline: bool = False  # the project's `baseline` tables were there before base


def model_at(workspace: Workspace, revision: str, dialect: str) -> ModelAt:
    """The model after upgrading an empty database to `revision` (base: empty)."""
    (profile,) = resolve_dialects(workspace, [dialect])
    if revision == "base":
        return _at_base(workspace, profile)
    request = GenerateRequest("upgrade", f"base:{revision}", [profile.name], write=False)
    ran = run_range(workspace, request)
    if len(ran.runs) != 1:  # env.py migrates several databases of this dialect
        raise UsageError(
            f"{profile.name} is the dialect of {len(ran.runs)} databases here "
            f"({', '.join(ran.targets)}); the schema is shown for one database only"
        )
    (run,) = ran.runs
    if run.failures:
        raise GenerationFailed(run.failures)
    assert run.model_end is not None
    # the version table is in the model for migrations that inspect it; it is Alembic's,
    # not the application's schema
    model = run.model_end.copy()
    key = model.find(ran.settings.version_table, ran.settings.version_table_schema)
    if key is not None:
        model.remove(key)
    return ModelAt(
        profile,
        ran.plan.end,
        len(ran.plan.steps),
        model,
        ran.settings.server_version,
        baseline=ran.settings.baseline is not None,
    )


def _at_base(workspace: Workspace, profile: Profile) -> ModelAt:
    """Before the first revision: empty, or the project's `baseline` tables."""
    model = SchemaModel(default_schema=profile.default_schema, naming=profile.constraint_names)
    if not workspace.project.options.baseline:
        return ModelAt(profile, (), 0, model)
    request = GenerateRequest("upgrade", "base", [profile.name], write=False)
    settings = run_settings(workspace, request)
    with expressions_for(build_dialect(profile, settings.server_version)):
        seed_baseline(model, settings.baseline, profile.sqlglot)
    return ModelAt(profile, (), 0, model, settings.server_version, baseline=True)


def unknowns(model: SchemaModel) -> list[str]:
    """Why each table whose shape is unknown is unknown, as sentences."""
    reasons = [str(UncertainTable(key[1], why)) for key, why in model.uncertain.items()]
    if model.unknown is not None:
        reasons.append(str(UncertainTable(None, model.unknown, whole=True)))
    return reasons


def schema_script(snapshot: ModelAt) -> str:
    """CREATE statements for the schema; SchemaUnknown when part of it cannot be known."""
    profile = snapshot.profile
    at = ", ".join(snapshot.at) or "base"
    header = [
        f"Schema at {at} for {profile.name} ({profile.description or profile.name}), "
        f"as {snapshot.revisions} revision(s) leave "
        + ("the `baseline` setting's tables" if snapshot.baseline else "an empty database"),
        f"Built offline by sqlgen {__version__} from the migrations; the version table "
        "is not shown.",
    ]
    try:
        dialect = build_dialect(profile, snapshot.server_version)
        return render_schema(snapshot.model, profile, dialect, header)
    except UncertainTable as exc:
        raise SchemaUnknown(profile.name, snapshot.at, unknowns(snapshot.model)) from exc


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
            relative = f"{name}/schema-{revisions_label(at)}.sql"
            path = inside(folder, relative, f"the file name made for {name}")
        if path is not None:
            atomic_write(path, text.encode("utf-8"))
        scripts.append(SchemaScript(name, at, text, path))
    return scripts
