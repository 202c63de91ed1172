"""job run ledger: several schedulers, each period's work once

Issue 18. A new job_run table: one row per scheduled job and period claimed (a day, or a
court's sitting day), unique together, so that schedulers on several servers do a daily job
once (scheduling.ledger). No personal data. Going back drops the table.

Revision ID: 18a0c0de0001
Revises: 17b0c0de0001
Create Date: 2026-12-04 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import diversion.db

revision = "18a0c0de0001"
down_revision = "17b0c0de0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job", sa.String(length=60), nullable=False),
        sa.Column("period", sa.String(length=60), nullable=False),
        sa.Column("started_at", diversion.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", diversion.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_run")),
        sa.UniqueConstraint("job", "period", name="uq_job_run_job_period"),
    )


def downgrade() -> None:
    op.drop_table("job_run")
