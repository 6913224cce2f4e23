"""staff decisions on messages the assistant did not understand

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "nlu_reviews",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("text_key", sa.String(255), nullable=False, unique=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("intent", sa.String(120), nullable=False),
        sa.Column("decided_by", sa.String(40), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("nlu_reviews")
