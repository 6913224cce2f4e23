"""follows: a citizen follows a topic, a district, a project or a published
suggestion and gets its news in a daily digest (issue 36.2)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "follows",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("sender_key", sa.String(64), nullable=False, index=True),
        sa.Column("channel", sa.String(40), nullable=False),
        sa.Column("recipient", sa.String(255), nullable=False, index=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("value", sa.String(300), nullable=False),
        sa.Column("language", sa.String(10)),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("news_since", sa.DateTime(), nullable=False),
        sa.Column("digest_on", sa.Date),
        sa.UniqueConstraint("sender_key", "kind", "value", name="uq_follow_once"),
    )


def downgrade() -> None:
    op.drop_table("follows")
