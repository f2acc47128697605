"""create order items

Revision ID: 5b2e8f0c4a04
Revises: a7d93e6f1c03
Create Date: 2026-01-19 16:40:37

"""
import sqlalchemy as sa
from alembic import op

revision = "5b2e8f0c4a04"
down_revision = "a7d93e6f1c03"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "order_items",
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price", sa.Numeric(10, 2), nullable=False),
        sa.PrimaryKeyConstraint("order_id", "product_id", name="pk_order_items"),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name="fk_order_items_order_id_orders"),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name="fk_order_items_product_id_products"
        ),
        sa.CheckConstraint("quantity > 0", name="ck_order_items_quantity_positive"),
    )


def downgrade() -> None:
    op.drop_table("order_items")
