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


def order_items(note_length: int) -> sa.Table:
    """The table with a given note length: SQLite's batch mode rebuilds it from this."""
    return sa.Table(
        "order_items",
        sa.MetaData(),
        sa.Column("order_id", sa.String(36), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price", sa.Numeric(10, 2), nullable=False),
        sa.Column("gift_note", sa.String(note_length), nullable=True),
        sa.PrimaryKeyConstraint("order_id", "product_id", name="pk_order_items"),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name="fk_order_items_order_id_orders"
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name="fk_order_items_product_id_products"
        ),
        sa.CheckConstraint("quantity > 0", name="ck_order_items_quantity_positive"),
    )


def _resize(old: int, new: int) -> None:
    with op.batch_alter_table("order_items", copy_from=order_items(old)) as batch_op:
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
