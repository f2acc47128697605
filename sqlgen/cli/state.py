"""What every command shares: the global options (State), and errors translated once.

sqlgen's own errors are translated here: usage errors exit 2, every other failure
exits 1, and each problem is one line on stderr (a traceback only with --traceback).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from sqlgen.errors import SqlgenError


class LazyModule:
    """A module imported when one of its attributes is first used."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        import importlib

        return getattr(importlib.import_module(self._name), attribute)


if TYPE_CHECKING:
    from sqlgen import api as api
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
        self,
        index_scripts: bool = False,
        *,
        run_env: bool = False,
        empty_ok: bool = False,
        **overrides: Any,
    ) -> api.Workspace:
        """The project; `run_env` for commands that render SQL (env.py runs offline first);
        `empty_ok` where a project without revisions is fine (`revision` writes the first)."""
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
                empty_ok=empty_ok,
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
    """Ctrl-C exits 130 with one line on stderr, as shells expect, not click's exit 1.

    An optional package found missing where no error names it (the drivers, the
    dialects and verify's engines are checked where they are used) is one line
    naming its extra, exit 1, rather than a traceback.
    """

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(130)
        except ModuleNotFoundError as exc:
            state = ctx.obj
            if exc.name is None or (isinstance(state, State) and state.traceback):
                raise
            from sqlgen.errors import MissingPackage

            CommandFailed(MissingPackage(exc.name).lines()).show()
            ctx.exit(1)
