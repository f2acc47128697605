"""allow gift notes of 500 characters

Revision ID: 9d7e2c5b1a09
Revises: e83b4f2c6d08
Create Date: 2026-03-03 14:22:18

"""
import sqlalchemy as sa
from alembic import op

revision = "9d7e2c5b1a09"
down_revision = "e83b4f2c6d08"
branch_labels = None
depends_on = None


def _resize(old: int, new: int) -> None:
    with op.batch_alter_table("order_items") as batch_op:  # SQLite: move and copy
        batch_op.alter_column(
            "gift_note",
            existing_type=sa.String(old),
            type_=sa.String(new),
            existing_nullable=True,
        )


def upgrade() -> None:
    _resize(100, 500)


def downgrade() -> None:
    _resize(500, 100)
