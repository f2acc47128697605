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

# The whole table, not just sa.table(): with it sqlgen knows there is no identity
# column, so SQL Server gets no SET IDENTITY_INSERT (which would fail there).
products = sa.Table(
    "products",
    sa.MetaData(),
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
    sa.Column("sku", sa.String(32), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("price", sa.Numeric(10, 2), nullable=False),
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
