"""seed the product catalogue

Revision ID: d41c6a8e9b05
Revises: 5b2e8f0c4a04
Create Date: 2026-02-02 11:05:59

"""
import sqlalchemy as sa
from alembic import op

revision = "d41c6a8e9b05"
down_revision = "5b2e8f0c4a04"
branch_labels = None
depends_on = None

products = sa.table(
    "products",
    sa.column("id", sa.Integer()),
    sa.column("sku", sa.String()),
    sa.column("name", sa.String()),
    sa.column("price", sa.Numeric(10, 2)),
)


def upgrade() -> None:
    op.bulk_insert(
        products,
        [
            {"id": 1, "sku": "MUG-01", "name": "Coffee mug", "price": 9.5},
            {"id": 2, "sku": "TEE-M", "name": "T-shirt, size M", "price": 19},
            {"id": 3, "sku": "GIFT-10", "name": "10% off voucher", "price": 0},
        ],
    )


def downgrade() -> None:
    op.execute("DELETE FROM products WHERE sku IN ('MUG-01', 'TEE-M', 'GIFT-10')")
