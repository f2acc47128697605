"""Stand-in for `dagster._core.instance`: only the type the migration helpers name.

Dagster's own upgrade code sets the instance being upgraded; `alembic --sql` (and the
suite) has none, so helpers that need it fail as they do in Dagster.
"""


class DagsterInstance:
    scheduler = None
