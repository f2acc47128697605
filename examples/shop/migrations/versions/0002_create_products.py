"""create products

Products are numbered by the catalogue, not by the database.

Revision ID: 8e4b7c2a5d02
Revises: 3c1f0a9d2b11
Create Date: 2026-01-12 09:20:45

"""
import sqlalchemy as sa
from alembic import op

revision = "8e4b7c2a5d02"
down_revision = "3c1f0a9d2b11"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "products",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("sku", sa.String(32), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("price", sa.Numeric(10, 2), nullable=False),
        sa.UniqueConstraint("sku", name="uq_products_sku"),
        sa.CheckConstraint("price >= 0", name="ck_products_price_positive"),
    )


def downgrade() -> None:
    op.drop_table("products")
