"""calendar_events instead of events, and where each project and event came from

Rasa's SQL tracker store keeps its conversations in a table named `events`; on
one database for both, the city's calendar and Rasa's trackers collided. Each
row also records its source (content, staff, ics:<feed>), so that an import
prunes and overwrites only its own rows, and ICS UIDs are scoped to their feed.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

COLUMNS = (
    "id, uid, title, description, starts_at, ends_at, location, topic, project_id, "
    "url, registration, updated_at"
)


def upgrade() -> None:
    with op.batch_alter_table("projects") as table:
        table.add_column(
            sa.Column(
                "source", sa.String(300), nullable=False, server_default="content"
            )
        )
        table.add_column(sa.Column("staff_edited_at", sa.DateTime()))
    op.create_table(
        "calendar_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("source", sa.String(300), nullable=False),
        sa.Column("uid", sa.String(200), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime()),
        sa.Column("location", sa.String(300)),
        sa.Column("topic", sa.String(80)),
        sa.Column(
            "project_id",
            sa.Integer(),
            sa.ForeignKey("projects.id", ondelete="SET NULL"),
        ),
        sa.Column("url", sa.String(500)),
        sa.Column("registration", sa.Text()),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("staff_edited_at", sa.DateTime()),
        sa.UniqueConstraint("source", "uid", name="uq_calendar_events_source_uid"),
    )
    op.create_index("ix_calendar_events_starts_at", "calendar_events", ["starts_at"])
    op.create_index("ix_calendar_events_topic", "calendar_events", ["topic"])
    op.create_index("ix_calendar_events_project_id", "calendar_events", ["project_id"])
    # Which feed an earlier ICS import came from was not recorded; staff events
    # are known by their uid, everything else counts as content.
    op.execute(
        f"INSERT INTO calendar_events ({COLUMNS}, source) SELECT {COLUMNS}, "
        "CASE WHEN uid LIKE 'staff-%' THEN 'staff' ELSE 'content' END FROM events"
    )
    op.drop_table("events")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "SELECT setval(pg_get_serial_sequence('calendar_events', 'id'), "
            "COALESCE((SELECT MAX(id) FROM calendar_events), 0) + 1, false)"
        )


def downgrade() -> None:
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("uid", sa.String(200), nullable=False, unique=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime()),
        sa.Column("location", sa.String(300)),
        sa.Column("topic", sa.String(80)),
        sa.Column(
            "project_id",
            sa.Integer(),
            sa.ForeignKey("projects.id", ondelete="SET NULL"),
        ),
        sa.Column("url", sa.String(500)),
        sa.Column("registration", sa.Text()),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.execute(f"INSERT INTO events ({COLUMNS}) SELECT {COLUMNS} FROM calendar_events")
    op.drop_table("calendar_events")
    with op.batch_alter_table("projects") as table:
        table.drop_column("staff_edited_at")
        table.drop_column("source")
