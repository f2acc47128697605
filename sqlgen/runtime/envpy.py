"""The project's env.py, run in offline mode as `alembic upgrade --sql` runs it.

Real migrations expect Alembic's environment: env.py has imported the
application (its models, its custom types), passed `target_metadata` with the
project's naming convention and its own `configure()` options, and
`context.config` is the project's `Config`. sqlgen runs env.py once per
command, before the revision files load, with `alembic.context` answering as
Alembic's offline `EnvironmentContext`: `is_offline_mode()` is true;
`configure()` is recorded (its url and dialect are replaced by each target
dialect later, every other option is kept); `run_migrations(**kw)` records the
keywords the revisions' functions will be called with; `begin_transaction()`
does nothing. The recorded runs are replayed by sqlgen's capture, once per
target dialect.

Nothing here connects: a connection attempt is an error (see `never_connects`).
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

from sqlgen.errors import EnvPyError, MetadataImportError, UsageError, line_in
from sqlgen.runtime import internals

T = TypeVar("T")

# configure() keywords that choose or reach a database: replaced per target dialect
_TARGET_KEYWORDS = ("connection", "url", "dialect_name", "dialect_opts", "output_buffer", "as_sql")


@dataclass(frozen=True)
class MigrationRun:
    """One `configure()` + `run_migrations()` of env.py."""

    options: Mapping[str, Any]  # configure() keywords, less those in _TARGET_KEYWORDS
    arguments: Mapping[str, Any]  # run_migrations() keywords: passed to upgrade()/downgrade()
    url: str | None = None  # what env.py configured, for multi-database projects

    @property
    def backend(self) -> str | None:
        """The database env.py configured: `postgresql` for postgresql+psycopg://..., or None."""
        if not self.url:
            return None
        if "://" not in self.url:  # dialect_name="postgresql"
            return self.url.split("+")[0].strip().lower() or None
        try:
            return str(make_url(self.url).get_backend_name()).lower()
        except Exception:  # not a URL SQLAlchemy can read: no dialect named
            return None


@dataclass(frozen=True)
class Environment:
    """What the migrations run in: the project's Config and what env.py configured."""

    config: Config
    runs: tuple[MigrationRun, ...] = ()
    env_py: Path | None = None  # None: env.py was not run
    project_root: Path | None = None

    def around(self, work: Callable[[], T]) -> T:
        """`work()` run inside env.py's own `context.run_migrations()` call.

        env.py may set up what the migrations need around that call (a `with`
        block that sets a global, as Dagster's `upgrading_instance` does), so the
        migrations run there, as under Alembic. env.py runs again for this (its
        first run, which recorded configure(), is over by now); without env.py,
        `work()` just runs.
        """
        if self.env_py is None or self.project_root is None:
            return work()
        done: list[T] = []

        def hand_over() -> None:
            if not done:  # several databases: the work covers them all, at the first
                done.append(work())

        _execute(self.config, self.env_py.parent, self.project_root, hand_over)
        if not done:
            raise EnvPyError(self.env_py, None, "env.py did not call run_migrations() again")
        return done[0]

    @property
    def options(self) -> Mapping[str, Any]:
        return self.runs[0].options if self.runs else {}

    @property
    def arguments(self) -> Mapping[str, Any]:
        return self.runs[0].arguments if self.runs else {}

    def engine_names(self) -> tuple[str, ...]:
        """A name per run, for file names: the `engine_name` keyword of run_migrations()
        (as Alembic's multidb template passes it), else the run's position: 1, 2, ...
        """
        names = [_engine_name(run.arguments.get("engine_name")) for run in self.runs]
        if all(names) and len(set(names)) == len(names):
            return tuple(str(name) for name in names)
        return tuple(str(position) for position in range(1, len(self.runs) + 1))

    def engine(self, index: int) -> Environment:
        """The environment of one database of a multi-database env.py: its run only."""
        return replace(self, runs=(self.runs[index],))

    def describe(self) -> dict[str, Any]:
        """A stable, JSON-able account of the environment, for the manifest and cache keys."""
        record: dict[str, Any] = {
            "env_py": self.env_py.name if self.env_py else None,
            "x": list(x_arguments(self.config)),
        }
        if len(self.runs) > 1:  # several databases: each with its own configure() (multidb)
            record["engines"] = [
                {"name": name, "dialect": run.backend, **_describe_run(run)}
                for name, run in zip(self.engine_names(), self.runs, strict=True)
            ]
            return record
        options, arguments = self.options, self.arguments
        return record | _describe_run(MigrationRun(options, arguments))


def _describe_run(run: MigrationRun) -> dict[str, Any]:
    return {
        "configure": {k: describe_value(v) for k, v in sorted(run.options.items())},
        "run_migrations": {k: describe_value(v) for k, v in sorted(run.arguments.items())},
    }


def _engine_name(value: Any) -> str | None:
    """`engine_name` as a file-name part: letters, digits, `_` and `-` (others become `_`)."""
    if not isinstance(value, str) or not value.strip():
        return None
    return re.sub(r"[^A-Za-z0-9_-]", "_", value.strip())


def x_arguments(config: Config) -> tuple[str, ...]:
    opts = config.cmd_opts
    return tuple(getattr(opts, "x", None) or ()) if opts is not None else ()


def describe_value(value: Any) -> Any:
    """A value as text that is the same from run to run (no object addresses)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Mapping):
        return {
            str(k): describe_value(v) for k, v in sorted(value.items(), key=lambda i: str(i[0]))
        }
    if isinstance(value, list | tuple):
        return [describe_value(v) for v in value]
    naming = getattr(value, "naming_convention", None)
    if naming is not None and hasattr(value, "tables"):  # a MetaData: what offline SQL uses
        return {
            "metadata": {
                "naming_convention": describe_value(
                    {_key_name(k): v for k, v in dict(naming).items()}
                ),
                "schema": value.schema,
            }
        }
    if callable(value):
        return f"{getattr(value, '__module__', '?')}.{getattr(value, '__qualname__', '?')}"
    return type(value).__qualname__


def _key_name(key: Any) -> str:
    return key if isinstance(key, str) else getattr(key, "__name__", str(key))


def project_config(
    alembic_ini: Path | None,
    alembic_toml: Path | None,
    x: Sequence[str] = (),
) -> Config:
    """The project's Alembic Config, as `alembic -x ...` would build it."""
    cmd_opts = argparse.Namespace(x=list(x), config=str(alembic_ini) if alembic_ini else None)
    return Config(
        str(alembic_ini) if alembic_ini else None,
        toml_file=str(alembic_toml) if alembic_toml else None,
        cmd_opts=cmd_opts,
    )


class NeverConnects(Exception):
    """Raised where migration or env.py code tries to open a database connection."""


def _caller_in(roots: Sequence[Path]) -> str:
    """file:line of the innermost frame of the project's own code, for the message."""
    for frame in reversed(traceback.extract_stack()[:-2]):
        path = Path(frame.filename)
        if any(path.is_relative_to(root) for root in roots):
            return f"{frame.filename}:{frame.lineno}"
    return "unknown place"


@contextmanager
def never_connects(roots: Sequence[Path]) -> Iterator[None]:
    """Any attempt to connect through SQLAlchemy fails, naming where it was made."""
    from sqlalchemy.engine.base import Engine
    from sqlalchemy.pool.base import Pool

    def refuse(*args: Any, **kw: Any) -> Any:
        raise NeverConnects(
            f"tried to connect to a database at {_caller_in(roots)}; sqlgen never connects: "
            "in offline mode use op.get_bind() / op.execute(), which are captured"
        )

    saved = Pool.connect, Engine.raw_connection, Engine.connect
    Pool.connect = refuse  # type: ignore[method-assign]
    Engine.raw_connection = refuse  # type: ignore[method-assign]
    Engine.connect = refuse  # type: ignore[method-assign]
    try:
        yield
    finally:
        Pool.connect, Engine.raw_connection, Engine.connect = saved  # type: ignore[method-assign]


class _Interception:
    """What env.py's `alembic.context` does differently offline under sqlgen.

    Alembic's proxy behind `alembic.context` is keyed to the EnvironmentContext
    class itself, so its instance gets these methods rather than a subclass.
    """

    def __init__(
        self, environment: EnvironmentContext, hand_over: Callable[[], None] | None = None
    ) -> None:
        self.environment = environment
        self.hand_over = hand_over  # called inside run_migrations(): sqlgen's own run
        self.recorded: list[MigrationRun] = []
        self._pending: tuple[dict[str, Any], str | None] | None = None
        environment.is_offline_mode = self.is_offline_mode  # type: ignore[method-assign]
        environment.configure = self.configure  # type: ignore[method-assign,assignment]
        environment.run_migrations = self.run_migrations  # type: ignore[method-assign]
        environment.begin_transaction = self.begin_transaction  # type: ignore[method-assign]
        environment.get_bind = self.get_bind  # type: ignore[method-assign]
        environment.execute = self.execute  # type: ignore[method-assign]

    def is_offline_mode(self) -> bool:
        return True

    def configure(self, **kw: Any) -> None:
        if kw.get("connection") is not None:
            raise NeverConnects(
                "env.py passed a connection to context.configure() in offline mode; "
                "sqlgen never connects"
            )
        url = kw.get("url") or kw.get("dialect_name")
        options = {k: v for k, v in kw.items() if k not in _TARGET_KEYWORDS}
        self._pending = (options, str(url) if url is not None else None)
        self.environment.context_opts.update(options)

    def run_migrations(self, **kw: Any) -> None:
        if self._pending is None:
            raise EnvPyError(
                None, None, "env.py called context.run_migrations() before configure()"
            )
        options, url = self._pending
        self.recorded.append(MigrationRun(options, dict(kw), url))
        if self.hand_over is not None:
            # sqlgen's runs install their own `alembic.context` (one per target dialect);
            # Alembic's module proxy does not nest, so env.py's steps aside meanwhile
            internals.remove_proxy(self.environment)
            try:
                self.hand_over()
            finally:
                internals.install_proxy(self.environment)

    def begin_transaction(self) -> Any:
        return nullcontext()

    def get_bind(self) -> Any:
        raise NeverConnects(
            "env.py called context.get_bind() in offline mode; sqlgen never connects"
        )

    def execute(self, sql: Any, execution_options: Any = None) -> None:
        raise EnvPyError(
            None,
            None,
            "env.py calls context.execute() in offline mode, which sqlgen does not render yet",
        )


def _execute(
    config: Config,
    script_location: Path,
    project_root: Path,
    hand_over: Callable[[], None] | None = None,
) -> list[MigrationRun]:
    """Run env.py offline once; the runs it recorded. Failures name env.py's line."""
    env_py = script_location / "env.py"
    script = ScriptDirectory(str(script_location))
    environment = EnvironmentContext(config, script, as_sql=True)
    interception = _Interception(environment, hand_over)
    try:
        with environment, never_connects([project_root, script_location]):
            script.run_env()
    except EnvPyError as exc:
        raise EnvPyError(env_py, exc.line, exc.reason) from exc
    except (Exception, SystemExit) as exc:  # env.py is user code: reported, with its line
        if hand_over is not None and interception.recorded:
            raise  # sqlgen's own run failed inside run_migrations(): not env.py's doing
        reason = f"{type(exc).__name__}: {' '.join(str(exc).split())}"
        raise EnvPyError(env_py, line_in(env_py, exc), reason) from exc
    if not interception.recorded:
        raise EnvPyError(
            env_py,
            None,
            "env.py did not call context.run_migrations() in offline mode "
            "(is_offline_mode() is true under sqlgen)",
        )
    return interception.recorded


def run_env_py(config: Config, script_location: Path, project_root: Path) -> Environment:
    """Run `script_location/env.py` offline; what it configured. No env.py: nothing configured."""
    env_py = script_location / "env.py"
    if not env_py.is_file():
        return Environment(config)
    runs = _execute(config, script_location, project_root)
    return Environment(config, tuple(runs), env_py, project_root=project_root)


@contextmanager
def _importable_from(root: Path) -> Iterator[None]:
    """The project's own modules importable, as `prepend_sys_path = .` makes them for Alembic."""
    entry = str(root)
    added = entry not in sys.path
    if added:
        sys.path.insert(0, entry)
    try:
        yield
    finally:
        if added:
            sys.path.remove(entry)


def load_object(root: Path, spec: str, setting: str) -> Any:
    """The object named by "module:attribute" (e.g. a MetaData), importable from `root`."""
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise UsageError(f"{setting} {spec!r}: expected MODULE:ATTRIBUTE, e.g. app.models:metadata")
    with _importable_from(root):
        try:
            module = importlib.import_module(module_name)
        except Exception as exc:  # the user's code failing to import is reported, not raised
            raise MetadataImportError(spec, f"{type(exc).__name__}: {exc}") from exc
    target: Any = module
    for part in attribute.split("."):
        if not hasattr(target, part):
            raise MetadataImportError(spec, f"{module_name} has no attribute {attribute!r}")
        target = getattr(target, part)
    return target
