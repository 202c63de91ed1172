"""courts: the court liaison address for sitting-day lists

Revision ID: ab12c0de0004
Revises: ab12c0de0003
Create Date: 2026-11-29 10:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "ab12c0de0004"
down_revision = "ab12c0de0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("court", schema=None) as batch_op:
        batch_op.add_column(sa.Column("liaison_email", sa.String(length=254), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("court", schema=None) as batch_op:
        batch_op.drop_column("liaison_email")
