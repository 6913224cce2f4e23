"""a waiting live chat keeps the daily keyed hash of its client address, so
that one address cannot fill the staff's queue (issue 30.6)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("live_chats") as table:
        table.add_column(sa.Column("address_key", sa.String(64)))
        table.create_index("ix_live_chats_address_key", ["address_key"])


def downgrade() -> None:
    with op.batch_alter_table("live_chats") as table:
        table.drop_index("ix_live_chats_address_key")
        table.drop_column("address_key")
