"""create orders

Revision ID: a7d93e6f1c03
Revises: 8e4b7c2a5d02
Create Date: 2026-01-19 16:02:11

"""
import sqlalchemy as sa
from alembic import op

revision = "a7d93e6f1c03"
down_revision = "8e4b7c2a5d02"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "orders",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(20), server_default="new", nullable=False),
        sa.Column("placed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name="fk_orders_customer_id_customers"
        ),
    )
    op.create_index("ix_orders_customer_id", "orders", ["customer_id"])


def downgrade() -> None:
    # Dropping the table drops its indexes. Dropping ix_orders_customer_id first
    # fails on MySQL/MariaDB, where the foreign key uses it (found by sqlgen verify).
    op.drop_table("orders")
