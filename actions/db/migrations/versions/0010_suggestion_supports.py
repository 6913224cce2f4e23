"""citizens' support for suggestions, with optional news

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "suggestion_supports",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "suggestion_id",
            sa.Integer(),
            sa.ForeignKey("suggestions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("sender_key", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(40), nullable=False),
        sa.Column("reply_to", sa.String(255)),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("suggestion_id", "sender_key", name="uq_support_once"),
    )
    op.create_index(
        "ix_suggestion_supports_suggestion_id", "suggestion_supports", ["suggestion_id"]
    )
    op.create_index(
        "ix_suggestion_supports_sender_key", "suggestion_supports", ["sender_key"]
    )


def downgrade() -> None:
    op.drop_index("ix_suggestion_supports_sender_key", "suggestion_supports")
    op.drop_index("ix_suggestion_supports_suggestion_id", "suggestion_supports")
    op.drop_table("suggestion_supports")
