"""suggestion photos, and photos that wait for their form to be sent

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "suggestion_photos",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "suggestion_id",
            sa.Integer(),
            sa.ForeignKey("suggestions.id", ondelete="CASCADE"),
        ),
        sa.Column("sender_key", sa.String(64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("media_type", sa.String(40), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index(
        "ix_suggestion_photos_suggestion_id", "suggestion_photos", ["suggestion_id"]
    )
    op.create_index(
        "ix_suggestion_photos_sender_key", "suggestion_photos", ["sender_key"]
    )


def downgrade() -> None:
    op.drop_index("ix_suggestion_photos_sender_key", "suggestion_photos")
    op.drop_index("ix_suggestion_photos_suggestion_id", "suggestion_photos")
    op.drop_table("suggestion_photos")
