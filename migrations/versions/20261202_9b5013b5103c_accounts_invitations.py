"""accounts: invitations (one-time set-up links) and the session each one starts

Revision ID: 9b5013b5103c
Revises: ab12c0de0004
Create Date: 2026-12-02 12:35:02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import diversion.db

revision = "9b5013b5103c"
down_revision = "ab12c0de0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "invitation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "purpose",
            sa.Enum(
                "first_admin",
                "new_account",
                "two_factor_reset",
                "new_link",
                name="invitationpurpose",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("created_at", diversion.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", diversion.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", diversion.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("superseded_at", diversion.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_invitation_created_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_invitation_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitation")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_invitation_token_hash")),
    )
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invitation_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("user_session", schema=None) as batch_op:
        batch_op.add_column(sa.Column("invitation_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_user_session_invitation_id_invitation"),
            "invitation",
            ["invitation_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("user_session", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_user_session_invitation_id_invitation"), type_="foreignkey"
        )
        batch_op.drop_column("invitation_id")

    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invitation_user_id"))

    op.drop_table("invitation")
