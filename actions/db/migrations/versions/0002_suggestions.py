"""suggestions, status history and notification outbox

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "suggestions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("reference", sa.String(11), nullable=False, unique=True),
        sa.Column("form_run_id", sa.String(64), nullable=False, unique=True),
        sa.Column("channel", sa.String(40), nullable=False),
        sa.Column("sender_key", sa.String(64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("text_fingerprint", sa.String(64), nullable=False),
        sa.Column("topic", sa.String(80), nullable=False),
        sa.Column("location", sa.String(200)),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("reply_to", sa.String(255)),
        sa.Column("email", sa.String(254)),
        sa.Column("email_consent_at", sa.DateTime()),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime()),
    )
    op.create_index("ix_suggestions_sender_key", "suggestions", ["sender_key"])
    op.create_index("ix_suggestions_status", "suggestions", ["status"])
    op.create_table(
        "suggestion_status_changes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "suggestion_id",
            sa.Integer(),
            sa.ForeignKey("suggestions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("changed_by", sa.String(80), nullable=False),
        sa.Column("from_status", sa.String(20)),
        sa.Column("to_status", sa.String(20), nullable=False),
        sa.Column("public_note", sa.Text()),
    )
    op.create_index(
        "ix_suggestion_status_changes_suggestion_id",
        "suggestion_status_changes",
        ["suggestion_id"],
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "suggestion_id",
            sa.Integer(),
            sa.ForeignKey("suggestions.id", ondelete="CASCADE"),
        ),
        sa.Column("channel", sa.String(40), nullable=False),
        sa.Column("recipient", sa.String(255), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime()),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text()),
    )
    op.create_index(
        "ix_notifications_suggestion_id", "notifications", ["suggestion_id"]
    )
    op.create_index("ix_notifications_channel", "notifications", ["channel"])
    op.create_index("ix_notifications_sent_at", "notifications", ["sent_at"])


def downgrade() -> None:
    op.drop_table("notifications")
    op.drop_table("suggestion_status_changes")
    op.drop_table("suggestions")
