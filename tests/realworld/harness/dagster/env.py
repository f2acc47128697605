"""Offline env.py for Dagster's migrations.

Dagster's env.py calls dagster._core.storage.sql.run_migrations_offline, which takes
the URL from a connection Dagster's own upgrade code puts in `config.attributes` and
then configures exactly this: url, target_metadata, literal_binds and the named
paramstyle. Here the URL comes from alembic.ini. Dagster runs its migrations inside
`upgrading_instance(instance)` (DagsterInstance.upgrade); so does this env.py, with the
stand-in instance (no scheduler configured).
"""

from alembic import context
from dagster._core.instance import DagsterInstance
from dagster._core.storage.event_log import SqlEventLogStorageMetadata
from dagster._core.storage.migration.utils import upgrading_instance
from dagster._core.storage.runs import RunStorageSqlMetadata
from dagster._core.storage.schedules import ScheduleStorageSqlMetadata

config = context.config
target_metadata = [SqlEventLogStorageMetadata, RunStorageSqlMetadata, ScheduleStorageSqlMetadata]


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    with upgrading_instance(DagsterInstance()):
        run_migrations_offline()
else:
    raise RuntimeError("the real-world harness renders offline (--sql) only")
