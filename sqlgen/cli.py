"""The `sqlgen` command line. The only module that imports click.

sqlgen's own errors are translated here, once: usage errors exit 2, every
other failure exits 1, and each problem is one line on stderr (a traceback
only with --traceback).
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from sqlgen import __version__
from sqlgen.errors import GenerationFailed, SqlgenError
from sqlgen.fingerprint import one_command
from sqlgen.progress import ProgressBar


class LazyModule:
    """A module imported when one of its attributes is first used."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        import importlib

        return getattr(importlib.import_module(self._name), attribute)


if TYPE_CHECKING:
    from sqlgen import api
    from sqlgen.graph import Direction
    from sqlgen.results import GenerateResult
else:
    # The pipeline (SQLAlchemy, Alembic, sqlglot) loads on first use, so that
    # `sqlgen --help` and usage errors answer at once.
    api = LazyModule("sqlgen.api")

T = TypeVar("T")

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class CommandFailed(click.ClickException):
    """Exit 1 with one `error:` line per problem."""

    exit_code = 1

    def __init__(self, lines: Sequence[str]) -> None:
        super().__init__("\n".join(lines))
        self.problem_lines = list(lines)

    def show(self, file: IO[Any] | None = None) -> None:
        for line in self.problem_lines:
            click.echo(f"error: {line}", err=True)


@dataclass
class State:
    project: Path
    config: Path | None
    preload: tuple[str, ...]
    traceback: bool
    x_arguments: tuple[str, ...] = ()
    no_env_py: bool = False

    def open(
        self, index_scripts: bool = False, *, run_env: bool = False, **overrides: Any
    ) -> api.Workspace:
        """The project; `run_env` for commands that render SQL (env.py runs offline first)."""
        values = {
            "preload": self.preload or None,
            "env_py": "skip" if self.no_env_py else None,
            **overrides,
        }
        return self.guard(
            lambda: api.open_project(
                self.project,
                self.config,
                overrides=values,
                index_scripts=index_scripts,
                run_env=run_env,
                x_arguments=self.x_arguments,
            )
        )

    def guard(self, call: Callable[[], T]) -> T:
        with translated(self.traceback):
            return call()


@contextmanager
def translated(show_traceback: bool) -> Iterator[None]:
    try:
        yield
    except SqlgenError as exc:
        if show_traceback:
            raise
        fail(exc)


def fail(exc: SqlgenError) -> NoReturn:
    if exc.usage_error:
        raise click.UsageError(exc.message) from exc
    raise CommandFailed(exc.lines()) from exc


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, sort_keys=True))


class SqlgenGroup(click.Group):
    """Ctrl-C exits 130 with one line on stderr, as shells expect, not click's exit 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(130)


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


json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for machines.")
verbose_option = click.option("-v", "--verbose", is_flag=True, help="Show every detail.")


def _line(info: api.RevisionInfo) -> str:
    down = ", ".join(info.down_revisions) or "<base>"
    flags = "".join(
        f" ({name})"
        for name, on in (
            ("head", info.is_head),
            ("branchpoint", info.is_branch_point),
            ("mergepoint", info.is_merge_point),
        )
        if on
    )
    labels = f" ({', '.join(info.branch_labels)})" if info.branch_labels else ""
    return f"{down} -> {info.revision}{labels}{flags}, {info.message}"


def _verbose(info: api.RevisionInfo) -> str:
    parent = "Merges" if info.is_merge_point else "Parent"
    lines = [
        f"Rev: {info.revision}" + (" (head)" if info.is_head else ""),
        f"{parent}: {', '.join(info.down_revisions) or '<base>'}",
    ]
    if info.is_branch_point:
        lines.append(f"Branches into: {', '.join(info.children)}")
    if info.branch_labels:
        lines.append(f"Branch names: {', '.join(info.branch_labels)}")
    if info.depends_on:
        lines.append(f"Also depends on: {', '.join(info.depends_on)}")
    lines += [f"Path: {info.path}", "", f"    {info.message}", ""]
    return "\n".join(lines)


def _print_revisions(infos: Sequence[api.RevisionInfo], as_json: bool, verbose: bool) -> None:
    if as_json:
        emit_json([i.as_json() for i in infos])
        return
    for info in infos:
        click.echo(_verbose(info) if verbose else _line(info))


@main.command()
@click.argument("range_", metavar="[RANGE]", required=False)
@verbose_option
@json_option
@click.pass_obj
def history(state: State, range_: str | None, verbose: bool, as_json: bool) -> None:
    """List revisions, newest first (RANGE like base:heads or A:B)."""
    workspace = state.open()
    _print_revisions(state.guard(lambda: api.history(workspace, range_)), as_json, verbose)


@main.command()
@verbose_option
@json_option
@click.pass_obj
def heads(state: State, verbose: bool, as_json: bool) -> None:
    """List the current head revisions."""
    workspace = state.open()
    _print_revisions(api.heads(workspace), as_json, verbose)


@main.command()
@verbose_option
@json_option
@click.pass_obj
def branches(state: State, verbose: bool, as_json: bool) -> None:
    """List the branch points."""
    workspace = state.open()
    _print_revisions(api.branches(workspace), as_json, verbose)


@main.command()
@click.argument("revision")
@json_option
@click.pass_obj
def show(state: State, revision: str, as_json: bool) -> None:
    """Show a revision (an id, a unique prefix, head, heads, LABEL@head, ...)."""
    workspace = state.open()
    _print_revisions(state.guard(lambda: api.show(workspace, revision)), as_json, True)


@main.command()
@click.argument("revision", default="heads")
@click.option("-d", "--dialect", required=True, metavar="NAME", help="The dialect to print for.")
@click.option(
    "-o",
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the script to this file instead of printing it.",
)
@click.pass_obj
def schema(state: State, revision: str, dialect: str, out: Path | None) -> None:
    """Print the schema at REVISION (default: heads) as CREATE statements.

    The migrations are replayed offline from base and the schema they leave is
    printed as the DDL that builds it, compiled for the dialect: the end state a
    reviewer can read beside the change scripts. `base` prints an empty schema.
    """
    workspace = state.open(run_env=True)
    text = state.guard(lambda: api.schema(workspace, revision, dialect, out))
    if out is None:
        click.echo(text, nl=False)
    else:
        click.echo(f"wrote {out}", err=True)


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
    env.py is not run.
    """
    workspace = state.open(run_env=True)
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
            "-d",
            "--dialect",
            "dialects",
            multiple=True,
            metavar="NAME",
            help="Target dialect (repeatable): postgresql, mysql, mariadb, sqlite, mssql, oracle.",
        ),
        click.option(
            "--all-dialects",
            is_flag=True,
            help="Every dialect whose SQLAlchemy dialect is installed (see `sqlgen dialects`).",
        ),
        click.option(
            "-o",
            "--out",
            type=click.Path(file_okay=False, path_type=Path),
            default=Path("output"),
            show_default=True,
            help="Output folder.",
        ),
        click.option("--per-revision", is_flag=True, help="Also write one file per revision."),
        click.option(
            "--cache-dir",
            type=click.Path(file_okay=False, path_type=Path),
            help="Rendering cache folder (default: PROJECT/.sqlgen-cache).",
        ),
        click.option(
            "--no-cache", is_flag=True, help="Render every revision afresh; leave the cache alone."
        ),
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
        click.option(
            "--data-reads",
            type=click.Choice(["fail", "empty"]),
            default=None,
            help="A migration that reads data: fail (default), or read no rows and be flagged.",
        ),
        click.option(
            "--overrides",
            type=click.Path(file_okay=False, path_type=Path),
            help="Folder of reviewed SQL: REVISION.DIRECTION.DIALECT.sql replaces a revision.",
        ),
        click.option(
            "--source-dialect",
            metavar="NAME",
            help="Translate raw op.execute() SQL from this dialect (default: emit it verbatim).",
        ),
        click.option(
            "--server-version",
            metavar="X.Y",
            help="Server version the SQL is for (default: the dialect profile's); "
            "the dialect is initialized as for a server of that version.",
        ),
        json_option,
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _generate(state: State, direction: Direction, range_: str, **kw: Any) -> None:
    dialects: tuple[str, ...] = kw["dialects"]
    if not dialects and not kw["all_dialects"]:
        raise click.UsageError("no dialect given; pass --dialect NAME or --all-dialects")
    if kw["stdout"] and (kw["all_dialects"] or len(dialects) != 1):
        raise click.UsageError("--stdout prints one script: give exactly one --dialect")
    settings = {
        "source_dialect": kw["source_dialect"],
        "version_table": kw["version_table"],
        "version_table_schema": kw["version_table_schema"],
        "transaction_per_migration": kw["transaction_per_migration"],
        "data_reads": kw["data_reads"],
        "overrides": str(kw["overrides"].resolve()) if kw["overrides"] else None,
        "cache_dir": str(kw["cache_dir"].resolve()) if kw["cache_dir"] else None,
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
        # without loading the migrations (see sqlgen.memo).
        from sqlgen import memo
        from sqlgen.config import cache_dir_of

        key = memo.memo_key(state.project, state.config, settings, asked)
        cache = state.guard(
            lambda: cache_dir_of(state.project, state.config, os.environ, settings["cache_dir"])
        )
        write, force = not kw["stdout"], kw["force"]
        remembered = _generating(
            state, lambda: memo.replay(cache, key, kw["out"], write, force), kw
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
        cache=None if kw["no_cache"] else api.cache_folder(workspace),
    )
    bar = ProgressBar(sys.stderr)  # draws only on a terminal, and only for runs over a second
    _report(_generating(state, lambda: api.generate(workspace, request, bar, key), kw), kw)


def _generating(state: State, call: Callable[[], T], kw: Mapping[str, Any]) -> T:
    """A generation (rendered, or replayed from the memo) whose failures --json reports."""
    try:
        return state.guard(call)
    except CommandFailed as exc:
        cause = exc.__cause__
        if kw["as_json"] and isinstance(cause, GenerationFailed):
            emit_json(_failure_json(cause))
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
    """Write downgrade SQL for RANGE (e.g. heads:base, A,B:base, head:-1)."""
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


@main.command()
@out_option
@json_option
@click.pass_obj
def check(state: State, out: Path, as_json: bool) -> None:
    """Fail if the files in OUT no longer match the migrations (CI gate).

    Every run recorded in OUT/manifest.json is regenerated in memory and compared
    with the files and the manifest on disk; drift is shown as a unified diff.
    """
    workspace = state.open(run_env=True)
    result = state.guard(lambda: api.check(workspace, out))
    if as_json:
        emit_json(
            {
                "ok": not result.drifts,
                "checked": result.checked,
                "drifts": [
                    {"path": d.path, "kind": d.kind, "detail": d.detail} for d in result.drifts
                ],
            }
        )
    else:
        for drift in result.drifts:
            if drift.diff:
                click.echo(drift.diff, nl=False)
    if result.drifts:
        raise CommandFailed(
            [f"drift: {d.line()}" for d in result.drifts]
            + [f"{len(result.drifts)} difference(s) in {out}; regenerate, review and commit"]
        )
    if not as_json:
        click.echo(f"ok: {result.checked} file(s) in {out} match the migrations")


@main.command()
@click.argument("range_", metavar="[RANGE]", required=False)
@click.option("--by", required=True, metavar="NAME", help="Who reviewed the files.")
@out_option
@click.pass_obj
def approve(state: State, range_: str | None, by: str, out: Path) -> None:
    """Record the reviewed files (all, or those of RANGE) with their checksums.

    The approvals go to OUT/sqlgen.lock: `check` then fails if an approved file
    would change, and regenerating refuses to overwrite one without --force.
    """
    workspace = state.open()
    approvals = state.guard(lambda: api.approve(workspace, out, by, range_))
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


dialect_options = [
    click.option(
        "-d",
        "--dialect",
        "dialects",
        multiple=True,
        metavar="NAME",
        help="Target dialect (repeatable).",
    ),
    click.option("--all-dialects", is_flag=True, help="Every installed dialect."),
]


def _with(
    options: list[Callable[[Any], Any]],
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed(options):
            func = option(func)
        return func

    return decorate


@main.command(cls=RangeCommand)
@click.argument("range_", metavar="RANGE")
@_with(dialect_options)
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
@click.pass_obj
def lint(
    state: State,
    /,
    range_: str,
    dialects: tuple[str, ...],
    all_dialects: bool,
    report_format: str,
    fail_on: str,
) -> None:
    """Report risky changes in RANGE: destructive, locking, incompatible, data-dependent.

    Rules run over the captured operations and statements of the upgrade and of
    the downgrade of the same revisions. Suppress one on its migration line with
    `# sqlgen: ignore[SG101] reason`; configure rules in [tool.sqlgen.lint].
    """
    from sqlgen.lint import RULES, Severity, exit_code, to_json, to_markdown, to_sarif, to_text

    workspace = state.open(run_env=True)
    names = _dialect_names(state, workspace, dialects, all_dialects)
    result = state.guard(lambda: api.lint(workspace, range_, names))
    root = workspace.project.root
    if report_format == "json":
        report = to_json(result.findings, root=root)
    elif report_format == "sarif":
        report = to_sarif(result.findings, RULES, __version__, root)
    elif report_format == "markdown":
        report = to_markdown(result.findings, root=root)
    else:
        report = to_text(result.findings, color=sys.stdout.isatty(), root=root)
    click.echo(report, nl=not report.endswith("\n"))
    sys.exit(exit_code(result.findings, Severity(fail_on)))


@main.command(cls=RangeCommand)
@click.argument("range_", metavar="RANGE")
@_with(dialect_options)
@click.option(
    "-o",
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="The bundle folder; OUT.zip is written beside it.",
)
@click.pass_obj
def bundle(
    state: State, /, range_: str, dialects: tuple[str, ...], all_dialects: bool, out: Path
) -> None:
    """Write a change-ticket bundle for RANGE: scripts, manifest, REVIEW.md, REVIEW.html, zip."""
    workspace = state.open(run_env=True)
    names = _dialect_names(state, workspace, dialects, all_dialects)
    result = state.guard(lambda: api.bundle(workspace, range_, names, out))
    for path in result.files:
        click.echo(f"wrote {path}")
    click.echo(f"wrote {result.archive}")


@main.command(cls=RangeCommand)
@click.argument("range_", metavar="RANGE")
@_with(dialect_options)
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
@json_option
@click.pass_obj
def verify(
    state: State,
    /,
    range_: str,
    dialects: tuple[str, ...],
    all_dialects: bool,
    url: str | None,
    keep: bool,
    out: Path | None,
    as_json: bool,
) -> None:
    """Prove RANGE's scripts run: upgrade, downgrade, upgrade again, on a real engine.

    The files are written exactly as `upgrade` and `downgrade` write them and then
    applied statement by statement; the schema is reflected after each pass. It
    passes when every statement runs, the downgrade restores the schema from
    before the upgrade, the second upgrade gives the first one's, and the version
    table holds the expected heads. SQLite and DuckDB run embedded; PostgreSQL and
    MariaDB/MySQL on a throwaway local server when one is installed, or on --url;
    other engines only with --url, and are otherwise reported "not verified".
    Exit 0 only when every dialect passed.
    """
    import signal

    # Ctrl-C and SIGTERM unwind through the context managers, so servers stop
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    workspace = state.open(run_env=True)
    names = _dialect_names(state, workspace, dialects, all_dialects)
    outcomes = state.guard(lambda: api.verify(workspace, range_, names, url, keep, out))
    if as_json:
        emit_json(
            [
                {
                    "dialect": o.dialect,
                    "status": o.status,
                    "where": o.where,
                    "problems": o.problems,
                    "log": o.log,
                }
                for o in outcomes
            ]
        )
    else:
        for o in outcomes:
            click.echo(f"{o.status.upper()}: {o.dialect} ({o.where})")
            for line in o.log:
                click.echo(f"    {line}")
            for problem in o.problems:
                click.echo(f"    problem: {problem}")
    if any(o.status != "passed" for o in outcomes):
        sys.exit(1)
