"""outbox: one index for a case's texts of a kind and status about a moment

Issue 18. The sitting-day list asks which of the day's cases had a court-date reminder sent
or delivered about that day. With only an index on the case id, SQLite (no statistics) chose
the dispatcher's index on status and read every text ever sent: 1.7 s a list over 555,300
texts. ix_outbox_message_case_kind (case_id, kind, status, event_at) answers it from the
index alone, and replaces ix_outbox_message_case_id for every look-up by case.

Revision ID: 18b0c0de0002
Revises: 18a0c0de0001
Create Date: 2026-12-04 09:00:00
"""

from __future__ import annotations

from alembic import op

revision = "18b0c0de0002"
down_revision = "18a0c0de0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_outbox_message_case_kind",
        "outbox_message",
        ["case_id", "kind", "status", "event_at"],
    )
    op.drop_index("ix_outbox_message_case_id", table_name="outbox_message")


def downgrade() -> None:
    op.create_index("ix_outbox_message_case_id", "outbox_message", ["case_id"])
    op.drop_index("ix_outbox_message_case_kind", table_name="outbox_message")
