"""a shared position and its district with each suggestion

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("suggestions") as table:
        table.add_column(sa.Column("latitude", sa.Float()))
        table.add_column(sa.Column("longitude", sa.Float()))
        table.add_column(sa.Column("district", sa.String(80)))


def downgrade() -> None:
    with op.batch_alter_table("suggestions") as table:
        table.drop_column("district")
        table.drop_column("longitude")
        table.drop_column("latitude")
