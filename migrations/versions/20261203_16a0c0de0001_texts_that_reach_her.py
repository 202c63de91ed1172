"""texts that reach her: language, plainer wording, safe times, opt-out words, worker tasks

Issue 16. On outbox_message: when the provider took it. On client: the language of her texts, plainer wording, her safe times, and what
opted her out. On court: whether it is in Wales. Message templates gain a language and a
register (discreet or plain), unique together with the kind. A new worker_task table holds
"call her" tasks. Going back drops them (templates other than English discreet go).

Revision ID: 16a0c0de0001
Revises: 15b0c0de0002
Create Date: 2026-12-03 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import diversion.crypto
import diversion.db

revision = "16a0c0de0001"
down_revision = "15b0c0de0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("client", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("texts_opted_out_by", diversion.crypto.EncryptedText(), nullable=True)
        )
        batch_op.add_column(sa.Column("text_language", sa.String(length=4), nullable=True))
        batch_op.add_column(
            sa.Column("plain_wording", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("safe_days", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("safe_from", sa.Time(), nullable=True))
        batch_op.add_column(sa.Column("safe_until", sa.Time(), nullable=True))
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("sent_at", diversion.db.UTCDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("court", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("in_wales", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("message_template", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("language", sa.String(length=4), server_default="en", nullable=False)
        )
        batch_op.add_column(
            sa.Column("plain", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.drop_constraint("uq_message_template_kind", type_="unique")
        # The naming convention names a unique constraint by its first column only.
        batch_op.create_unique_constraint("uq_message_template_kind", ["kind", "language", "plain"])
    op.create_table(
        "worker_task",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("worker_id", sa.Integer(), nullable=True),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("appointment_id", sa.Integer(), nullable=True),
        sa.Column("outbox_message_id", sa.Integer(), nullable=True),
        sa.Column("event_at", diversion.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("detail", sa.String(length=300), nullable=False),
        sa.Column("created_at", diversion.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("done_at", diversion.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        sa.Column("done_reason", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointment.id"],
            name=op.f("fk_worker_task_appointment_id_appointment"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["diversion_case.id"], name=op.f("fk_worker_task_case_id_diversion_case")
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["client.id"], name=op.f("fk_worker_task_client_id_client")
        ),
        sa.ForeignKeyConstraint(
            ["done_by_id"], ["user_account.id"], name=op.f("fk_worker_task_done_by_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_worker_task_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["outbox_message_id"],
            ["outbox_message.id"],
            name=op.f("fk_worker_task_outbox_message_id_outbox_message"),
        ),
        sa.ForeignKeyConstraint(
            ["worker_id"], ["user_account.id"], name=op.f("fk_worker_task_worker_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_worker_task")),
        sa.UniqueConstraint("key", name=op.f("uq_worker_task_key")),
    )
    with op.batch_alter_table("worker_task", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_worker_task_client_id"), ["client_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_worker_task_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_worker_task_worker_id"), ["worker_id"], unique=False)


def downgrade() -> None:
    op.drop_table("worker_task")
    op.execute(
        sa.text("DELETE FROM message_template WHERE language != 'en' OR plain = :yes").bindparams(
            yes=True
        )
    )
    with op.batch_alter_table("message_template", schema=None) as batch_op:
        batch_op.drop_constraint("uq_message_template_kind", type_="unique")
        batch_op.create_unique_constraint("uq_message_template_kind", ["kind"])
        batch_op.drop_column("plain")
        batch_op.drop_column("language")
    with op.batch_alter_table("court", schema=None) as batch_op:
        batch_op.drop_column("in_wales")
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_column("sent_at")
    with op.batch_alter_table("client", schema=None) as batch_op:
        batch_op.drop_column("safe_until")
        batch_op.drop_column("safe_from")
        batch_op.drop_column("safe_days")
        batch_op.drop_column("plain_wording")
        batch_op.drop_column("text_language")
        batch_op.drop_column("texts_opted_out_by")
