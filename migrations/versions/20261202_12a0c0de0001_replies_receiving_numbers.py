"""replies: receiving numbers, each held by one organisation; where a reply was sent; the
workers of a number two clients share

Replies already stored keep their organisation. Those stored with none (an unknown number,
or one known to more than one organisation) stay with none: they are now shown to
administrators only. A stored reply with an organisation but no client came from a number
more than one of its clients held (the only way the old routing left it so): it is marked
`shared_number`.

Revision ID: 12a0c0de0001
Revises: 12a0c0de0004
Create Date: 2026-12-02 16:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import diversion.db

revision = "12a0c0de0001"
down_revision = "12a0c0de0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "receiving_number",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "phone",
                "messaging_service",
                name="receivingnumberkind",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("value", sa.String(length=64), nullable=False),
        sa.Column("created_at", diversion.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_receiving_number_created_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_receiving_number_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_receiving_number")),
        sa.UniqueConstraint("value", name=op.f("uq_receiving_number_value")),
    )
    with op.batch_alter_table("receiving_number", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_receiving_number_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "inbound_message_worker",
        sa.Column("inbound_message_id", sa.Integer(), nullable=False),
        sa.Column("worker_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["inbound_message_id"],
            ["inbound_message.id"],
            name=op.f("fk_inbound_message_worker_inbound_message_id_inbound_message"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["worker_id"],
            ["user_account.id"],
            name=op.f("fk_inbound_message_worker_worker_id_user_account"),
        ),
        sa.PrimaryKeyConstraint(
            "inbound_message_id", "worker_id", name=op.f("pk_inbound_message_worker")
        ),
    )
    with op.batch_alter_table("inbound_message_worker", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inbound_message_worker_worker_id"), ["worker_id"], unique=False
        )

    with op.batch_alter_table("inbound_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("to_number", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("shared_number", sa.Boolean(), server_default=sa.false(), nullable=False)
        )

    inbound = sa.table(
        "inbound_message",
        sa.column("organisation_id", sa.Integer()),
        sa.column("client_id", sa.Integer()),
        sa.column("shared_number", sa.Boolean()),
    )
    op.execute(
        inbound.update()
        .where(inbound.c.organisation_id.is_not(None), inbound.c.client_id.is_(None))
        .values(shared_number=sa.true())
    )


def downgrade() -> None:
    with op.batch_alter_table("inbound_message", schema=None) as batch_op:
        batch_op.drop_column("shared_number")
        batch_op.drop_column("to_number")

    with op.batch_alter_table("inbound_message_worker", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbound_message_worker_worker_id"))
    op.drop_table("inbound_message_worker")

    with op.batch_alter_table("receiving_number", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_receiving_number_organisation_id"))
    op.drop_table("receiving_number")
