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

# The table as it stands after upgrade(): SQLite's batch mode rebuilds it from this.
order_items = sa.Table(
    "order_items",
    sa.MetaData(),
    sa.Column("order_id", sa.String(36), nullable=False),
    sa.Column("product_id", sa.Integer(), nullable=False),
    sa.Column("quantity", sa.Integer(), nullable=False),
    sa.Column("unit_price", sa.Numeric(10, 2), nullable=False),
    sa.Column("gift_note", sa.String(100), nullable=True),
    sa.PrimaryKeyConstraint("order_id", "product_id", name="pk_order_items"),
    sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name="fk_order_items_order_id_orders"),
    sa.ForeignKeyConstraint(
        ["product_id"], ["products.id"], name="fk_order_items_product_id_products"
    ),
    sa.CheckConstraint("quantity > 0", name="ck_order_items_quantity_positive"),
)


def upgrade() -> None:
    op.add_column("order_items", sa.Column("gift_note", sa.String(100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("order_items", copy_from=order_items) as batch_op:
        batch_op.drop_column("gift_note")
