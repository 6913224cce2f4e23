"""outbox delivery state: retry schedule, claim lease, final failure

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch mode: SQLite cannot ALTER TABLE ... ADD with every option.
    with op.batch_alter_table("notifications") as table:
        table.add_column(sa.Column("next_attempt_at", sa.DateTime()))
        table.add_column(sa.Column("claimed_until", sa.DateTime()))
        table.add_column(sa.Column("failed_at", sa.DateTime()))


def downgrade() -> None:
    with op.batch_alter_table("notifications") as table:
        table.drop_column("failed_at")
        table.drop_column("claimed_until")
        table.drop_column("next_attempt_at")
