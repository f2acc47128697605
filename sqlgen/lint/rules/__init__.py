"""The lint rules: a table of `Rule` records, and one check function per rule.

A check function gets a `StepView` (one revision's capture for one dialect) and
yields a `Hit` for every place its rule fires. Checks read the Alembic
operations the migration invoked (`capture.calls`, batch operations included)
and the captured SQL parsed with sqlglot (`view.statements`), never the SQL text
itself. Where an Alembic operation says what happens, its statements are left to
the operation check; the statement side of a check covers SQL the migration wrote
itself (`op.execute`, the bind), so nothing is reported twice.

The engine decides which rules run where (dialects, directions, configuration).
Each family of rules is a module of its own; the table is `catalog.RULES`.
"""

from __future__ import annotations

from sqlgen.lint.rules.catalog import RULES, RULES_BY_ID
from sqlgen.lint.rules.common import Check
from sqlgen.lint.rules.compat import not_null_without_default, rename_column, rename_table
from sqlgen.lint.rules.data import data_read, not_from_migration, unbounded_write
from sqlgen.lint.rules.destructive import (
    downgrade_drops,
    drop_column,
    drop_schema,
    drop_table,
    truncate,
)
from sqlgen.lint.rules.dialect import (
    drop_column_with_default,
    raw_sql_does_not_parse,
    rebuild_with_cascading_references,
)
from sqlgen.lint.rules.downgrade import downgrade_raises, missing_downgrade
from sqlgen.lint.rules.mysql import copying_type_change
from sqlgen.lint.rules.postgresql import (
    concurrently_in_transaction,
    constraint_without_not_valid,
    drop_index_without_concurrently,
    index_without_concurrently,
    rewrites_table,
    rewriting_type_change,
    set_not_null,
    unique_on_existing_table,
    volatile_default,
)

__all__ = ["CHECKS", "RULES", "RULES_BY_ID", "Check", "rewrites_table"]

CHECKS: dict[str, Check] = {
    "SG101": drop_table,
    "SG102": drop_column,
    "SG103": drop_schema,
    "SG104": truncate,
    "SG105": downgrade_drops,
    "SG201": index_without_concurrently,
    "SG202": drop_index_without_concurrently,
    "SG203": concurrently_in_transaction,
    "SG204": constraint_without_not_valid,
    "SG205": set_not_null,
    "SG206": rewriting_type_change,
    "SG207": volatile_default,
    "SG208": unique_on_existing_table,
    "SG301": copying_type_change,
    "SG401": rename_table,
    "SG402": rename_column,
    "SG403": not_null_without_default,
    "SG501": unbounded_write,
    "SG502": data_read,
    "SG503": not_from_migration,
    "SG601": missing_downgrade,
    "SG602": downgrade_raises,
    "SG701": raw_sql_does_not_parse,
    "SG702": drop_column_with_default,
    "SG703": rebuild_with_cascading_references,
}
