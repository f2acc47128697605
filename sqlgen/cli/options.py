"""Options several commands share, declared once: the rendering options and --json."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import click

from sqlgen.cli.state import State

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for machines.")


def _with(
    options: list[Callable[[Any], Any]],
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed(options):
            func = option(func)
        return func

    return decorate


# Every command that renders SQL (upgrade, downgrade, lint, bundle, verify, check,
# regenerate, schema) takes these, with the same names, the same SQLGEN_* environment
# variables and the same config keys (the environment and config are read by
# sqlgen.project.config; a value given here wins). tests/test_options.py walks the commands.
RENDERING_OPTIONS: list[Callable[[Any], Any]] = [
    click.option(
        "-d",
        "--dialect",
        "dialects",
        multiple=True,
        metavar="NAME",
        help="Target dialect (repeatable): postgresql, mysql, mariadb, sqlite, mssql, oracle, "
        "... (see `sqlgen dialects`).",
    ),
    click.option(
        "--all-dialects",
        is_flag=True,
        help="Every dialect whose SQLAlchemy dialect is installed (see `sqlgen dialects`).",
    ),
    click.option(
        "--data-reads",
        type=click.Choice(["fail", "empty"]),
        default=None,
        help="A migration that reads data: fail (default), or read no rows and be flagged "
        "[SQLGEN_DATA_READS, config data_reads].",
    ),
    click.option(
        "--overrides",
        type=click.Path(file_okay=False, path_type=Path),
        help="Folder of reviewed SQL: REVISION.DIRECTION.DIALECT.sql replaces a revision "
        "[SQLGEN_OVERRIDES, config overrides].",
    ),
    click.option(
        "--source-dialect",
        metavar="NAME",
        help="Translate raw op.execute() SQL from this dialect (default: emit it verbatim) "
        "[SQLGEN_SOURCE_DIALECT, config source_dialect].",
    ),
    click.option(
        "--server-version",
        metavar="X.Y",
        help="Server version the SQL is for (default: the dialect profile's); the dialect is "
        "initialized as for a server of that version "
        "[SQLGEN_SERVER_VERSION, config server_version].",
    ),
    click.option(
        "--no-cache",
        is_flag=True,
        help="Render every revision afresh; leave the cache alone.",
    ),
    click.option(
        "--cache-dir",
        type=click.Path(file_okay=False, path_type=Path),
        help="Rendering cache folder (default: PROJECT/.sqlgen-cache) "
        "[SQLGEN_CACHE_DIR, config cache_dir].",
    ),
    click.option(
        "--no-env-py",
        "command_no_env_py",
        is_flag=True,
        help="Do not run the project's env.py; settings come from config "
        '[SQLGEN_ENV_PY=skip, config env_py = "skip"].',
    ),
    click.option(
        "-x",
        "command_x",
        multiple=True,
        metavar="KEY=VALUE",
        help="Passed to env.py and the migrations as Alembic's -x "
        "(context.get_x_argument()). Repeatable.",
    ),
]


def rendering_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add RENDERING_OPTIONS to a command. `-x` and `--no-env-py` given after the command
    join those given before it (`sqlgen -x a=1 upgrade ...`), in the State."""

    @functools.wraps(func)
    def command(*args: Any, **kw: Any) -> Any:
        state = click.get_current_context().find_object(State)
        assert state is not None
        state.x_arguments = (*state.x_arguments, *kw.pop("command_x"))
        state.no_env_py = kw.pop("command_no_env_py") or state.no_env_py
        return func(*args, **kw)

    return _with(RENDERING_OPTIONS)(command)


def rendering_settings(kw: Mapping[str, Any]) -> dict[str, Any]:
    """The project settings the rendering options set (None: from SQLGEN_*, config)."""
    return {
        "data_reads": kw["data_reads"],
        "overrides": str(kw["overrides"].resolve()) if kw["overrides"] else None,
        "source_dialect": kw["source_dialect"],
        "server_version": kw["server_version"],
        "cache_dir": str(kw["cache_dir"].resolve()) if kw["cache_dir"] else None,
    }
