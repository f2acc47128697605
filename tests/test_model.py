"""The offline schema model: operations and raw SQL replayed, answered like an Inspector."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.operations import ops
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import NoSuchTableError
from sqlalchemy.schema import CreateTable

from sqlgen import api
from sqlgen.dialects import profiles
from sqlgen.model import (
    ModelInspector,
    SchemaModel,
    UncertainTable,
    VerbatimType,
    apply_operation,
    apply_sql,
    from_table,
    replay,
    replay_step,
    to_metadata,
    to_table,
)
from sqlgen.pipeline.captured import BatchFlush, Item, OperationCall, Refusal, StepCapture
from sqlgen.runtime import runner

# --- helpers ---


def _sqlite() -> Dialect:
    return runner.build_dialect(profiles.load_profiles()["sqlite"])


def _model(*operations: Any, where: str = "revision r1, line 3") -> SchemaModel:
    model = SchemaModel()
    for operation in operations:
        assert apply_operation(model, operation, where=where)
    return model


def _inspector(model: SchemaModel, dialect: Dialect | None = None) -> ModelInspector:
    return ModelInspector(model, dialect or _sqlite())


def _create(name: str, *items: Any, **kw: Any) -> ops.CreateTableOp:
    return ops.CreateTableOp(name, list(items), **kw)


def _customers() -> ops.CreateTableOp:
    return _create(
        "customers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("email", sa.String(255), nullable=False),
        sa.Column("name", sa.String(100), server_default="anon", comment="shown"),
        sa.UniqueConstraint("email", name="uq_customers_email"),
        comment="who buys",
    )


def _orders() -> ops.CreateTableOp:
    return _create(
        "orders",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("total", sa.Numeric(10, 2), sa.CheckConstraint("total >= 0", name="ck_total")),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name="fk_orders_customer", ondelete="CASCADE"
        ),
        sa.Index("ix_orders_customer_id", "customer_id"),
    )


def _columns(inspector: ModelInspector, table: str) -> list[tuple[str, str, bool, str | None]]:
    dialect = inspector.dialect
    return [
        (c["name"], str(c["type"].compile(dialect=dialect)), c["nullable"], c["default"])
        for c in inspector.get_columns(table)
    ]


# --- operations: tables ---


def test_create_table_reads_columns_keys_constraints_and_comment() -> None:
    insp = _inspector(_model(_customers(), _orders()))
    assert insp.get_table_names() == ["customers", "orders"]
    assert _columns(insp, "customers") == [
        ("id", "INTEGER", False, None),
        ("email", "VARCHAR(255)", False, None),
        ("name", "VARCHAR(100)", True, "'anon'"),
    ]
    assert insp.get_columns("customers")[2]["comment"] == "shown"
    assert insp.get_columns("customers")[0]["autoincrement"] is True
    assert insp.get_pk_constraint("orders") == {"constrained_columns": ["id"], "name": None}
    assert insp.get_unique_constraints("customers") == [
        {"name": "uq_customers_email", "column_names": ["email"]}
    ]
    assert insp.get_check_constraints("orders") == [{"name": "ck_total", "sqltext": "total >= 0"}]
    assert insp.get_foreign_keys("orders") == [
        {
            "name": "fk_orders_customer",
            "constrained_columns": ["customer_id"],
            "referred_schema": None,
            "referred_table": "customers",
            "referred_columns": ["id"],
            "options": {"ondelete": "CASCADE"},
        }
    ]
    assert insp.get_indexes("orders") == [
        {"name": "ix_orders_customer_id", "column_names": ["customer_id"], "unique": False}
    ]
    assert insp.get_table_comment("customers") == {"text": "who buys"}


def test_create_table_with_column_flags_and_if_not_exists() -> None:
    model = _model(
        _create(
            "t",
            sa.Column("a", sa.Integer(), index=True),
            sa.Column("b", sa.Integer(), unique=True),
            sa.Column("c", sa.Integer(), sa.ForeignKey("o.id")),
        )
    )
    insp = _inspector(model)
    assert insp.get_indexes("t") == [{"name": "ix_t_a", "column_names": ["a"], "unique": False}]
    assert insp.get_unique_constraints("t") == [{"name": None, "column_names": ["b"]}]
    assert insp.get_foreign_keys("t")[0]["name"] is None
    assert insp.get_pk_constraint("t") == {"constrained_columns": [], "name": None}
    before = model.fingerprint()
    apply_operation(model, _create("t", sa.Column("z", sa.Integer()), if_not_exists=True))
    assert model.fingerprint() == before


def test_drop_table_leaves_foreign_keys_that_pointed_at_it() -> None:
    model = _model(_customers(), _orders(), ops.DropTableOp("customers"))
    insp = _inspector(model)
    assert insp.get_table_names() == ["orders"]
    assert not insp.has_table("customers")
    # as SQLite keeps it: the only database where the drop succeeds with it in place
    assert insp.get_foreign_keys("orders")[0]["referred_table"] == "customers"


def test_rename_table_moves_everything_and_follows_foreign_keys() -> None:
    model = _model(_customers(), _orders(), ops.RenameTableOp("customers", "clients"))
    insp = _inspector(model)
    assert insp.get_table_names() == ["clients", "orders"]
    assert insp.get_unique_constraints("clients")[0]["name"] == "uq_customers_email"
    assert insp.get_foreign_keys("orders")[0]["referred_table"] == "clients"
    apply_operation(model, ops.RenameTableOp("orders", "purchases"))
    assert insp.get_indexes("purchases")[0]["name"] == "ix_orders_customer_id"


def test_table_comments() -> None:
    model = _model(_customers(), ops.CreateTableCommentOp("customers", "buyers"))
    assert _inspector(model).get_table_comment("customers") == {"text": "buyers"}
    apply_operation(model, ops.DropTableCommentOp("customers"))
    assert _inspector(model).get_table_comment("customers") == {"text": None}


# --- operations: columns ---


def test_add_column_with_its_constraints_and_index() -> None:
    column = sa.Column(
        "customer_id",
        sa.Integer(),
        sa.ForeignKey("customers.id", name="fk_notes_customer"),
        sa.CheckConstraint("customer_id > 0", name="ck_positive"),
        index=True,
        nullable=False,
    )
    model = _model(_customers(), _create("notes", sa.Column("id", sa.Integer(), primary_key=True)))
    apply_operation(model, ops.AddColumnOp("notes", column))
    insp = _inspector(model)
    assert _columns(insp, "notes")[-1] == ("customer_id", "INTEGER", False, None)
    assert insp.get_foreign_keys("notes")[0]["name"] == "fk_notes_customer"
    assert insp.get_check_constraints("notes") == [
        {"name": "ck_positive", "sqltext": "customer_id > 0"}
    ]
    assert insp.get_indexes("notes")[0]["name"] == "ix_notes_customer_id"
    assert column.table is None  # the operation's own Column is left alone
    apply_operation(
        model, ops.AddColumnOp("notes", sa.Column("id", sa.Integer()), if_not_exists=True)
    )
    assert len(insp.get_columns("notes")) == 2


def test_drop_column_drops_what_is_on_it() -> None:
    model = _model(
        _customers(),
        _orders(),
        ops.CreateIndexOp("ix_both", "orders", ["customer_id", "total"]),
        ops.CreateUniqueConstraintOp("uq_pair", "orders", ["customer_id", "total"]),
        ops.DropColumnOp("orders", "customer_id"),
        ops.DropColumnOp("orders", "total"),
    )
    insp = _inspector(model)
    assert [c["name"] for c in insp.get_columns("orders")] == ["id"]
    assert insp.get_indexes("orders") == []
    assert insp.get_unique_constraints("orders") == []
    assert insp.get_foreign_keys("orders") == []
    assert insp.get_check_constraints("orders") == []
    apply_operation(model, ops.DropColumnOp("orders", "id"))
    assert insp.get_pk_constraint("orders")["constrained_columns"] == []


def test_alter_column_type_nullable_default_comment() -> None:
    model = _model(_customers())
    apply_operation(
        model,
        ops.AlterColumnOp(
            "customers",
            "name",
            modify_type=sa.String(200),
            modify_nullable=False,
            modify_server_default=sa.text("'x'"),
            modify_comment="full name",
        ),
    )
    insp = _inspector(model)
    column = insp.get_columns("customers")[2]
    assert (str(column["type"].compile(dialect=insp.dialect)), column["nullable"]) == (
        "VARCHAR(200)",
        False,
    )
    assert (column["default"], column["comment"]) == ("'x'", "full name")
    apply_operation(
        model,
        ops.AlterColumnOp("customers", "name", modify_server_default=None, modify_comment=None),
    )
    column = insp.get_columns("customers")[2]
    assert (column["default"], column["comment"], column["nullable"]) == (None, None, False)


def test_rename_column_renames_it_everywhere() -> None:
    model = _model(_customers(), _orders())
    apply_operation(model, ops.AlterColumnOp("customers", "id", modify_name="customer_key"))
    apply_operation(model, ops.AlterColumnOp("orders", "customer_id", modify_name="buyer_id"))
    apply_operation(model, ops.AlterColumnOp("orders", "total", modify_name="amount"))
    insp = _inspector(model)
    assert insp.get_pk_constraint("customers")["constrained_columns"] == ["customer_key"]
    fk = insp.get_foreign_keys("orders")[0]
    assert (fk["constrained_columns"], fk["referred_columns"]) == (["buyer_id"], ["customer_key"])
    assert insp.get_indexes("orders")[0]["column_names"] == ["buyer_id"]
    assert insp.get_check_constraints("orders")[0]["sqltext"] == "amount >= 0"


# --- operations: indexes and constraints ---


def test_indexes_by_expression_sorting_and_options() -> None:
    model = _model(
        _customers(),
        ops.CreateIndexOp("ix_lower_email", "customers", [sa.text("lower(email)")], unique=True),
        ops.CreateIndexOp(
            "ix_name", "customers", ["name"], sqlite_where=sa.text("name IS NOT NULL")
        ),
    )
    insp = _inspector(model)
    indexes = {i["name"]: i for i in insp.get_indexes("customers")}
    assert indexes["ix_lower_email"] == {
        "name": "ix_lower_email",
        "column_names": [None],
        "expressions": ["lower(email)"],
        "unique": True,
    }
    # as SQLite's own reflection gives it: a text() construct, not a str
    (where,) = indexes["ix_name"]["dialect_options"].values()
    assert isinstance(where, sa.TextClause) and where.text == "name IS NOT NULL"
    ddl = str(sa.schema.CreateIndex(to_table(model, "customers").indexes.pop()).compile())
    assert ddl.startswith("CREATE")
    assert insp.has_index("customers", "ix_name")
    apply_operation(model, ops.DropIndexOp("ix_name", "customers"))
    apply_operation(model, ops.DropIndexOp("ix_lower_email"))  # no table: found by name
    apply_operation(model, ops.DropIndexOp("ix_gone", "customers", if_exists=True))
    assert insp.get_indexes("customers") == []


def test_every_constraint_kind_named_or_not() -> None:
    model = _model(
        _create("p", sa.Column("id", sa.Integer(), nullable=True), sa.Column("v", sa.Integer())),
        _create("c", sa.Column("p_id", sa.Integer()), sa.Column("n", sa.Integer())),
        ops.CreatePrimaryKeyOp("pk_p", "p", ["id"]),
        ops.CreateUniqueConstraintOp(None, "p", ["v"]),
        ops.CreateCheckConstraintOp("ck_v", "p", sa.column("v") > 5),
        ops.CreateCheckConstraintOp(None, "p", "v < 100"),
        ops.CreateForeignKeyOp(
            "fk_c_p", "c", "p", ["p_id"], ["id"], onupdate="CASCADE", deferrable=True
        ),
        ops.CreateForeignKeyOp(None, "c", "p", ["n"], ["v"]),
    )
    insp = _inspector(model)
    assert insp.get_pk_constraint("p") == {"constrained_columns": ["id"], "name": "pk_p"}
    assert insp.get_columns("p")[0]["nullable"] is False  # a key's column is NOT NULL
    assert insp.get_unique_constraints("p") == [{"name": None, "column_names": ["v"]}]
    assert insp.get_check_constraints("p") == [
        {"name": "ck_v", "sqltext": "v > 5"},
        {"name": None, "sqltext": "v < 100"},
    ]
    fks = insp.get_foreign_keys("c")
    assert fks[0]["options"] == {"deferrable": True, "onupdate": "CASCADE"}
    assert fks[1]["name"] is None and fks[1]["referred_columns"] == ["v"]
    for name, kind in (("fk_c_p", "foreignkey"), ("ck_v", "check"), ("pk_p", "primary")):
        table = "c" if kind == "foreignkey" else "p"
        apply_operation(model, ops.DropConstraintOp(name, table, type_=kind))
    assert len(insp.get_foreign_keys("c")) == 1
    assert [c["name"] for c in insp.get_check_constraints("p")] == [None]
    assert insp.get_pk_constraint("p")["constrained_columns"] == []


def test_dropping_a_constraint_the_model_lacks_makes_the_table_uncertain() -> None:
    model = _model(_customers())
    apply_operation(
        model, ops.DropConstraintOp("customers_email_key", "customers"), where="revision r2, line 9"
    )
    insp = _inspector(model)
    assert insp.get_table_names() == ["customers"]  # it still exists
    with pytest.raises(UncertainTable) as raised:
        insp.get_columns("customers")
    message = str(raised.value)
    assert "table customers had constraint customers_email_key dropped" in message
    assert "(revision r2, line 9); its shape is unknown offline" in message
    assert isinstance(raised.value, Refusal)


def test_dropping_an_unnamed_constraint_cannot_be_matched() -> None:
    model = _model(_customers())
    apply_operation(model, ops.DropConstraintOp(None, "customers"), where="revision r3, line 2")
    assert model.tables[(None, "customers")].primary_key is not None  # nothing guessed
    with pytest.raises(UncertainTable, match="had an unnamed"):
        _inspector(model).get_pk_constraint("customers")


def test_an_operation_on_a_table_the_model_never_saw() -> None:
    model = _model()
    apply_operation(model, ops.AddColumnOp("ghost", sa.Column("x", sa.Integer())), where="here")
    with pytest.raises(UncertainTable, match="table ghost is not in sqlgen's model"):
        _inspector(model).get_columns("ghost")


def test_column_foreign_keys_survive_alembic_having_used_the_operation() -> None:
    # By the time the model sees an operation, Alembic has put its columns on a
    # Table; a plain Column copy would then lose the column's ForeignKey.
    create = ops.CreateTableOp(
        "orders",
        [
            sa.Column("id", sa.Integer(), primary_key=True),
            sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customers.id", name="fk_c")),
            sa.Column("shop_id", sa.Integer()),
            sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name="fk_s", ondelete="CASCADE"),
        ],
    )
    add = ops.AddColumnOp(
        "orders", sa.Column("agent_id", sa.Integer(), sa.ForeignKey("agents.id", name="fk_a"))
    )
    create.to_table()  # what Alembic's create_table does with it
    sa.Table("orders", sa.MetaData(), add.column)  # and what its add_column does
    model = _model(create, add)
    fks = _inspector(model).get_foreign_keys("orders")
    assert sorted((f["name"], f["referred_table"], f["options"]) for f in fks) == [
        ("fk_a", "agents", {}),
        ("fk_c", "customers", {}),
        ("fk_s", "shops", {"ondelete": "CASCADE"}),
    ]


def test_batch_calls_apply_to_the_batch_table() -> None:
    model = _model(_customers())
    calls = [
        ops.AddColumnOp("customers", sa.Column("age", sa.Integer())),
        ops.AlterColumnOp("customers", "age", modify_name="years"),
        ops.CreateIndexOp("ix_years", "customers", ["years"]),
        ops.DropConstraintOp("uq_customers_email", "customers", type_="unique"),
    ]
    for call in calls:
        assert apply_operation(model, call, batch_table="customers")
    insp = _inspector(model)
    assert [c["name"] for c in insp.get_columns("customers")][-1] == "years"
    assert insp.get_unique_constraints("customers") == []
    assert insp.has_index("customers", "ix_years")


def test_operations_it_does_not_apply_itself() -> None:
    model = _model(_customers())
    assert apply_operation(model, ops.ExecuteSQLOp("DROP TABLE customers")) is False
    assert apply_operation(model, ops.BulkInsertOp(sa.table("customers"), [])) is True

    class CreateViewOp(ops.MigrateOperation):
        pass

    assert apply_operation(model, CreateViewOp()) is False
    assert _inspector(model).get_table_names() == ["customers"]


# --- raw SQL ---


def _sql(*statements: str, dialect: str = "postgres") -> SchemaModel:
    model = SchemaModel()
    for statement in statements:
        apply_sql(model, statement, dialect, where="revision r9, line 4")
    return model


def test_sql_create_table_with_types_keys_and_constraints() -> None:
    model = _sql(
        "CREATE TABLE customers (id SERIAL PRIMARY KEY, email VARCHAR(255) NOT NULL UNIQUE)",
        """CREATE TABLE orders (
            id INTEGER,
            customer_id INTEGER REFERENCES customers(id) ON DELETE CASCADE,
            total NUMERIC(10, 2) DEFAULT 0,
            note TEXT,
            paid BOOLEAN NOT NULL,
            due DATE,
            placed TIMESTAMP,
            shape GEOMETRY,
            CONSTRAINT pk_orders PRIMARY KEY (id),
            CONSTRAINT ck_total CHECK (total >= 0),
            CONSTRAINT uq_note UNIQUE (note, due)
        )""",
    )
    orders = model.tables[(None, "orders")]
    types = [c.type for c in orders.columns]
    assert [type(t) for t in types[:7]] == [
        sa.Integer,
        sa.Integer,
        sa.Numeric,
        sa.Text,
        sa.Boolean,
        sa.Date,
        sa.DateTime,
    ]
    assert isinstance(types[7], VerbatimType) and types[7].sql == "GEOMETRY"
    ddl = CreateTable(to_metadata(model).tables["orders"]).compile()
    assert "shape GEOMETRY" in str(ddl)
    assert isinstance(types[2], sa.Numeric) and (types[2].precision, types[2].scale) == (10, 2)
    customers = model.tables[(None, "customers")]
    assert isinstance(customers.columns[1].type, sa.String)
    assert customers.columns[1].type.length == 255
    insp = _inspector(model, runner.build_dialect(profiles.load_profiles()["postgresql"]))
    assert insp.get_pk_constraint("orders") == {"constrained_columns": ["id"], "name": "pk_orders"}
    assert insp.get_columns("orders")[0]["nullable"] is False
    assert insp.get_columns("orders")[2]["default"] == "0"
    assert insp.get_unique_constraints("customers") == [{"name": None, "column_names": ["email"]}]
    assert insp.get_check_constraints("orders") == [{"name": "ck_total", "sqltext": "total >= 0"}]
    assert insp.get_foreign_keys("orders")[0]["options"] == {"ondelete": "CASCADE"}
    assert insp.get_columns("customers")[0]["autoincrement"] is True


def test_sql_alter_table_statements() -> None:
    model = _sql(
        "CREATE TABLE t (a INT, b INT, c VARCHAR(5))",
        "CREATE TABLE o (id INT PRIMARY KEY)",
        "ALTER TABLE t ADD COLUMN d INTEGER NOT NULL DEFAULT 1",
        "ALTER TABLE t DROP COLUMN b",
        "ALTER TABLE t RENAME COLUMN c TO code",
        "ALTER TABLE t ALTER COLUMN a TYPE BIGINT",
        "ALTER TABLE t ALTER COLUMN a SET NOT NULL",
        "ALTER TABLE t ALTER COLUMN d DROP NOT NULL",
        "ALTER TABLE t ALTER COLUMN d SET DEFAULT 5",
        "ALTER TABLE t ALTER COLUMN d DROP DEFAULT",
        "ALTER TABLE t ADD CONSTRAINT uq_code UNIQUE (code)",
        "ALTER TABLE t ADD CONSTRAINT fk_t_o FOREIGN KEY (a) REFERENCES o (id)",
        "ALTER TABLE t ADD CONSTRAINT ck_a CHECK (a > 0)",
        "ALTER TABLE t ADD CHECK (d < 10)",
        "ALTER TABLE t ADD CONSTRAINT pk_t PRIMARY KEY (a)",
        "ALTER TABLE t DROP CONSTRAINT uq_code",
        "ALTER TABLE t RENAME CONSTRAINT ck_a TO ck_a_positive",
        "ALTER TABLE t RENAME TO things",
        "ALTER TABLE things ENABLE ROW LEVEL SECURITY",
    )
    insp = _inspector(model)
    assert insp.get_table_names() == ["o", "things"]
    columns = {c["name"]: c for c in insp.get_columns("things")}
    assert list(columns) == ["a", "code", "d"]
    assert isinstance(columns["a"]["type"], sa.BigInteger) and not columns["a"]["nullable"]
    assert columns["d"]["nullable"] and columns["d"]["default"] is None
    assert insp.get_unique_constraints("things") == []
    assert insp.get_foreign_keys("things")[0]["name"] == "fk_t_o"
    assert insp.get_check_constraints("things") == [
        {"name": "ck_a_positive", "sqltext": "a > 0"},
        {"name": None, "sqltext": "d < 10"},
    ]
    assert insp.get_pk_constraint("things") == {"constrained_columns": ["a"], "name": "pk_t"}


def test_sql_mysql_modify_and_change() -> None:
    model = _sql(
        "CREATE TABLE t (a INT NOT NULL DEFAULT 3, b INT)",
        "ALTER TABLE t MODIFY COLUMN a VARCHAR(10)",
        "ALTER TABLE t CHANGE COLUMN b bee INT NOT NULL",
        "ALTER TABLE t ADD COLUMN z INT FIRST",
        dialect="mysql",
    )
    table = model.tables[(None, "t")]
    assert [c.name for c in table.columns] == ["z", "a", "bee"]
    a = table.columns[1]
    # MODIFY replaces the whole definition: the old default and NOT NULL are gone
    assert isinstance(a.type, sa.String) and a.nullable and a.server_default is None
    assert not table.columns[2].nullable


def test_sql_indexes_schemas_views_comments() -> None:
    model = _sql(
        "CREATE SCHEMA shop",
        "CREATE TABLE shop.items (id INT, name TEXT)",
        "CREATE UNIQUE INDEX ix_name ON shop.items (lower(name))",
        "CREATE INDEX ix_id ON shop.items (id DESC) WHERE id > 0",
        "COMMENT ON TABLE shop.items IS 'things'",
        "COMMENT ON COLUMN shop.items.name IS 'label'",
        "CREATE VIEW v AS SELECT 1",
    )
    insp = _inspector(model, runner.build_dialect(profiles.load_profiles()["postgresql"]))
    assert insp.get_schema_names() == ["public", "shop"]
    assert insp.get_view_names() == ["v"]
    assert insp.get_table_comment("items", "shop") == {"text": "things"}
    assert insp.get_columns("items", "shop")[1]["comment"] == "label"
    indexes = {i["name"]: i for i in insp.get_indexes("items", "shop")}
    assert indexes["ix_name"]["expressions"] == ["LOWER(name)"]
    assert indexes["ix_name"]["unique"] is True
    assert indexes["ix_id"]["column_sorting"] == {"id": ("desc",)}
    assert indexes["ix_id"]["dialect_options"] == {"postgresql_where": "id > 0"}
    apply_sql(model, "DROP INDEX shop.ix_name; COMMENT ON TABLE shop.items IS NULL", "postgres")
    assert list(indexes) != [i["name"] for i in insp.get_indexes("items", "shop")]
    assert insp.get_table_comment("items", "shop") == {"text": None}
    apply_sql(model, "DROP SCHEMA shop CASCADE", "postgres")
    assert insp.get_schema_names() == ["public"] and insp.get_table_names("shop") == []


def test_sql_drop_table_cascade_drops_the_foreign_keys_to_it() -> None:
    model = _sql(
        "CREATE TABLE a (id INT PRIMARY KEY)",
        "CREATE TABLE b (a_id INT REFERENCES a (id))",
        "CREATE TABLE c (a_id INT REFERENCES a)",
    )
    assert model.tables[(None, "c")].foreign_keys[0].referred_columns == ("id",)
    apply_sql(model, "DROP TABLE IF EXISTS a CASCADE", "postgres")
    assert model.tables[(None, "b")].foreign_keys == ()
    apply_sql(model, "DROP TABLE b", "postgres")
    assert list(model.tables) == [(None, "c")]


def test_sql_identifiers_fold_as_the_database_folds_them() -> None:
    model = _sql('CREATE TABLE Users (Id INT, "Name" TEXT)')
    assert [c.name for c in model.tables[(None, "users")].columns] == ["id", "Name"]
    kept = _sql("CREATE TABLE Users (Id INT)", dialect="sqlite")
    assert (None, "Users") in kept.tables
    apply_sql(kept, "ALTER TABLE users ADD COLUMN x INT", "sqlite")  # case-insensitive
    assert len(kept.tables[(None, "Users")].columns) == 2


def test_sql_dml_and_queries_change_nothing() -> None:
    model = _sql("CREATE TABLE t (a INT)")
    before = model.fingerprint()
    apply_sql(
        model,
        "INSERT INTO t VALUES (1); UPDATE t SET a = 2; DELETE FROM t; SELECT * FROM t; "
        "SET search_path TO public; GRANT SELECT ON t TO bob; "
        "CREATE EXTENSION IF NOT EXISTS pgcrypto; CREATE FUNCTION f() RETURNS int AS 'SELECT 1' "
        "LANGUAGE sql",
        "postgres",
    )
    apply_sql(model, "WITH x AS (SELECT 1) UPDATE t SET a = 1", "postgres")
    assert model.fingerprint() == before


def test_unreadable_ddl_makes_the_tables_it_names_uncertain() -> None:
    model = _sql(
        "CREATE TABLE t (a INT)",
        "CREATE TABLE u (a INT)",
        "ALTER TABLE t ALTER COLUMN a SET COMPRESSION pglz, INHERIT other",
    )
    insp = _inspector(model)
    assert insp.get_table_names() == ["t", "u"]
    assert insp.has_table("t")
    assert insp.get_columns("u")[0]["name"] == "a"
    with pytest.raises(UncertainTable) as raised:
        insp.get_columns("t")
    assert str(raised.value) == (
        "table t was changed by SQL sqlgen could not read (revision r9, line 4); "
        "its shape is unknown offline"
    )
    with pytest.raises(UncertainTable):
        insp.get_multi_columns()  # every table: one of them is unknown
    # dropping and creating it again makes it known
    apply_sql(model, "DROP TABLE t; CREATE TABLE t (b INT)", "postgres")
    assert [c["name"] for c in insp.get_columns("t")] == ["b"]


def test_unreadable_blocks_that_may_drop_or_create_tables() -> None:
    model = _sql(
        "CREATE TABLE t (a INT)",
        "DO $$ BEGIN IF true THEN DROP TABLE t; CREATE TABLE n (x INT); END IF; END $$",
    )
    insp = _inspector(model)
    with pytest.raises(UncertainTable, match="table t"):
        insp.has_table("t")  # whether it still exists is unknown
    assert model.uncertain[(None, "n")].existence  # created only if the IF held
    with pytest.raises(UncertainTable):
        insp.get_table_names()


def test_unreadable_ddl_naming_no_table_makes_the_whole_schema_uncertain() -> None:
    dynamic = "DO $$ BEGIN EXECUTE 'ALTER TABLE ' || tbl || ' ADD x int'; END $$"
    model = _sql("CREATE TABLE t (a INT)", dynamic)
    with pytest.raises(UncertainTable, match=r"^the schema was changed by SQL sqlgen could not"):
        _inspector(model).get_columns("t")
    with pytest.raises(UncertainTable):
        _inspector(model).get_table_names()
    harmless = _sql("CREATE TABLE t (a INT)", "VACUUM ANALYZE t", "ALTER TABLE t OWNER TO app")
    assert _inspector(harmless).get_columns("t")[0]["name"] == "a"


def test_one_unreadable_statement_spoils_no_other() -> None:
    model = SchemaModel()
    apply_sql(
        model,
        "CREATE TABLE good (a INT); ALTER TABLE good FROBNICATE WILDLY; CREATE TABLE also (b INT)",
        "postgres",
    )
    assert model.tables[(None, "also")].columns[0].name == "b"
    assert (None, "good") in model.uncertain


# --- the inspector ---


def test_inspector_reflects_a_table_and_its_referred_tables() -> None:
    model = _model(_customers(), _orders())
    insp = _inspector(model)
    metadata = sa.MetaData()
    orders = sa.Table("orders", metadata, autoload_with=insp.bind)
    assert [c.name for c in orders.columns] == ["id", "customer_id", "total"]
    assert "customers" in metadata.tables  # resolve_fks reflected it too
    assert {fk.target_fullname for fk in orders.foreign_keys} == {"customers.id"}
    partial = sa.Table("customers", sa.MetaData())
    insp.reflect_table(partial, include_columns=["id", "email"])
    assert [c.name for c in partial.columns] == ["id", "email"]
    assert partial.comment == "who buys"
    with pytest.raises(NoSuchTableError):
        insp.get_columns("nope")
    with pytest.raises(NoSuchTableError):
        sa.Table("nope", sa.MetaData(), autoload_with=insp.bind)


def test_inspector_schema_names_keys_and_sorting() -> None:
    model = _model(_customers(), _orders(), _create("x", sa.Column("a", sa.Integer()), schema="s"))
    insp = _inspector(model)
    assert insp.get_schema_names() == ["main", "s"]
    assert insp.get_table_names("main") == insp.get_table_names() == ["customers", "orders"]
    assert insp.get_table_names("s") == ["x"]
    assert insp.has_table("x", schema="s") and not insp.has_table("x")
    assert set(insp.get_multi_columns()) == {(None, "customers"), (None, "orders")}
    assert list(insp.get_multi_pk_constraint("s", filter_names=["x", "y"])) == [("s", "x")]
    assert insp.get_sorted_table_and_fkc_names() == [
        ("customers", []),
        ("orders", [("orders", "fk_orders_customer")]),
        (None, []),
    ]


# --- tables, copies, fingerprints ---


def test_to_table_and_to_metadata_round_trip() -> None:
    model = _model(_customers(), _orders())
    orders = to_table(model, "orders")
    assert from_table(orders) == model.tables[(None, "orders")]
    metadata = to_metadata(model)
    assert list(metadata.tables) == ["customers", "orders"]
    ddl = str(CreateTable(metadata.tables["orders"]).compile(dialect=sqlite.dialect()))
    assert "CONSTRAINT fk_orders_customer FOREIGN KEY(customer_id) REFERENCES customers (id)" in (
        ddl
    )
    with pytest.raises(KeyError):
        to_table(model, "nope")
    apply_sql(model, "ALTER TABLE orders FROBNICATE", "sqlite")
    with pytest.raises(UncertainTable):
        to_table(model, "orders")


def test_copy_is_independent_and_fingerprint_is_canonical() -> None:
    model = _model(_customers())
    snapshot = model.copy()
    assert snapshot.fingerprint() == model.fingerprint()
    apply_operation(model, ops.AddColumnOp("customers", sa.Column("age", sa.Integer())))
    assert snapshot.fingerprint() != model.fingerprint()
    assert len(snapshot.tables[(None, "customers")].columns) == 3
    again = _model(_customers(), ops.AddColumnOp("customers", sa.Column("age", sa.Integer())))
    assert again.fingerprint() == model.fingerprint()
    assert len(model.fingerprint()) == 64


# --- replaying captured steps ---


@dataclass
class _Revision:
    revision: str = "abc123"


@dataclass
class _Step:
    revision: _Revision = field(default_factory=_Revision)


def test_replay_keeps_the_order_of_operations_and_raw_sql() -> None:
    create = _create("t", sa.Column("a", sa.Integer()))
    execute = ops.ExecuteSQLOp("ALTER TABLE t ADD COLUMN b INT")
    batch_add = ops.AddColumnOp("t", sa.Column("c", sa.Integer()))
    step = StepCapture(_Step(), Path("x.py"))  # type: ignore[arg-type]
    step.calls = [
        OperationCall(create, 10),
        OperationCall(execute, 11),
        OperationCall(batch_add, 13, "t"),
    ]
    step.items = [
        Item("statement", "CREATE TABLE t (a INTEGER)", 10, create),
        Item("statement", "ALTER TABLE t ADD COLUMN b INT", 11, execute),
        Item("statement", "ALTER TABLE t RENAME COLUMN b TO bee", 12, None),  # via the bind
        Item("statement", "ALTER TABLE t ADD COLUMN c INTEGER", 12, BatchFlush("t")),
        Item("statement", "DROP TABLE t", None, None, version=True),  # bookkeeping: skipped
    ]
    model = SchemaModel()
    replay_step(model, step, "sqlite")
    assert [c.name for c in model.tables[(None, "t")].columns] == ["a", "bee", "c"]
    step.items.append(Item("statement", "ALTER TABLE t FROBNICATE", 20, None))
    replay_step(broken := SchemaModel(), step, "sqlite")
    with pytest.raises(UncertainTable, match=r"\(revision abc123, line 20\)"):
        _inspector(broken).get_columns("t")


# --- the example project, against SQLite's own Inspector ---


@pytest.fixture(scope="module")
def example(example_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any]:
    workspace = api.open_project(example_dir)
    plan = workspace.graph.plan("upgrade", "base:heads")
    profile = profiles.load_profiles()["sqlite"]
    run = runner.run_dialect(plan.steps, True, profile, runner.RunSettings())
    assert run.failures == []
    model = SchemaModel(default_schema=profile.default_schema)
    replay(model, run.steps, profile.sqlglot)
    request = api.GenerateRequest("upgrade", "base:heads", ["sqlite"], write=False)
    script = api.generate(workspace, request).scripts["sqlite"].text
    database = tmp_path_factory.mktemp("model") / "shop.db"
    connection = sqlite3.connect(database)
    connection.executescript(script)
    connection.close()
    real = sa.inspect(sa.create_engine(f"sqlite:///{database}"))
    return ModelInspector(model, runner.build_dialect(profile)), real


def _shape(insp: Any, table: str, dialect: Dialect) -> dict[str, Any]:
    return {
        "columns": [
            (c["name"], c["nullable"], str(c["type"].compile(dialect=dialect)), c["default"])
            for c in insp.get_columns(table)
        ],
        "pk": insp.get_pk_constraint(table),
        "indexes": sorted(
            (i["name"], i["column_names"], bool(i["unique"])) for i in insp.get_indexes(table)
        ),
        "fks": sorted(
            (f["name"], f["constrained_columns"], f["referred_table"], f["referred_columns"])
            for f in insp.get_foreign_keys(table)
        ),
        "uniques": sorted(
            (u["name"] or "", u["column_names"]) for u in insp.get_unique_constraints(table)
        ),
        "checks": sorted(
            (c["name"] or "", c["sqltext"]) for c in insp.get_check_constraints(table)
        ),
    }


def test_example_model_answers_as_sqlite_does(example: tuple[Any, Any]) -> None:
    model, real = example
    dialect = model.dialect
    tables = [t for t in real.get_table_names() if t != "alembic_version"]
    assert model.get_table_names() == tables
    for table in tables:
        assert _shape(model, table, dialect) == _shape(real, table, dialect), table
    columns = [c["name"] for c in model.get_columns("order_items")]
    assert "gift_message" in columns and "gift_note" not in columns


def test_the_model_does_not_depend_on_the_dialect_that_ran(example_dir: Path) -> None:
    workspace = api.open_project(example_dir)
    plan = workspace.graph.plan("upgrade", "base:heads")
    models = []
    for name in ("sqlite", "postgresql", "mysql"):
        profile = profiles.load_profiles()[name]
        run = runner.run_dialect(plan.steps, True, profile, runner.RunSettings())
        model = SchemaModel(default_schema=profile.default_schema)
        replay(model, run.steps, profile.sqlglot)
        assert model.uncertain == {} and model.unknown is None
        models.append(model)
    assert models[0].tables == models[1].tables == models[2].tables


def test_alembic_autogenerate_compares_against_the_model() -> None:
    from alembic.autogenerate import produce_migrations
    from alembic.runtime.migration import MigrationContext

    model = _model(_customers(), _orders())
    insp = _inspector(model, runner.build_dialect(profiles.load_profiles()["postgresql"]))
    target = sa.MetaData()
    sa.Table(
        "customers",
        target,
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("email", sa.String(300), nullable=False),
        sa.Column("name", sa.String(100), server_default="anon", comment="shown"),
        sa.UniqueConstraint("email", name="uq_customers_email"),
        comment="who buys",
    )
    context = MigrationContext.configure(dialect=insp.dialect, opts={"compare_type": True})
    context.connection = insp.bind  # type: ignore[assignment]
    upgrade = produce_migrations(context, target).upgrade_ops
    assert upgrade is not None
    kinds = [d[0][0] if isinstance(d, list) else d[0] for d in upgrade.as_diffs()]
    # email's length, and the orders table (with its index) the metadata lacks
    assert sorted(kinds) == ["modify_type", "remove_index", "remove_table"]


def test_inspected_types_are_the_classes_the_database_reflects() -> None:
    from sqlalchemy.dialects import postgresql

    from sqlgen.model.reflected import as_reflected

    pg = postgresql.dialect()
    assert repr(as_reflected(sa.String(30), pg)) == "VARCHAR(length=30)"
    assert isinstance(as_reflected(sa.DateTime(), pg), postgresql.TIMESTAMP)
    assert repr(as_reflected(sa.Numeric(10, 2), pg)) == "NUMERIC(precision=10, scale=2)"
    # not certain (time zone, a named enum): the migration's own type is kept
    with_zone = sa.DateTime(timezone=True)
    assert as_reflected(with_zone, pg) is with_zone
    mood = sa.Enum("happy", "sad", name="mood")
    assert as_reflected(mood, pg) is mood
    model = _model(_customers())
    columns = _inspector(model, runner.build_dialect(profiles.load_profiles()["postgresql"]))
    assert [repr(c["type"]) for c in columns.get_columns("customers")][:2] == [
        "INTEGER()",
        "VARCHAR(length=255)",
    ]


# --- the model's lookup indexes stay in step with its tables ---


def test_name_and_foreign_key_indexes_follow_every_change() -> None:
    from sqlgen.model import edit
    from sqlgen.model.schema import ColumnModel, ForeignKeyModel, TableModel

    def table(name: str, *refers_to: str) -> TableModel:
        fks = tuple(ForeignKeyModel(None, (f"{r}_id",), None, r, ("id",)) for r in refers_to)
        columns = (
            ColumnModel("id", sa.Integer()),
            *(ColumnModel(f"{r}_id", sa.Integer()) for r in refers_to),
        )
        return TableModel(name, None, columns, foreign_keys=fks)

    model = SchemaModel()
    edit.create_table(model, table("parent"))
    edit.create_table(model, table("Child", "parent"))
    edit.create_table(model, table("other", "parent", "Child"))
    assert model.find("CHILD") == (None, "Child")  # one case-insensitive match
    model.put(table("CHILD"))  # as after raw SQL with quoted names
    assert model.find("child") is None  # two: ambiguous, as find_name
    assert model.find("CHILD") == (None, "CHILD")  # the exact name wins
    edit.drop_table(model, (None, "CHILD"))

    edit.rename_column(model, (None, "parent"), "id", "parent_key")
    assert [f.referred_columns for f in model.tables[(None, "Child")].foreign_keys] == [
        ("parent_key",)
    ]
    edit.rename_table(model, (None, "parent"), "mother")
    assert {f.referred_table for f in model.tables[(None, "other")].foreign_keys} == {
        "mother",
        "Child",
    }
    edit.drop_table(model, (None, "mother"), cascade=True)
    assert model.tables[(None, "Child")].foreign_keys == ()
    assert model.find("parent") is None and model.find("MOTHER") is None

    rebuilt = SchemaModel(dict(model.tables))  # indexes made from scratch
    assert model._folded == rebuilt._folded
    assert model._referrers == rebuilt._referrers
    assert [t.name for t in model.referrers((None, "Child"))] == ["other"]
