"""The `sqlgen` commands: each parses its options, makes one api call, and prints.

Errors are translated once, in sqlgen.cli.state; shared options are declared in
sqlgen.cli.options. Only sqlgen.cli imports click.
"""

from __future__ import annotations

import dataclasses
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from sqlgen import __version__
from sqlgen.cache.fingerprint import one_command
from sqlgen.cli.options import json_option, rendering_options, rendering_settings
from sqlgen.cli.progress import ProgressBar
from sqlgen.cli.state import CONTEXT, CommandFailed, SqlgenGroup, State, T, api, emit_json
from sqlgen.errors import GenerationFailed

if TYPE_CHECKING:
    from sqlgen.pipeline.results import GenerateResult
    from sqlgen.project.graph import Direction


@click.group(cls=SqlgenGroup, context_settings=CONTEXT)
@click.option(
    "-p",
    "--project",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="Project folder: where pyproject.toml, sqlgen.toml or alembic.ini is found.",
)
@click.option(
    "-c",
    "--config",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Read this ini or toml file instead of discovering one.",
)
@click.option(
    "--preload",
    multiple=True,
    metavar="MODULE",
    help="Import MODULE before any migration (e.g. a plugin adding op methods). Repeatable.",
)
@click.option(
    "-x",
    "x_arguments",
    multiple=True,
    metavar="KEY=VALUE",
    help="Passed to env.py and the migrations as Alembic's -x (context.get_x_argument()).",
)
@click.option(
    "--no-env-py",
    is_flag=True,
    help='Do not run the project\'s env.py (as env_py = "skip"); settings come from config.',
)
@click.option("--traceback", is_flag=True, help="Show the full traceback of an error.")
@click.version_option(__version__, "-V", "--version", prog_name="sqlgen")
@click.pass_context
def main(
    ctx: click.Context,
    project: Path,
    config: Path | None,
    preload: tuple[str, ...],
    x_arguments: tuple[str, ...],
    no_env_py: bool,
    traceback: bool,
) -> None:
    """Turn Alembic migrations into reviewed SQL scripts, offline, for every dialect.

    \b
    sqlgen upgrade base:heads --dialect postgresql
    sqlgen downgrade heads:base --dialect mysql --dialect mssql
    sqlgen history --json

    No database is contacted. Commands that render SQL first run the project's
    env.py in offline mode, as `alembic upgrade --sql` does (its target_metadata
    and configure() options apply; --no-env-py skips it). Settings come from the
    command line, then SQLGEN_* environment variables, then [tool.sqlgen] /
    sqlgen.toml / alembic.ini, then env.py's configure(). Exit codes: 0 success,
    1 failure, 2 usage error, 130 interrupted.
    """
    ctx.obj = State(project, config, preload, traceback, x_arguments, no_env_py)


verbose_option = click.option("-v", "--verbose", is_flag=True, help="Show every detail.")


# --- the rendering options: one definition for every command that renders ---------------


def _open_rendering(state: State, kw: Mapping[str, Any]) -> api.Workspace:
    """The project, for a command that renders, with the rendering options applied."""
    return state.open(index_scripts=not kw["no_cache"], run_env=True, **rendering_settings(kw))


def _print_revisions(
    workspace: api.Workspace,
    command: api.RevisionCommand,
    infos: Sequence[api.RevisionInfo],
    as_json: bool,
    verbose: bool,
) -> None:
    """--json: the structured form; else the text `alembic COMMAND` prints."""
    if as_json:
        emit_json([i.as_json() for i in infos])
        return
    click.echo(api.revisions_text(workspace, command, infos, verbose), nl=False)


@main.command()
@click.argument("range_", metavar="[RANGE]", required=False)
@verbose_option
@json_option
@click.pass_obj
def history(state: State, range_: str | None, verbose: bool, as_json: bool) -> None:
    """List revisions, newest first (RANGE like base:heads or A:B)."""
    workspace = state.open()
    infos = state.guard(lambda: api.history(workspace, range_))
    _print_revisions(workspace, "history", infos, as_json, verbose)


@main.command()
@verbose_option
@json_option
@click.pass_obj
def heads(state: State, verbose: bool, as_json: bool) -> None:
    """List the current head revisions."""
    workspace = state.open()
    _print_revisions(workspace, "heads", api.heads(workspace), as_json, verbose)


@main.command()
@verbose_option
@json_option
@click.pass_obj
def branches(state: State, verbose: bool, as_json: bool) -> None:
    """List the branch points."""
    workspace = state.open()
    _print_revisions(workspace, "branches", api.branches(workspace), as_json, verbose)


@main.command()
@click.argument("revision")
@json_option
@click.pass_obj
def show(state: State, revision: str, as_json: bool) -> None:
    """Show a revision (an id, a unique prefix, head, heads, LABEL@head, ...)."""
    workspace = state.open()
    infos = state.guard(lambda: api.show(workspace, revision))
    _print_revisions(workspace, "show", infos, as_json, True)


@main.command()
@click.argument("revision", default="heads")
@click.option(
    "-o",
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write each dialect's script into this folder, as DIALECT/schema-REVISION.sql.",
)
@click.option(
    "--file",
    "file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the one dialect's script to this file instead of printing it.",
)
@json_option
@rendering_options
@click.pass_obj
def schema(
    state: State, /, revision: str, out: Path | None, file: Path | None, as_json: bool, **kw: Any
) -> None:
    """Print the schema at REVISION (default: heads) as CREATE statements.

    The migrations are replayed offline from base and the schema they leave is
    printed as the DDL that builds it, compiled for the dialect: the end state a
    reviewer can read beside the change scripts. `base` prints an empty schema, or
    the project's `baseline` tables.
    Several dialects are written with -o FOLDER.
    """
    if out is not None and file is not None:
        raise click.UsageError("-o writes into a folder, --file to one file: give one of them")
    if not kw["dialects"] and not kw["all_dialects"]:
        raise click.UsageError("no dialect given; pass --dialect NAME or --all-dialects")
    if out is None and (kw["all_dialects"] or len(kw["dialects"]) != 1):
        raise click.UsageError(
            "one schema is printed (or written with --file): give one --dialect, "
            "or write each dialect's with -o FOLDER"
        )
    workspace = _open_rendering(state, kw)
    names = _dialect_names(state, workspace, kw["dialects"], kw["all_dialects"])
    scripts = state.guard(lambda: api.schemas(workspace, revision, names, out, file))
    if as_json:
        emit_json([s.as_json() for s in scripts])
        return
    for script in scripts:
        if script.path is None:
            click.echo(script.sql, nl=False)
        else:
            click.echo(f"wrote {script.path}", err=True)


@main.command()
@click.option("-m", "--message", required=True, help="What the revision does (its docstring).")
@click.option(
    "--autogenerate",
    is_flag=True,
    help="Fill upgrade()/downgrade() by comparing --metadata with the schema at the heads.",
)
@click.option(
    "--metadata",
    metavar="MODULE:ATTR",
    help="The target MetaData for --autogenerate, e.g. app.models:Base.metadata.",
)
@click.option(
    "-d",
    "--dialect",
    metavar="NAME",
    help="Compare as this dialect (default: the project's source dialect).",
)
@click.option("--head", default="head", show_default=True, help="The head to base it on.")
@click.option("--splice", is_flag=True, help="Allow a --head that is not a head (a new branch).")
@click.option("--branch-label", "branch_labels", multiple=True, help="Branch label (repeatable).")
@click.option("--depends-on", multiple=True, metavar="REV", help="A dependency (repeatable).")
@click.option("--rev-id", help="Use this revision id instead of a random one.")
@click.option(
    "--version-path",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write into this one of the version locations.",
)
@click.option("--render-as-batch", is_flag=True, help="Render the changes as batch operations.")
@click.option("--compare-server-default", is_flag=True, help="Compare server defaults too.")
@json_option
@click.pass_obj
def revision(state: State, /, as_json: bool, **kw: Any) -> None:
    """Write a new revision file from the project's script.py.mako.

    With --autogenerate, Alembic's own comparison runs against the schema the
    migrations leave at the heads, modelled offline: no database is needed and
    env.py is not run. On a project without revisions (fresh from `alembic init`) it
    writes the first one.
    """
    workspace = state.open(run_env=True, empty_ok=True)
    request = api.RevisionRequest(
        kw["message"],
        autogenerate=kw["autogenerate"],
        metadata=kw["metadata"],
        dialect=kw["dialect"],
        head=kw["head"],
        splice=kw["splice"],
        branch_labels=kw["branch_labels"],
        depends_on=kw["depends_on"],
        rev_id=kw["rev_id"],
        version_path=kw["version_path"],
        render_as_batch=kw["render_as_batch"],
        compare_server_default=kw["compare_server_default"],
    )
    written = state.guard(lambda: api.revision(workspace, request))
    path = workspace.relative(written.path)
    if as_json:
        emit_json({"revision": written.revision, "path": path, "changes": written.changes})
        return
    found = f", {written.changes} change(s) found" if kw["autogenerate"] else ""
    click.echo(f"wrote {path} (revision {written.revision}{found})")


# --- upgrade / downgrade ---------------------------------------------------------------


class RangeCommand(click.Command):
    """A command whose RANGE may be a negative step (`downgrade -1`), not an option."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # "-1", "-2:heads": a dash and a digit never start an option
        steps = [a for a in args if re.match(r"-\d", a)]
        if steps and "--" not in args:
            args = [a for a in args if a not in steps] + ["--", *steps]
        return super().parse_args(ctx, args)


def _generation_options(func: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option(
            "-o",
            "--out",
            type=click.Path(file_okay=False, path_type=Path),
            default=Path("output"),
            show_default=True,
            help="Output folder.",
        ),
        click.option("--per-revision", is_flag=True, help="Also write one file per revision."),
        click.option("--stdout", is_flag=True, help="Print the one dialect's script instead."),
        click.option(
            "--force", is_flag=True, help="Overwrite files a reviewer approved (drops approval)."
        ),
        click.option("--no-version-table", is_flag=True, help="Leave out alembic_version upkeep."),
        click.option("--version-table", metavar="NAME", help="Version table name."),
        click.option("--version-table-schema", metavar="SCHEMA", help="Version table schema."),
        click.option(
            "--transaction-per-migration/--single-transaction",
            default=None,
            help="One transaction per revision instead of one for the whole script.",
        ),
        json_option,
    ]
    for option in reversed(options):
        func = option(func)
    return rendering_options(func)


def _generate(state: State, direction: Direction, range_: str, **kw: Any) -> None:
    dialects: tuple[str, ...] = kw["dialects"]
    if not dialects and not kw["all_dialects"]:
        raise click.UsageError("no dialect given; pass --dialect NAME or --all-dialects")
    if kw["stdout"] and (kw["all_dialects"] or len(dialects) != 1):
        raise click.UsageError("--stdout prints one script: give exactly one --dialect")
    settings = {
        "version_table": kw["version_table"],
        "version_table_schema": kw["version_table_schema"],
        "transaction_per_migration": kw["transaction_per_migration"],
        **rendering_settings(kw),
    }
    asked = {
        "direction": direction,
        "spec": range_,
        "dialects": dialects,
        "per_revision": kw["per_revision"],
        "version_table": not kw["no_version_table"],
        "server_version": kw["server_version"],
        "preload": state.preload,
        "x": state.x_arguments,
        "env_py": not state.no_env_py,
    }
    key = None
    if not kw["no_cache"] and not kw["all_dialects"]:
        # Asked exactly this before, with nothing changed since: the remembered run,
        # without loading the migrations (see sqlgen.cache.memo).
        write, force = not kw["stdout"], kw["force"]
        key, remembered = _generating(
            state,
            lambda: api.remembered(
                state.project, state.config, settings, asked, kw["out"], write=write, force=force
            ),
            kw,
        )
        if remembered is not None:
            _report(remembered, kw)
            return
    workspace = state.open(index_scripts=not kw["no_cache"], run_env=True, **settings)
    if kw["all_dialects"]:
        installed, missing = api.all_dialects(workspace)
        dialects = tuple(dict.fromkeys([*dialects, *installed]))
        for profile in missing:
            click.echo(
                f"note: skipping {profile.name}: not installed "
                f"(pip install 'sqlgen[{profile.extra}]')",
                err=True,
            )
    request = api.GenerateRequest(
        direction=direction,
        spec=range_,
        dialects=dialects,
        out=kw["out"],
        per_revision=kw["per_revision"],
        version_table=not kw["no_version_table"],
        server_version=kw["server_version"],
        write=not kw["stdout"],
        force=kw["force"],
        cache=None if kw["no_cache"] else workspace.cache_folder,
    )
    bar = ProgressBar(sys.stderr)  # draws only on a terminal, and only for runs over a second
    _report(_generating(state, lambda: api.generate(workspace, request, bar, key), kw), kw)


def _generating(state: State, call: Callable[[], T], kw: Mapping[str, Any]) -> T:
    """A generation (rendered, or replayed from the memo) whose failures --json reports."""
    try:
        return state.guard(call)
    except CommandFailed as exc:
        cause = exc.__cause__
        if isinstance(cause, GenerationFailed):
            if kw["as_json"]:
                emit_json(_failure_json(cause))
            else:  # the dialects that succeeded were written: say so, as a success does
                for path in cause.written:
                    click.echo(f"wrote {path}")
        raise


def _report(result: GenerateResult, kw: Mapping[str, Any]) -> None:
    if kw["stdout"]:
        if len(result.scripts) > 1:  # env.py migrates several databases of this dialect
            raise click.UsageError(
                f"--stdout prints one script, and this renders {len(result.scripts)} "
                f"({', '.join(result.scripts)}): write them to files with --out"
            )
        click.echo(next(iter(result.scripts.values())).text, nl=False)
        return
    _dropped_notes(result)
    if kw["as_json"]:
        emit_json(_result_json(result))
        return
    for path in result.written:
        click.echo(f"wrote {path}")


def _result_json(result: GenerateResult) -> dict[str, Any]:
    return {
        "direction": result.plan.direction,
        "from": list(result.plan.start),
        "to": list(result.plan.end),
        "revisions": list(result.plan.revisions),
        "files": [str(p) for p in result.written],
        "failures": [],
    }


def _failure_json(exc: GenerationFailed) -> dict[str, Any]:
    return {
        "files": exc.written,
        "failures": [
            {
                "dialect": f.dialect,
                "revision": f.revision,
                "path": str(f.path) if f.path else None,
                "line": f.line,
                "reason": f.reason,
            }
            for f in exc.failures
        ],
    }


@main.command(cls=RangeCommand)
@click.argument("range_", metavar="RANGE")
@_generation_options
@click.pass_obj
def upgrade(state: State, /, range_: str, **kw: Any) -> None:
    """Write upgrade SQL for RANGE (e.g. base:heads, A:B, +2, LABEL@head)."""
    with one_command():  # each file is hashed once per command
        _generate(state, "upgrade", range_, **kw)


@main.command(cls=RangeCommand)
@click.argument("range_", metavar="RANGE")
@_generation_options
@click.pass_obj
def downgrade(state: State, /, range_: str, **kw: Any) -> None:
    """Write downgrade SQL for RANGE (e.g. heads:base, A,B:base, head:-1, "undo A:B").

    RANGE "undo UPGRADE-RANGE" is the exact reverse of `upgrade UPGRADE-RANGE`: the
    same revisions, undone in reverse order, back to where that upgrade started,
    e.g. sqlgen downgrade "undo base:heads" -d postgresql.
    """
    with one_command():  # each file is hashed once per command
        _generate(state, "downgrade", range_, **kw)


@main.command()
@json_option
@click.pass_obj
def dialects(state: State, as_json: bool) -> None:
    """List the dialect profiles: installed here or not, the extra providing them, how verified."""
    table = state.guard(lambda: api.dialect_table(state.project, state.config))
    if as_json:
        emit_json([info.as_json() for info in table])
        return
    rows = [("DIALECT", "INSTALLED", "EXTRA", "SQLALCHEMY", "VERIFIED WITH", "ALIASES")]
    for info in table:
        p = info.profile
        installed = "yes" if info.installed else "no"
        extra = f"pip install 'sqlgen[{p.extra}]'" if p.extra else "built in"
        rows.append((p.name, installed, extra, p.sqlalchemy, p.verify, ", ".join(p.aliases)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=True)]
        click.echo("  ".join(cells).rstrip())


out_option = click.option(
    "-o",
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("output"),
    show_default=True,
    help="The output folder holding manifest.json.",
)


MANIFEST_DIFF_LINES = 20  # of the manifest.json diff `check` shows without --diff


def _replaying(state: State, out: Path, kw: Mapping[str, Any]) -> api.Workspace:
    """The project, for check and regenerate: the -x the manifest records unless given."""
    if not state.x_arguments:
        state.x_arguments = state.guard(lambda: api.recorded_x(out))
    return _open_rendering(state, kw)


def _given(kw: Mapping[str, Any]) -> dict[str, Any]:
    """Settings given on the command line (which must match what the manifest records)."""
    settings = rendering_settings(kw)
    return {
        key: settings[key]
        for key in ("data_reads", "overrides", "source_dialect", "server_version")
    }


def _replay_dialects(kw: Mapping[str, Any]) -> tuple[str, ...]:
    """-d limits check and regenerate to those dialects; --all-dialects (the default): all
    the manifest records."""
    return () if kw["all_dialects"] else tuple(kw["dialects"])


@main.command()
@out_option
@click.option("--diff", "full_diff", is_flag=True, help="Show all of the manifest.json diff.")
@click.option(
    "--strict-versions",
    is_flag=True,
    help="Fail when only the generator's library versions differ (by default: a note).",
)
@json_option
@rendering_options
@click.pass_obj
def check(
    state: State, /, out: Path, full_diff: bool, strict_versions: bool, as_json: bool, **kw: Any
) -> None:
    """Fail if the files in OUT no longer match the migrations (CI gate).

    Every run recorded in OUT/manifest.json is regenerated in memory and compared
    with the files and the manifest on disk: the drift lines come first, then each
    file's unified diff, then the start of the manifest's (--diff: all of it).
    Approvals dropped by --force are reported until the files are approved again.
    With -d, only those dialects' files are compared. `sqlgen regenerate` rewrites
    what the manifest records.
    """
    workspace = _replaying(state, out, kw)
    cache = None if kw["no_cache"] else workspace.cache_folder
    result = state.guard(
        lambda: api.check(workspace, out, _replay_dialects(kw), _given(kw), cache, strict_versions)
    )
    if as_json:
        emit_json(
            {
                "ok": not result.drifts,
                "checked": result.checked,
                "drifts": [
                    {"path": d.path, "kind": d.kind, "detail": d.detail} for d in result.drifts
                ],
                "notes": [
                    {"path": d.path, "kind": d.kind, "detail": d.detail} for d in result.notes
                ],
            }
        )
    else:
        for note in result.notes:
            click.echo(f"note: {note.line()}", err=True)
        for drift in result.drifts:
            click.echo(f"error: drift: {drift.line()}", err=True)
        for drift in result.drifts:
            if drift.diff and drift.kind != "manifest":
                click.echo(drift.diff, nl=False)
        for drift in result.drifts:
            if drift.diff and drift.kind == "manifest":
                _manifest_diff(drift.diff, full_diff)
    if result.drifts:
        summary = (
            f"{len(result.drifts)} difference(s) in {out}; regenerate (sqlgen regenerate "
            f"-o {out}), review and commit"
        )
        # as JSON, the drifts are in the document; as text, they were listed first
        lines = [f"drift: {d.line()}" for d in result.drifts] if as_json else []
        raise CommandFailed([*lines, summary])
    if not as_json:
        click.echo(f"ok: {result.checked} file(s) in {out} match the migrations")


def _manifest_diff(diff: str, full: bool) -> None:
    lines = diff.splitlines(keepends=True)
    if full or len(lines) <= MANIFEST_DIFF_LINES:
        click.echo(diff, nl=False)
        return
    click.echo("".join(lines[:MANIFEST_DIFF_LINES]), nl=False)
    more = len(lines) - MANIFEST_DIFF_LINES
    click.echo(f"... {more} more line(s) of the manifest.json diff (--diff shows them all)")


@main.command()
@out_option
@click.option("--force", is_flag=True, help="Overwrite files a reviewer approved (drops approval).")
@json_option
@rendering_options
@click.pass_obj
def regenerate(state: State, /, out: Path, force: bool, as_json: bool, **kw: Any) -> None:
    """Run again exactly what OUT/manifest.json records: each direction's command, range,
    dialects and options (with -d, only those dialects), written to OUT.

    After a new revision, this and `sqlgen check` need no memory of the commands
    that wrote OUT. Approved files are not overwritten without --force.
    """
    workspace = _replaying(state, out, kw)
    cache = None if kw["no_cache"] else workspace.cache_folder
    options = {"as_json": as_json, "stdout": False}
    results = _generating(
        state,
        lambda: api.regenerate(workspace, out, _replay_dialects(kw), _given(kw), cache, force),
        options,
    )
    if as_json:
        emit_json([_result_json(result) for result in results])
    for result in results:
        _dropped_notes(result)
        if not as_json:
            for path in result.written:
                click.echo(f"wrote {path}")


def _dropped_notes(result: GenerateResult) -> None:
    for approval in result.dropped:
        click.echo(
            f"note: --force dropped the approval of {approval.path} (by {approval.by} on "
            f"{approval.on}); review it and run `sqlgen approve` again",
            err=True,
        )


@main.command()
@click.argument("range_", metavar="[RANGE]", required=False)
@click.option("--by", required=True, metavar="NAME", help="Who reviewed the files.")
@out_option
@json_option
@click.pass_obj
def approve(state: State, range_: str | None, by: str, out: Path, as_json: bool) -> None:
    """Record the reviewed files (all, or those of RANGE) with their checksums.

    The approvals go to OUT/sqlgen.lock: `check` then fails if an approved file
    would change, and regenerating refuses to overwrite one without --force.
    """
    workspace = state.open()
    approvals = state.guard(lambda: api.approve(workspace, out, by, range_))
    if as_json:
        emit_json([dataclasses.asdict(approval) for approval in approvals])
        return
    for approval in approvals:
        click.echo(f"approved {approval.path} ({approval.sha256[:12]}) by {approval.by}")


def _dialect_names(
    state: State, workspace: api.Workspace, names: tuple[str, ...], every: bool
) -> list[str]:
    if every:
        installed, _ = api.all_dialects(workspace)
        return list(dict.fromkeys([*names, *installed]))
    if not names:
        raise click.UsageError("no dialect given; pass --dialect NAME or --all-dialects")
    return list(names)


since_option = click.option(
    "--since",
    metavar="GIT_REF",
    help="Instead of RANGE: the revisions whose files are new or changed since GIT_REF "
    "(git diff, and files not added yet), from the schema at their parents.",
)
assume_new_option = click.option(
    "--assume-new-tables",
    is_flag=True,
    help="A table the range creates is new (no rows) for the whole range, as if it were "
    "deployed in one go; by default a deployment may stop after any revision.",
)


def _range_or_since(
    state: State, workspace: api.Workspace, range_: str | None, since: str | None
) -> tuple[str | None, api.Changed | None]:
    """The range to run: RANGE, or the one covering what changed since GIT_REF (None when
    nothing did, which is said on stderr)."""
    if since is None:
        return range_, None
    changed = state.guard(lambda: api.changed_since(workspace, since))
    if not changed.revisions:
        click.echo(f"note: no revision file is new or changed since {since}", err=True)
    else:
        listed = ", ".join(changed.revisions)
        click.echo(f"note: changed since {since}: {listed} (range {changed.spec})", err=True)
    return changed.spec, changed


def _one_of_range_since(range_: str | None, since: str | None) -> None:
    if (range_ is None) == (since is None):
        raise click.UsageError("give a RANGE or --since GIT_REF (one of them)")


@main.command(cls=RangeCommand)
@click.argument("range_", metavar="[RANGE]", required=False)
@rendering_options
@since_option
@assume_new_option
@click.option(
    "--format",
    "report_format",
    type=click.Choice(["text", "json", "sarif", "markdown"]),
    default="text",
    show_default=True,
    help="Report format.",
)
@click.option(
    "--fail-on",
    type=click.Choice(["info", "warning", "error"]),
    default="error",
    show_default=True,
    help="Exit 1 when a finding at or above this severity is not suppressed.",
)
@json_option
@click.pass_obj
def lint(
    state: State,
    /,
    range_: str | None,
    since: str | None,
    assume_new_tables: bool,
    report_format: str,
    fail_on: str,
    as_json: bool,
    **kw: Any,
) -> None:
    """Report risky changes in RANGE: destructive, locking, incompatible, data-dependent.

    Rules run over the captured operations and statements of the upgrade and of
    the downgrade of the same revisions. A table an earlier revision created is
    taken to hold rows by then (a deployment can stop after any revision) unless
    --assume-new-tables. In CI, `--since origin/main` lints what a change adds,
    against the schema before it. Suppress one on its migration line with
    `# sqlgen: ignore[SG101] reason`; configure rules in [tool.sqlgen.lint].
    """
    from sqlgen.lint import RULES, Severity, exit_code, to_json, to_markdown, to_sarif, to_text

    if as_json and report_format not in ("text", "json"):
        raise click.UsageError(
            f"--json is --format json; it cannot go with --format {report_format}"
        )
    report_format = "json" if as_json else report_format
    _one_of_range_since(range_, since)
    workspace = _open_rendering(state, kw)
    names = _dialect_names(state, workspace, kw["dialects"], kw["all_dialects"])
    spec, changed = _range_or_since(state, workspace, range_, since)
    findings = []
    if spec is not None:
        findings = state.guard(
            lambda: api.lint(
                workspace, spec, names, assume_new_tables=assume_new_tables, changed=changed
            )
        ).findings
    root = workspace.project.root
    if report_format == "json":
        report = to_json(findings, root=root)
    elif report_format == "sarif":
        report = to_sarif(findings, RULES, __version__, root)
    elif report_format == "markdown":
        report = to_markdown(findings, root=root)
    else:
        report = to_text(findings, color=sys.stdout.isatty(), root=root)
    click.echo(report, nl=not report.endswith("\n"))
    sys.exit(exit_code(findings, Severity(fail_on)))


@main.command(cls=RangeCommand)
@click.argument("range_", metavar="[RANGE]", required=False)
@rendering_options
@since_option
@assume_new_option
@click.option(
    "-o",
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="The bundle folder; OUT.zip is written beside it.",
)
@json_option
@click.pass_obj
def bundle(
    state: State,
    /,
    range_: str | None,
    since: str | None,
    assume_new_tables: bool,
    out: Path,
    as_json: bool,
    **kw: Any,
) -> None:
    """Write a change-ticket bundle for RANGE: scripts, manifest, REVIEW.md, REVIEW.html, zip.

    With --since GIT_REF, the bundle is of the revisions new or changed since then;
    when there are none, nothing is written.
    """
    _one_of_range_since(range_, since)
    workspace = _open_rendering(state, kw)
    names = _dialect_names(state, workspace, kw["dialects"], kw["all_dialects"])
    spec, changed = _range_or_since(state, workspace, range_, since)
    if spec is None:
        if as_json:
            emit_json({"folder": None, "archive": None, "files": [], "findings": 0})
        return
    result = state.guard(
        lambda: api.bundle(
            workspace, spec, names, out, assume_new_tables=assume_new_tables, changed=changed
        )
    )
    if as_json:
        emit_json(
            {
                "folder": str(result.folder),
                "archive": str(result.archive),
                "files": [str(p) for p in result.files],
                "findings": len(result.findings),
            }
        )
        return
    for path in result.files:
        click.echo(f"wrote {path}")
    click.echo(f"wrote {result.archive}")


@main.command(cls=RangeCommand)
@click.argument("range_", metavar="[RANGE]", required=False)
@rendering_options
@since_option
@click.option(
    "--url",
    metavar="URL",
    help="A server to verify on (SQLAlchemy URL): a scratch database is created there and "
    "dropped after; the URL's own database is never touched.",
)
@click.option("--keep", is_flag=True, help="Keep the scratch database (and the scripts).")
@click.option(
    "-o",
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write the verified scripts here (default: a temporary folder).",
)
@click.option(
    "--empty",
    is_flag=True,
    help="Run on empty tables: insert no rows and check none (see docs/verify.md).",
)
@click.option(
    "--sqlite-foreign-keys/--no-sqlite-foreign-keys",
    default=True,
    show_default=True,
    help="On SQLite, enforce foreign keys (PRAGMA foreign_keys = ON) as most applications "
    "do; --no-sqlite-foreign-keys when yours runs SQLite with them off, its default.",
)
@json_option
@click.pass_obj
def verify(
    state: State,
    /,
    range_: str | None,
    since: str | None,
    url: str | None,
    keep: bool,
    out: Path | None,
    empty: bool,
    sqlite_foreign_keys: bool,
    as_json: bool,
    **kw: Any,
) -> None:
    """Prove RANGE's scripts run: upgrade, downgrade, upgrade again, on a real engine.

    The files are written exactly as `upgrade` and `downgrade` write them and then
    applied statement by statement; the schema is reflected after each pass. It
    passes when every statement runs, the downgrade restores the schema from
    before the upgrade, the second upgrade gives the first one's, and the version
    table holds the expected heads. SQLite and DuckDB run embedded; PostgreSQL and
    MariaDB/MySQL on a throwaway local server when one is installed, or on --url;
    other engines only with --url, and are otherwise reported "not verified".
    Unless --empty, the upgrade and the downgrade run revision by revision on
    tables holding rows made from the schema model, checked after each revision
    (rows kept, defaults usable): see docs/verify.md. Exit 0 only when every
    dialect passed.
    """
    import signal

    # Ctrl-C and SIGTERM unwind through the context managers, so servers stop
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    _one_of_range_since(range_, since)
    workspace = _open_rendering(state, kw)
    names = _dialect_names(state, workspace, kw["dialects"], kw["all_dialects"])
    spec, _ = _range_or_since(state, workspace, range_, since)
    if spec is None:  # nothing changed: nothing to verify
        if as_json:
            emit_json([])
        return
    outcomes = state.guard(
        lambda: api.verify(
            workspace,
            spec,
            names,
            url,
            keep,
            out,
            rows=not empty,
            sqlite_foreign_keys=sqlite_foreign_keys,
        )
    )
    if as_json:
        emit_json(
            [
                {
                    "dialect": o.dialect,
                    "status": o.status,
                    "where": o.where,
                    "problems": o.problems,
                    "log": o.log,
                    "notes": o.notes,
                }
                for o in outcomes
            ]
        )
    else:
        for o in outcomes:
            click.echo(f"{o.status.upper()}: {o.dialect} ({o.where})")
            for line in o.log:
                click.echo(f"    {line}")
            for note in o.notes:
                click.echo(f"    note: {note}")
            for problem in o.problems:
                click.echo(f"    problem: {problem}")
    if any(o.status != "passed" for o in outcomes):
        sys.exit(1)
