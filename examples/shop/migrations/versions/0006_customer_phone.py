"""add customer phone numbers

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


def upgrade() -> None:
    op.add_column("customers", sa.Column("phone", sa.String(30), nullable=True))


# The table as it stands after upgrade(): SQLite's batch mode rebuilds it from this.
customers = sa.Table(
    "customers",
    sa.MetaData(),
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("email", sa.String(255), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column(
        "created_at", sa.DateTime(), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=False
    ),
    sa.Column("phone", sa.String(30), nullable=True),
    sa.UniqueConstraint("email", name="uq_customers_email"),
)


def downgrade() -> None:
    with op.batch_alter_table("customers", copy_from=customers) as batch_op:
        batch_op.drop_column("phone")
