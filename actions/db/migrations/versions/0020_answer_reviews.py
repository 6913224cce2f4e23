"""an answer's text in Leichter Sprache can be marked as checked by a
Prüfgruppe (issue 33.3); set by hand, cleared by the next edit

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("responses") as table:
        table.add_column(sa.Column("reviewed_by", sa.String(40)))
        table.add_column(sa.Column("reviewed_at", sa.DateTime()))


def downgrade() -> None:
    with op.batch_alter_table("responses") as table:
        table.drop_column("reviewed_at")
        table.drop_column("reviewed_by")
