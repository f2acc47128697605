"""record order events for auditing

Revision ID: c5a1e7b9d312
Revises: 7e3c9a0f5b11
Create Date: 2026-04-01 17:45:00

"""
import sqlalchemy as sa
from alembic import op

revision = "c5a1e7b9d312"
down_revision = "7e3c9a0f5b11"
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
            ["order_id"], ["orders.id"], name="fk_audit_events_order_id_orders", ondelete="SET NULL"
        ),
    )
    op.create_index("ix_audit_events_order_id_kind", "audit_events", ["order_id", "kind"])
    op.execute(
        "INSERT INTO audit_events (kind, detail) "
        "VALUES ('schema', 'audit log started; earlier orders are not covered')"
    )


def downgrade() -> None:
    op.drop_index("ix_audit_events_order_id_kind", table_name="audit_events")
    op.drop_table("audit_events")
