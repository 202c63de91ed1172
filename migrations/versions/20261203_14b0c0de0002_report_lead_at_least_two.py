"""a court's report lead is at least two working days

The report is due on the working day before the return date, so a lead of 0 or 1 working
days let appointments fall after the report's deadline. The admin form now refuses those;
a court that had one keeps the least that works. Going back changes nothing (the old
schema allowed 2 too).

Revision ID: 14b0c0de0002
Revises: 14a0c0de0001
Create Date: 2026-12-03 07:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "14b0c0de0002"
down_revision = "14a0c0de0001"
branch_labels = None
depends_on = None

MIN_REPORT_LEAD_WORKING_DAYS = 2


def upgrade() -> None:
    courts = sa.table("court", sa.column("report_lead_working_days", sa.Integer()))
    op.execute(
        sa.update(courts)
        .where(courts.c.report_lead_working_days < MIN_REPORT_LEAD_WORKING_DAYS)
        .values(report_lead_working_days=MIN_REPORT_LEAD_WORKING_DAYS)
    )


def downgrade() -> None:
    pass
