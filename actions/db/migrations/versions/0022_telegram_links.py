"""one-time links that carry a suggestion from the web chat to Telegram, and
when a suggestion was carried (issue 36.3)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "telegram_links",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column(
            "suggestion_id",
            sa.Integer,
            sa.ForeignKey("suggestions.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("sender_key", sa.String(64), nullable=False, index=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False, index=True),
        sa.Column("used_at", sa.DateTime()),
        sa.Column(
            "with_follows", sa.Boolean, nullable=False, server_default=sa.false()
        ),
    )
    with op.batch_alter_table("suggestions") as table:
        table.add_column(sa.Column("carried_at", sa.DateTime()))


def downgrade() -> None:
    with op.batch_alter_table("suggestions") as table:
        table.drop_column("carried_at")
    op.drop_table("telegram_links")
