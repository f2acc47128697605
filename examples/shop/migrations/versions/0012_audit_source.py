"""audit events record where they came from

Revision ID: c5a1e7b9d312
Revises: 7e3c9a0f5b11
Create Date: 2026-04-01 17:45:00

"""
import sqlalchemy as sa
from alembic import op

revision = "c5a1e7b9d312"
down_revision = "7e3c9a0f5b11"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "audit_events",
        sa.Column("source", sa.String(20), server_default="app", nullable=False),
    )


def downgrade() -> None:
    # SQL Server keeps the default in a named constraint that must go first.
    op.drop_column("audit_events", "source", mssql_drop_default=True)
