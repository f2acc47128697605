"""gift notes on order lines

Developed on a branch of its own; merged in 0008.

Revision ID: 2f9a0b7d3e06
Revises: d41c6a8e9b05
Create Date: 2026-02-10 10:12:30

"""
import sqlalchemy as sa
from alembic import op

revision = "2f9a0b7d3e06"
down_revision = "d41c6a8e9b05"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("order_items", sa.Column("gift_note", sa.String(100), nullable=True))


def downgrade() -> None:
    # SQLite cannot drop a column that way: batch mode moves and copies the table
    with op.batch_alter_table("order_items") as batch_op:
        batch_op.drop_column("gift_note")
