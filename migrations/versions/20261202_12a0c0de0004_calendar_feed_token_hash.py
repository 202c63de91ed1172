"""calendar feeds: keep only the SHA-256 of each feed's secret, and when the address was made

Revision ID: 12a0c0de0004
Revises: 12a0c0de0003
Create Date: 2026-12-02 16:30:00.000000

Written by hand. user_account.calendar_token (the secret itself, in plain text) becomes
calendar_token_hash, its SHA-256 in hex, plus calendar_token_created_at. The hash needs no
key, so every existing secret is hashed in place here and the calendars already subscribed
to it go on working. When the address was made is taken from the newest
`calendar_feed_issued` audit row of the account, where there is one (else it stays unknown).

Downgrade cannot turn a hash back into the secret: every feed is switched off (the column
comes back empty), and each worker makes a new address.
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from alembic import op

import diversion.db

revision = "12a0c0de0004"
down_revision = "12a0c0de0003"
branch_labels = None
depends_on = None


def _sha256(token: str) -> str:
    # Frozen here (the same as scheduling.queries.feed_token_hash) so that this revision never
    # changes what it does.
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _foreign_keys_off_on_sqlite() -> None:
    """SQLite rebuilds user_account to change its constraints, and dropping the old table
    breaks every row that refers to it (audit rows, sessions, cases) while foreign keys are
    enforced. The pragma only works outside a transaction: this runs before any write."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    bind.exec_driver_sql("PRAGMA foreign_keys=OFF")
    if bind.exec_driver_sql("PRAGMA foreign_keys").scalar():
        raise RuntimeError(
            "Could not switch SQLite's foreign keys off to rebuild user_account: run this "
            "revision on its own connection, outside a transaction."
        )


def upgrade() -> None:
    _foreign_keys_off_on_sqlite()
    conn = op.get_bind()
    # Read before the table is rebuilt; held in memory only, never written out or logged.
    plain = conn.execute(
        sa.text("SELECT id, calendar_token FROM user_account WHERE calendar_token IS NOT NULL")
    ).all()

    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_user_account_calendar_token"), type_="unique")
        batch_op.drop_column("calendar_token")
        batch_op.add_column(sa.Column("calendar_token_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column(
                "calendar_token_created_at",
                diversion.db.UTCDateTime(timezone=True),
                nullable=True,
            )
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_user_account_calendar_token_hash"), ["calendar_token_hash"]
        )

    for user_id, token in plain:
        conn.execute(
            sa.text("UPDATE user_account SET calendar_token_hash = :hash WHERE id = :id"),
            {"hash": _sha256(token), "id": user_id},
        )
    conn.execute(
        sa.text(
            "UPDATE user_account SET calendar_token_created_at = ("
            " SELECT MAX(audit_event.occurred_at) FROM audit_event"
            " WHERE audit_event.action = 'calendar_feed_issued'"
            " AND audit_event.object_type = 'user'"
            " AND audit_event.object_id = user_account.id)"
            " WHERE calendar_token_hash IS NOT NULL"
        )
    )


def downgrade() -> None:
    _foreign_keys_off_on_sqlite()
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_user_account_calendar_token_hash"), type_="unique")
        batch_op.drop_column("calendar_token_created_at")
        batch_op.drop_column("calendar_token_hash")
        batch_op.add_column(sa.Column("calendar_token", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_user_account_calendar_token"), ["calendar_token"]
        )
