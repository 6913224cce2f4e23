"""a reply to the citizen reaches the public board only if staff wrote it as public

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05

Replies written before are private: nobody chose to show them to the public.
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("suggestion_status_changes") as table:
        table.add_column(
            sa.Column(
                "on_board", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("suggestion_status_changes") as table:
        table.drop_column("on_board")
