"""citizens' ratings of the assistant's answers

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "answer_ratings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("offer_id", sa.String(32), nullable=False, unique=True),
        sa.Column("question", sa.Text()),
        sa.Column("intent", sa.String(120), nullable=False),
        sa.Column("response", sa.String(160), nullable=False),
        sa.Column("channel", sa.String(40), nullable=False),
        sa.Column("rating", sa.String(8), nullable=False),
        sa.Column("comment", sa.Text()),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_answer_ratings_created_at", "answer_ratings", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_answer_ratings_created_at", "answer_ratings")
    op.drop_table("answer_ratings")
