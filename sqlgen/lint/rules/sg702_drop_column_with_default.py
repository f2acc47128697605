"""A column that has a server default dropped on SQL Server without
`mssql_drop_default=True`: `op.drop_column()` or `batch_op.drop_column()`.

SQL Server keeps every column default as a constraint object of its own
(`DF__table__col__XXXX` unless named) and refuses `ALTER TABLE t DROP COLUMN c`
while it exists (Msg 5074, "The object ... is dependent on column"). Alembic's
SQL Server `drop_column` drops it first only when told: `mssql_drop_default=True`
emits a DECLARE/EXEC that looks the constraint up in `sys.default_constraints`
(as `mssql_drop_check` and `mssql_drop_foreign_key` do for the others). An
error: on SQL Server the script stops here, whatever the data.

Whether the column has a default is what sqlgen's schema model says where
`drop_column` runs: defaults given at creation, by `add_column` or by
`alter_column`, and removed by `alter_column(server_default=None)`. A batch block
that recreates its table drops no column in SQL, so it is not reported. Dropping
the constraint by hand (`op.execute`) is not seen: suppress the finding then.

```python
def upgrade():
    op.drop_column("orders", "status")  # SG702 when status has a server default

def upgrade():  # instead
    op.drop_column("orders", "status", mssql_drop_default=True)
```
"""

from __future__ import annotations

from collections.abc import Iterator

from alembic.operations import ops

from sqlgen.lint.model import Hit, Rule, Severity, StepView
from sqlgen.lint.rules.helpers import MSSQL, has_option, qualified, rebuilds
from sqlgen.pipeline.captured import OperationCall

RULE = Rule(
    id="SG702",
    severity=Severity.ERROR,
    dialects=MSSQL,
    message="SQL Server refuses to drop a column while its DEFAULT constraint exists: "
    "the script fails here",
    hint="Pass mssql_drop_default=True to drop_column (batch_op.drop_column too): Alembic "
    "then drops the DEFAULT constraint first. If the migration drops the constraint "
    "itself before, suppress with a reason.",
    title="Column with a default dropped (SQL Server)",
    operations=(ops.DropColumnOp, ops.AlterColumnOp, ops.AddColumnOp),
    docs=__doc__,
)


def _has_default_at(view: StepView, index: int, call: OperationCall) -> bool:
    """Whether the column a drop_column call drops has a server default there.

    The model's table is as it was before the call; a batch block's earlier
    operations, which the model sees only when the block ends, are read here.
    """
    operation = call.operation
    table = call.table_before
    column = table.column(operation.column_name) if table is not None else None
    has_default = column is not None and column.server_default is not None
    if call.batch_table is None:
        return has_default
    name = operation.column_name.lower()
    for before in view.capture.calls[:index]:
        earlier = before.operation
        if before.batch_table != call.batch_table or before.table_before is not table:
            continue  # another block
        if isinstance(earlier, ops.AlterColumnOp) and earlier.column_name.lower() == name:
            if earlier.modify_server_default is None:  # alter_column(server_default=None)
                has_default = False
            elif earlier.modify_server_default is not False:  # False: left as it is
                has_default = True
        elif isinstance(earlier, ops.AddColumnOp) and earlier.column.name.lower() == name:
            has_default = earlier.column.server_default is not None
    return has_default


def check(view: StepView) -> Iterator[Hit]:
    # a block that recreates its table (recreate="always") drops no column in SQL
    recreated = {index for rebuild in rebuilds(view) for index in rebuild.calls}
    for index, call in view.calls():
        operation = call.operation
        if (
            not isinstance(operation, ops.DropColumnOp)
            or has_option(operation, "mssql_drop_default")
            or (call.batch_table is not None and index in recreated)
            or not _has_default_at(view, index, call)
        ):
            continue
        table = qualified(operation.table_name, operation.schema)
        yield Hit(
            call.line,
            f"drops column {table}.{operation.column_name}, which has a server default, "
            "without mssql_drop_default=True",
        )
