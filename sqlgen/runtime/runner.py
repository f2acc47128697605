"""Running a planned range for one dialect, offline, and capturing what it emits.

Per dialect: an offline Alembic `MigrationContext` whose impl records instead
of printing, `op` installed for the revisions, and `alembic.context` answering
`is_offline_mode()`. No database is ever contacted. A revision that fails is
recorded with its file, line and reason, and the run goes on, so one run
reports every failing revision.

The run keeps a schema model as it goes (see sqlgen.model). It starts empty at
base; a range that starts later is preceded by a silent replay of the history
before it (`seed`), so the model is right from the range's first step.
"""

from __future__ import annotations

import contextlib
import functools
import io
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import sqlalchemy.orm  # noqa: F401  (as under Alembic, where env.py's models import it: sa.orm)
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext
from sqlalchemy import literal_column
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.exc import NoSuchModuleError
from sqlalchemy.schema import CreateTable

from sqlgen.cache.fingerprint import digest_of, file_digest
from sqlgen.cache.steps import CachedStep, DialectCache
from sqlgen.dialects.profiles import Profile
from sqlgen.errors import DialectUnavailable, RevisionFailure, line_in
from sqlgen.model import SchemaModel, Uncertainty, create_table
from sqlgen.model.delta import ModelDelta, chained, initial_state
from sqlgen.model.sql import apply_sql
from sqlgen.model.tables import expressions_for, from_table
from sqlgen.pipeline.captured import (
    DataReadMode,
    DialectRun,
    Item,
    Refusal,
    StepCapture,
    StepLike,
    Warning_,
    one_line,
)
from sqlgen.render.compile import compile_statement
from sqlgen.runtime import internals
from sqlgen.runtime.capture import (
    CaptureConnection,
    DataReadRefused,
    Recorder,
    Translation,
    capture_impl_class,
    capturing_operations,
    read_message,
)
from sqlgen.runtime.envpy import Environment, never_connects, project_config
from sqlgen.runtime.ordering import deterministic_batch
from sqlgen.runtime.server import offline_dialect, server_of


@dataclass(frozen=True)
class RunSettings:
    version_table: str = "alembic_version"
    version_table_schema: str | None = None
    version_table_enabled: bool = True
    transaction_per_migration: bool = False
    data_reads: DataReadMode = "fail"
    source_dialect: Profile | None = None  # raw op.execute() SQL is written for this one
    overrides: Path | None = None
    server_version: tuple[int, ...] | None = None
    alembic_ini: Path | None = None
    # What env.py configured (or the settings stand-in for it). Not in repr: cache keys
    # take the environment's stable description instead (see Environment.describe).
    environment: Environment | None = field(default=None, repr=False, compare=False)
    target_metadata: Any = field(default=None, repr=False, compare=False)
    project_root: Path | None = None
    # tables that exist before the first revision (a project whose first tables come
    # from create_all): a MetaData, or CREATE statements as text
    baseline: Any = field(default=None, repr=False, compare=False)

    @property
    def arguments(self) -> Mapping[str, Any]:
        """The keywords env.py passed to run_migrations(): given to upgrade()/downgrade()."""
        return self.environment.arguments if self.environment is not None else {}


def dialect_class(profile: Profile) -> type[Dialect]:
    """The profile's SQLAlchemy dialect class; DialectUnavailable when not installed."""
    try:
        return make_url(f"{profile.sqlalchemy}://").get_dialect()
    except (NoSuchModuleError, ImportError) as exc:
        raise DialectUnavailable(profile.name, profile.sqlalchemy, profile.extra) from exc


def dialect_available(profile: Profile) -> bool:
    try:
        dialect_class(profile)
    except DialectUnavailable:
        return False
    return True


def _ensure_alembic_support(profile: Profile, name: str) -> None:
    """Make Alembic treat a third-party dialect like `profile.alembic_impl`.

    Alembic needs an impl per dialect name, and compiles some DDL constructs only
    for the dialect names it knows (e.g. PostgreSQL's ALTER COLUMN ... TYPE). A
    package that ships neither, or only part, gets the missing pieces from the
    Alembic dialect its profile names; what it ships itself is left alone.
    """
    impls = internals.impl_registry()
    family = profile.alembic_impl
    if name not in impls:
        base = impls.get(family, impls["default"])
        # defining the class registers it: Alembic's ImplMeta files it under __dialect__
        type(
            f"Sqlgen{name.title()}Impl",
            (base,),
            {"__dialect__": name, "transactional_ddl": profile.transactional_ddl},
        )
    if family != "default" and family != name:
        _borrow_compilation(family, name)


def _borrow_compilation(family: str, name: str) -> None:
    import importlib

    modules = [importlib.import_module("alembic.ddl.base")]
    with contextlib.suppress(ImportError):  # a family without DDL of its own
        modules.append(importlib.import_module(f"alembic.ddl.{family}"))
    for module in modules:
        for construct in vars(module).values():
            specs = internals.compiler_specs(construct)
            if specs is not None and family in specs and name not in specs:
                specs[name] = specs[family]


def seed_baseline(model: SchemaModel, baseline: Any, sqlglot_dialect: str) -> None:
    """Put the tables that exist before the first revision (the `baseline` setting: a
    .sql file's CREATE statements, or MetaData made with create_all) into the model."""
    if baseline is None:
        return
    if isinstance(baseline, str):
        apply_sql(model, baseline, sqlglot_dialect, "the baseline")
        return
    for metadata in baseline if isinstance(baseline, list | tuple) else [baseline]:
        for table in metadata.sorted_tables:
            create_table(model, table)


def build_dialect(profile: Profile, server_version: tuple[int, ...] | None = None) -> Dialect:
    """The profile's dialect, initialized as on its first connection to a server of
    `server_version` (default: the profile's), without connecting (see runtime.server)."""
    dialect = offline_dialect(
        dialect_class(profile),
        server_version or profile.server_version or None,
        default_schema=profile.default_schema,
        chosen=bool(server_version),
    )
    _ensure_alembic_support(profile, dialect.name)
    return dialect


# configure() options of env.py that sqlgen sets itself, per target dialect
_OWN_OPTIONS = {
    "as_sql",
    "literal_binds",
    "output_buffer",
    "transactional_ddl",
    "transaction_per_migration",
    "version_table",
    "version_table_schema",
    "version_table_pk",
    "target_metadata",
}


def _environment(settings: RunSettings) -> EnvironmentContext:
    """`alembic.context` for the migrations: the project's Config, offline mode."""
    if settings.environment is not None:
        config = settings.environment.config
    else:
        config = project_config(settings.alembic_ini, None)
    return EnvironmentContext(config, None, as_sql=True)  # type: ignore[arg-type]


def _migration_context(
    dialect: Dialect,
    profile: Profile,
    settings: RunSettings,
    recorder: Recorder,
    environment: EnvironmentContext,
) -> MigrationContext:
    kept = settings.environment.options if settings.environment is not None else {}
    opts: dict[str, Any] = {k: v for k, v in kept.items() if k not in _OWN_OPTIONS}
    opts.update(
        {
            "as_sql": True,
            "literal_binds": True,
            "output_buffer": io.StringIO(),  # never written: the capturing impl records instead
            "transactional_ddl": profile.transactional_ddl,
            "transaction_per_migration": settings.transaction_per_migration,
            "version_table": settings.version_table,
            "version_table_schema": settings.version_table_schema,
            "version_table_pk": profile.version_table_pk,
            # its naming convention names constraints that op.f()/None leave unnamed
            "target_metadata": settings.target_metadata,
        }
    )
    context = MigrationContext.configure(
        dialect=dialect, opts=opts, environment_context=environment
    )
    impl_class = capture_impl_class(type(context.impl))
    impl = internals.new_impl(
        impl_class, dialect, None, True, profile.transactional_ddl, context.output_buffer, opts
    )
    impl.recorder = recorder  # type: ignore[attr-defined]
    connection = CaptureConnection(dialect, recorder, profile.transactional_ddl)
    impl.connection = connection  # type: ignore[assignment]
    context.impl = impl
    context.connection = connection  # type: ignore[assignment]
    internals.set_migration_context(environment, context)
    return context


def _translation(settings: RunSettings, target: Profile) -> Translation | None:
    source = settings.source_dialect
    if source is None or source.name == target.name or source.sqlglot == target.sqlglot:
        return None
    return Translation(source.sqlglot, target.sqlglot, source.name, target.name)


# Stand-ins for revision ids in the compiled version-table statements.
_NEW = "sqlgen-new-revision-id"
_OLD = "sqlgen-old-revision-id"


def _quoted(revision: str) -> str:
    return "'" + revision.replace("'", "''") + "'"


def override_path(folder: Path, revision: str, direction: str, dialect: str) -> Path:
    return folder / f"{revision}.{direction}.{dialect}.sql"


def _from_cache(step: StepLike, hit: CachedStep) -> StepCapture:
    return StepCapture(
        step,
        Path(step.revision.path),
        items=list(hit.transpiled),
        reads=list(hit.reads),
        warnings=list(hit.warnings),
        override=Path(hit.override) if hit.override else None,
        rendered=hit.rendered,
    )


class _Run:
    def __init__(
        self,
        profile: Profile,
        settings: RunSettings,
        dialect: Dialect,
        cache: DialectCache | None = None,
        lazy_model: bool = False,
    ) -> None:
        self.profile = profile
        self.settings = settings
        self.recorder = Recorder(dialect, settings.data_reads, _translation(settings, profile))
        # constraints created unnamed get the names this dialect's database gives them
        self.recorder.model = SchemaModel(
            default_schema=profile.default_schema, naming=profile.constraint_names
        )
        self.recorder.sqlglot_dialect = profile.sqlglot
        self.recorder.corrections = profile.corrections
        self.environment = _environment(settings)
        self.context = _migration_context(
            self.recorder.dialect, profile, settings, self.recorder, self.environment
        )
        # Alembic's version table exists in every database the migrations run against;
        # a migration may inspect it (it is never in the schema the range renders)
        self.recorder.model.put(from_table(internals.version_table(self.context)))
        self._seed_baseline(settings.baseline)
        self.cache = cache
        # names the model's state for cache keys: chained from step to step
        self.state = initial_state(self.recorder.model)
        self._digests: dict[str, str] = {}
        # lazy_model: steps taken from the cache leave the model behind (see catch_up)
        self.lazy_model = lazy_model
        self.pending: list[CachedStep] = []

    def _seed_baseline(self, baseline: Any) -> None:
        seed_baseline(self.recorder.model, baseline, self.profile.sqlglot)

    def failure(self, step: StepLike, path: Path, line: int | None, reason: str) -> RevisionFailure:
        return RevisionFailure(self.profile.name, step.revision.revision, path, line, reason)

    def version_items(self, step: StepLike) -> list[Item]:
        self.recorder.start("")
        templates = self.version_templates
        for change in step.version_changes:
            sql = templates[change.kind]
            sql = sql.replace(_quoted(_NEW), _quoted(change.new or ""))
            sql = sql.replace(_quoted(_OLD), _quoted(change.old or ""))
            self.recorder.compiled(sql, version=True)
        return self.recorder.items

    @functools.cached_property
    def version_templates(self) -> dict[str, str]:
        """The version-table statements, compiled once per run with stand-ins for the ids."""
        table = internals.version_table(self.context)
        column = table.c.version_num
        new: Any = literal_column(_quoted(_NEW))
        old: Any = literal_column(_quoted(_OLD))
        statements: dict[str, Any] = {
            # inline(): no RETURNING / OUTPUT / INTO :ret_0 (Alembic's offline INSERT has them)
            "insert": table.insert().inline().values(version_num=new),
            "update": table.update().values(version_num=new).where(column == old),
            "delete": table.delete().where(column == old),
        }
        return {k: compile_statement(v, self.recorder.dialect) for k, v in statements.items()}

    def prologue(self) -> tuple[list[Item], list[Warning_]]:
        self.recorder.start("")
        self.recorder.statement(CreateTable(internals.version_table(self.context)), version=True)
        return self.recorder.items, self.recorder.warnings

    def _reviewed(self, step: StepLike) -> Path | None:
        """The reviewed override file for the step, if there is one."""
        if self.settings.overrides is None:
            return None
        script = step.revision
        reviewed = override_path(
            self.settings.overrides, script.revision, step.direction, self.profile.name
        )
        return reviewed if reviewed.is_file() else None

    def _digest(self, path: str) -> str:
        known = self.cache.digests.get(path) if self.cache is not None else None
        if known is not None:
            return known
        if path not in self._digests:
            self._digests[path] = file_digest(Path(path))
        return self._digests[path]

    def step_key(self, step: StepLike) -> str | None:
        """The cache key of the step as this run is about to run it; None without a cache."""
        if self.cache is None:
            return None
        script = step.revision
        reviewed = self._reviewed(step)
        return digest_of(
            self.cache.run_key,
            self.state,
            step.direction,
            script.revision,
            tuple((c.kind, c.old, c.new) for c in step.version_changes),
            self._digest(script.path),
            (reviewed.name, self._digest(str(reviewed))) if reviewed else None,
            self.recorder.data_reads,
        )

    def advance(self, step: StepLike) -> StepCapture:
        """One step, noting which tables it changed: from the cache if it has it, else run."""
        key = self.step_key(step)
        hit = self.cache.store.get(key) if self.cache is not None and key else None
        if hit is not None and self.lazy_model:
            # the model is brought up to date only if a later step has to run
            self.pending.append(hit)
            self.state = chained(self.state, hit.delta_digest)
            return _from_cache(step, hit)
        self.catch_up()
        model = self.recorder.model
        with model.watch() as journal:
            if hit is not None:
                hit.delta().apply(model)
                capture = _from_cache(step, hit)
            else:
                capture = self.step(step)
        if hit is not None:
            self.state = chained(self.state, hit.delta_digest)
        elif key is not None:
            capture.cache_key, capture.delta = key, ModelDelta.of_step(model, journal)
            self.state = chained(self.state, capture.delta.digest)
        # tables are immutable values: a changed table is a different object
        capture.tables_changed = {
            k: (before, model.tables.get(k))
            for k, before in journal.items()
            if before is not model.tables.get(k)
        }
        return capture

    def catch_up(self) -> None:
        """Apply the cached steps' deltas not applied yet: the model as of the last step."""
        for hit in self.pending:
            hit.delta().apply(self.recorder.model)
        self.pending.clear()

    def mark_unknown(self, uncertainty: Uncertainty) -> None:
        self.catch_up()
        model = self.recorder.model
        model.mark_unknown(uncertainty)
        self.state = initial_state(model)

    def step(self, step: StepLike) -> StepCapture:
        script = step.revision
        path = Path(script.path)
        capture = StepCapture(step, path)
        if self.settings.overrides is not None:
            reviewed = self._reviewed(step)
            if reviewed is not None:
                capture.override = reviewed
                sql = reviewed.read_text(encoding="utf-8").strip()
                capture.items = [Item("raw", sql)]
                self.recorder.start(str(reviewed), script.revision)
                self.recorder.apply_sql(sql)
                return self._with_version(capture)
        try:  # a revision file known from the script index is executed only now
            function = getattr(script.module, step.direction, None)
        except Exception as exc:
            reason = f"could not be loaded: {type(exc).__name__}: {one_line(str(exc))}"
            capture.failure = self.failure(step, path, line_in(path, exc), reason)
            return capture
        if not callable(function):
            capture.failure = self.failure(step, path, None, f"has no {step.direction}() function")
            return capture
        self.recorder.start(str(path), script.revision)
        import sys

        from sqlgen.runtime.printed import printed_output

        # what it prints goes into the script as comments, and to stderr (not in the replay)
        echo = None if getattr(self, "replaying", False) else sys.stderr
        where = f"[{self.profile.name}] revision {script.revision} ({path}"
        with printed_output(self.recorder, echo, where):
            try:
                function(**self.settings.arguments)
            except Exception as exc:  # a failing migration is reported, never raised
                capture.failure = _failure_of(self, step, path, exc)
        capture.items = self.recorder.items
        capture.reads = self.recorder.reads
        capture.warnings = self.recorder.warnings
        capture.calls = self.recorder.calls
        if capture.failure is None and capture.reads and self.settings.data_reads == "fail":
            # the migration swallowed the refusal; the revision still cannot be rendered
            first = capture.reads[0]
            capture.failure = self.failure(step, path, first.line, read_message(first))
        return self._with_version(capture)

    def _with_version(self, capture: StepCapture) -> StepCapture:
        if capture.failure is None and self.settings.version_table_enabled:
            capture.items = capture.items + self.version_items(capture.step)
            capture.warnings += [w for w in self.recorder.warnings if w not in capture.warnings]
        return capture

    def seed(self, steps: Sequence[StepLike], starts_at_base: bool) -> None:
        """Bring the model to where the range starts by replaying the history before it.

        Nothing of the replay is kept but the model. Data reads see no rows: they
        do not change the schema. A replay that fails leaves the schema unknown,
        so any question about it gets a clear error rather than a guess.
        """
        if not starts_at_base and not steps:
            self.mark_unknown(Uncertainty("", "before the range was not replayed"))
            return
        mode, self.recorder.data_reads = self.recorder.data_reads, "empty"
        self.replaying = True  # what the replayed revisions print is not shown
        try:
            for step in steps:
                failure = self.advance(step).failure
                if failure is not None:
                    reason = f"could not be replayed to model the schema: {failure.reason}"
                    uncertainty = Uncertainty(f"revision {failure.revision}", reason)
                    # the range's revisions that fail for want of the model say so once
                    self.replayed = (failure, uncertainty)
                    self.mark_unknown(uncertainty)
                    return
        finally:
            self.recorder.data_reads = mode
            self.replaying = False


def _failure_of(run: _Run, step: StepLike, path: Path, exc: Exception) -> RevisionFailure:
    """What a revision's exception is reported as: one line that says what to do."""
    from sqlgen.model.schema import UncertainTable
    from sqlgen.runtime.explain import explain

    if isinstance(exc, DataReadRefused):
        return run.failure(step, path, exc.read.line, str(exc))
    line = line_in(path, exc)
    replayed: tuple[RevisionFailure, Uncertainty] | None = getattr(run, "replayed", None)
    if replayed is not None and _caused_by(exc, UncertainTable, replayed[1]):
        # the model it needed is unknown: the replayed revision's failure is the cause
        return replace(run.failure(step, path, line, str(exc)), replayed=replayed[0])
    if isinstance(exc, Refusal):  # sqlgen declines; the message reads on from the revision
        return run.failure(step, path, line, str(exc))
    folder = run.settings.overrides
    script = step.revision
    override = override_path(
        folder or Path("OVERRIDES"), script.revision, step.direction, run.profile.name
    )
    better = explain(exc, run.recorder, override, folder is not None)
    if better is not None:
        return run.failure(step, path, better.line or line, better.reason)
    return run.failure(step, path, line, f"failed: {type(exc).__name__}: {one_line(str(exc))}")


def _caused_by(exc: BaseException, kind: type[Exception], uncertainty: Uncertainty) -> bool:
    """Whether `exc` is, or comes from, an UncertainTable of `uncertainty`."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, kind) and getattr(current, "uncertainty", None) == uncertainty:
            return True
        current = current.__cause__ or current.__context__
    return False


def _slimmed(capture: StepCapture) -> StepCapture:
    capture.calls = []
    capture.tables_changed = {}
    capture.items = [
        replace(item, operation=None) if item.operation is not None else item
        for item in capture.items
    ]
    return capture


def run_dialect(
    steps: Sequence[StepLike],
    starts_at_base: bool,
    profile: Profile,
    settings: RunSettings,
    seed: Sequence[StepLike] = (),
    on_step: Callable[[], None] | None = None,
    cache: DialectCache | None = None,
    *,
    lean: bool = False,
) -> DialectRun:
    """Capture every step of a range for one dialect.

    `seed`: the upgrade steps from base to where the range starts, replayed
    first, silently, so that the schema model is right from the first step.
    `on_step` is called after each step of the range (for progress). With a
    `cache`, a step it holds is taken from it instead of run; steps that ran
    carry their key, for `store_rendered` once they are rendered. `lean`: keep
    only what rendering needs, not the Alembic operations (which hold SQLAlchemy
    tables and columns) that lint and review read, nor the schema models where
    the range starts and ends: a long history then fits in a fraction of the
    memory, and steps taken from the cache need not replay what they did to the
    model unless a later step runs.
    """
    dialect = build_dialect(profile, settings.server_version)
    with expressions_for(dialect):
        run = _Run(profile, settings, dialect, cache, lazy_model=lean)
        return _run_dialect(run, steps, starts_at_base, seed, on_step, lean)


def _run_dialect(
    run: _Run,
    steps: Sequence[StepLike],
    starts_at_base: bool,
    seed: Sequence[StepLike],
    on_step: Callable[[], None] | None,
    lean: bool,
) -> DialectRun:
    translation = run.recorder.translation
    settings = run.settings
    result = DialectRun(run.profile, translation.source_name if translation else None)
    result.dialect = run.recorder.dialect
    result.server = server_of(result.dialect)
    with (
        warnings.catch_warnings(),
        deterministic_batch(),
        run.environment,
        never_connects([p for p in (settings.project_root,) if p is not None]),
        capturing_operations(run.context, run.recorder),
    ):
        # warnings (e.g. "constraint will be ignored") go with the revision, into the SQL
        warnings.simplefilter("always")
        warnings.showwarning = run.recorder.warning
        run.seed(seed, starts_at_base)
        if not lean:
            run.catch_up()
            result.model_start = run.recorder.model.copy()
        if settings.version_table_enabled and starts_at_base:
            result.prologue, result.prologue_warnings = run.prologue()
        for step in steps:
            capture = run.advance(step)
            result.steps.append(_slimmed(capture) if lean else capture)
            if on_step is not None:
                on_step()
    if not lean:
        run.catch_up()
        result.model_end = run.recorder.model
    return result


def store_rendered(run: DialectRun, cache: DialectCache) -> None:
    """Put the steps that ran, now rendered, into the cache, and save it."""
    for capture in run.steps:
        if (
            capture.cache_key is None
            or capture.delta is None
            or capture.rendered is None
            or capture.failure is not None
        ):
            continue
        cache.store.put(
            capture.cache_key,
            CachedStep.of(
                capture.items,
                capture.reads,
                capture.warnings,
                str(capture.override) if capture.override else None,
                capture.rendered,
                capture.delta,
            ),
        )
    cache.store.save()
