"""cases: indexes for the sitting-day list (adjourned-to and return dates per court)

Revision ID: ab12c0de0003
Revises: ab12c0de0002
Create Date: 2026-11-29 09:55:00
"""

from __future__ import annotations

from alembic import op

revision = "ab12c0de0003"
down_revision = "ab12c0de0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("diversion_case", schema=None) as batch_op:
        batch_op.create_index("ix_case_court_adjourned_to", ["court_id", "adjourned_to"])
        batch_op.create_index("ix_case_court_return_date", ["court_id", "return_date"])


def downgrade() -> None:
    with op.batch_alter_table("diversion_case", schema=None) as batch_op:
        batch_op.drop_index("ix_case_court_return_date")
        batch_op.drop_index("ix_case_court_adjourned_to")
