"""Every use of a private name of Alembic and SQLAlchemy, in one place.

sqlgen runs Alembic offline against a capturing connection, keeps its own graph
planning and reads SQLAlchemy's schema objects more closely than their public API
allows. Where that needs a name the libraries do not promise to keep (an
underscore attribute, a registry, a method patched at class level, the positional
order of a constructor, the wording of an error), the access goes through a
function or constant here, and nowhere else (tests/test_internals.py scans
sqlgen's source for private names of those packages outside this module, and
checks that the installed versions still provide each one).

Each accessor says what it relies on. All were checked with the versions
pyproject.toml allows: alembic 1.20 and SQLAlchemy 2.1 (see CHECKED_WITH). When
widening those ranges, run tests/test_internals.py against the new versions first.

Nothing is imported from Alembic or SQLAlchemy at module level: importing this
module costs nothing (the CLI loads the pipeline only when a command needs it).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

if TYPE_CHECKING:
    from alembic.ddl.impl import DefaultImpl
    from alembic.script import Script, ScriptDirectory
    from alembic.script.revision import Revision, RevisionMap
    from sqlalchemy import Table
    from sqlalchemy.engine import Dialect

T = TypeVar("T")

# the major.minor versions every accessor below was checked with
CHECKED_WITH: Mapping[str, str] = {"alembic": "1.20", "sqlalchemy": "2.1"}


# --- Alembic: the revision graph (alembic.script.revision) ---------------------------------


def ancestor_nodes(
    revision_map: RevisionMap, targets: Any, check: bool = False
) -> Iterator[Revision]:
    """The revisions below `targets`, themselves included.

    Relies on `RevisionMap._get_ancestor_nodes(targets, map_=None, check=False, ...)`;
    checked with alembic 1.20."""
    return revision_map._get_ancestor_nodes(targets, check=check)


def descendant_nodes(revision_map: RevisionMap, targets: Any) -> Iterator[Revision]:
    """The revisions above `targets`, themselves included.

    Relies on `RevisionMap._get_descendant_nodes(targets, ...)`; checked with alembic 1.20."""
    return cast("Iterator[Revision]", revision_map._get_descendant_nodes(targets))


def revision_by_id(revision_map: RevisionMap, rev_id: str) -> Revision | None:
    """The map's entry for exactly this id (KeyError for an unknown one; None for base).

    Relies on the memoized `RevisionMap._revision_map` dict; checked with alembic 1.20."""
    return revision_map._revision_map[rev_id]


def all_down_revisions(revision: Revision) -> tuple[str, ...]:
    """A revision's parents and the revisions it depends on.

    Relies on the property `Revision._all_down_revisions`; checked with alembic 1.20."""
    return tuple(revision._all_down_revisions)


def keep_declared_dependency_order(revision: Revision) -> None:
    """Order a revision's normalized `depends_on` as the script declares them.

    Alembic builds `Revision._normalized_resolved_dependencies` from a set, so with several
    depends_on the order (and the bookkeeping that follows it) changes with the hash
    seed. Relies on that attribute and on `Revision._resolved_dependencies` (declared
    order), both set when the map is built; checked with alembic 1.20."""
    normalized = set(revision._normalized_resolved_dependencies)
    revision._normalized_resolved_dependencies = tuple(
        d for d in revision._resolved_dependencies if d in normalized
    )


# Alembic's ResolutionError text for `label@rev` when rev is on another branch
_NOT_ON_BRANCH = re.compile(r"Revision (\S+) is not a member of branch '([^']*)'")


def not_on_branch(error: Exception) -> tuple[str, str] | None:
    """(revision, branch) when a ResolutionError says the revision is not on the branch.

    Relies on the wording of Alembic's message "Revision X is not a member of branch
    'Y'" (RevisionMap._shares_lineage); checked with alembic 1.20."""
    found = _NOT_ON_BRANCH.search(str(error))
    return (found.group(1), found.group(2)) if found else None


def nothing_to_drop(error: Any) -> bool:
    """Whether a RangeNotAncestorError is Alembic's downgrade 'Nothing to drop'.

    Relies on Alembic putting that text in the error's `lower` (RevisionMap.
    _collect_downgrade_revisions); checked with alembic 1.20."""
    return bool(getattr(error, "lower", None) == "Nothing to drop")


# --- Alembic: revision files (alembic.script) --------------------------------------------


def is_revision_file_name(name: str) -> bool:
    """Whether Alembic reads a file of this name as a revision (a .py source file).

    Relies on the regex `alembic.script.base._only_source_rev_file`; checked with
    alembic 1.20."""
    from alembic.script.base import _only_source_rev_file

    return bool(_only_source_rev_file.match(name))


def version_locations(directory: ScriptDirectory) -> list[Any]:
    """The folders Alembic searches for revision files, as Paths.

    Relies on the memoized `ScriptDirectory._version_locations`; checked with alembic 1.20."""
    return list(directory._version_locations)


def list_py_dir(directory: ScriptDirectory, location: Any) -> list[Any]:
    """The revision files of one folder, in Alembic's order (recursive where configured).

    Relies on `Script._list_py_dir(scriptdir, path)`; checked with alembic 1.20."""
    return list(cast(Any, _script())._list_py_dir(directory, location))


def script_from_path(directory: ScriptDirectory, path: Any) -> Script | None:
    """A revision file loaded as Alembic loads it (None for a file it skips).

    Relies on `Script._from_path(scriptdir, path)`; checked with alembic 1.20."""
    return cast("Script | None", cast(Any, _script())._from_path(directory, path))


def _script() -> type[Script]:
    from alembic.script import Script

    return Script


def versioned_down_revisions(script: Script) -> tuple[str, ...]:
    """A script's down_revision ids (without depends_on).

    Relies on the property `Script._versioned_down_revisions`; checked with alembic 1.20."""
    return tuple(script._versioned_down_revisions)


def format_down_revision(script: Script) -> str:
    """A script's parents as `alembic history` prints them ("<base>" for none).

    Relies on `Script._format_down_revision()`; checked with alembic 1.20."""
    return str(script._format_down_revision())


def is_real_head(script: Script) -> bool:
    """Whether a script is a head not counting dependencies (`(head)` in listings).

    Relies on the property `Script._is_real_head`; checked with alembic 1.20."""
    return bool(script._is_real_head)


# --- Alembic: the migration runtime (alembic.ddl, alembic.runtime, alembic.operations) ----


def impl_registry() -> dict[str, type[DefaultImpl]]:
    """Alembic's DDL impls by dialect name (defining an impl class with `__dialect__`
    adds it here, through alembic.ddl.impl.ImplMeta).

    Relies on the module dict `alembic.ddl.impl._impls`; checked with alembic 1.20."""
    from alembic.ddl.impl import _impls

    return _impls


# the attribute sqlalchemy.ext.compiler.compiles() puts on a construct class
_COMPILER_DISPATCHER = "_compiler_dispatcher"


def compiler_specs(construct: object) -> dict[str, Any] | None:
    """The per-dialect compile functions `@compiles` registered on a construct class
    itself (not inherited); None when it has none.

    Relies on the class attribute `_compiler_dispatcher` (a `_dispatcher` with a `specs`
    dict by dialect name) of sqlalchemy.ext.compiler; checked with SQLAlchemy 2.1."""
    dispatcher = getattr(construct, "__dict__", {}).get(_COMPILER_DISPATCHER)
    return cast("dict[str, Any] | None", getattr(dispatcher, "specs", None))


def new_impl(
    impl_class: type[DefaultImpl],
    dialect: Dialect,
    connection: Any,
    as_sql: bool,
    transactional_ddl: bool | None,
    output_buffer: Any,
    context_opts: dict[str, Any],
) -> DefaultImpl:
    """An impl built as MigrationContext builds one.

    Relies on the positional order of `DefaultImpl.__init__(dialect, connection, as_sql,
    transactional_ddl, output_buffer, context_opts)`; checked with alembic 1.20."""
    return impl_class(dialect, connection, as_sql, transactional_ddl, output_buffer, context_opts)


def version_table(context: Any) -> Table:
    """The alembic_version Table a MigrationContext writes to.

    Relies on `MigrationContext._version`, set in its __init__; checked with alembic 1.20."""
    return cast("Table", context._version)


def set_migration_context(environment: Any, context: Any) -> None:
    """Make `context` the EnvironmentContext's running MigrationContext (what
    `context.get_context()` answers).

    Relies on `EnvironmentContext._migration_context`; checked with alembic 1.20."""
    environment._migration_context = context


def install_proxy(target: Any) -> None:
    """Make `target` (an Operations or EnvironmentContext) what `alembic.op` /
    `alembic.context` forward to.

    Relies on `ModuleClsProxy._install_proxy()` (alembic.util.langhelpers); checked with
    alembic 1.20."""
    target._install_proxy()


def remove_proxy(target: Any) -> None:
    """Undo install_proxy. Relies on `ModuleClsProxy._remove_proxy()`; checked with
    alembic 1.20."""
    target._remove_proxy()


def batch_create() -> Callable[..., None]:
    """`ApplyBatchImpl._create(op_impl)`: where a batch block creates the new table,
    copies the rows and swaps it in (patched at class level while a run captures).

    Relies on that method of alembic.operations.batch.ApplyBatchImpl; checked with
    alembic 1.20."""
    from alembic.operations.batch import ApplyBatchImpl

    return cast("Callable[..., None]", ApplyBatchImpl._create)


def set_batch_create(method: Callable[..., None]) -> None:
    """Replace (or restore) `ApplyBatchImpl._create`; see batch_create."""
    from alembic.operations.batch import ApplyBatchImpl

    ApplyBatchImpl._create = method  # type: ignore[method-assign]


def batch_grab_table_elements() -> Callable[[Any], None]:
    """`ApplyBatchImpl._grab_table_elements()`: where a batch block copies the table's
    columns, constraints and indexes (iterating `Table.constraints`, a set).

    Relies on that method of alembic.operations.batch.ApplyBatchImpl, called from its
    __init__ with `self.table` set; checked with alembic 1.20."""
    from alembic.operations.batch import ApplyBatchImpl

    return cast("Callable[[Any], None]", ApplyBatchImpl._grab_table_elements)


def set_batch_grab_table_elements(method: Callable[[Any], None]) -> None:
    """Replace (or restore) `ApplyBatchImpl._grab_table_elements`; see above."""
    from alembic.operations.batch import ApplyBatchImpl

    ApplyBatchImpl._grab_table_elements = method  # type: ignore[method-assign,assignment]


# the name of the table a batch block copies the rows into: "_alembic_tmp_" + the table's
# name. Relies on ApplyBatchImpl._create naming it so; checked with alembic 1.20.
BATCH_TEMP_PREFIX = "_alembic_tmp_"


def constraints_included(op: Any) -> dict[str, Any]:
    """The keyword that makes `SchemaObjects.table()` build a CreateTableOp's table as
    `op.to_table()` does: {"_constraints_included": ...}.

    Relies on `CreateTableOp._constraints_included` and the `_constraints_included`
    keyword of alembic.operations.schemaobj.SchemaObjects.table; checked with alembic 1.20."""
    return {"_constraints_included": op._constraints_included}


# --- SQLAlchemy: schema objects ----------------------------------------------------------


def copy_item(item: T) -> T:
    """A copy of a Column or ForeignKey, detached from any table.

    Relies on `SchemaItem._copy()` (Column._copy, ForeignKey._copy; `copy()` is
    deprecated); checked with SQLAlchemy 2.1."""
    return cast(T, cast(Any, item)._copy())


def creation_order(item: object) -> int:
    """The order in which a schema object (column, constraint, index) was created; 0 for
    an object that has none.

    Relies on the `_creation_order` counter of sqlalchemy.util.set_creation_order;
    checked with SQLAlchemy 2.1."""
    return int(getattr(item, "_creation_order", 0))


def create_rule(constraint: Any) -> Callable[[Any], bool] | None:
    """The function that tells whether a type's CHECK constraint is created for a
    compiler (None for an ordinary CHECK).

    Relies on `Constraint._create_rule`, set by SchemaType (Boolean, Enum) on the CHECK it
    makes; checked with SQLAlchemy 2.1."""
    return cast("Callable[[Any], bool] | None", constraint._create_rule)


def type_bound(constraint: Any) -> bool:
    """Whether a CHECK constraint belongs to a type (a Boolean's or an Enum's).

    Relies on `CheckConstraint._type_bound`; checked with SQLAlchemy 2.1."""
    return bool(constraint._type_bound)


def column_tokens(element: Any) -> Any:
    """(schema, table_name, column_name) a ForeignKey names, without resolving it.

    Relies on `ForeignKey._column_tokens` (a named tuple); checked with SQLAlchemy 2.1."""
    return element._column_tokens


def is_none_name(value: object) -> bool:
    """Whether a constraint name is SQLAlchemy's placeholder for "no name given".

    Relies on the class `sqlalchemy.sql.base._NoneName`; checked with SQLAlchemy 2.1."""
    from sqlalchemy.sql.base import _NoneName

    return isinstance(value, _NoneName)


def register_inspection(subject: type) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A decorator making `sqlalchemy.inspect(obj)` of a `subject` instance call the
    decorated function.

    Relies on `sqlalchemy.inspection._inspects`; checked with SQLAlchemy 2.1."""
    from sqlalchemy import inspection

    return cast("Callable[[Callable[..., Any]], Callable[..., Any]]", inspection._inspects(subject))


# --- SQLAlchemy: statements and their compilation ---------------------------------------


def resolve_value_to_type(value: object) -> Any:
    """The SQL type SQLAlchemy infers for a Python value in a bound parameter.

    Relies on `sqlalchemy.sql.type_api._resolve_value_to_type`; checked with
    SQLAlchemy 2.1."""
    from sqlalchemy.sql import type_api

    return type_api._resolve_value_to_type(value)


def text_bindparams(construct: Any) -> dict[str, Any]:
    """A TextClause's bound parameters by name.

    Relies on `TextClause._bindparams`; checked with SQLAlchemy 2.1."""
    return cast("dict[str, Any]", construct._bindparams)


def returning(construct: object) -> Any:
    """The RETURNING columns of a DML construct (empty for anything else).

    Relies on `UpdateBase._returning`; checked with SQLAlchemy 2.1."""
    return getattr(construct, "_returning", ())


def bound_params(construct: object) -> dict[str, Any]:
    """Values bound with `.params()` on a construct (empty for none).

    Relies on `ClauseElement._params` (what .params() and the ORM's session.get() fill);
    checked with SQLAlchemy 2.1."""
    return cast("dict[str, Any]", getattr(construct, "_params", {}))


def construct_execution_options(construct: object) -> Mapping[str, Any]:
    """The execution options set on a statement with `.execution_options()`.

    Relies on `Executable._execution_options`; checked with SQLAlchemy 2.1."""
    return cast("Mapping[str, Any]", getattr(construct, "_execution_options", {}))


def result_columns(compiled: Any) -> list[Any]:
    """A compiled query's result columns (entries with `keyname`).

    Relies on `SQLCompiler._result_columns`; checked with SQLAlchemy 2.1."""
    return cast("list[Any]", compiled._result_columns)


def result_column_struct(compiled: Any) -> tuple[Any, ...]:
    """What `DefaultExecutionContext._init_compiled` puts in `result_column_struct`, for
    CursorResult's metadata to match a compiled query's columns.

    Relies on `SQLCompiler._result_columns`, `_ordered_columns`,
    `_textual_ordered_columns`, `_ad_hoc_textual` and `_loose_column_name_matching`, in
    that order; checked with SQLAlchemy 2.1."""
    return (
        compiled._result_columns,
        compiled._ordered_columns,
        compiled._textual_ordered_columns,
        compiled._ad_hoc_textual,
        compiled._loose_column_name_matching,
    )


def groups_or_offsets(select: Any) -> bool:
    """Whether a Select has GROUP BY, HAVING or OFFSET.

    Relies on `Select._group_by_clauses`, `_having_criteria` and `_offset_clause`; checked
    with SQLAlchemy 2.1."""
    return bool(
        select._group_by_clauses or select._having_criteria or select._offset_clause is not None
    )


# --- SQLAlchemy: a dialect's initialize() without a server (sqlgen.runtime.server) ------
# The dialect methods replaced on an instance while initialize() runs. A name the
# dialect's class lacks is not replaced (server._hooked), so a renamed hook would go
# unnoticed: tests/test_internals.py checks that each is still there.

SERVER_VERSION_INFO = "_get_server_version_info"  # every dialect; SQLAlchemy 2.1
DEFAULT_SCHEMA_NAME = "_get_default_schema_name"  # every dialect; SQLAlchemy 2.1
PG_TYPE_INFO_FETCH = "_type_info_fetch"  # psycopg's hstore lookup; SQLAlchemy 2.1
PG_HSTORE_OIDS = "_hstore_oids"  # psycopg2's hstore lookup; SQLAlchemy 2.1
MYSQL_DETECT_CHARSET = "_detect_charset"  # MySQL drivers' connection charset; SQLAlchemy 2.1
ORACLE_COMPAT_VERSION = "_get_effective_compat_server_version_info"  # SQLAlchemy 2.1
ORACLE_MAX_IDENTIFIER_LENGTH = "_check_max_identifier_length"  # SQLAlchemy 2.1
ORACLE_DECIMAL_CHAR = "_detect_decimal_char"  # cx_Oracle/oracledb; SQLAlchemy 2.1


def parse_server_version(dialect: Dialect, reported: str) -> tuple[int, ...]:
    """MySQL's/MariaDB's version from SELECT VERSION() text, through the dialect's own
    parsing (which also sets the dialect up for MariaDB).

    Relies on `MySQLDialect._parse_server_version(val)`; checked with SQLAlchemy 2.1."""
    return cast("tuple[int, ...]", cast(Any, dialect)._parse_server_version(reported))


def set_decimal_char(dialect: Any, char: str) -> None:
    """Set the decimal separator an Oracle driver dialect reads from its connection.

    Relies on `OracleDialect_cx_oracle._decimal_char`; checked with SQLAlchemy 2.1."""
    dialect._decimal_char = char


def oracle_max_identifier_length() -> Callable[..., Any]:
    """Oracle's base-dialect answer for the identifier length limit (by compatibility
    version), in place of the drivers' own, which ask their connection object.

    Relies on `sqlalchemy.dialects.oracle.base.OracleDialect._check_max_identifier_length`;
    checked with SQLAlchemy 2.1."""
    from sqlalchemy.dialects.oracle.base import OracleDialect

    return cast("Callable[..., Any]", OracleDialect._check_max_identifier_length)
