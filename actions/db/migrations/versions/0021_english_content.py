"""projects and events have optional English texts; suggestions, supports,
live chats and messages to the team remember the citizen's language (issue 34)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("projects") as table:
        table.add_column(sa.Column("name_en", sa.String(200)))
        table.add_column(sa.Column("summary_en", sa.Text()))
        table.add_column(sa.Column("description_en", sa.Text()))
    with op.batch_alter_table("calendar_events") as table:
        table.add_column(sa.Column("title_en", sa.String(300)))
        table.add_column(sa.Column("description_en", sa.Text()))
        table.add_column(sa.Column("registration_en", sa.Text()))
    for name in (
        "suggestions",
        "suggestion_supports",
        "live_chats",
        "callback_requests",
    ):
        with op.batch_alter_table(name) as table:
            table.add_column(sa.Column("language", sa.String(10)))


def downgrade() -> None:
    for name in (
        "callback_requests",
        "live_chats",
        "suggestion_supports",
        "suggestions",
    ):
        with op.batch_alter_table(name) as table:
            table.drop_column("language")
    with op.batch_alter_table("calendar_events") as table:
        for column in ("registration_en", "description_en", "title_en"):
            table.drop_column(column)
    with op.batch_alter_table("projects") as table:
        for column in ("description_en", "summary_en", "name_en"):
            table.drop_column(column)
