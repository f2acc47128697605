"""allow product names of 200 characters

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


def products(name_length: int) -> sa.Table:
    """The products table with a given name length: SQLite's batch mode rebuilds from it."""
    return sa.Table(
        "products",
        sa.MetaData(),
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("sku", sa.String(32), nullable=False),
        sa.Column("name", sa.String(name_length), nullable=False),
        sa.Column("price", sa.Numeric(10, 2), nullable=False),
        sa.UniqueConstraint("sku", name="uq_products_sku"),
        sa.CheckConstraint("price >= 0", name="ck_products_price_positive"),
        sa.Index("ix_products_name", "name"),
    )


def upgrade() -> None:
    with op.batch_alter_table("products", copy_from=products(100)) as batch_op:
        batch_op.alter_column(
            "name",
            existing_type=sa.String(100),
            type_=sa.String(200),
            existing_nullable=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("products", copy_from=products(200)) as batch_op:
        batch_op.alter_column(
            "name",
            existing_type=sa.String(200),
            type_=sa.String(100),
            existing_nullable=False,
        )
