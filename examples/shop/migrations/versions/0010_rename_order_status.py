"""rename orders.status to orders.state

Revision ID: 4a8f1d3c7e10
Revises: 9d7e2c5b1a09
Create Date: 2026-03-09 08:31:54

"""
import sqlalchemy as sa
from alembic import op

revision = "4a8f1d3c7e10"
down_revision = "9d7e2c5b1a09"
branch_labels = None
depends_on = None


def orders(status_column: str) -> sa.Table:
    """The orders table before the rename: SQLite's batch mode rebuilds from it."""
    return sa.Table(
        "orders",
        sa.MetaData(),
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column(status_column, sa.String(20), server_default="new", nullable=False),
        sa.Column("placed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name="fk_orders_customer_id_customers",
            ondelete="CASCADE",
        ),
        sa.Index("ix_orders_customer_id", "customer_id"),
    )


def _rename(old: str, new: str) -> None:
    with op.batch_alter_table("orders", copy_from=orders(old)) as batch_op:
        batch_op.alter_column(
            old,
            new_column_name=new,
            existing_type=sa.String(20),
            existing_server_default="new",
            existing_nullable=False,
        )


def upgrade() -> None:
    _rename("status", "state")


def downgrade() -> None:
    _rename("state", "status")
