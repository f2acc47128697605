"""Alembic's and SQLAlchemy's private names: only in sqlgen.runtime.internals, and still there.

sqlgen relies on names those libraries do not promise to keep. All of them go
through sqlgen/runtime/internals.py: the first test scans sqlgen's source and fails on a
private name of alembic or sqlalchemy anywhere else; the others exercise each
accessor against the installed versions, so an upgrade that removes or changes one
fails here, by name, rather than somewhere deep in a rendering.
"""

from __future__ import annotations

import ast
import inspect
import io
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import alembic
import pytest
import sqlalchemy
import sqlalchemy as sa
from alembic.operations import Operations, ops
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.script.revision import (
    RangeNotAncestorError,
    ResolutionError,
    Revision,
    RevisionMap,
)
from packaging.requirements import Requirement
from packaging.version import Version

import sqlgen
from sqlgen.runtime import internals

from .projects import make_project, revision_source

PACKAGE = Path(sqlgen.__file__).parent
REPO = PACKAGE.parent
INTERNALS = PACKAGE / "runtime" / "internals.py"
_PRIVATE = re.compile(r"_[A-Za-z]\w*")


# --- no private name of Alembic or SQLAlchemy outside sqlgen.runtime.internals --------------------


def _library_names() -> set[str]:
    """Every private-looking name (`_x`, not dunder) in Alembic's and SQLAlchemy's source."""
    names: set[str] = set()
    for package in (alembic, sqlalchemy):
        for path in Path(package.__file__).parent.rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            names.update(re.findall(r"\b_[A-Za-z]\w*", text))
    return {n for n in names if not n.endswith("__")}


def _own_attributes(trees: dict[Path, ast.Module]) -> set[str]:
    """Attribute names sqlgen defines itself: in a class body, or set on self/cls."""
    own: set[str] = set()
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                        own.add(item.name)
                    elif isinstance(item, ast.Assign):
                        own.update(t.id for t in item.targets if isinstance(t, ast.Name))
                    elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                        own.add(item.target.id)
            elif (
                isinstance(node, ast.Attribute)
                and isinstance(node.ctx, ast.Store)
                and isinstance(node.value, ast.Name)
                and node.value.id in ("self", "cls")
            ):
                own.add(node.attr)
    return own


def _other_modules(tree: ast.Module) -> set[str]:
    """Names a module binds to imports of anything but alembic and sqlalchemy (`sys`...)."""
    bound: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] not in ("alembic", "sqlalchemy"):
                    bound.add(alias.asname or alias.name.split(".")[0])
    return bound


def private_uses(trees: dict[Path, ast.Module], library: set[str], own: set[str]) -> list[str]:
    """Where sqlgen's source names a private name of alembic or sqlalchemy: an import
    from a private module or of a private name, an attribute (`obj._impls`,
    `cls._create`), a keyword argument (`_constraints_included=`) or a string used as
    a name (getattr(x, "_params"), a hook's name) that is such a name and not one
    sqlgen defines itself."""
    found: list[str] = []
    for path, tree in trees.items():
        others = _other_modules(tree)
        f_strings = {
            id(part) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr)
            for part in node.values
        }  # fmt: skip
        for node in ast.walk(tree):
            hit = None
            if isinstance(node, ast.ImportFrom) and node.module:
                parts = node.module.split(".")
                if parts[0] in ("alembic", "sqlalchemy") and (
                    any(p.startswith("_") for p in parts)
                    or any(a.name.startswith("_") for a in node.names)
                ):
                    hit = f"from {node.module} import {', '.join(a.name for a in node.names)}"
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    parts = alias.name.split(".")
                    if parts[0] in ("alembic", "sqlalchemy") and any(
                        p.startswith("_") for p in parts
                    ):
                        hit = f"import {alias.name}"
            elif isinstance(node, ast.Attribute) and _PRIVATE.fullmatch(node.attr):
                receiver = node.value.id if isinstance(node.value, ast.Name) else None
                if (
                    node.attr in library
                    and node.attr not in own
                    and not node.attr.endswith("__")
                    and receiver not in others
                ):
                    hit = ast.unparse(node)
            elif isinstance(node, ast.keyword) and node.arg and _PRIVATE.fullmatch(node.arg):
                if node.arg in library and node.arg not in own:
                    hit = f"{node.arg}=..."
            elif (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and _PRIVATE.fullmatch(node.value)
                and id(node) not in f_strings
                and node.value in library
                and node.value not in own
                and not node.value.endswith("__")
            ):
                hit = repr(node.value)
            if hit:
                found.append(f"{path.relative_to(REPO)}:{getattr(node, 'lineno', 0)}: {hit}")
    return sorted(found)


@pytest.fixture(scope="module")
def library() -> set[str]:
    return _library_names()


@pytest.fixture(scope="module")
def trees() -> dict[Path, ast.Module]:
    return {
        path: ast.parse(path.read_text(encoding="utf-8"))
        for path in sorted(PACKAGE.rglob("*.py"))
        if path != INTERNALS
    }


def test_no_private_name_of_alembic_or_sqlalchemy_outside_internals(
    library: set[str], trees: dict[Path, ast.Module]
) -> None:
    found = private_uses(trees, library, _own_attributes(trees))
    assert found == [], "use (or add) an accessor in sqlgen/runtime/internals.py:\n" + "\n".join(
        found
    )


def test_the_scan_finds_each_kind_of_use(library: set[str]) -> None:
    source = (
        "import sys\n"
        "from alembic.ddl.impl import _impls\n"
        "from sqlalchemy.sql.base import _NoneName\n"
        "x = context._version\n"
        "y = getattr(construct, '_params', {})\n"
        "t = SchemaObjects().table('t', _constraints_included=True)\n"
        "frame = sys._getframe(1)\n"  # the standard library's, not theirs
        "own = self._map\n"  # sqlgen's own attribute
        "name = f'{table}_seq'\n"  # text, not a name
    )
    tree = {REPO / "sqlgen" / "example.py": ast.parse(source)}
    assert [line.split(": ", 1)[1] for line in private_uses(tree, library, {"_map"})] == [
        "from alembic.ddl.impl import _impls",
        "from sqlalchemy.sql.base import _NoneName",
        "context._version",
        "'_params'",
        "_constraints_included=...",
    ]


def test_no_name_of_sqlgen_shadows_a_private_name_internals_uses(
    library: set[str], trees: dict[Path, ast.Module]
) -> None:
    """The scan lets through the names sqlgen defines on its own classes; none of them
    may be one of the private names sqlgen actually relies on."""
    relied_on = set(re.findall(r"\b_[A-Za-z]\w*", INTERNALS.read_text())) & library
    assert relied_on & _own_attributes(trees) == set()


# --- every accessor still works with the installed versions -----------------------------

# the public names of sqlgen.runtime.internals that are accessors (everything but these)
_NOT_ACCESSORS = {"CHECKED_WITH", "T"}


def _accessors() -> list[str]:
    return sorted(
        name
        for name, value in vars(internals).items()
        if not name.startswith("_")
        and name not in _NOT_ACCESSORS
        and (
            (inspect.isfunction(value) and value.__module__ == internals.__name__)
            or (name.isupper() and isinstance(value, str))
        )
    )


_HOOKS = {
    # constant: the SQLAlchemy dialect classes whose instances sqlgen hooks it on
    "SERVER_VERSION_INFO": [
        "sqlalchemy.dialects.postgresql.psycopg:PGDialect_psycopg",
        "sqlalchemy.dialects.mysql.pymysql:MySQLDialect_pymysql",
        "sqlalchemy.dialects.oracle.oracledb:OracleDialect_oracledb",
        "sqlalchemy.dialects.mssql.pyodbc:MSDialect_pyodbc",
        "sqlalchemy.dialects.sqlite.pysqlite:SQLiteDialect_pysqlite",
    ],
    "DEFAULT_SCHEMA_NAME": [
        "sqlalchemy.dialects.postgresql.psycopg:PGDialect_psycopg",
        "sqlalchemy.dialects.mysql.pymysql:MySQLDialect_pymysql",
        "sqlalchemy.dialects.oracle.oracledb:OracleDialect_oracledb",
        "sqlalchemy.dialects.mssql.pyodbc:MSDialect_pyodbc",
    ],
    "PG_TYPE_INFO_FETCH": ["sqlalchemy.dialects.postgresql.psycopg:PGDialect_psycopg"],
    "PG_HSTORE_OIDS": ["sqlalchemy.dialects.postgresql.psycopg2:PGDialect_psycopg2"],
    "MYSQL_DETECT_CHARSET": ["sqlalchemy.dialects.mysql.pymysql:MySQLDialect_pymysql"],
    "ORACLE_COMPAT_VERSION": ["sqlalchemy.dialects.oracle.oracledb:OracleDialect_oracledb"],
    "ORACLE_MAX_IDENTIFIER_LENGTH": ["sqlalchemy.dialects.oracle.oracledb:OracleDialect_oracledb"],
    "ORACLE_DECIMAL_CHAR": ["sqlalchemy.dialects.oracle.oracledb:OracleDialect_oracledb"],
}


def test_every_accessor_has_its_test() -> None:
    tested = {name[len("test_") :] for name in globals() if name.startswith("test_")}
    missing = [name for name in _accessors() if name.lower() not in tested and name not in _HOOKS]
    assert missing == []


@pytest.mark.parametrize("constant", sorted(_HOOKS))
def test_dialect_hook(constant: str) -> None:
    """A hook sqlgen.runtime.server replaces is a method of the dialects it is for (a name
    the class lacks would silently not be replaced)."""
    import importlib

    name = getattr(internals, constant)
    for target in _HOOKS[constant]:
        module, cls = target.split(":")
        assert callable(getattr(getattr(importlib.import_module(module), cls), name, None)), (
            f"{cls} has no {name}"
        )


# the revision graph


def _map(*revisions: Revision) -> RevisionMap:
    return RevisionMap(lambda: list(revisions))


def _line() -> RevisionMap:
    return _map(Revision("a", None), Revision("b", "a"), Revision("c", "b"))


def test_ancestor_nodes() -> None:
    graph = _line()
    found = internals.ancestor_nodes(graph, graph.get_revisions("b"), check=False)
    assert {r.revision for r in found} == {"a", "b"}


def test_descendant_nodes() -> None:
    graph = _line()
    assert {r.revision for r in internals.descendant_nodes(graph, graph.get_revisions("b"))} == {
        "b",
        "c",
    }


def test_revision_by_id() -> None:
    graph = _line()
    found = internals.revision_by_id(graph, "b")
    assert found is not None and found.revision == "b"
    with pytest.raises(KeyError):
        internals.revision_by_id(graph, "zz")


def test_all_down_revisions() -> None:
    graph = _map(Revision("a", None), Revision("x", None), Revision("b", "a", dependencies="x"))
    assert set(internals.all_down_revisions(graph.get_revision("b"))) == {"a", "x"}


def test_keep_declared_dependency_order() -> None:
    parents = [f"p{i:02d}" for i in range(30)]
    declared = tuple(reversed(parents))
    child = Revision("c", None, dependencies=declared)
    graph = _map(*(Revision(p, None) for p in parents), child)
    graph.heads  # noqa: B018 - builds the map, which resolves the dependencies
    internals.keep_declared_dependency_order(child)
    assert child._normalized_resolved_dependencies == declared


def test_not_on_branch() -> None:
    graph = _map(Revision("a", None, branch_labels="x"), Revision("b", None, branch_labels="y"))
    with pytest.raises(ResolutionError) as info:
        graph.get_revisions("x@b")
    assert internals.not_on_branch(info.value) == ("b", "x")
    assert internals.not_on_branch(ResolutionError("No such revision 'q'", "q")) is None


def test_nothing_to_drop() -> None:
    graph = _map(Revision("a1", None), Revision("a2", "a1"), Revision("b1", None))
    with pytest.raises(RangeNotAncestorError) as info:
        list(graph.iterate_revisions(("a2",), "b1", select_for_downgrade=True))
    assert internals.nothing_to_drop(info.value)
    with pytest.raises(RangeNotAncestorError) as other:
        list(_line().iterate_revisions("a", "c"))
    assert not internals.nothing_to_drop(other.value)


# revision files


@pytest.fixture(scope="module")
def scripts(tmp_path_factory: pytest.TempPathFactory) -> ScriptDirectory:
    root = make_project(
        tmp_path_factory.mktemp("internals"),
        {
            "0001_a.py": revision_source("aaa1", None),
            "0002_b.py": revision_source("bbb2", "aaa1"),
            "0003_c.py": revision_source("ccc3", None, depends_on="aaa1"),
        },
    )
    return ScriptDirectory(str(root / "migrations"))


def test_is_revision_file_name() -> None:
    assert internals.is_revision_file_name("0001_a.py")
    assert not internals.is_revision_file_name("__init__.py")
    assert not internals.is_revision_file_name("notes.txt")


def test_version_locations(scripts: ScriptDirectory) -> None:
    [location] = internals.version_locations(scripts)
    assert Path(location) == Path(scripts.dir) / "versions"


def test_list_py_dir(scripts: ScriptDirectory) -> None:
    [location] = internals.version_locations(scripts)
    found = internals.list_py_dir(scripts, location)
    assert sorted(Path(p).name for p in found) == ["0001_a.py", "0002_b.py", "0003_c.py"]


def test_script_from_path(scripts: ScriptDirectory) -> None:
    script = internals.script_from_path(scripts, Path(scripts.dir) / "versions" / "0002_b.py")
    assert script is not None and script.revision == "bbb2"


def test_versioned_down_revisions(scripts: ScriptDirectory) -> None:
    assert internals.versioned_down_revisions(scripts.get_revision("bbb2")) == ("aaa1",)
    # depends_on is not a down revision
    assert internals.versioned_down_revisions(scripts.get_revision("ccc3")) == ()


def test_format_down_revision(scripts: ScriptDirectory) -> None:
    assert internals.format_down_revision(scripts.get_revision("bbb2")) == "aaa1"
    assert internals.format_down_revision(scripts.get_revision("aaa1")) == "<base>"


def test_is_real_head(scripts: ScriptDirectory) -> None:
    assert internals.is_real_head(scripts.get_revision("bbb2"))
    assert not internals.is_real_head(scripts.get_revision("aaa1"))


# the migration runtime


def _offline(dialect_name: str = "sqlite") -> MigrationContext:
    return MigrationContext.configure(
        dialect_name=dialect_name, opts={"as_sql": True, "output_buffer": io.StringIO()}
    )


def test_impl_registry() -> None:
    from alembic.ddl.impl import DefaultImpl
    from alembic.ddl.postgresql import PostgresqlImpl

    registry = internals.impl_registry()
    assert registry["postgresql"] is PostgresqlImpl and registry["default"] is DefaultImpl
    # defining an impl class with __dialect__ registers it (sqlgen.runtime.runner)
    type("InternalsTestImpl", (DefaultImpl,), {"__dialect__": "sqlgen_internals_test"})
    try:
        assert registry["sqlgen_internals_test"].__name__ == "InternalsTestImpl"
    finally:
        del registry["sqlgen_internals_test"]


def test_compiler_specs() -> None:
    import alembic.ddl.mysql  # noqa: F401 - registers MySQL's compilation of ColumnType
    from alembic.ddl.base import AlterColumn, ColumnType

    specs = internals.compiler_specs(ColumnType)
    assert specs is not None and {"default", "mysql"} <= set(specs)
    # only what is registered on the class itself: AlterColumn has none of its own
    assert internals.compiler_specs(AlterColumn) is None


def test_new_impl() -> None:
    from alembic.ddl.impl import DefaultImpl

    names = list(inspect.signature(DefaultImpl.__init__).parameters)
    assert names == [
        "self", "dialect", "connection", "as_sql", "transactional_ddl", "output_buffer",
        "context_opts",
    ]  # fmt: skip
    buffer = io.StringIO()
    dialect = sa.create_mock_engine("sqlite://", lambda *a: None).dialect
    impl = internals.new_impl(DefaultImpl, dialect, None, True, False, buffer, {"x": 1})
    assert impl.dialect is dialect and impl.as_sql is True and impl.connection is None
    assert impl.transactional_ddl is False and impl.output_buffer is buffer
    assert impl.context_opts == {"x": 1}


def test_version_table() -> None:
    table = internals.version_table(_offline())
    assert isinstance(table, sa.Table) and table.name == "alembic_version"
    assert list(table.c.keys()) == ["version_num"]


def test_set_migration_context() -> None:
    from alembic.config import Config

    environment = EnvironmentContext(Config(), None)  # type: ignore[arg-type]
    context = _offline()
    internals.set_migration_context(environment, context)
    assert environment.get_context() is context


def test_install_proxy() -> None:
    from alembic import op

    operations = Operations(_offline())
    internals.install_proxy(operations)
    try:
        assert op.get_context() is operations.migration_context
    finally:
        internals.remove_proxy(operations)


def test_remove_proxy() -> None:
    from alembic import op

    operations = Operations(_offline())
    internals.install_proxy(operations)
    internals.remove_proxy(operations)
    with pytest.raises((NameError, AttributeError)):  # no operations behind alembic.op
        op.get_context()


@pytest.fixture
def batch_calls() -> Iterator[list[str]]:
    """The batch hooks, patched to record their calls, while a SQLite batch block runs
    offline (see _batch)."""
    calls: list[str] = []
    create, grab = internals.batch_create(), internals.batch_grab_table_elements()

    def recording_create(self: Any, op_impl: Any) -> None:
        calls.append(f"create {self.table.name}")
        create(self, op_impl)

    def recording_grab(self: Any) -> None:
        calls.append(f"grab {self.table.name}")
        grab(self)

    internals.set_batch_create(recording_create)
    internals.set_batch_grab_table_elements(recording_grab)
    try:
        yield calls
    finally:
        internals.set_batch_create(create)
        internals.set_batch_grab_table_elements(grab)
    from alembic.operations.batch import ApplyBatchImpl

    assert ApplyBatchImpl._create is create
    assert ApplyBatchImpl._grab_table_elements is grab


def _batch() -> str:
    context = _offline()
    table = sa.Table("t", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True))
    with (
        Operations.context(context),
        Operations(context).batch_alter_table("t", copy_from=table, recreate="always") as batch,
    ):
        batch.add_column(sa.Column("x", sa.Integer))
    return context.output_buffer.getvalue()  # type: ignore[union-attr]


def test_batch_create(batch_calls: list[str]) -> None:
    _batch()
    assert "create t" in batch_calls


def test_set_batch_create(batch_calls: list[str]) -> None:
    _batch()
    assert batch_calls.count("create t") == 1


def test_batch_grab_table_elements(batch_calls: list[str]) -> None:
    _batch()
    assert batch_calls[0] == "grab t"


def test_set_batch_grab_table_elements(batch_calls: list[str]) -> None:
    _batch()
    assert batch_calls.count("grab t") == 1


def test_batch_temp_prefix() -> None:
    assert f"CREATE TABLE {internals.BATCH_TEMP_PREFIX}t (" in _batch()


def test_constraints_included() -> None:
    from alembic.operations.schemaobj import SchemaObjects

    table = sa.Table(
        "t", sa.MetaData(), sa.Column("id", sa.Integer), sa.UniqueConstraint("id", name="u")
    )
    op = ops.CreateTableOp.from_table(table)
    assert internals.constraints_included(op) == {"_constraints_included": True}
    built = SchemaObjects().table("t", *op.columns, **internals.constraints_included(op))
    assert {c.name for c in built.constraints if isinstance(c, sa.UniqueConstraint)} == {"u"}


# schema objects


def test_copy_item() -> None:
    column = sa.Column("x", sa.Integer, sa.ForeignKey("p.id"))
    sa.Table("t", sa.MetaData(), column)
    copy = internals.copy_item(column)
    assert copy is not column and copy.name == "x" and copy.table is None
    [fk] = column.foreign_keys
    fk_copy = internals.copy_item(fk)
    assert fk_copy is not fk and fk_copy.target_fullname == "p.id"


def test_creation_order() -> None:
    first, second = sa.Column("a", sa.Integer), sa.Column("b", sa.Integer)
    assert 0 < internals.creation_order(first) < internals.creation_order(second)
    assert internals.creation_order(object()) == 0


def _boolean_check() -> sa.CheckConstraint:
    table = sa.Table("t", sa.MetaData(), sa.Column("b", sa.Boolean(create_constraint=True)))
    [check] = [c for c in table.constraints if isinstance(c, sa.CheckConstraint)]
    return check


def test_create_rule() -> None:
    rule = internals.create_rule(_boolean_check())
    assert rule is not None
    from sqlalchemy.dialects import postgresql, sqlite

    assert not rule(postgresql.dialect().statement_compiler(postgresql.dialect(), None))
    assert rule(sqlite.dialect().statement_compiler(sqlite.dialect(), None))
    assert internals.create_rule(sa.CheckConstraint("x > 0")) is None


def test_type_bound() -> None:
    assert internals.type_bound(_boolean_check()) is True
    assert internals.type_bound(sa.CheckConstraint("x > 0")) is False


def test_column_tokens() -> None:
    tokens = internals.column_tokens(sa.ForeignKey("s.t.c"))
    assert (tokens.schema, tokens.table_name, tokens.column_name) == ("s", "t", "c")


def test_is_none_name() -> None:
    metadata = sa.MetaData(naming_convention={"uq": "uq_%(table_name)s_%(column_0_name)s"})
    constraint = sa.UniqueConstraint("x", name=None)
    sa.Table("t", metadata, sa.Column("x", sa.Integer), constraint)
    unnamed = sa.Table("u", sa.MetaData(), sa.Column("x", sa.Integer), sa.UniqueConstraint("x"))
    [plain] = [c for c in unnamed.constraints if isinstance(c, sa.UniqueConstraint)]
    from sqlalchemy.sql.base import _NONE_NAME

    assert internals.is_none_name(_NONE_NAME)
    assert not internals.is_none_name(plain.name) and not internals.is_none_name("uq_t_x")


def test_register_inspection() -> None:
    class Thing:
        pass

    @internals.register_inspection(Thing)
    def _inspect(thing: Thing) -> str:
        return "inspected"

    assert sa.inspect(Thing()) == "inspected"


# statements and their compilation


_T = sa.table("t", sa.column("id", sa.Integer), sa.column("name", sa.String))


def test_resolve_value_to_type() -> None:
    assert isinstance(internals.resolve_value_to_type(1), sa.Integer)
    assert isinstance(internals.resolve_value_to_type("x"), sa.String)


def test_text_bindparams() -> None:
    assert set(internals.text_bindparams(sa.text("SELECT :a, :b"))) == {"a", "b"}


def test_returning() -> None:
    assert internals.returning(_T.insert().returning(_T.c.id))
    assert not internals.returning(_T.insert())
    assert internals.returning(sa.select(_T.c.id)) == ()


def test_bound_params() -> None:
    from sqlalchemy.orm import Session, declarative_base

    Base: Any = declarative_base()

    class Row(Base):
        __tablename__ = "t"
        id = sa.Column(sa.Integer, primary_key=True)

    query = Session().query(Row).params(x=1)
    assert internals.bound_params(query) == {"x": 1}
    assert internals.bound_params(sa.text("SELECT 1")) == {}


def test_construct_execution_options() -> None:
    statement = sa.select(_T.c.id).execution_options(stream_results=True)
    assert internals.construct_execution_options(statement)["stream_results"] is True
    assert dict(internals.construct_execution_options(sa.text("SELECT 1"))) == {}


def test_result_columns() -> None:
    compiled = sa.select(_T.c.id, _T.c.name).compile()
    assert [entry.keyname for entry in internals.result_columns(compiled)] == ["id", "name"]


def test_result_column_struct() -> None:
    from sqlalchemy.engine.default import DefaultExecutionContext

    source = inspect.getsource(DefaultExecutionContext._init_compiled)
    assert (
        "compiled._result_columns,\n            compiled._ordered_columns,\n"
        "            compiled._textual_ordered_columns,\n            compiled._ad_hoc_textual,\n"
        "            compiled._loose_column_name_matching,"
    ) in source
    struct = internals.result_column_struct(sa.select(_T.c.id).compile())
    assert len(struct) == 5 and [e.keyname for e in struct[0]] == ["id"]


def test_groups_or_offsets() -> None:
    plain = sa.select(sa.func.count()).select_from(_T)
    assert not internals.groups_or_offsets(plain)
    assert internals.groups_or_offsets(plain.group_by(_T.c.name))
    assert internals.groups_or_offsets(plain.having(sa.func.count() > 1))
    assert internals.groups_or_offsets(plain.offset(1))


# a dialect's initialize() without a server


def test_parse_server_version() -> None:
    from sqlalchemy.dialects import mysql

    dialect = mysql.dialect()
    assert internals.parse_server_version(dialect, "8.0.36") == (8, 0, 36)
    maria = mysql.dialect()
    assert internals.parse_server_version(maria, "10.11.2-MariaDB")[:3] == (10, 11, 2)
    assert maria.is_mariadb


def test_set_decimal_char() -> None:
    from sqlalchemy.dialects.oracle.oracledb import OracleDialect_oracledb

    dialect = OracleDialect_oracledb()
    internals.set_decimal_char(dialect, ",")
    # the driver dialect reads it when it converts numbers
    assert "self._decimal_char" in inspect.getsource(type(dialect)._detect_decimal_char)
    assert dialect._decimal_char == ","


def test_oracle_max_identifier_length() -> None:
    class Old:
        def _get_effective_compat_server_version_info(self, connection: Any) -> tuple[int, ...]:
            return (11, 2)

    class New(Old):
        def _get_effective_compat_server_version_info(self, connection: Any) -> tuple[int, ...]:
            return (19,)

    check = internals.oracle_max_identifier_length()
    assert check(Old(), None) == 30 and check(New(), None) is None


# --- the pins: the ranges pyproject.toml allows are the versions the suite runs ----------

_TESTED = ("sqlalchemy", "alembic", "sqlglot", "click")


def _pinned() -> dict[str, Version]:
    pins: dict[str, Version] = {}
    for line in (REPO / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==")
            pins[name.strip().lower()] = Version(version.strip())
    return pins


def test_dependencies_are_bounded_to_the_tested_minor_versions() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = {Requirement(r).name.lower(): Requirement(r) for r in project["dependencies"]}
    pins = _pinned()
    for name in _TESTED:
        specifier = requirements[name].specifier
        pinned = pins[name]
        assert specifier.contains(pinned), (
            f"{name} {pinned} (constraints.txt) is outside {specifier}"
        )
        bounds = {s.operator: Version(s.version) for s in specifier}
        assert set(bounds) == {">=", "<"}, f"{name}: {specifier} needs a lower and an upper bound"
        # the range is the pinned minor (major.minor) release series, no wider
        assert bounds[">="].release[:2] == pinned.release[:2], f"{name}: {specifier}"
        assert bounds["<"].release[:2] <= (pinned.major, pinned.minor + 1), f"{name}: {specifier}"


def test_internals_were_checked_with_the_installed_versions() -> None:
    from importlib.metadata import version

    pins = _pinned()
    for name, checked in internals.CHECKED_WITH.items():
        installed = Version(version(name))
        assert f"{installed.major}.{installed.minor}" == checked, (name, str(installed))
        assert pins[name].release[:2] == installed.release[:2]
