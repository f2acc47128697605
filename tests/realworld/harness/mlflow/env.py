"""Offline env.py for MLflow's migrations, as mlflow/store/db_migrations/env.py has it."""

from alembic import context
from mlflow.store.db.base_sql_model import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    raise RuntimeError("the real-world harness renders offline (--sql) only")
