"""a citizen's answers to the team's messages

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notifications") as table:
        table.add_column(
            sa.Column(
                "callback_id",
                sa.Integer(),
                sa.ForeignKey(
                    "callback_requests.id",
                    name="fk_notifications_callback_id",
                    ondelete="CASCADE",
                ),
            )
        )
        table.add_column(sa.Column("reply_offered_at", sa.DateTime()))
        table.create_index("ix_notifications_callback_id", ["callback_id"])
        table.create_index("ix_notifications_recipient", ["recipient"])
    op.create_table(
        "thread_replies",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "suggestion_id",
            sa.Integer(),
            sa.ForeignKey("suggestions.id", ondelete="CASCADE"),
        ),
        sa.Column(
            "callback_id",
            sa.Integer(),
            sa.ForeignKey("callback_requests.id", ondelete="CASCADE"),
        ),
        sa.Column("sender_key", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(40), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime()),
    )
    for column in ("suggestion_id", "callback_id", "sender_key", "created_at"):
        op.create_index(f"ix_thread_replies_{column}", "thread_replies", [column])


def downgrade() -> None:
    for column in ("suggestion_id", "callback_id", "sender_key", "created_at"):
        op.drop_index(f"ix_thread_replies_{column}", "thread_replies")
    op.drop_table("thread_replies")
    with op.batch_alter_table("notifications") as table:
        table.drop_index("ix_notifications_recipient")
        table.drop_index("ix_notifications_callback_id")
        table.drop_column("reply_offered_at")
        table.drop_column("callback_id")
