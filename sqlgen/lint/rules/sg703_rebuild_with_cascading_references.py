"""A SQLite batch rebuild of a table that other rows reference with an ON DELETE
action, without foreign keys turned off around it.

Where SQLite cannot ALTER, Alembic's batch mode moves and copies: CREATE TABLE
`_alembic_tmp_t`, INSERT ... SELECT, DROP TABLE t, ALTER TABLE ... RENAME TO t.
With `PRAGMA foreign_keys=ON`, DROP TABLE t first runs an implicit DELETE FROM t
(<https://sqlite.org/foreignkeys.html>, section 5), and every foreign key that
references t with ON DELETE CASCADE, SET NULL or SET DEFAULT acts on its rows:
other tables' rows, and t's own copied rows when t references itself. The script
succeeds; the rows are gone, and `sqlgen verify` on empty tables cannot see it.
Alembic's batch documentation ("Dealing with Referencing Foreign Keys") says the
pragma, if in use, must be disabled while the batch runs.

The rule fires for a block whose SQL drops its own table when the schema model
knows a table that existed before the range with such a foreign key to it. Not
reported when the revision ran `PRAGMA foreign_keys=OFF` before the rebuild,
outside a transaction (SQLite ignores it inside one) and not back on before it,
nor when the referencing table is new in the range. A warning: it happens only
where foreign keys are on (off by default in SQLite, on in many applications);
where they are on and a reference has no ON DELETE action, DROP TABLE fails
instead (not reported here).

```python
def upgrade():
    # book.author_id references author.id ON DELETE CASCADE
    with op.batch_alter_table("author", recreate="always") as batch_op:  # SG703
        batch_op.alter_column("name", type_=sa.String(200))

def upgrade():  # instead
    op.execute("PRAGMA foreign_keys=OFF")
    with op.batch_alter_table("author", recreate="always") as batch_op:
        batch_op.alter_column("name", type_=sa.String(200))
    op.execute("PRAGMA foreign_keys=ON")
```
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from sqlglot import exp

from sqlgen.lint.model import Hit, Rule, Severity, StepView
from sqlgen.lint.rules.helpers import SQLITE, Rebuild, qualified, rebuilds

if TYPE_CHECKING:
    from sqlgen.model.schema import ForeignKeyModel, TableKey, TableModel

RULE = Rule(
    id="SG703",
    severity=Severity.WARNING,
    dialects=SQLITE,
    message="with PRAGMA foreign_keys=ON, DROP TABLE first deletes every row, and the "
    "ON DELETE actions delete or change the referencing rows",
    hint="Turn foreign keys off around the rebuild, as the Alembic batch documentation "
    'advises: op.execute("PRAGMA foreign_keys=OFF") before the batch block and '
    '"PRAGMA foreign_keys=ON" after it (outside a transaction: SQLite ignores it inside '
    "one); or change the table without a rebuild.",
    title="Table rebuild fires ON DELETE actions (SQLite)",
    docs=__doc__,
)

_ON_DELETE_ACTIONS = ("CASCADE", "SET NULL", "SET DEFAULT")
_OFF = frozenset({"off", "0", "false", "no"})
_ON = frozenset({"on", "1", "true", "yes"})


def _foreign_keys_setting(expression: exp.Expr) -> bool | None:
    """True for `PRAGMA foreign_keys=ON`, False for OFF, None for any other statement."""
    if not isinstance(expression, exp.Pragma) or not isinstance(expression.this, exp.EQ):
        return None
    setting = expression.this
    if setting.this.name.lower() != "foreign_keys":
        return None
    value = setting.expression
    word = str(value.this).lower() if isinstance(value, exp.Boolean) else value.name.lower()
    return True if word in _ON else False if word in _OFF else None


def _foreign_keys_off(view: StepView, before: int) -> bool:
    """Whether the revision's SQL turned foreign keys off before statement `before`."""
    off = False
    for statement in view.statements[:before]:
        setting = _foreign_keys_setting(statement.expression)
        if setting is not None and not statement.in_transaction:
            off = not setting
    return off


def _tables_after(
    view: StepView, start: Mapping[TableKey, TableModel], rebuild: Rebuild
) -> dict[TableKey, TableModel]:
    """Every table as the model had it just after the rebuild.

    A table a later call of the step acts on is as that call found it; any other
    is as the step left it, or as the step found it. Tables the step created are
    left out: they are new, so they hold no rows the rebuild could lose.
    """
    tables = dict(start)
    seen: set[TableKey] = set()
    for call in view.capture.calls[rebuild.calls.stop :]:
        known = call.table_before
        if known is not None and known.key not in seen:
            seen.add(known.key)
            tables[known.key] = known
    for key, (before, after) in view.capture.tables_changed.items():
        if key in seen or before is None:
            continue
        if after is None:
            tables.pop(key, None)
        else:
            tables[key] = after
    return tables


def _schema(view: StepView, schema: str | None) -> str | None:
    default = view.profile.default_schema
    if schema is None or (default is not None and schema.lower() == default.lower()):
        return None
    return schema.lower()


def _on_delete(foreign_key: ForeignKeyModel) -> str | None:
    action: Any = dict(foreign_key.options).get("ondelete")
    normal = " ".join(str(action).upper().split()) if action else None
    return normal if normal in _ON_DELETE_ACTIONS else None


def _referencing(
    view: StepView, rebuild: Rebuild, tables: Mapping[TableKey, TableModel]
) -> list[str]:
    """`child.column ON DELETE action` for each foreign key whose action the rebuild fires."""
    found = []
    at = rebuild.calls.start
    for table in tables.values():
        if not view.existing_table(table.name, table.schema, at):
            continue  # new in the range: no rows yet
        for foreign_key in table.foreign_keys:
            action = _on_delete(foreign_key)
            if (
                action is not None
                and foreign_key.referred_table.lower() == rebuild.table.lower()
                and _schema(view, foreign_key.referred_schema) == _schema(view, rebuild.schema)
            ):
                columns = ", ".join(foreign_key.columns)
                found.append(f"{qualified(table.name, table.schema)}.{columns} ON DELETE {action}")
    return found


def check(view: StepView) -> Iterator[Hit]:
    start = None
    for rebuild in rebuilds(view):
        if _foreign_keys_off(view, rebuild.drop):
            continue
        if not view.existing_table(rebuild.table, rebuild.schema, rebuild.calls.start):
            continue  # new in the range: nothing to delete
        start = start if start is not None else view.tables_at_start()
        if start is None:
            return  # the model does not know the tables
        children = _referencing(view, rebuild, _tables_after(view, start, rebuild))
        if children:
            table = qualified(rebuild.table, rebuild.schema)
            yield Hit(
                rebuild.line,
                f"batch mode recreates table {table} (copy, then DROP TABLE {table}), "
                f"referenced by {', '.join(children)}",
            )
