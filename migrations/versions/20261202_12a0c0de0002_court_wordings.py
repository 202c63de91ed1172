"""court wordings: what the court reads about a missed appointment is chosen from a list

Each requirement type gets a short list of court wordings (the defaults of
diversion.court_wording); each appointment gets the wording chosen for it. The worker's own
free-text reason stays where it is (encrypted, for her organisation) and no longer reaches the
court: appointments that already have one are given the neutral "Reason recorded by the
project", never a copy of the text.

Revision ID: 12a0c0de0002
Revises: 12a0c0de0001
Create Date: 2026-12-02 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "12a0c0de0002"
down_revision = "12a0c0de0001"
branch_labels = None
depends_on = None

# Copied, not imported: a migration must keep meaning what it meant when it was written.
DEFAULT_COURT_WORDINGS = [
    "Acceptable absence: explained to the project",
    "No reason given",
    "Cancelled by the project",
    "Rearranged at her request",
    "Rearranged by the project",
    "Reason recorded by the project",
]
NEUTRAL_WORDING = "Reason recorded by the project"


def upgrade() -> None:
    # Added and dropped in place (recreate="never"): rebuilding a table on SQLite would drop
    # one that other rows point at, which its foreign keys refuse once data is there.
    with op.batch_alter_table("requirement_type", recreate="never") as batch_op:
        batch_op.add_column(sa.Column("court_wordings", sa.JSON(), nullable=True))
    requirement_type = sa.table("requirement_type", sa.column("court_wordings", sa.JSON()))
    op.execute(requirement_type.update().values(court_wordings=DEFAULT_COURT_WORDINGS))

    with op.batch_alter_table("appointment", recreate="never") as batch_op:
        batch_op.add_column(sa.Column("court_wording", sa.String(length=200), nullable=True))
    appointment = sa.table(
        "appointment", sa.column("reason", sa.Text()), sa.column("court_wording", sa.String())
    )
    # The reason is encrypted: only whether there is one is read, never what it says.
    op.execute(
        appointment.update()
        .where(appointment.c.reason.is_not(None))
        .values(court_wording=NEUTRAL_WORDING)
    )


def downgrade() -> None:
    with op.batch_alter_table("appointment", recreate="never") as batch_op:
        batch_op.drop_column("court_wording")
    with op.batch_alter_table("requirement_type", recreate="never") as batch_op:
        batch_op.drop_column("court_wordings")
