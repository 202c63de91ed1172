"""monitoring summary: the report's counts per London day, built by the scheduler

Issue 17. monitoring_summary holds grouped counts per Europe/London day, and per whole month
(the same counts summed) so that a long period reads a row a month (no person's id;
monitoring answers stay sealed); monitoring_summary_run says when they were counted and the
last whole day they hold. Going back drops both: the report counts everything live again.

Revision ID: 17b0c0de0001
Revises: 17a0c0de0001
Create Date: 2026-12-03 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import diversion.db

revision = "17b0c0de0001"
down_revision = "17a0c0de0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "monitoring_summary",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("grain", sa.String(length=5), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("measure", sa.String(length=16), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("requirement_type_id", sa.Integer(), nullable=True),
        sa.Column("k1", sa.String(length=64), nullable=True),
        sa.Column("k2", sa.Text(), nullable=True),
        sa.Column("k3", sa.String(length=64), nullable=True),
        sa.Column("c1", sa.Integer(), nullable=False),
        sa.Column("c2", sa.Integer(), nullable=False),
        sa.Column("c3", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_monitoring_summary_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["requirement_type_id"],
            ["requirement_type.id"],
            name=op.f("fk_monitoring_summary_requirement_type_id_requirement_type"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_summary")),
    )
    op.create_index("ix_monitoring_summary_grain_day", "monitoring_summary", ["grain", "day"])
    # The report finds the women whose answers changed since the count by these.
    op.create_index("ix_monitoring_record_recorded_on", "monitoring_record", ["recorded_on"])
    op.create_index("ix_monitoring_record_recorded_at", "monitoring_record", ["recorded_at"])
    op.create_table(
        "monitoring_summary_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("built_at", diversion.db.UTCDateTime(), nullable=False),
        sa.Column("through_day", sa.Date(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_summary_run")),
    )


def downgrade() -> None:
    op.drop_table("monitoring_summary_run")
    op.drop_index("ix_monitoring_record_recorded_at", table_name="monitoring_record")
    op.drop_index("ix_monitoring_record_recorded_on", table_name="monitoring_record")
    op.drop_index("ix_monitoring_summary_grain_day", table_name="monitoring_summary")
    op.drop_table("monitoring_summary")
