"""The names a database gives unnamed constraints, in the model as on the real engines.

Each test runs the same Alembic operations twice: online against a throwaway
PostgreSQL 15 or MariaDB server, and into a schema model built with the dialect
profile's `[constraint_names]` rule. The names the engine reflects must be the names
the model's inspector reports; where the rule cannot be certain, the model must keep
the constraint unnamed (never a guessed name).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.operations import Operations, ops
from alembic.runtime.migration import MigrationContext

from sqlgen.dialects import profiles
from sqlgen.dialects.profiles import ConstraintNames, Profile
from sqlgen.errors import ConfigError
from sqlgen.model import ModelInspector, SchemaModel, apply_operation, apply_sql
from sqlgen.runtime.runner import build_dialect
from sqlgen.verify.mariadb_server import MariaDBServer
from sqlgen.verify.postgres_server import PostgresServer

PROFILES = profiles.load_profiles()


# --- running operations on an engine and into the model ---


class Both:
    """Alembic operations applied online to a real database and to a schema model."""

    def __init__(self, connection: sa.Connection, profile: Profile) -> None:
        self.connection = connection
        self.profile = profile
        self.model = SchemaModel(
            default_schema=profile.default_schema, naming=profile.constraint_names
        )
        self.context = MigrationContext.configure(connection=connection)
        self.dialect = build_dialect(profile)

    def run(self, *operations: ops.MigrateOperation) -> None:
        # the model reads the running migration's context, as in a sqlgen run
        with Operations.context(self.context) as operations_:
            for operation in operations:
                result = operations_.invoke(operation)
                apply_operation(self.model, operation, None, "test", result)
        assert self.model.uncertain == {}, self.model.uncertain

    def sql(self, statement: str) -> None:
        """Raw SQL: executed online, read by the model's SQL reader."""
        self.connection.exec_driver_sql(statement)
        apply_sql(self.model, statement, self.profile.sqlglot, "test")
        assert self.model.uncertain == {}, self.model.uncertain

    @property
    def engine(self) -> Any:
        return sa.inspect(self.connection)

    @property
    def offline(self) -> ModelInspector:
        return ModelInspector(self.model, self.dialect)

    def names(self, table: str, inspector: Any = None) -> dict[str, Any]:
        return names(inspector if inspector is not None else self.engine, table)

    def assert_same(self, *tables: str) -> None:
        for table in tables:
            assert names(self.offline, table) == names(self.engine, table), table


def names(insp: Any, table: str) -> dict[str, Any]:
    """The constraint names of a table, by the columns each constraint is on."""
    return {
        "pk": insp.get_pk_constraint(table)["name"],
        "fk": sorted(
            (f["name"] or "", tuple(f["constrained_columns"])) for f in insp.get_foreign_keys(table)
        ),
        "unique": sorted(
            (u["name"] or "", tuple(u["column_names"])) for u in insp.get_unique_constraints(table)
        ),
        "check": sorted(c["name"] or "" for c in insp.get_check_constraints(table)),
    }


def _table(name: str, *elements: Any) -> ops.CreateTableOp:
    return ops.CreateTableOp(name, list(elements))


def _id() -> sa.Column[Any]:
    return sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False)


def _parent() -> ops.CreateTableOp:
    return _table(
        "parent",
        _id(),
        sa.Column("code", sa.Integer(), nullable=False),
        sa.UniqueConstraint("id", "code", name="uq_parent_id_code"),
    )


# --- the engines ---


@pytest.fixture
def pg(new_database: Callable[[], str], postgres_server: PostgresServer) -> Iterator[Both]:
    engine = sa.create_engine(postgres_server.url(new_database()))
    try:
        with engine.connect() as connection:
            yield Both(connection, PROFILES["postgresql"])
    finally:
        engine.dispose()


@pytest.fixture
def maria(maria_server: MariaDBServer) -> Iterator[Both]:
    database = maria_server.create_database()
    engine = sa.create_engine(maria_server.url(database))
    try:
        with engine.connect() as connection:
            yield Both(connection, PROFILES["mariadb"])
    finally:
        engine.dispose()
        maria_server.drop_database(database)


# --- PostgreSQL ---


def test_postgresql_names_every_kind_in_create_table(pg: Both) -> None:
    pg.run(
        _parent(),
        _table(
            "child",
            _id(),
            sa.Column("parent_id", sa.Integer(), sa.ForeignKey("parent.id")),
            sa.Column("parent_code", sa.Integer()),
            sa.Column("email", sa.String(50), unique=True),
            sa.Column("low", sa.Integer(), sa.CheckConstraint("low >= 0")),
            sa.Column("high", sa.Integer()),
            sa.UniqueConstraint("parent_id", "email"),
            sa.CheckConstraint("high > 0"),
            sa.CheckConstraint("high >= low"),
            sa.CheckConstraint("high < 100 AND high <> 13"),
            sa.CheckConstraint("1 = 1"),
            sa.ForeignKeyConstraint(["parent_id", "parent_code"], ["parent.id", "parent.code"]),
        ),
    )
    assert pg.names("child") == {
        "pk": "child_pkey",
        "fk": [("child_parent_id_fkey", ("parent_id",)),
               ("child_parent_id_parent_code_fkey", ("parent_id", "parent_code"))],
        "unique": [("child_email_key", ("email",)),
                   ("child_parent_id_email_key", ("parent_id", "email"))],
        "check": ["child_check", "child_check1", "child_high_check", "child_high_check1",
                  "child_low_check"],
    }  # fmt: skip
    pg.assert_same("parent", "child")


def test_postgresql_names_constraints_added_later(pg: Both) -> None:
    pg.run(
        _parent(),
        _table("item", sa.Column("id", sa.Integer(), nullable=False), sa.Column("a", sa.Integer())),
        ops.CreatePrimaryKeyOp(None, "item", ["id"]),
        ops.CreateForeignKeyOp(None, "item", "parent", ["a"], ["id"]),
        ops.CreateForeignKeyOp(None, "item", "parent", ["a"], ["id"]),
        ops.CreateUniqueConstraintOp(None, "item", ["a"]),
        ops.CreateUniqueConstraintOp(None, "item", ["a"]),
        ops.CreateCheckConstraintOp(None, "item", "a > 0"),
        ops.AddColumnOp(
            "item",
            sa.Column("b", sa.Integer(), sa.ForeignKey("parent.id"), sa.CheckConstraint("b > 1")),
        ),
        ops.AddColumnOp("item", sa.Column("c", sa.Integer(), unique=True)),
    )
    assert pg.names("item") == {
        "pk": "item_pkey",
        "fk": [("item_a_fkey", ("a",)), ("item_a_fkey1", ("a",)), ("item_b_fkey", ("b",))],
        "unique": [("item_a_key", ("a",)), ("item_a_key1", ("a",)), ("item_c_key", ("c",))],
        "check": ["item_a_check", "item_b_check"],
    }
    pg.assert_same("item")


def test_postgresql_cuts_names_over_63_characters(pg: Both) -> None:
    table = "t" * 60
    column = "c" * 40 + "_column"
    pg.run(
        _parent(),
        _table(
            table,
            _id(),
            sa.Column(column, sa.Integer(), sa.ForeignKey("parent.id"), unique=True),
            sa.Column(column + "2", sa.Integer(), sa.ForeignKey("parent.id")),
            sa.CheckConstraint(f"{column} > 0"),
            sa.CheckConstraint(f"{column}2 > 0"),
        ),
    )
    found = pg.names(table)
    assert found["pk"] == "t" * 58 + "_pkey"
    # the two foreign keys and the two CHECKs cut to the same name: the second is numbered
    assert [len(n) for n, _ in found["fk"]] == [63, 63]
    assert sorted(n[-6:] for n, _ in found["fk"]) == ["_fkey1", "c_fkey"]
    assert sorted(n[-7:] for n in found["check"]) == ["_check1", "c_check"]
    pg.assert_same(table)


def test_postgresql_keeps_names_across_a_rename_and_numbers_around_them(pg: Both) -> None:
    pg.run(
        _parent(),
        _table("a", _id(), sa.Column("x", sa.Integer(), sa.ForeignKey("parent.id"), unique=True)),
        ops.RenameTableOp("a", "b"),
        _table(
            "a",
            _id(),
            sa.Column("x", sa.Integer(), sa.ForeignKey("parent.id"), unique=True),
            sa.CheckConstraint("x > 0"),
        ),
    )
    assert pg.names("b")["fk"] == [("a_x_fkey", ("x",))]  # the name it was created with
    assert pg.names("a")["fk"] == [("a_x_fkey1", ("x",))]  # taken by b's: numbered
    assert pg.names("a")["unique"] == [("a_x_key1", ("x",))]
    assert pg.names("a")["pk"] == "a_pkey1"
    pg.assert_same("a", "b")
    # dropped by the database's name, in the model as on the engine
    pg.run(ops.DropConstraintOp("a_x_fkey", "b", type_="foreignkey"))
    pg.assert_same("a", "b")


def test_postgresql_counts_names_made_by_raw_sql(pg: Both) -> None:
    pg.run(_parent())
    pg.sql(
        "CREATE TABLE raw (id INTEGER PRIMARY KEY, p INTEGER REFERENCES parent (id), "
        "q INTEGER CHECK (q > 0), UNIQUE (p, q), CHECK (p <> q))"
    )
    pg.sql("ALTER TABLE raw ADD COLUMN r INTEGER REFERENCES parent (id) UNIQUE")
    pg.sql("ALTER TABLE raw ADD CHECK (r > 0)")
    assert pg.names("raw")["fk"] == [("raw_p_fkey", ("p",)), ("raw_r_fkey", ("r",))]
    pg.assert_same("raw")
    pg.run(ops.CreateForeignKeyOp(None, "raw", "parent", ["p"], ["id"]))
    assert ("raw_p_fkey1", ("p",)) in pg.names("raw")["fk"]
    pg.assert_same("raw")


def test_postgresql_a_reflected_name_can_be_dropped_offline(pg: Both) -> None:
    """MLflow 0584bdc529eb: reflect the foreign key's name, drop it, make a named one."""
    pg.run(
        _parent(),
        _table(
            "datasets",
            _id(),
            sa.Column("experiment_id", sa.Integer(), nullable=False),
            sa.ForeignKeyConstraint(["experiment_id"], ["parent.id"]),
        ),
    )

    def fk_name(bind: Any) -> str | None:
        table = sa.Table("datasets", sa.MetaData(), autoload_with=bind)
        (constraint,) = table.foreign_key_constraints
        return str(constraint.name) if constraint.name else None

    online, offline = fk_name(pg.connection), fk_name(pg.offline.bind)
    assert offline == online == "datasets_experiment_id_fkey"
    pg.run(
        ops.DropConstraintOp(offline, "datasets", type_="foreignkey"),
        ops.CreateForeignKeyOp(
            "fk_datasets_experiment", "datasets", "parent", ["experiment_id"], ["id"],
            ondelete="CASCADE",
        ),
    )  # fmt: skip
    pg.assert_same("datasets")


def test_postgresql_makes_one_index_for_keys_on_the_same_columns(pg: Both) -> None:
    """MLflow's registered_models: PRIMARY KEY (name) and UNIQUE (name). PostgreSQL's
    CREATE TABLE makes no second index for it, and reflection reports no unique key."""
    pg.run(
        _table(
            "registered_models",
            sa.Column("name", sa.String(256), primary_key=True, unique=True),
            sa.Column("alias", sa.String(50)),
            sa.UniqueConstraint("alias"),
            sa.UniqueConstraint("alias"),
        ),
    )
    assert pg.names("registered_models") == {
        "pk": "registered_models_pkey",
        "fk": [],
        "unique": [("registered_models_alias_key", ("alias",))],
        "check": [],
    }
    pg.assert_same("registered_models")
    # ALTER TABLE makes what it is told to, a repeat too
    pg.run(ops.CreateUniqueConstraintOp(None, "registered_models", ["alias"]))
    assert len(pg.names("registered_models")["unique"]) == 2
    pg.assert_same("registered_models")


def test_postgresql_leaves_unnamed_what_it_cannot_know() -> None:
    model = SchemaModel(naming=PROFILES["postgresql"].constraint_names)
    # a condition sqlgen cannot read for the columns it names
    apply_sql(model, "CREATE TABLE w (a INTEGER, CHECK (a > (SELECT 1)))", "postgres")
    assert model.tables[(None, "w")].checks[0].name is None
    # its real name may be any w_..._check: no later CHECK in the schema can be named
    apply_sql(model, "ALTER TABLE w ADD CHECK (a > 1)", "postgres")
    apply_sql(model, "CREATE TABLE v (b INTEGER CHECK (b > 0), UNIQUE (b))", "postgres")
    assert [c.name for c in model.tables[(None, "w")].checks] == [None, None]
    assert model.tables[(None, "v")].checks[0].name is None
    assert model.tables[(None, "v")].uniques[0].name == "v_b_key"  # other kinds still are
    # a table whose shape is unknown may hold any name
    apply_sql(model, "ALTER TABLE v FROBNICATE", "postgres")
    apply_sql(model, "CREATE TABLE u (c INTEGER UNIQUE)", "postgres")
    assert model.tables[(None, "u")].uniques[0].name is None
    # non-ASCII names: PostgreSQL counts and cuts them in bytes of its encoding
    other = SchemaModel(naming=PROFILES["postgresql"].constraint_names)
    apply_sql(other, 'CREATE TABLE "tête" (a INTEGER UNIQUE)', "postgres")
    assert other.tables[(None, "tête")].uniques[0].name is None


def test_postgresql_does_not_name_a_type_check_it_does_not_create(pg: Both) -> None:
    pg.run(
        _table(
            "flags",
            _id(),
            sa.Column("on", sa.Boolean(create_constraint=True)),  # native BOOLEAN: no CHECK
            sa.Column("n", sa.Integer()),
            sa.CheckConstraint("n > 0"),
        )
    )
    assert pg.names("flags")["check"] == ["flags_n_check"]
    assert sorted(c["name"] or "" for c in pg.offline.get_check_constraints("flags")) == [
        "",
        "flags_n_check",
    ]


# --- MariaDB ---


def test_mariadb_numbers_foreign_keys_per_table(maria: Both) -> None:
    maria.run(
        _parent(),
        _table(
            "child",
            _id(),
            sa.Column("a", sa.Integer(), sa.ForeignKey("parent.id")),
            sa.Column("b", sa.Integer(), sa.ForeignKey("parent.id")),
            sa.Column("c", sa.Integer()),
            sa.Column("d", sa.Integer()),
            sa.ForeignKeyConstraint(["c"], ["parent.id"], name="child_ibfk_7"),
        ),
        ops.CreateForeignKeyOp(None, "child", "parent", ["d"], ["id"]),
        ops.DropConstraintOp("child_ibfk_1", "child", type_="foreignkey"),
        ops.CreateForeignKeyOp(None, "child", "parent", ["a"], ["id"]),
    )
    assert maria.names("child")["fk"] == [
        ("child_ibfk_2", ("b",)),
        ("child_ibfk_7", ("c",)),  # a name given in CREATE TABLE does not move the count
        ("child_ibfk_8", ("d",)),  # one more than the highest
        ("child_ibfk_9", ("a",)),
    ]
    maria.assert_same("parent", "child")


def test_mariadb_renames_foreign_keys_with_the_table(maria: Both) -> None:
    maria.run(
        _parent(),
        _table(
            "pipelinerunschema",
            _id(),
            sa.Column("a", sa.Integer(), sa.ForeignKey("parent.id")),
            sa.Column("b", sa.Integer(), sa.ForeignKey("parent.id")),
            sa.Column("c", sa.Integer()),
        ),
        # ZenML 5330ba58bf20 drops the database's names before renaming the table
        ops.DropConstraintOp("pipelinerunschema_ibfk_1", "pipelinerunschema", type_="foreignkey"),
        ops.RenameTableOp("pipelinerunschema", "pipeline_run"),
        ops.CreateForeignKeyOp(None, "pipeline_run", "parent", ["c"], ["id"]),
    )
    # unlike PostgreSQL, the names follow the table (InnoDB renames {old}_ibfk_...)
    assert maria.names("pipeline_run")["fk"] == [
        ("pipeline_run_ibfk_2", ("b",)),
        ("pipeline_run_ibfk_3", ("c",)),
    ]
    maria.assert_same("pipeline_run")


def test_mariadb_names_unique_keys_after_their_first_column(maria: Both) -> None:
    maria.run(
        _parent(),
        _table(
            "person",
            _id(),
            sa.Column("email", sa.String(50), unique=True),
            sa.Column("first", sa.String(20)),
            sa.Column("last", sa.String(20)),
            sa.Column("primary", sa.Integer(), unique=True),
            sa.Column("owner", sa.Integer(), sa.ForeignKey("parent.id"), unique=True),
            sa.UniqueConstraint("first", "last"),
            sa.UniqueConstraint("email", "last"),
        ),
    )
    # the table's own UNIQUE objects were made before the columns' unique=True ones: the
    # statement lists them first
    assert maria.names("person")["unique"] == [
        ("email", ("email", "last")),
        ("email_2", ("email",)),
        ("first", ("first", "last")),
        ("owner", ("owner",)),  # the foreign key uses this index: it makes none
        ("primary_2", ("primary",)),  # PRIMARY is the primary key's
    ]
    maria.assert_same("person")
    # dropped by the database's name (a unique key is an index there)
    maria.run(ops.DropConstraintOp("email_2", "person", type_="unique"))
    maria.assert_same("person")


def test_mariadb_leaves_unique_keys_unnamed_where_an_index_of_its_own_may_take_the_name(
    maria: Both,
) -> None:
    maria.run(
        _parent(),
        _table(
            "t",
            _id(),
            sa.Column("a", sa.Integer()),
            sa.Column("b", sa.Integer()),
            sa.Column("c", sa.Integer()),
            sa.ForeignKeyConstraint(["a", "b"], ["parent.id", "parent.code"]),
            sa.UniqueConstraint("a", "c"),  # same first column: which is "a" depends on order
        ),
        ops.CreateUniqueConstraintOp(None, "t", ["c"]),
    )
    offline = names(maria.offline, "t")["unique"]
    assert offline == [("", ("a", "c")), ("", ("c",))]
    assert maria.names("t")["unique"] == [("a_2", ("a", "c")), ("c", ("c",))]


def test_mariadb_numbers_table_checks_from_the_lowest_free(maria: Both) -> None:
    maria.run(
        _table(
            "m",
            _id(),
            sa.Column("x", sa.Integer()),
            sa.Column("y", sa.Integer()),
            sa.Column("on", sa.Boolean(create_constraint=True)),  # a table CHECK on MariaDB
            sa.CheckConstraint("x > 0"),
            sa.CheckConstraint("y > 0", name="CONSTRAINT_2"),
            sa.CheckConstraint("x < y"),
        ),
        ops.DropConstraintOp("CONSTRAINT_1", "m", type_="check"),
        ops.CreateCheckConstraintOp(None, "m", "y < 100"),
        ops.CreateCheckConstraintOp(None, "m", "x < 100"),
    )
    assert maria.names("m")["check"] == [f"CONSTRAINT_{n}" for n in range(1, 6)]
    maria.assert_same("m")


def test_mariadb_keeps_a_column_check_unnamed(maria: Both) -> None:
    """MariaDB names a column's CHECK after the column, but no DROP CONSTRAINT finds it
    and reflection does not report it: the model keeps it unnamed."""
    maria.run(
        _table(
            "k",
            _id(),
            sa.Column("x", sa.Integer(), sa.CheckConstraint("x > 0")),
            sa.CheckConstraint("x < 10"),
        ),
    )
    assert maria.names("k")["check"] == ["CONSTRAINT_1"]
    assert names(maria.offline, "k")["check"] == ["", "CONSTRAINT_1"]
    # a table CHECK added later: the unnamed one may hold a number, as far as the model knows
    maria.run(ops.CreateCheckConstraintOp(None, "k", "x < 5"))
    assert names(maria.offline, "k")["check"] == ["", "", "CONSTRAINT_1"]


def test_mariadb_counts_names_made_by_raw_sql(maria: Both) -> None:
    maria.run(_parent())
    maria.sql(
        "CREATE TABLE raw (id INTEGER PRIMARY KEY, p INTEGER, q INTEGER, UNIQUE (q), "
        "FOREIGN KEY (p) REFERENCES parent (id), CHECK (p <> q))"
    )
    maria.sql("ALTER TABLE raw ADD FOREIGN KEY (q) REFERENCES parent (id)")
    maria.sql("ALTER TABLE raw ADD CHECK (q > 0)")
    assert maria.names("raw")["fk"] == [("raw_ibfk_1", ("p",)), ("raw_ibfk_2", ("q",))]
    maria.assert_same("raw")


# --- the profiles ---


def test_dialects_without_a_deterministic_rule_keep_constraints_unnamed() -> None:
    for name in ("sqlite", "mssql", "oracle", "duckdb"):
        assert PROFILES[name].constraint_names is None, name
    model = SchemaModel(naming=None)
    apply_sql(model, "CREATE TABLE t (a INTEGER UNIQUE, CHECK (a > 0))", "postgres")
    table = model.tables[(None, "t")]
    assert table.uniques[0].name is None and table.checks[0].name is None


def test_mysql_names_foreign_and_unique_keys_as_innodb_but_leaves_checks_unnamed() -> None:
    rules = PROFILES["mysql"].constraint_names
    assert rules is not None and rules.family == "mariadb"
    model = SchemaModel(naming=rules)
    apply_sql(model, "CREATE TABLE parent (id INTEGER PRIMARY KEY)", "mysql")
    apply_sql(
        model,
        "CREATE TABLE child (id INTEGER PRIMARY KEY, p INTEGER, q INTEGER, UNIQUE (q), "
        "FOREIGN KEY (p) REFERENCES parent (id), CHECK (p <> q))",
        "mysql",
    )
    apply_sql(model, "ALTER TABLE child ADD FOREIGN KEY (q) REFERENCES parent (id)", "mysql")
    table = model.tables[(None, "child")]
    assert [f.name for f in table.foreign_keys] == ["child_ibfk_1", "child_ibfk_2"]
    assert [u.name for u in table.uniques] == ["q"]
    assert [c.name for c in table.checks] == [None]


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"family": "oracle"}, "family must be one of"),
        ({"family": "postgresql", "unique": "uq_{table}"}, "is not a postgresql name shape"),
        ({"family": "mariadb", "primary_key": "PRIMARY"}, "is not a mariadb name shape"),
        ({"family": "mariadb", "colour": "red"}, "unknown key 'colour'"),
    ],
)
def test_a_profile_rule_the_model_cannot_follow_is_refused(
    table: dict[str, Any], message: str
) -> None:
    data = {"name": "x", "sqlalchemy": "postgresql", "sqlglot": "postgres"}
    with pytest.raises(ConfigError, match=message):
        profiles.profile_from_data({**data, "constraint_names": table}, "x.toml")
    rules = profiles.profile_from_data(
        {
            **data,
            "constraint_names": {"family": "postgresql", "foreign_key": "{table}_{columns}_fk"},
        },
        "x.toml",
    ).constraint_names
    assert rules == ConstraintNames("postgresql", foreign_key="{table}_{columns}_fk")
