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


def order_items(note_column: str) -> sa.Table:
    """The table before the rename: SQLite's batch mode rebuilds it from this."""
    return sa.Table(
        "order_items",
        sa.MetaData(),
        sa.Column("order_id", sa.String(36), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price", sa.Numeric(10, 2), nullable=False),
        sa.Column(note_column, sa.String(500), nullable=True),
        sa.PrimaryKeyConstraint("order_id", "product_id", name="pk_order_items"),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name="fk_order_items_order_id_orders"
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name="fk_order_items_product_id_products"
        ),
        sa.CheckConstraint("quantity > 0", name="ck_order_items_quantity_positive"),
    )


def _rename(old: str, new: str) -> None:
    with op.batch_alter_table("order_items", copy_from=order_items(old)) as batch_op:
        batch_op.alter_column(
            old, new_column_name=new, existing_type=sa.String(500), existing_nullable=True
        )


def upgrade() -> None:
    _rename("gift_note", "gift_message")


def downgrade() -> None:
    _rename("gift_message", "gift_note")
