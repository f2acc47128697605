"""Reading raw SQL's definitions: names, columns, keys and constraints -> model pieces.

Shared by sql.py (statements) and sqlalter.py (ALTER TABLE). Something read but
not understood raises Unsupported; the statement's tables then become uncertain.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.types import NullType
from sqlglot import exp

from sqlgen.model import edit
from sqlgen.model.schema import (
    UNREADABLE,
    CheckModel,
    ColumnModel,
    ComputedModel,
    ForeignKeyModel,
    IndexModel,
    PrimaryKeyModel,
    SchemaModel,
    TableKey,
    TableModel,
    Uncertainty,
    UniqueModel,
    options,
)
from sqlgen.model.sqltypes import SERIAL, sa_type

# dialects whose unquoted identifiers are case-insensitive and shown folded
# (SQLAlchemy shows Oracle's and Snowflake's upper-case names in lower case)
FOLDING = frozenset({"postgres", "redshift", "oracle", "snowflake", "trino", "presto"})
SQLALCHEMY_NAMES = {"postgres": "postgresql", "tsql": "mssql"}
# column constraints that change nothing the model (or an Inspector) shows
HARMLESS_COLUMN = tuple(
    cls
    for cls in (
        getattr(exp, name, None)
        for name in (
            "CollateColumnConstraint",
            "CharacterSetColumnConstraint",
            "OnUpdateColumnConstraint",
            "EncodeColumnConstraint",
            "CompressColumnConstraint",
            "TitleColumnConstraint",
            "InlineLengthColumnConstraint",
            "CaseSpecificColumnConstraint",
            "UppercaseColumnConstraint",
            "DateFormatColumnConstraint",
            "CommentColumnConstraint",  # read separately
        )
    )
    if isinstance(cls, type)
)


class Unsupported(Exception):
    """A statement sqlgen reads but does not understand."""


@dataclass
class SqlContext:
    """One apply_sql call: the model, the SQL's dialect, and where the SQL came from."""

    model: SchemaModel
    dialect: str
    where: str

    # --- names ---

    def ident(self, node: exp.Expr | str | None) -> str | None:
        if node is None:
            return None
        if isinstance(node, str):
            return node
        if isinstance(node, exp.Identifier):
            quoted = bool(node.args.get("quoted"))
            return node.name if quoted or self.dialect not in FOLDING else node.name.lower()
        return self.ident(node.this) if isinstance(node.this, exp.Expr) else node.name

    def part(self, written: str) -> str:
        """A name as scan found it, unquoted and folded like ident()."""
        if written[:1] in '"`[':
            return written[1:-1]
        return written.lower() if self.dialect in FOLDING else written

    def table_key(self, table: exp.Expr) -> TableKey:
        if isinstance(table, exp.Schema):
            table = table.this
        name = self.ident(table.args.get("this")) or ""
        return (self.ident(table.args.get("db")), name)

    def view_key(self, table: exp.Expr) -> TableKey:
        schema, name = self.table_key(table)
        return (self.model.normal(schema), name)

    def find(self, table: exp.Expr) -> TableKey:
        schema, name = self.table_key(table)
        return edit.require(self.model, name, schema)

    def sql(self, node: exp.Expr) -> str:
        return node.sql(dialect=self.dialect)

    def uncertain(self, key: TableKey, reason: str | None = None, existence: bool = False) -> None:
        found = self.model.find(key[1], key[0]) or key
        uncertainty = Uncertainty(self.where, reason or UNREADABLE, existence)
        self.model.mark_uncertain(found, uncertainty)

    def unknown(self, reason: str | None = None) -> None:
        self.model.mark_unknown(Uncertainty(self.where, reason or UNREADABLE, True))


class TableBuilder:
    """A TableModel from CREATE TABLE's column definitions and table constraints."""

    def __init__(self, context: SqlContext, key: TableKey) -> None:
        self.context = context
        self.key = key
        self.columns: list[ColumnModel] = []
        self.primary_key: PrimaryKeyModel | None = None
        self.indexes: list[IndexModel] = []
        self.uniques: list[UniqueModel] = []
        self.checks: list[CheckModel] = []
        self.column_checks: set[int] = set()  # positions in `checks` declared on a column
        self.foreign_keys: list[ForeignKeyModel] = []

    def element(self, element: exp.Expr) -> None:
        if isinstance(element, exp.ColumnDef):
            self.columns.append(self.column(element))
        elif isinstance(element, exp.Identifier):  # SQLite: a column without a type
            self.columns.append(ColumnModel(self.context.ident(element) or "", NullType()))
        else:
            self.constraint(element)

    def column(self, definition: exp.ColumnDef) -> ColumnModel:
        column, constraints = column_from(self.context, definition)
        name = column.name
        for constraint_name, kind in constraints:
            if isinstance(kind, exp.PrimaryKeyColumnConstraint):
                self.primary_key = PrimaryKeyModel(constraint_name, (name,))
            elif isinstance(kind, exp.UniqueColumnConstraint):
                self.uniques.append(UniqueModel(constraint_name, (name,)))
            elif isinstance(kind, exp.CheckColumnConstraint):
                self.column_checks.add(len(self.checks))
                self.checks.append(CheckModel(constraint_name, self.context.sql(kind.this)))
            elif isinstance(kind, exp.Reference):
                self.foreign_keys.append(foreign_key(self.context, constraint_name, (name,), kind))
        return column

    def constraint(self, element: exp.Expr) -> None:
        made = table_constraint(self.context, element)
        for model in made if isinstance(made, list) else [made]:
            self.add(model)

    def add(self, model: ConstraintModel) -> None:
        if isinstance(model, PrimaryKeyModel):
            self.primary_key = model
        elif isinstance(model, UniqueModel):
            self.uniques.append(model)
        elif isinstance(model, CheckModel):
            self.checks.append(model)
        elif isinstance(model, ForeignKeyModel):
            self.foreign_keys.append(model)
        else:
            self.indexes.append(model)

    def table(self) -> TableModel:
        columns = self.columns
        pk = self.primary_key
        if pk is not None and self.context.dialect != "sqlite":
            # a key's columns are NOT NULL; SQLite alone keeps them nullable as declared
            columns = [replace(c, nullable=False) if c.name in pk.columns else c for c in columns]
        return TableModel(
            name=self.key[1],
            schema=self.key[0],
            columns=tuple(columns),
            primary_key=pk,
            indexes=tuple(self.indexes),
            uniques=tuple(self.uniques),
            checks=tuple(self.checks),
            foreign_keys=tuple(self.foreign_keys),
        )


ConstraintModel = PrimaryKeyModel | UniqueModel | CheckModel | ForeignKeyModel | IndexModel


def column_from(
    context: SqlContext, definition: exp.ColumnDef
) -> tuple[ColumnModel, list[tuple[str | None, exp.Expr]]]:
    """The column, and its inline constraints (key, unique, check, references) by name."""
    name = context.ident(definition.this) or ""
    dtype = definition.args.get("kind")
    fields: dict[str, Any] = {"name": name, "type": NullType()}
    if isinstance(dtype, exp.DataType):
        fields["type"] = sa_type(dtype, context.dialect)
        if dtype.this in SERIAL:
            fields.update(autoincrement=True, nullable=False)
    inline: list[tuple[str | None, exp.Expr]] = []
    for constraint in definition.args.get("constraints") or []:
        kind = constraint.args.get("kind")
        constraint_name = context.ident(constraint.args.get("this"))
        if isinstance(kind, exp.NotNullColumnConstraint):
            fields["nullable"] = bool(kind.args.get("allow_null"))
        elif isinstance(kind, exp.DefaultColumnConstraint):
            fields["server_default"] = default_of(context, kind.this)
        elif isinstance(kind, exp.AutoIncrementColumnConstraint):
            fields["autoincrement"] = True
        elif isinstance(kind, exp.ComputedColumnConstraint):
            persisted = bool(kind.args.get("persisted")) or None
            fields["computed"] = ComputedModel(context.sql(kind.this), persisted)
        elif isinstance(kind, exp.GeneratedAsIdentityColumnConstraint):
            fields.update(_identity(context, kind))
        elif isinstance(kind, exp.CommentColumnConstraint):
            fields["comment"] = kind.this.name
        elif isinstance(
            kind,
            exp.PrimaryKeyColumnConstraint
            | exp.UniqueColumnConstraint
            | exp.CheckColumnConstraint
            | exp.Reference,
        ):
            inline.append((constraint_name, kind))
        elif not isinstance(kind, HARMLESS_COLUMN):
            raise Unsupported(type(kind).__name__)
    return ColumnModel(**fields), inline


def default_of(context: SqlContext, value: exp.Expr) -> str | None:
    return None if isinstance(value, exp.Null) else context.sql(value)


def _identity(context: SqlContext, kind: exp.Expr) -> dict[str, Any]:
    if kind.args.get("expression") is not None:  # GENERATED ALWAYS AS (expr) STORED
        return {"computed": ComputedModel(context.sql(kind.args["expression"]), True)}

    def number(key: str) -> int | None:
        value = kind.args.get(key)
        return int(value.name) if isinstance(value, exp.Literal) else None

    identity = {
        "always": bool(kind.this),
        "start": number("start"),
        "increment": number("increment"),
    }
    # identity columns are NOT NULL on every database that has them
    return {"identity": options(identity), "autoincrement": True, "nullable": False}


def key_columns(context: SqlContext, nodes: list[exp.Expr]) -> tuple[str, ...]:
    found = []
    for node in nodes:
        while isinstance(node, exp.Ordered | exp.ColumnPrefix):
            node = node.this
        if not isinstance(node, exp.Identifier | exp.Column):
            raise Unsupported("a key over an expression")
        found.append(context.ident(node) or "")
    return tuple(found)


def _foreign_key_options(items: list[Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for item in items:
        text = " ".join(str(item.name if isinstance(item, exp.Expr) else item).split())
        upper = text.upper()
        if upper.startswith("ON DELETE "):
            found["ondelete"] = text[len("ON DELETE ") :]
        elif upper.startswith("ON UPDATE "):
            found["onupdate"] = text[len("ON UPDATE ") :]
        elif upper == "DEFERRABLE":
            found["deferrable"] = True
        elif upper == "NOT DEFERRABLE":
            found["deferrable"] = False
        elif upper.startswith("INITIALLY "):
            found["initially"] = text[len("INITIALLY ") :]
        elif upper.startswith("MATCH "):
            found["match"] = text[len("MATCH ") :]
        else:
            raise Unsupported(text)
    return found


def foreign_key(
    context: SqlContext,
    name: str | None,
    columns: tuple[str, ...],
    reference: exp.Expr,
    more: list[Any] | None = None,
) -> ForeignKeyModel:
    target = reference.this
    referred = context.table_key(target)
    if isinstance(target, exp.Schema) and target.expressions:
        referred_columns = key_columns(context, target.expressions)
    else:  # REFERENCES t: t's primary key, if the model knows it
        table = context.model.table(referred[1], referred[0])
        if table is None or table.primary_key is None:
            raise Unsupported("a reference to a primary key sqlgen does not know")
        referred_columns = table.primary_key.columns
    found = _foreign_key_options([*(reference.args.get("options") or []), *(more or [])])
    return ForeignKeyModel(
        name, columns, referred[0], referred[1], referred_columns, options(found)
    )


def table_constraint(
    context: SqlContext, element: exp.Expr, name: str | None = None
) -> ConstraintModel | list[ConstraintModel]:
    """A table-level constraint (or MySQL index) of CREATE TABLE or ADD CONSTRAINT."""
    if isinstance(element, exp.Constraint):
        inner_name = context.ident(element.this)
        found: list[ConstraintModel] = []
        for inner in element.expressions:
            made = table_constraint(context, inner, inner_name)
            found += made if isinstance(made, list) else [made]
        return found
    if isinstance(element, exp.PrimaryKey):
        return PrimaryKeyModel(name, key_columns(context, element.expressions))
    if isinstance(element, exp.UniqueColumnConstraint):
        columns = element.this
        if not isinstance(columns, exp.Schema):
            raise Unsupported("UNIQUE without columns")
        own = context.ident(columns.this) if columns.this is not None else None  # UNIQUE KEY uq
        return UniqueModel(name or own, key_columns(context, columns.expressions))
    if isinstance(element, exp.CheckColumnConstraint):
        return CheckModel(name, context.sql(element.this))
    if isinstance(element, exp.ForeignKey):
        columns = key_columns(context, element.expressions)
        extra = [
            f"ON {k.upper()} {element.args[k]}" for k in ("delete", "update") if element.args.get(k)
        ]
        extra += list(element.args.get("options") or [])
        return foreign_key(context, name, columns, element.args["reference"], extra)
    if isinstance(element, exp.IndexColumnConstraint):  # MySQL: KEY ix (a), INDEX ix (a)
        if element.args.get("kind"):  # FULLTEXT / SPATIAL
            raise Unsupported("a FULLTEXT or SPATIAL index")
        return IndexModel(context.ident(element.this), key_columns(context, element.expressions))
    raise Unsupported(type(element).__name__)


def add_constraint(model: SchemaModel, key: TableKey, constraint: ConstraintModel) -> None:
    if isinstance(constraint, PrimaryKeyModel):
        edit.set_primary_key(model, key, constraint)
    elif isinstance(constraint, UniqueModel):
        edit.add_unique(model, key, constraint)
    elif isinstance(constraint, CheckModel):
        edit.add_check(model, key, constraint)
    elif isinstance(constraint, ForeignKeyModel):
        edit.add_foreign_key(model, key, constraint)
    else:
        edit.add_index(model, key, constraint)
