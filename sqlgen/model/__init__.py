"""The offline schema model: the schema as the migrations leave it, without a database.

Build it by replaying what a run captured (`replay_step`, or `apply_operation`
and `apply_sql` one by one), snapshot it with `model.copy()`, and ask it
SQLAlchemy-Inspector questions through `ModelInspector`.
"""

from sqlgen.model.apply import apply_operation, create_table, replay, replay_step
from sqlgen.model.inspector import ModelBind, ModelInspector
from sqlgen.model.schema import (
    CheckModel,
    ColumnModel,
    ComputedModel,
    ForeignKeyModel,
    IndexModel,
    PrimaryKeyModel,
    SchemaModel,
    TableKey,
    TableModel,
    UncertainTable,
    Uncertainty,
    UniqueModel,
    VerbatimType,
)
from sqlgen.model.sql import apply_sql
from sqlgen.model.tables import from_table, to_metadata, to_table

__all__ = [
    "CheckModel",
    "ColumnModel",
    "ComputedModel",
    "ForeignKeyModel",
    "IndexModel",
    "ModelBind",
    "ModelInspector",
    "PrimaryKeyModel",
    "SchemaModel",
    "TableKey",
    "TableModel",
    "UncertainTable",
    "Uncertainty",
    "UniqueModel",
    "VerbatimType",
    "apply_operation",
    "apply_sql",
    "create_table",
    "from_table",
    "replay",
    "replay_step",
    "to_metadata",
    "to_table",
]
