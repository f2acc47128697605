"""Writing a new revision file, as `alembic revision` does, without a database.

The file comes from the project's own `script.py.mako` through Alembic's
`ScriptDirectory.generate_revision` (file name template, slug, time zone and
post-write hooks as the project configures them). With autogenerate, Alembic's
own comparison runs, through its `RevisionContext`, against an inspector over
the schema model at the heads instead of a live connection; env.py is never run.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from sqlgen.errors import RevisionNotWritten, SchemaUnknown, UsageError
from sqlgen.model import ModelInspector, UncertainTable
from sqlgen.model.at_revision import model_at, unknowns
from sqlgen.project.workspace import Workspace
from sqlgen.runtime.envpy import load_object
from sqlgen.runtime.runner import build_dialect


@dataclass(frozen=True)
class RevisionRequest:
    message: str
    autogenerate: bool = False
    metadata: str | None = None  # "package.module:attribute", the target MetaData
    dialect: str | None = None  # autogenerate compares as this dialect (default: source dialect)
    head: str = "head"
    splice: bool = False
    branch_labels: tuple[str, ...] = ()
    depends_on: tuple[str, ...] = ()
    rev_id: str | None = None
    version_path: Path | None = None
    # what env.py would pass to context.configure() for autogenerate
    render_as_batch: bool = False
    compare_server_default: bool = False


@dataclass(frozen=True)
class WrittenRevision:
    revision: str
    path: Path
    changes: int  # operations autogenerate found (0 without autogenerate)


def _alembic_config(workspace: Workspace) -> Any:
    from alembic.config import Config

    project = workspace.project
    return Config(
        file_=str(project.alembic_ini) if project.alembic_ini else None,
        toml_file=str(project.alembic_toml) if project.alembic_toml else None,
    )


def _script_directory(workspace: Workspace, config: Any) -> Any:
    """The project's ScriptDirectory: sqlgen's layout, Alembic's file-writing options."""
    from alembic.script import ScriptDirectory

    layout = workspace.project.layout
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # legacy path separators: not ours to change
        slug = config.get_alembic_option("truncate_slug_length")
        return ScriptDirectory(
            layout.script_location,
            file_template=config.get_alembic_option("file_template", "%(rev)s_%(slug)s"),
            truncate_slug_length=int(slug) if slug is not None else 40,
            version_locations=[str(p) for p in layout.version_locations] or None,
            output_encoding=config.get_alembic_option("output_encoding", "utf-8"),
            timezone=config.get_alembic_option("timezone"),
            hooks=config.get_hooks_list(),
            recursive_version_locations=layout.recursive_version_locations,
            messaging_opts={"quiet": True},  # sqlgen reports what it wrote itself
        )


def load_metadata(workspace: Workspace, spec: str) -> Any:
    """The MetaData (or list of them) named by "module:attribute"."""
    return load_object(workspace.project.root, spec, "--metadata")


def _migration_context(
    workspace: Workspace, request: RevisionRequest, directory: Any, config: Any, metadata: Any
) -> Any:
    """The MigrationContext env.py would configure, whose 'database' is the model at the heads.

    Built by Alembic's own EnvironmentContext.configure, so every option has
    the default Alembic gives it.
    """
    from alembic.runtime.environment import EnvironmentContext

    dialect_name = request.dialect or workspace.project.options.source_dialect or "postgresql"
    # no revision yet (fresh from `alembic init`): autogenerate compares with an empty schema
    snapshot = model_at(workspace, "heads" if workspace.graph.heads else "base", dialect_name)
    inspector = ModelInspector(snapshot.model, build_dialect(snapshot.profile))
    options = workspace.project.options
    environment = EnvironmentContext(config, directory)
    environment.configure(
        connection=cast(Any, inspector.bind),  # a ModelBind: inspect() maps it to the model
        target_metadata=metadata,
        render_as_batch=request.render_as_batch,
        compare_server_default=request.compare_server_default,
        version_table=options.version_table,
        version_table_schema=options.version_table_schema,
    )
    context = environment.get_context()
    context._sqlgen_snapshot = snapshot  # type: ignore[attr-defined]
    return context


def _command_args(request: RevisionRequest) -> dict[str, Any]:
    return {
        "message": request.message,
        "autogenerate": request.autogenerate,
        "sql": False,
        "head": request.head,
        "splice": request.splice,
        "branch_label": list(request.branch_labels) or None,
        "version_path": str(request.version_path) if request.version_path else None,
        "rev_id": request.rev_id,
        "depends_on": list(request.depends_on) or None,
    }


def _changes(scripts: Sequence[Any]) -> int:
    return sum(len(ops.as_diffs()) for s in scripts for ops in s.upgrade_ops_list)


def write_revision(workspace: Workspace, request: RevisionRequest) -> WrittenRevision:
    from alembic.autogenerate.api import RevisionContext
    from alembic.util import CommandError

    if request.autogenerate and not request.metadata:
        raise UsageError("--autogenerate needs --metadata MODULE:ATTRIBUTE (the target MetaData)")
    config = _alembic_config(workspace)
    directory = _script_directory(workspace, config)
    revision_context = RevisionContext(config, directory, _command_args(request))
    try:
        if request.autogenerate:
            metadata = load_metadata(workspace, request.metadata or "")
            context = _migration_context(workspace, request, directory, config, metadata)
            try:
                revision_context.run_autogenerate("heads", context)
            except UncertainTable as exc:
                snapshot = context._sqlgen_snapshot
                raise SchemaUnknown(
                    snapshot.profile.name, snapshot.at, unknowns(snapshot.model)
                ) from exc
        changes = _changes(revision_context.generated_revisions) if request.autogenerate else 0
        (script,) = [s for s in revision_context.generate_scripts() if s is not None]
    except CommandError as exc:
        raise RevisionNotWritten(str(exc)) from exc
    return WrittenRevision(script.revision, Path(script.path), changes)
