"""Offline env.py for Optuna's migrations, as optuna/storages/_rdb/alembic/env.py has it."""

import optuna.storages._rdb.models
from alembic import context

config = context.config
target_metadata = optuna.storages._rdb.models.BaseModel.metadata


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
