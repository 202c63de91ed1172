"""flags on a woman, the notices a match sends her holder, and transfers between organisations

Three new tables for issue 15 ("Working as one partnership"): client_flag (a flag such as
"contact the project if she reappears", with whom to contact), match_notice (the holder's
inbox notice that another organisation matched her: who and when, never why) and
client_transfer (a request to move her record, and what was decided). Self-contained: it
only adds tables, so it can follow any revision that leaves client, organisation and
user_account in place. Going back drops them.

Revision ID: 15b0c0de0002
Revises: 15a0c0de0001
Create Date: 2026-12-03 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import diversion.db

revision = "15b0c0de0002"
down_revision = "15a0c0de0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "client_flag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("contact", sa.String(length=200), nullable=False),
        sa.Column("set_by_id", sa.Integer(), nullable=False),
        sa.Column("set_at", diversion.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("cleared_at", diversion.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cleared_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["cleared_by_id"],
            ["user_account.id"],
            name=op.f("fk_client_flag_cleared_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["client.id"], name=op.f("fk_client_flag_client_id_client")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_client_flag_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["set_by_id"], ["user_account.id"], name=op.f("fk_client_flag_set_by_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client_flag")),
    )
    with op.batch_alter_table("client_flag", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_client_flag_client_id"), ["client_id"], unique=False)

    op.create_table(
        "client_transfer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("from_organisation_id", sa.Integer(), nullable=False),
        sa.Column("to_organisation_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "accepted",
                "declined",
                name="transferstatus",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", diversion.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", diversion.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"], ["client.id"], name=op.f("fk_client_transfer_client_id_client")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["user_account.id"],
            name=op.f("fk_client_transfer_decided_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["from_organisation_id"],
            ["organisation.id"],
            name=op.f("fk_client_transfer_from_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["user_account.id"],
            name=op.f("fk_client_transfer_requested_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["to_organisation_id"],
            ["organisation.id"],
            name=op.f("fk_client_transfer_to_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client_transfer")),
    )
    with op.batch_alter_table("client_transfer", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_client_transfer_client_id"), ["client_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_client_transfer_from_organisation_id"),
            ["from_organisation_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_client_transfer_to_organisation_id"),
            ["to_organisation_id"],
            unique=False,
        )

    op.create_table(
        "match_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("worker_id", sa.Integer(), nullable=True),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("flag_id", sa.Integer(), nullable=False),
        sa.Column("matched_by_organisation_id", sa.Integer(), nullable=False),
        sa.Column("matched_by_id", sa.Integer(), nullable=False),
        sa.Column("matched_at", diversion.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("read_at", diversion.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("read_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"], ["client.id"], name=op.f("fk_match_notice_client_id_client")
        ),
        sa.ForeignKeyConstraint(
            ["flag_id"], ["client_flag.id"], name=op.f("fk_match_notice_flag_id_client_flag")
        ),
        sa.ForeignKeyConstraint(
            ["matched_by_id"],
            ["user_account.id"],
            name=op.f("fk_match_notice_matched_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["matched_by_organisation_id"],
            ["organisation.id"],
            name=op.f("fk_match_notice_matched_by_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_match_notice_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["read_by_id"],
            ["user_account.id"],
            name=op.f("fk_match_notice_read_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["worker_id"], ["user_account.id"], name=op.f("fk_match_notice_worker_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_notice")),
    )
    with op.batch_alter_table("match_notice", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_match_notice_client_id"), ["client_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_match_notice_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_match_notice_worker_id"), ["worker_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("match_notice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_match_notice_worker_id"))
        batch_op.drop_index(batch_op.f("ix_match_notice_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_match_notice_client_id"))

    op.drop_table("match_notice")
    with op.batch_alter_table("client_transfer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_client_transfer_to_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_client_transfer_from_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_client_transfer_client_id"))

    op.drop_table("client_transfer")
    with op.batch_alter_table("client_flag", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_client_flag_client_id"))

    op.drop_table("client_flag")
