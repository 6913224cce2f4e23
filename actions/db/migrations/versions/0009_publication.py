"""consent to show a suggestion publicly, and its publication by staff

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("suggestions") as table:
        table.add_column(sa.Column("public_consent_at", sa.DateTime()))
        table.add_column(sa.Column("public_title", sa.String(120)))
        table.add_column(sa.Column("published_at", sa.DateTime()))
        table.create_index("ix_suggestions_published_at", ["published_at"])


def downgrade() -> None:
    with op.batch_alter_table("suggestions") as table:
        table.drop_index("ix_suggestions_published_at")
        table.drop_column("published_at")
        table.drop_column("public_title")
        table.drop_column("public_consent_at")
