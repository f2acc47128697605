"""Capturing what a migration emits, with the revision's source line.

Alembic runs in offline (`as_sql`) mode, so every `op.*` call takes the path
that Alembic's `--sql` takes. Where Alembic would print a statement, the
capturing impl records it instead; `op.get_bind()` returns a
`CaptureConnection` that records statements, turns `commit()` into a
transaction boundary, and treats reading a result as a data read. A query's
result is a real, empty SQLAlchemy result (`OfflineQueryResult`), so that an
ORM Session over the bind loads from it as from a database's.

The recorder also keeps the schema model up to date as the run goes, so that
`sa.inspect(op.get_bind())` and batch mode's table reflection answer from it.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, NoReturn, TextIO, cast

import sqlglot
from alembic.ddl.impl import DefaultImpl
from alembic.operations import BatchOperations, Operations
from alembic.operations.batch import ApplyBatchImpl, BatchOperationsImpl
from alembic.operations.ops import ExecuteSQLOp
from sqlalchemy import Table, inspection, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import CursorResult, Dialect
from sqlalchemy.engine.cursor import CursorResultMetaData, FullyBufferedCursorFetchStrategy
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.engine.mock import MockConnection
from sqlalchemy.engine.reflection import Inspector
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.sql.elements import (
    BindParameter,
    ClauseElement,
    FunctionFilter,
    Label,
    TextClause,
)
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.sql.selectable import Exists, Select
from sqlalchemy.sql.visitors import cloned_traverse
from sqlglot import exp

from sqlgen.dialects.corrections import correct
from sqlgen.model import ModelInspector, SchemaModel, TableModel, apply_operation, apply_sql
from sqlgen.model.apply import understands
from sqlgen.model.tables import from_table
from sqlgen.pipeline.captured import (
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
from sqlgen.render.compile import bind_parameters, compile_statement
from sqlgen.render.transpile import transpile
from sqlgen.runtime import internals
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
    if getattr(construct, "is_select", False) or getattr(construct, "is_from_statement", False):
        return True  # a SELECT, or the ORM's query(T).from_statement(...)
    if internals.returning(construct):
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
    corrections: tuple[
        str, ...
    ] = ()  # the profile's reviewed corrections (sqlgen.dialects.corrections)
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
        corrected = correct(sql, self.corrections) if self.corrections and not raw else None
        if corrected is not None and corrected.applied:
            applied = ", ".join(corrected.applied)
            for statement in corrected.statements:
                self.items.append(
                    Item("statement", statement, line, operation, version, None, applied)
                )
        else:
            self.items.append(Item("statement", sql, line, operation, version, origin))
        # the model reads what the dialect compiled (the correction keeps its meaning)
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

    def execute(
        self,
        statement: Any,
        parameters: Any = None,
        *,
        connection: Any = None,
        execution_options: Mapping[str, Any] | None = None,
    ) -> OfflineResult | OfflineQueryResult:
        """A statement goes into the script; reading a query's result is a data read.

        The result is falsy, as Alembic's offline bind's None is (migrations test
        `if result:`). A query's result is an empty SQLAlchemy result (see
        `OfflineQueryResult`), so that the ORM can load from it as from a database's.
        """
        construct = text(statement) if isinstance(statement, str) else statement
        if returns_rows(construct):
            bound = _bind_query(construct, _first(parameters))
            sql = compile_statement(bound, self.dialect)
            return self._query(sql, construct, connection, execution_options)
        self.statement(construct, parameters)
        sql = self.items[-1].sql if self.items else ""
        return OfflineResult(self, sql, consumed=False, construct=construct)

    def execute_driver_sql(
        self, statement: str, parameters: Any = None, *, connection: Any = None
    ) -> OfflineResult | OfflineQueryResult:
        if parameters:
            raise OfflineUnsupported(
                "calls exec_driver_sql() with parameters, which cannot be rendered offline; "
                "use text() with binds"
            )
        if returns_rows(text(statement)):
            return self._query(statement.strip(), text(statement), connection)
        self._append(statement.strip(), raw=True)
        return OfflineResult(self, statement, consumed=False)

    def _query(
        self,
        sql: str,
        construct: Any,
        connection: Any = None,
        execution_options: Mapping[str, Any] | None = None,
    ) -> OfflineResult | OfflineQueryResult:
        """A query whose result may never be read goes into the script where it ran, as
        Alembic's offline bind writes it. Reading the result is a data read: the query is
        then taken out again (offline, it gives no rows to act on).

        The rows a read sees are those of empty tables (see `_rows_of_empty_tables`).
        """
        operation = self.operations[-1] if self.operations else None
        item = Item("statement", sql, self.line(), operation)
        self.items.append(item)
        if isinstance(construct, UpdateBase):  # DML with RETURNING: read as before
            return OfflineResult(self, sql, consumed=False, construct=construct, query=item)
        source = self.translation.source if self.translation is not None else self.sqlglot_dialect
        return OfflineQueryResult.of(
            construct,
            self.dialect,
            connection if connection is not None else _NoConnection(),
            {**internals.construct_execution_options(construct), **(execution_options or {})},
            _QueryRead(self, item, sql),
            sql,
            source,
        )

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


def _bind_query(construct: ClauseElement, params: Mapping[str, Any]) -> ClauseElement:
    """A query with its execute() parameters (and its own `.params()`) as bound values.

    Under SQLAlchemy 2.1 `select(...).params(x=1)` keeps the values beside the
    statement rather than in its bind parameters; the ORM passes its values (the
    primary key of `session.get()`) as execute() parameters. Both are folded into the
    bind parameters here, so that the query renders with literals.
    """
    if isinstance(construct, TextClause | UpdateBase):
        return bind_parameters(construct, params)
    values = {**internals.bound_params(construct), **params}
    if not values:
        return construct

    def bind(parameter: BindParameter[Any]) -> None:
        if parameter.key in values:
            parameter.value = values[parameter.key]
            parameter.required = False

    return cloned_traverse(
        construct, {"maintain_key": True, "detect_subquery_cols": True}, {"bindparam": bind}
    )


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
    """The result of an offline execute() of a statement that is not a query (or of DML
    with RETURNING; a query's is an OfflineQueryResult). Reading it is a data read.

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


class _QueryRead:
    """The data read of one query's result: recorded at the first look at its rows, once."""

    def __init__(self, recorder: Recorder, item: Item, sql: str) -> None:
        self._recorder = recorder
        self._item = item
        self._sql = sql
        self._done = False

    def __call__(self) -> None:
        if not self._done:
            self._done = True
            self._recorder.query_read(self._item, self._sql, "query")


class _NoConnection:
    """What a query's result needs of its connection, where there is no CaptureConnection."""

    _echo = False

    def _safe_close_cursor(self, cursor: Any) -> None:
        return None


class _NoCursor:
    """The DBAPI cursor of a query that never ran."""

    description = None

    def close(self) -> None:
        return None


class _OfflineFetch(FullyBufferedCursorFetchStrategy):
    """The rows of an offline query (those of empty tables): the first fetch is its read."""

    __slots__ = ("_read",)

    def __init__(self, rows: Sequence[tuple[Any, ...]], read: Callable[[], None]) -> None:
        super().__init__(None, initial_buffer=rows)
        self._read = read

    def handle_exception(self, result: Any, dbapi_cursor: Any, err: BaseException) -> NoReturn:
        raise err  # a refused read, not a DBAPI error to wrap

    def fetchone(self, result: Any, dbapi_cursor: Any, hard_close: bool = False) -> Any:
        self._read()
        return super().fetchone(result, dbapi_cursor, hard_close)

    def fetchmany(self, result: Any, dbapi_cursor: Any, size: int | None = None) -> Any:
        self._read()
        return super().fetchmany(result, dbapi_cursor, size)

    def fetchall(self, result: Any, dbapi_cursor: Any) -> Any:
        self._read()
        return super().fetchall(result, dbapi_cursor)


class _QueryContext(DefaultExecutionContext):
    """The execution context of a query that was compiled and never run.

    Set up as `DefaultExecutionContext._init_compiled` sets up a SELECT's, without a
    DBAPI connection; what it would ask the cursor (rowcount, lastrowid) is a data read.
    """

    _read: Callable[[], None]

    @classmethod
    def compiled_only(
        cls,
        compiled: Any,
        statement: Any,
        connection: Any,
        execution_options: Mapping[str, Any],
        read: Callable[[], None],
    ) -> _QueryContext:
        self = cls.__new__(cls)
        self.root_connection = connection
        self.dialect = compiled.dialect
        self.compiled = compiled
        self.invoked_statement = statement
        self.extracted_parameters = None
        self.execution_options = cast(Any, execution_options)
        self.result_column_struct = internals.result_column_struct(compiled)
        self.isinsert = self.isupdate = self.isdelete = False
        self.is_text = compiled.isplaintext
        self.compiled_parameters = [{}]
        self.unicode_statement = compiled.string
        self.cursor = cast(Any, _NoCursor())
        self._read = read
        return self

    @property
    def rowcount(self) -> int:
        self._read()
        return 0

    def get_lastrowid(self) -> int:
        self._read()
        return cast(int, None)

    def get_result_processor(self, type_: Any, colname: str, coltype: Any) -> None:
        # no driver gave these rows: the values (a count's 0, NULLs) are Python's already,
        # and the DBAPI type codes some processors need (PostgreSQL's numerics) are unknown
        return None


class OfflineQueryResult(CursorResult[Any]):
    """The result of an offline query: a real SQLAlchemy result that has the rows of
    empty tables.

    Its metadata (keys, columns) is the compiled query's, so whatever reads a result
    reads this one as a database's: Core (`fetchall()`, `first()`, `scalar()`,
    `scalars()`, `mappings()`, iteration) and the ORM, which loads objects from it
    (`session.query(T).all()`, `session.get()`, `Query.count()`). The first look at
    its rows (or its rowcount) is the query's data read: refused by default; with
    `--data-reads=empty` recorded, and the rows are those of empty tables (see
    `_rows_of_empty_tables`). It is falsy, as the None of Alembic's offline bind is.

    The columns of raw SQL are those sqlglot reads in it; where it cannot tell them
    (`SELECT *`, SQL it does not read), the result has the columns asked of it
    (`scalars(1)`, `columns("id")`).
    """

    _open = False  # its columns are not known: it has those asked of it

    def __bool__(self) -> bool:
        return False

    @classmethod
    def of(
        cls,
        construct: Any,
        dialect: Dialect,
        connection: Any,
        execution_options: Mapping[str, Any],
        read: Callable[[], None],
        sql: str,
        sqlglot_dialect: str,
    ) -> OfflineQueryResult:
        compiled = construct.compile(dialect=dialect)
        names: list[str] | None = [entry.keyname for entry in internals.result_columns(compiled)]
        raw = _raw_query(sql, sqlglot_dialect) if _is_raw(compiled) else None
        if not names:  # raw SQL: the names sqlglot reads in it
            names = _raw_names(raw) if raw is not None else None
        rows = _rows_of_empty_tables(compiled, raw)
        if rows and (names is None or len(rows[0]) != len(names)):
            rows = []
        context = _QueryContext.compiled_only(
            compiled, construct, connection, execution_options, read
        )
        result = cls(context, _OfflineFetch(rows, read), _description(names or []))
        result._open = names is None
        return result

    def scalars(self, index: Any = 0) -> Any:
        self._widen([index])
        return super().scalars(index)

    def columns(self, *col_expressions: Any) -> Any:
        self._widen(col_expressions)
        return super().columns(*col_expressions)

    def _widen(self, keys: Sequence[Any]) -> None:
        """Give a result whose columns are not known the columns `keys` ask for."""
        if not self._open:
            return
        names = list(self.keys())
        for key in keys:
            if isinstance(key, int):
                names += [f"column_{n + 1}" for n in range(len(names), key + 1)]
            elif isinstance(key, str) and key not in names:
                names.append(key)
        if len(names) != len(self.keys()):
            self._metadata = CursorResultMetaData(self, _description(names))


def _description(names: Sequence[str]) -> list[tuple[Any, ...]]:
    """A DBAPI cursor.description for columns of these names (types unknown)."""
    return [(name, None, None, None, None, None, None) for name in names]


def _is_raw(compiled: Any) -> bool:
    """Whether the query is raw SQL: text(), text().columns(), query(T).from_statement(text)."""
    statement = compiled.statement
    return isinstance(statement, TextClause) or isinstance(
        getattr(statement, "element", None), TextClause
    )


def _raw_query(sql: str, sqlglot_dialect: str) -> exp.Query | None:
    """The raw SQL query `sql` as sqlglot reads it; None for anything else."""
    first = _FIRST_WORD.match(sql)
    if first is None or first.group(1).upper() not in {"SELECT", "WITH"}:
        return None
    try:
        parsed = sqlglot.parse(sql, read=sqlglot_dialect or None)
    except sqlglot.errors.SqlglotError:
        return None
    if len(parsed) != 1 or not isinstance(parsed[0], exp.Query):
        return None
    return parsed[0]


def _raw_names(query: exp.Query) -> list[str] | None:
    """The names of the columns of a raw query; None where they cannot be told (a star)."""
    names = []
    for projection in query.selects:
        column = projection.unalias()
        if isinstance(column, exp.Star) or (
            isinstance(column, exp.Column) and isinstance(column.this, exp.Star)
        ):
            return None
        names.append(projection.output_name or projection.unalias().key)
    return names or None


# aggregate functions other than count(): over no rows, they give NULL
_AGGREGATES = frozenset(
    {
        "max", "min", "sum", "avg", "array_agg", "string_agg", "group_concat", "listagg",
        "json_agg", "jsonb_agg", "json_object_agg", "jsonb_object_agg", "json_arrayagg",
        "json_objectagg", "bool_and", "bool_or", "every", "bit_and", "bit_or", "bit_xor",
        "stddev", "stddev_pop", "stddev_samp", "variance", "var_pop", "var_samp",
    }
)  # fmt: skip
_NOT_AGGREGATE = object()


def _rows_of_empty_tables(compiled: Any, raw: exp.Query | None) -> list[tuple[Any, ...]]:
    """The rows a query gives when every table is empty (`raw`: its raw SQL, read).

    None, but for a SELECT of aggregates alone without GROUP BY or HAVING (the
    `SELECT count(*) FROM (...)` of `Query.count()`), which gives one row (count 0,
    any other aggregate NULL), and a SELECT of EXISTS alone without FROM (the
    `query(q.exists()).scalar()` idiom), which gives False.
    """
    if raw is not None:
        return _raw_rows_of_empty_tables(raw)
    statement = getattr(getattr(compiled, "compile_state", None), "statement", None)
    if not isinstance(statement, Select):
        return []
    if internals.groups_or_offsets(statement):
        return []
    nothing = _aggregate_of_nothing if statement.get_final_froms() else _exists_of_nothing
    values = [nothing(column) for column in statement.selected_columns]
    if not values or any(value is _NOT_AGGREGATE for value in values):
        return []
    return [tuple(values)]


def _aggregate_of_nothing(column: Any) -> Any:
    """What the aggregate `column` gives over no rows; _NOT_AGGREGATE for anything else."""
    while isinstance(column, Label):
        column = column.element
    if isinstance(column, FunctionFilter):
        column = column.func
    if isinstance(column, FunctionElement):
        name = str(getattr(column, "name", "")).lower()
        if name == "count":
            return 0
        if name in _AGGREGATES:
            return None
    return _NOT_AGGREGATE


def _exists_of_nothing(column: Any) -> Any:
    """What `column` of a SELECT without FROM gives when every table is empty: False for
    an EXISTS; _NOT_AGGREGATE for anything else."""
    while isinstance(column, Label):
        column = column.element
    return False if isinstance(column, Exists) else _NOT_AGGREGATE


def _raw_rows_of_empty_tables(query: exp.Query) -> list[tuple[Any, ...]]:
    """As `_rows_of_empty_tables`, for raw SQL as sqlglot reads it."""
    if not isinstance(query, exp.Select):
        return []
    if any(query.args.get(part) for part in ("group", "having", "offset")):
        return []
    has_from = bool(query.args.get("from_") or query.args.get("from"))  # sqlglot 30: from_
    values: list[Any] = []
    for projection in query.expressions:
        value = projection.unalias()
        if isinstance(value, exp.Filter):
            value = value.this
        if not has_from and isinstance(value, exp.Exists):
            values.append(False)
        elif has_from and isinstance(value, exp.AggFunc):
            values.append(0 if isinstance(value, exp.Count) else None)
        else:
            return []
    return [tuple(values)] if values else []


class CaptureConnection(MockConnection):
    """What `op.get_bind()` returns during an offline run."""

    def __init__(self, dialect: Dialect, recorder: Recorder, transactional: bool) -> None:
        super().__init__(dialect, lambda construct, *a, **kw: recorder.statement(construct))
        self._recorder = recorder
        self._transactional = transactional
        self.info: dict[str, Any] = {}

    _echo = False  # read by the results of queries (OfflineQueryResult)

    def execute(
        self, statement: Any, parameters: Any = None, execution_options: Any = None
    ) -> OfflineResult | OfflineQueryResult:
        return self._recorder.execute(
            statement, parameters, connection=self, execution_options=execution_options
        )

    def exec_driver_sql(
        self, statement: str, parameters: Any = None, execution_options: Any = None
    ) -> OfflineResult | OfflineQueryResult:
        return self._recorder.execute_driver_sql(statement, parameters, connection=self)

    def scalar(self, statement: Any, parameters: Any = None, execution_options: Any = None) -> Any:
        return self.execute(statement, parameters, execution_options).scalar()

    def scalars(self, statement: Any, parameters: Any = None, execution_options: Any = None) -> Any:
        return self.execute(statement, parameters, execution_options).scalars()

    def _safe_close_cursor(self, cursor: Any) -> None:
        """A query's result closes its cursor once read: offline, there is none."""
        return None

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


@internals.register_inspection(CaptureConnection)
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

    create_plain = internals.batch_create()

    def create(self: ApplyBatchImpl, op_impl: DefaultImpl) -> None:
        # Alembic copies a generated column like any other, and SQLite refuses the
        # copy ("cannot INSERT into generated column"), online too: the new table
        # computes it from the columns copied (docs/alembic-differences.md)
        for name, column in self.columns.items():
            if column.computed is not None and name in self.column_transfers:
                self.column_transfers[name].pop("expr", None)
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
    internals.set_batch_create(create)
    internals.install_proxy(operations)
    try:
        yield operations
    finally:
        internals.remove_proxy(operations)
        BatchOperations.invoke = batch_invoke_plain  # type: ignore[method-assign]
        BatchOperationsImpl.flush = flush_plain  # type: ignore[method-assign]
        internals.set_batch_create(create_plain)
        Inspector.from_engine = from_engine_plain  # type: ignore[method-assign]
