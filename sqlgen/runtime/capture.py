"""Capturing what a migration emits, with the revision's source line.

Alembic runs in offline (`as_sql`) mode, so every `op.*` call takes the path
that Alembic's `--sql` takes. Where Alembic would print a statement, the
capturing impl records it instead; `op.get_bind()` returns a
`CaptureConnection` that records statements, turns `commit()` into a
transaction boundary, and treats reading a result as a data read.

The recorder also keeps the schema model up to date as the run goes, so that
`sa.inspect(op.get_bind())` and batch mode's table reflection answer from it.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, TextIO, cast

from alembic.ddl.impl import DefaultImpl
from alembic.operations import BatchOperations, Operations
from alembic.operations.batch import ApplyBatchImpl, BatchOperationsImpl
from alembic.operations.ops import ExecuteSQLOp
from sqlalchemy import Table, inspection, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Dialect
from sqlalchemy.engine.mock import MockConnection
from sqlalchemy.engine.reflection import Inspector
from sqlalchemy.sql.elements import ClauseElement, TextClause

from sqlgen.captured import (
    BatchFlush,
    DataRead,
    DataReadMode,
    Item,
    OperationCall,
    Refusal,
    Warning_,
    comment_line,
    one_line,
)
from sqlgen.model import ModelInspector, SchemaModel, TableModel, apply_operation, apply_sql
from sqlgen.model.apply import understands
from sqlgen.model.tables import from_table
from sqlgen.render.compile import bind_parameters, compile_statement
from sqlgen.render.transpile import transpile
from sqlgen.runtime.savepoint import SAVEPOINT_WARNING, OfflineSavepoint


class DataReadRefused(Refusal):
    """Raised into a migration that reads data while reads are refused."""

    def __init__(self, read: DataRead) -> None:
        super().__init__(read_message(read))
        self.read = read


class OfflineUnsupported(Refusal):
    """Raised into a migration that asks for something only a live database can do."""


def read_message(read: DataRead) -> str:
    return (
        f"reads data ({read.summary()}); it cannot be rendered offline; provide reviewed SQL "
        "for it as an override or pass --data-reads=empty"
    )


_READ_WORDS = {"SELECT", "SHOW", "VALUES", "TABLE", "EXPLAIN", "DESCRIBE", "DESC"}
_WRITE_WORDS = re.compile(r"\b(INSERT|UPDATE|DELETE|MERGE)\b", re.IGNORECASE)
_RETURNING = re.compile(r"\b(RETURNING|OUTPUT)\b", re.IGNORECASE)
_FIRST_WORD = re.compile(r"^[\s(]*(?:--[^\n]*\n\s*|/\*.*?\*/\s*)*([A-Za-z]+)", re.DOTALL)


def returns_rows(construct: ClauseElement) -> bool:
    """True for statements executed to get rows back (a query, or DML with RETURNING)."""
    if getattr(construct, "is_select", False):
        return True
    if getattr(construct, "_returning", ()):
        return True
    if isinstance(construct, TextClause):
        match = _FIRST_WORD.match(construct.text)
        word = match.group(1).upper() if match else ""
        if word in _READ_WORDS:
            return True
        if word == "WITH":
            return not _WRITE_WORDS.search(construct.text)
        return bool(_RETURNING.search(construct.text)) and word in {"INSERT", "UPDATE", "DELETE"}
    return False


@dataclass(frozen=True)
class Translation:
    """Raw SQL is written in `source`; the run renders `target` (sqlglot and sqlgen names)."""

    source: str
    target: str
    source_name: str
    target_name: str


@dataclass
class Recorder:
    """Collects the items of the revision being run, for one dialect."""

    dialect: Dialect
    data_reads: DataReadMode = "fail"
    translation: Translation | None = None  # None: raw SQL is already in this dialect
    script_path: str = ""
    items: list[Item] = field(default_factory=list)
    reads: list[DataRead] = field(default_factory=list)
    warnings: list[Warning_] = field(default_factory=list)
    calls: list[OperationCall] = field(default_factory=list)
    operations: list[object] = field(default_factory=list)  # being invoked, innermost last
    # the schema as the run has left it so far, in the dialect `sqlglot_dialect` reads
    model: SchemaModel = field(default_factory=SchemaModel)
    sqlglot_dialect: str = ""
    revision: str = ""
    batched: list[OperationCall] = field(default_factory=list)  # of the open batch block
    savepoints: int = 0  # opened by the revision so far: names them as SQLAlchemy does
    recreated: TableModel | None = None  # what the batch block's move-and-copy created

    def start(self, script_path: str, revision: str = "") -> None:
        self.script_path = script_path
        self.revision = revision
        self.items = []
        self.reads = []
        self.warnings = []
        self.calls = []
        self.operations = []
        self.batched = []
        self.recreated = None
        self.savepoints = 0

    def line(self) -> int | None:
        """The line of the running migration that led here."""
        frame = sys._getframe(1)
        while frame is not None:
            if frame.f_code.co_filename == self.script_path:
                return frame.f_lineno
            frame = frame.f_back  # type: ignore[assignment]
        return None

    # --- what the migration emits ---

    def statement(
        self,
        construct: ClauseElement | str,
        params: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
        *,
        version: bool = False,
    ) -> None:
        if isinstance(construct, str):
            construct = text(construct)
        raw = isinstance(construct, TextClause) and self._from_user()
        rows = [params] if params is None or isinstance(params, Mapping) else list(params)
        for row in rows or [None]:
            bound = bind_parameters(construct, row or {})
            self._append(compile_statement(bound, self.dialect), raw=raw, version=version)

    def compiled(self, sql: str, *, version: bool = False) -> None:
        """A statement sqlgen compiled itself (the version table's)."""
        self._append(sql, raw=False, version=version)

    def _from_user(self) -> bool:
        """Raw SQL the migration wrote (op.execute or the bind), not an Alembic impl's own."""
        return not self.operations or isinstance(self.operations[-1], ExecuteSQLOp)

    def _append(self, sql: str, *, raw: bool, version: bool = False) -> None:
        origin = None
        if raw and self.translation is not None:
            t = self.translation
            translated = transpile(sql, t.source, t.target, (t.source_name, t.target_name))
            if translated.changed:
                origin, sql = sql, translated.sql
        operation = self.operations[-1] if self.operations else None
        line = self.line()
        self.items.append(Item("statement", sql, line, operation, version, origin))
        if not version and _changes_schema_as_sql(operation):
            self.apply_sql(sql, line)

    # --- keeping the model up to date ---

    def where(self, line: int | None) -> str:
        """Where a change came from, for the message of a table it makes uncertain."""
        revision = f"revision {self.revision}" if self.revision else "sqlgen"
        return f"{revision}, line {line}" if line is not None else revision

    def apply_sql(self, sql: str, line: int | None = None) -> None:
        apply_sql(self.model, sql, self.sqlglot_dialect, self.where(line))

    def table_of(self, operation: object, batch_table: str | None = None) -> TableModel | None:
        """The table an operation acts on, as the model has it now; None when not known."""
        name = getattr(operation, "table_name", None) or batch_table
        if not name or self.model.unknown is not None:
            return None
        key = self.model.find(name, getattr(operation, "schema", None))
        if key is None or key in self.model.uncertain:
            return None
        return self.model.tables[key]

    def applied(self, call: OperationCall, result: object = None) -> None:
        """An operation ran without error (and returned `result`): the model follows it."""
        where = self.where(call.line)
        apply_operation(self.model, call.operation, call.batch_table, where, result)

    def batch_flushed(self, table: str, schema: str | None) -> None:
        """A batch block's SQL was emitted: the model follows the whole block."""
        calls, self.batched = self.batched, []
        recreated, self.recreated = self.recreated, None
        if recreated is None:  # Alembic ran the block's operations one by one
            for call in calls:
                self.applied(call)
            return
        # move-and-copy: the table is now exactly what Alembic created
        key = self.model.find(table, schema)
        if key is not None:
            self.model.uncertain.pop(key, None)
        self.model.put(replace(recreated, name=key[1] if key else table))

    def raw(self, sql: str) -> None:
        self.items.append(Item("raw", sql.strip(), self.line()))

    def note(self, lines: Sequence[str]) -> None:
        """Lines the migration printed: `-- ` comments at this point of the script.

        Lines printed one after the other, with no statement between them, make one note.
        """
        text = "\n".join(comment_line(line) for line in lines)
        if not text:
            return
        last = self.items[-1] if self.items else None
        if last is not None and last.kind == "note":
            self.items[-1] = replace(last, sql=f"{last.sql}\n{text}")
        else:
            self.items.append(Item("note", text, self.line()))

    def begin(self) -> None:
        self.items.append(Item("begin", line=self.line()))

    def commit(self) -> None:
        self.items.append(Item("commit", line=self.line()))

    def warning(
        self,
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: TextIO | None = None,
        line: str | None = None,
    ) -> None:
        """A `warnings.showwarning` that keeps the warning with the revision's line."""
        if issubclass(category, DeprecationWarning | PendingDeprecationWarning):
            return  # about library APIs, not about the SQL a reviewer reads
        found = Warning_(self.line(), f"{category.__name__}: {one_line(str(message))}")
        if found not in self.warnings:
            self.warnings.append(found)

    # --- what the migration reads ---

    def read(self, sql: str, what: str, line: int | None = None) -> None:
        found = DataRead(line if line is not None else self.line(), sql, what)
        self.reads.append(found)
        if self.data_reads == "fail":
            raise DataReadRefused(found)

    def execute(self, statement: Any, parameters: Any = None) -> OfflineResult:
        """A statement goes into the script; reading a query's result is a data read.

        The result is falsy, as Alembic's offline bind's None is (migrations test
        `if result:`).
        """
        construct = text(statement) if isinstance(statement, str) else statement
        if returns_rows(construct):
            sql = compile_statement(bind_parameters(construct, _first(parameters)), self.dialect)
            return self._query(sql, construct)
        self.statement(construct, parameters)
        sql = self.items[-1].sql if self.items else ""
        return OfflineResult(self, sql, consumed=False, construct=construct)

    def execute_driver_sql(self, statement: str, parameters: Any = None) -> OfflineResult:
        if parameters:
            raise OfflineUnsupported(
                "calls exec_driver_sql() with parameters, which cannot be rendered offline; "
                "use text() with binds"
            )
        if returns_rows(text(statement)):
            return self._query(statement.strip())
        self._append(statement.strip(), raw=True)
        return OfflineResult(self, statement, consumed=False)


    def _query(self, sql: str, construct: Any = None) -> OfflineResult:
        """A query whose result may never be read goes into the script where it ran, as
        Alembic's offline bind writes it. Reading the result is a data read: the query is
        then taken out again (offline, it gives no rows to act on)."""
        operation = self.operations[-1] if self.operations else None
        item = Item("statement", sql, self.line(), operation)
        self.items.append(item)
        return OfflineResult(self, sql, consumed=False, construct=construct, query=item)

    def query_read(self, item: Item, sql: str, what: str) -> None:
        """The result of the query `item` is read: a data read, the query left out."""
        for index in range(len(self.items) - 1, -1, -1):
            if self.items[index] is item:
                del self.items[index]
                break
        self.read(sql, what, item.line)


def _changes_schema_as_sql(operation: object | None) -> bool:
    """Whether a statement reaches the model as SQL, not through its operation.

    Raw SQL (op.execute, the bind) has no operation the model can apply, nor does
    an operation kind the model does not know; a batch block is applied whole
    when it ends.
    """
    if operation is None or isinstance(operation, ExecuteSQLOp):
        return True
    return not isinstance(operation, BatchFlush) and not understands(operation)


def _first(parameters: Any) -> Mapping[str, Any]:
    if not parameters:
        return {}
    if isinstance(parameters, Mapping):
        return parameters
    return dict(parameters[0])


class _NoExecutionContext:
    """An ORM flush reads its statement's parameters back: offline, nothing was generated."""

    def __init__(self, construct: Any = None, dialect: Dialect | None = None) -> None:
        self._construct = construct
        self._dialect = dialect

    @property
    def compiled(self) -> Any:
        # an ORM-enabled UPDATE/DELETE reads its compile state from here
        if self._construct is None:
            return None
        return self._construct.compile(dialect=self._dialect)

    executemany = False
    returned_default_rows = None

    @property
    def compiled_parameters(self) -> list[dict[str, Any]]:
        return [{}]

    @property
    def postfetch_cols(self) -> list[Any]:
        return []

    @property
    def prefetch_cols(self) -> list[Any]:
        return []

    def get_result_processor(self, *args: Any) -> None:
        return None


class OfflineResult:
    """The result of an offline execute(). Reading it is a data read.

    With `--data-reads=empty` every read sees no rows and a rowcount of 0. It is
    falsy, as the None that Alembic's offline bind returns is; where Alembic would
    then fail on `None.rowcount`, this makes the read explicit instead.
    """

    returns_rows = False

    def __bool__(self) -> bool:
        # Alembic's offline bind returns None: `if result: ...` must not run its branch
        return False

    def __init__(
        self,
        recorder: Recorder,
        sql: str,
        *,
        consumed: bool,
        construct: Any = None,
        query: Item | None = None,
    ) -> None:
        self.context = _NoExecutionContext(construct, recorder.dialect)  # read by the ORM
        self._recorder = recorder
        self._sql = sql
        self._consumed = consumed  # its read is recorded already
        self._query = query  # the query's item in the script, until its result is read

    def _read(self, what: str) -> None:
        if self._consumed:
            return
        self._consumed = True
        if self._query is not None:
            self._recorder.query_read(self._query, self._sql, "query")
        else:
            self._recorder.read(self._sql, what)

    @property
    def rowcount(self) -> int:
        self._read("rowcount")
        return 0

    @property
    def lastrowid(self) -> None:
        self._read("lastrowid")
        return None

    @property
    def inserted_primary_key(self) -> None:
        self._read("inserted_primary_key")
        return None

    def fetchall(self) -> list[Any]:
        self._read("fetchall")
        return []

    def all(self) -> list[Any]:
        self._read("all")
        return []

    def fetchmany(self, size: int | None = None) -> list[Any]:
        self._read("fetchmany")
        return []

    def fetchone(self) -> None:
        self._read("fetchone")
        return None

    def first(self) -> None:
        self._read("first")
        return None

    def one_or_none(self) -> None:
        self._read("one_or_none")
        return None

    def scalar(self) -> None:
        self._read("scalar")
        return None

    def scalar_one_or_none(self) -> None:
        self._read("scalar_one_or_none")
        return None

    def one(self) -> Any:
        self._read("one")
        raise sa_exc.NoResultFound("No row was found when one was required (offline: no rows)")

    def scalar_one(self) -> Any:
        self._read("scalar_one")
        raise sa_exc.NoResultFound("No row was found when one was required (offline: no rows)")

    def scalars(self, index: int = 0) -> OfflineResult:
        return self

    def mappings(self) -> OfflineResult:
        return self

    def tuples(self) -> OfflineResult:
        return self

    def unique(self, strategy: Any = None) -> OfflineResult:
        return self

    def keys(self) -> list[str]:
        return []

    def __iter__(self) -> Iterator[Any]:
        self._read("iteration")
        return iter(())

    def close(self) -> None:
        return None

    # what an ORM flush asks of a result: nothing was generated server-side offline
    def prefetch_cols(self) -> list[Any]:
        return []

    def postfetch_cols(self) -> list[Any]:
        return []

    @property
    def returned_defaults(self) -> None:
        return None

    @property
    def returned_defaults_rows(self) -> None:
        return None


class CaptureConnection(MockConnection):
    """What `op.get_bind()` returns during an offline run."""

    def __init__(self, dialect: Dialect, recorder: Recorder, transactional: bool) -> None:
        super().__init__(dialect, lambda construct, *a, **kw: recorder.statement(construct))
        self._recorder = recorder
        self._transactional = transactional
        self.info: dict[str, Any] = {}

    def execute(
        self, statement: Any, parameters: Any = None, execution_options: Any = None
    ) -> OfflineResult:
        return self._recorder.execute(statement, parameters)

    def exec_driver_sql(
        self, statement: str, parameters: Any = None, execution_options: Any = None
    ) -> OfflineResult:
        return self._recorder.execute_driver_sql(statement, parameters)

    def scalar(self, statement: Any, parameters: Any = None, execution_options: Any = None) -> Any:
        return self.execute(statement, parameters).scalar()

    def scalars(
        self, statement: Any, parameters: Any = None, execution_options: Any = None
    ) -> OfflineResult:
        return self.execute(statement, parameters).scalars()

    def commit(self) -> None:
        """Ends the transaction in the script and starts the next one."""
        if self._transactional:
            self._recorder.commit()
            self._recorder.begin()

    def rollback(self) -> None:
        raise OfflineUnsupported("calls rollback(), which cannot be rendered offline")

    def begin(self) -> Any:
        raise OfflineUnsupported(
            "calls begin(), which cannot be rendered offline: a migration already runs in one"
        )

    def begin_nested(self) -> OfflineSavepoint:
        """A SAVEPOINT in the script (see sqlgen.runtime.savepoint)."""
        recorder = self._recorder
        recorder.savepoints += 1
        found = Warning_(recorder.line(), SAVEPOINT_WARNING)
        if found not in recorder.warnings:
            recorder.warnings.append(found)
        return OfflineSavepoint(self, f"sa_savepoint_{recorder.savepoints}")

    # --- what an ORM Session(bind=op.get_bind()) needs of its connection ---

    def get_transaction(self) -> _ScriptTransaction:
        """The script's own transaction: a Session joins it, its commit() is the bind's."""
        return _ScriptTransaction(self)

    def get_nested_transaction(self) -> None:
        return None

    def in_nested_transaction(self) -> bool:
        return False

    def in_transaction(self) -> bool:
        # The script's framing stands in for the transaction; saying "no" would make
        # Alembic's batch mode call begin(), which has no offline meaning.
        return True

    def get_isolation_level(self) -> str:
        return "READ COMMITTED"

    def close(self) -> None:
        return None


class _ScriptTransaction:
    """The transaction the script's framing stands for, as an ORM Session sees it."""

    is_active = True

    def __init__(self, connection: CaptureConnection) -> None:
        self.connection = connection

    def commit(self) -> None:
        self.connection.commit()

    def rollback(self) -> None:
        self.connection.rollback()

    def close(self) -> None:
        return None


@inspection._inspects(CaptureConnection)
def _inspect_capture(connection: CaptureConnection) -> ModelInspector:
    """`sa.inspect(op.get_bind())`: answered from the schema model, as the run has left it."""
    return ModelInspector(connection._recorder.model, connection.dialect)


class CaptureImplMixin:
    """Put in front of the dialect's Alembic impl: records instead of printing."""

    recorder: Recorder

    def _exec(
        self,
        construct: Any,
        execution_options: Any = None,
        multiparams: Sequence[Mapping[str, Any]] | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> None:
        self.recorder.statement(construct, multiparams if multiparams is not None else params)

    def static_output(self, text: str) -> None:
        self.recorder.raw(text)

    def emit_begin(self) -> None:
        self.recorder.begin()

    def emit_commit(self) -> None:
        self.recorder.commit()

    def bulk_insert(self, table: Any, rows: list[dict[str, Any]], **kw: Any) -> None:
        # Alembic's offline SQL Server bulk_insert always wraps the rows in
        # SET IDENTITY_INSERT ON/OFF, which fails on a table without an identity
        # column. When the migration passes a full Table that has none, leave it out.
        if self.recorder.dialect.name == "mssql" and _has_no_identity(table):
            DefaultImpl.bulk_insert(self, table, rows, **kw)  # type: ignore[arg-type]
            return
        super().bulk_insert(table, rows, **kw)  # type: ignore[misc]


def _has_no_identity(table: Any) -> bool:
    """True only for a full Table known to have no identity column (not for sa.table())."""
    return (
        isinstance(table, Table)
        and table.autoincrement_column is None
        and not any(column.identity is not None for column in table.columns)
    )


def capture_impl_class(base: type[DefaultImpl]) -> type[DefaultImpl]:
    # No __dialect__ in the class body, so Alembic's impl registry is left alone.
    return type(f"Capture{base.__name__}", (CaptureImplMixin, base), {})


@contextmanager
def capturing_operations(context: Any, recorder: Recorder) -> Iterator[Operations]:
    """Make `alembic.op` remember which operation each statement comes from.

    The proxy behind `alembic.op` is keyed to the `Operations` class itself, so the
    instance's `invoke` is wrapped rather than the class subclassed.
    """
    operations = Operations(context)
    invoke_plain = operations.invoke

    def invoke(operation: Any) -> Any:
        call = OperationCall(operation, recorder.line(), None, recorder.table_of(operation))
        recorder.calls.append(call)
        recorder.operations.append(operation)
        try:
            result = invoke_plain(operation)
        finally:
            recorder.operations.pop()
        recorder.applied(call, result)
        return result

    batch_invoke_plain = BatchOperations.invoke

    def batch_invoke(self: BatchOperations, operation: Any) -> Any:
        # batch operations are only collected here; their SQL comes when the block ends
        table = getattr(self.impl, "table_name", None)
        call = OperationCall(operation, recorder.line(), table, recorder.table_of(operation, table))
        recorder.calls.append(call)
        recorder.batched.append(call)
        return batch_invoke_plain(self, operation)

    flush_plain = BatchOperationsImpl.flush

    def flush(self: BatchOperationsImpl) -> None:
        recorder.operations.append(BatchFlush(self.table_name))
        migration = self.operations.migration_context
        offline = migration.as_sql
        # Alembic refuses to reflect the table it must move and copy in --sql mode;
        # here the reflection is answered by the model (see _inspect_capture), so
        # the block takes the path it takes against a live database.
        migration.as_sql = False
        try:
            flush_plain(self)
        finally:
            migration.as_sql = offline
            recorder.operations.pop()
        recorder.batch_flushed(self.table_name, self.schema)

    create_plain = ApplyBatchImpl._create

    def create(self: ApplyBatchImpl, op_impl: DefaultImpl) -> None:
        create_plain(self, op_impl)
        assert self.new_table is not None
        recorder.recreated = from_table(self.new_table)  # named as the temporary table

    from_engine_plain = Inspector.__dict__["from_engine"]

    def from_engine(cls: type[Inspector], bind: Any) -> Inspector:
        # the deprecated Inspector.from_engine(bind) builds an inspector without
        # inspect(); offline, it must answer from the model as inspect(bind) does
        if isinstance(bind, CaptureConnection):
            return cast(Inspector, inspection.inspect(bind))
        return cast(Inspector, from_engine_plain.__func__(cls, bind))

    operations.invoke = invoke  # type: ignore[method-assign]
    Inspector.from_engine = classmethod(from_engine)  # type: ignore[method-assign,assignment]
    BatchOperations.invoke = batch_invoke  # type: ignore[method-assign,assignment]
    BatchOperationsImpl.flush = flush  # type: ignore[method-assign]
    ApplyBatchImpl._create = create  # type: ignore[method-assign]
    operations._install_proxy()
    try:
        yield operations
    finally:
        operations._remove_proxy()
        BatchOperations.invoke = batch_invoke_plain  # type: ignore[method-assign]
        BatchOperationsImpl.flush = flush_plain  # type: ignore[method-assign]
        ApplyBatchImpl._create = create_plain  # type: ignore[method-assign]
        Inspector.from_engine = from_engine_plain  # type: ignore[method-assign]
