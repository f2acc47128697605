"""index product names and rename the voucher

Developed on a parallel branch to the gift notes; merged in 0008.

Revision ID: 6c0d5e1a8f07
Revises: d41c6a8e9b05
Create Date: 2026-02-11 15:47:03

"""
from alembic import op

revision = "6c0d5e1a8f07"
down_revision = "d41c6a8e9b05"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_products_name", "products", ["name"])
    op.execute("UPDATE products SET name = 'Gift voucher (10%)' WHERE sku = 'GIFT-10'")


def downgrade() -> None:
    op.execute("UPDATE products SET name = '10% off voucher' WHERE sku = 'GIFT-10'")
    op.drop_index("ix_products_name", table_name="products")
