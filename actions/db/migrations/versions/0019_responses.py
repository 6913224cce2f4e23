"""the assistant's answers as staff edit them, with their versions (issue 33.1)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "responses",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(160), nullable=False),
        sa.Column("variant", sa.String(20), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("default_text", sa.Text, nullable=False),
        sa.Column("edited_by", sa.String(40)),
        sa.Column("edited_at", sa.DateTime()),
        sa.UniqueConstraint("name", "variant"),
    )
    op.create_table(
        "response_versions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "response_id",
            sa.Integer,
            sa.ForeignKey("responses.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("text_before", sa.Text, nullable=False),
        sa.Column("text_after", sa.Text, nullable=False),
        sa.Column("actor", sa.String(40), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("response_versions")
    op.drop_table("responses")
