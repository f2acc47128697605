"""merge gift notes and product search

Revision ID: e83b4f2c6d08
Revises: 2f9a0b7d3e06, 6c0d5e1a8f07
Create Date: 2026-02-12 09:00:00

"""

revision = "e83b4f2c6d08"
down_revision = ("2f9a0b7d3e06", "6c0d5e1a8f07")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
