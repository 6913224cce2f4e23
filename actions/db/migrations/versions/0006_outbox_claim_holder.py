"""outbox: who holds a row's lease

A deliverer whose lease ran out must not mark a row that another deliverer
has claimed since; the marks now check the holder.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notifications") as table:
        table.add_column(sa.Column("claimed_by", sa.String(36)))


def downgrade() -> None:
    with op.batch_alter_table("notifications") as table:
        table.drop_column("claimed_by")
