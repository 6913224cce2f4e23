"""photos and supports keep a daily keyed hash of their client address, for
the budgets per address (issue 30.11 and 30.12)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("suggestion_photos") as table:
        table.add_column(sa.Column("address_key", sa.String(64)))
        table.create_index("ix_suggestion_photos_address_key", ["address_key"])
        table.create_index("ix_suggestion_photos_created_at", ["created_at"])
    with op.batch_alter_table("suggestion_supports") as table:
        table.add_column(sa.Column("address_key", sa.String(64)))
        table.create_index("ix_suggestion_supports_address_key", ["address_key"])


def downgrade() -> None:
    with op.batch_alter_table("suggestion_supports") as table:
        table.drop_index("ix_suggestion_supports_address_key")
        table.drop_column("address_key")
    with op.batch_alter_table("suggestion_photos") as table:
        table.drop_index("ix_suggestion_photos_created_at")
        table.drop_index("ix_suggestion_photos_address_key")
        table.drop_column("address_key")
