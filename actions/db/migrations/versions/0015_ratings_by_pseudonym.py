"""ratings keep the citizen's pseudonym, so deletion finds them in every session

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("answer_ratings") as table:
        table.add_column(sa.Column("sender_key", sa.String(64)))
        table.create_index("ix_answer_ratings_sender_key", ["sender_key"])


def downgrade() -> None:
    with op.batch_alter_table("answer_ratings") as table:
        table.drop_index("ix_answer_ratings_sender_key")
        table.drop_column("sender_key")
