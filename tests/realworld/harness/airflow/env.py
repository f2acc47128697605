"""Offline env.py for Airflow's migrations, as airflow/migrations/env.py configures them.

Airflow's own env.py imports every model for `target_metadata` (Base.metadata, whose
naming convention names constraints) and reads the URL from Airflow's settings; here
the stand-in `airflow.models.base.metadata` carries the same naming convention, and
the URL comes from alembic.ini so that each run can choose its dialect.
"""

from airflow.models.base import metadata
from alembic import context

config = context.config
target_metadata = metadata


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        version_table="alembic_version",
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    raise RuntimeError("the real-world harness renders offline (--sql) only")
