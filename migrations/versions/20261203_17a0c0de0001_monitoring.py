"""monitoring: her monitoring data as a dated history, the wording each text used, and
commissioners

Issue 17. A new monitoring_record table (each answer sealed at rest: diversion.sealed); on
outbox_message, which wording went (language, register and a hash of the template); the
commissioner role (the partnership's monitoring figures, nothing else). Going back drops the
table and the column, and refuses while a commissioner account exists.

Revision ID: 17a0c0de0001
Revises: 16a0c0de0001
Create Date: 2026-12-03 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import diversion.db

revision = "17a0c0de0001"
down_revision = "16a0c0de0001"
branch_labels = None
depends_on = None

OLD_ROLES = ("worker", "manager", "court_liaison", "cps", "admin")
NEW_ROLES = (*OLD_ROLES, "commissioner")


def _roles(values: tuple[str, ...]) -> sa.Enum:
    return sa.Enum(*values, name="role", native_enum=False, create_constraint=True, length=40)


def _check(values: tuple[str, ...]) -> str:
    return "role IN (" + ", ".join(f"'{value}'" for value in values) + ")"


def _set_roles(values: tuple[str, ...], existing: tuple[str, ...]) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("role", "user_account", type_="check")
        op.create_check_constraint("role", "user_account", _check(values))
        return
    # SQLite: the table is copied with the new CHECK (the batch reads it from the type).
    with op.batch_alter_table("user_account", recreate="always") as batch_op:
        batch_op.alter_column("role", existing_type=_roles(existing), type_=_roles(values))


def upgrade() -> None:
    op.create_table(
        "monitoring_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("recorded_on", sa.Date(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", diversion.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("work_pattern", sa.Text(), nullable=False),
        sa.Column("contacts", sa.Text(), nullable=False),
        sa.Column("housing_status", sa.Text(), nullable=False),
        sa.Column("known_previously", sa.Text(), nullable=False),
        sa.Column("age_band", sa.Text(), nullable=False),
        sa.Column("ethnicity", sa.Text(), nullable=False),
        sa.Column("drug_use", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["diversion_case.id"],
            name=op.f("fk_monitoring_record_case_id_diversion_case"),
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["client.id"], name=op.f("fk_monitoring_record_client_id_client")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_monitoring_record_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["user_account.id"],
            name=op.f("fk_monitoring_record_recorded_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_record")),
    )
    with op.batch_alter_table("monitoring_record", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_monitoring_record_client_id"), ["client_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_monitoring_record_organisation_id"), ["organisation_id"], unique=False
        )
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("wording", sa.String(length=40), nullable=True))
    _set_roles(NEW_ROLES, OLD_ROLES)


def downgrade() -> None:
    commissioners = op.get_bind().scalar(
        sa.text("SELECT count(*) FROM user_account WHERE role = 'commissioner'")
    )
    if commissioners:
        raise RuntimeError(
            "Cannot go back: commissioner accounts exist. Disable and delete them first."
        )
    _set_roles(OLD_ROLES, NEW_ROLES)
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_column("wording")
    op.drop_table("monitoring_record")
