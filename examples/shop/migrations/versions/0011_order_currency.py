"""orders carry a currency

Revision ID: 7e3c9a0f5b11
Revises: 4a8f1d3c7e10
Create Date: 2026-03-16 10:10:10

"""
import sqlalchemy as sa
from alembic import op

revision = "7e3c9a0f5b11"
down_revision = "4a8f1d3c7e10"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "orders",
        sa.Column("currency", sa.String(3), server_default="EUR", nullable=False),
    )


def downgrade() -> None:
    # SQL Server keeps the default in a named constraint that must go first.
    op.drop_column("orders", "currency", mssql_drop_default=True)
