"""live handoff to staff: availability, live chats, callback requests

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "live_availability",
        sa.Column("username", sa.String(40), primary_key=True),
        sa.Column("until", sa.DateTime(), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "live_chats",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("sender_key", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(40), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_message_at", sa.DateTime(), nullable=False),
        sa.Column("taken_by", sa.String(40)),
        sa.Column("taken_at", sa.DateTime()),
        sa.Column("ended_at", sa.DateTime()),
        sa.Column("ended_by", sa.String(40)),
    )
    for column in ("sender_id", "sender_key", "status", "ended_at"):
        op.create_index(f"ix_live_chats_{column}", "live_chats", [column])
    op.create_table(
        "callback_requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("reference", sa.String(11), nullable=False, unique=True),
        sa.Column("channel", sa.String(40), nullable=False),
        sa.Column("sender_key", sa.String(64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("contact", sa.String(200)),
        sa.Column("reply_to", sa.String(255)),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("handled_by", sa.String(40)),
        sa.Column("answer", sa.Text()),
        sa.Column("answered_at", sa.DateTime()),
    )
    for column in ("sender_key", "status", "created_at"):
        op.create_index(f"ix_callback_requests_{column}", "callback_requests", [column])


def downgrade() -> None:
    for column in ("sender_key", "status", "created_at"):
        op.drop_index(f"ix_callback_requests_{column}", "callback_requests")
    op.drop_table("callback_requests")
    for column in ("sender_id", "sender_key", "status", "ended_at"):
        op.drop_index(f"ix_live_chats_{column}", "live_chats")
    op.drop_table("live_chats")
    op.drop_table("live_availability")
