"""Offline env.py for ZenML's migrations.

ZenML's own env.py runs online only (zenml.zen_stores.migrations.alembic.Alembic
configures a connection from the SqlZenStore, with SQLModel.metadata and no naming
convention); this is the offline equivalent with the same target metadata.
"""

from alembic import context
from sqlmodel import SQLModel

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    raise RuntimeError("the real-world harness renders offline (--sql) only")
