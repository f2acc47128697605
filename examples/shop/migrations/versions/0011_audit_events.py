"""record order events for auditing

Revision ID: 7e3c9a0f5b11
Revises: 4a8f1d3c7e10
Create Date: 2026-03-16 10:10:10

"""
import sqlalchemy as sa
from alembic import op

revision = "7e3c9a0f5b11"
down_revision = "4a8f1d3c7e10"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column(
            "recorded_at",
            sa.DateTime(),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name="fk_audit_events_order_id_orders"
        ),
    )
    op.execute(
        "INSERT INTO audit_events (kind, detail) "
        "VALUES ('schema', 'audit log started; earlier orders are not covered')"
    )


def downgrade() -> None:
    op.drop_table("audit_events")
