"""audit: append-only audit_event (the database refuses UPDATE and DELETE)

Revision ID: ab12c0de0001
Revises: aa1a9e3018c8
Create Date: 2026-11-29 12:00:00.000000

Written by hand: Alembic does not autogenerate triggers. The SQL lives in
diversion.audit_ddl, whose constants are frozen (a change there means new constants and a
new migration), because the same text is attached to the table for `create_all`.
"""

from __future__ import annotations

from alembic import op

from diversion.audit_ddl import STATEMENTS

revision = "ab12c0de0001"
down_revision = "aa1a9e3018c8"
branch_labels = None
depends_on = None


def _statements(index: int) -> tuple[str, ...]:
    dialect = op.get_bind().dialect.name
    if dialect not in STATEMENTS:
        raise RuntimeError(f"no append-only triggers are written for the {dialect} dialect")
    return STATEMENTS[dialect][index]


def upgrade() -> None:
    for statement in _statements(0):
        op.execute(statement)


def downgrade() -> None:
    for statement in _statements(1):
        op.execute(statement)
