"""rename order_items.gift_note to gift_message

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


def _rename(old: str, new: str) -> None:
    with op.batch_alter_table("order_items") as batch_op:  # SQLite: move and copy
        batch_op.alter_column(
            old, new_column_name=new, existing_type=sa.String(500), existing_nullable=True
        )


def upgrade() -> None:
    _rename("gift_note", "gift_message")


def downgrade() -> None:
    _rename("gift_message", "gift_note")
