"""staff review: accounts, audit log, assignment, duplicates, spam, internal notes

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff_users",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("username", sa.String(40), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("password_changed_at", sa.DateTime(), nullable=False),
        sa.Column("last_login_at", sa.DateTime()),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(), nullable=False, index=True),
        sa.Column("actor", sa.String(40), nullable=False, index=True),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("object_type", sa.String(40), nullable=False),
        sa.Column("object_id", sa.String(80), nullable=False),
        sa.Column("before", sa.JSON()),
        sa.Column("after", sa.JSON()),
    )
    with op.batch_alter_table("suggestions") as table:
        table.add_column(sa.Column("assigned_to", sa.String(40)))
        table.add_column(
            sa.Column(
                "duplicate_of_id",
                sa.Integer(),
                sa.ForeignKey(
                    "suggestions.id",
                    name="fk_suggestions_duplicate_of",
                    ondelete="SET NULL",
                ),
            )
        )
        table.add_column(sa.Column("hidden_at", sa.DateTime()))
        table.create_index("ix_suggestions_created_at", ["created_at"])
    with op.batch_alter_table("suggestion_status_changes") as table:
        table.add_column(sa.Column("internal_note", sa.Text()))


def downgrade() -> None:
    with op.batch_alter_table("suggestion_status_changes") as table:
        table.drop_column("internal_note")
    with op.batch_alter_table("suggestions") as table:
        table.drop_index("ix_suggestions_created_at")
        table.drop_column("hidden_at")
        table.drop_column("duplicate_of_id")
        table.drop_column("assigned_to")
    op.drop_table("audit_log")
    op.drop_table("staff_users")
