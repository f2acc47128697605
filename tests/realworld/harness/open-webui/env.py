"""Offline env.py for Open WebUI's migrations, as open_webui/migrations/env.py has it.

Open WebUI's env.py takes `target_metadata` from its models (Auth.metadata, the shared
declarative metadata) and the URL from DATABASE_URL; here the URL is alembic.ini's.
"""

from alembic import context
from open_webui.internal.db import Base

config = context.config
migration_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=migration_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    raise RuntimeError("the real-world harness renders offline (--sql) only")
