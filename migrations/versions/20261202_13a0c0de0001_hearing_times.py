"""hearing times: a court's list time, and the time of each court date a case holds

Existing courts get the 10:00 list time every reminder has assumed so far, and every court
date already recorded gets its court's list time, so reminders already planned (at 10:00)
still match the hearing they are about.

Revision ID: 13a0c0de0001
Revises: 12a0c0de0002
Create Date: 2026-12-02 16:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "13a0c0de0001"
down_revision = "12a0c0de0002"
branch_labels = None
depends_on = None

court = sa.table("court", sa.column("id"), sa.column("list_time", sa.Time()))
cases = sa.table(
    "diversion_case",
    sa.column("court_id"),
    sa.column("adjourned_to"),
    sa.column("return_date"),
    sa.column("first_court_time", sa.Time()),
    sa.column("adjourned_to_time", sa.Time()),
    sa.column("return_time", sa.Time()),
)


def upgrade() -> None:
    with op.batch_alter_table("court", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("list_time", sa.Time(), server_default="10:00:00", nullable=False)
        )
    with op.batch_alter_table("diversion_case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("first_court_time", sa.Time(), nullable=True))
        batch_op.add_column(sa.Column("adjourned_to_time", sa.Time(), nullable=True))
        batch_op.add_column(sa.Column("return_time", sa.Time(), nullable=True))
    # Each date already recorded is at its court's list time (10:00, the time assumed so far).
    list_time = sa.select(court.c.list_time).where(court.c.id == cases.c.court_id).scalar_subquery()
    op.execute(sa.update(cases).values(first_court_time=list_time))
    op.execute(
        sa.update(cases)
        .where(cases.c.adjourned_to.is_not(None))
        .values(adjourned_to_time=list_time)
    )
    op.execute(
        sa.update(cases).where(cases.c.return_date.is_not(None)).values(return_time=list_time)
    )


def downgrade() -> None:
    # Dropped in place (SQLite 3.35 and later can): rebuilding these tables would break the
    # foreign keys of the rows that point at them (cases, appointments, texts, lists).
    with op.batch_alter_table("diversion_case", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("return_time")
        batch_op.drop_column("adjourned_to_time")
        batch_op.drop_column("first_court_time")
    with op.batch_alter_table("court", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("list_time")
