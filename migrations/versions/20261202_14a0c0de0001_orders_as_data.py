"""orders as data: each requirement type's settings, each case's own dates, agreements, lapses

A requirement type now says when a case is agreed, whether its end date must be a sitting
day, how far a per-case end date may go (in months), how few sessions a case may choose,
whether it names a partner agency, whom its report goes to and in what form. A case keeps
the date of the event that started it, the end set on it, its chosen session count and its
partner; its first court date may be empty (a caution or a positive test has none). Two new
tables hold each agency's agreement and each session recorded as not needed. The four
standard types get the settings of domain.md by their codes.

Revision ID: 14a0c0de0001
Revises: 13a0c0de0001
Create Date: 2026-12-02 22:10:00
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

import diversion.db

revision = "14a0c0de0001"
down_revision = "13a0c0de0001"
branch_labels = None
depends_on = None

AGREED_WHEN = ("court_accepts", "at_once", "both_agencies", "order_made")
REPORT_TO_DEFAULT = '["court", "cps"]'
VARIANTS = ("court_diversion", "supervisor_notice", "attendance_record")

kinds = sa.table(
    "requirement_type",
    sa.column("code", sa.String()),
    sa.column("sessions", sa.JSON()),
    sa.column("end_on_sitting_day", sa.Boolean()),
    sa.column("max_window_days", sa.Integer()),
    sa.column("max_window_months", sa.Integer()),
    sa.column("min_sessions", sa.Integer()),
    sa.column("agreed_when", sa.String()),
    sa.column("needs_partner", sa.Boolean()),
    sa.column("report_to", sa.JSON()),
    sa.column("report_variant", sa.String()),
)

# The settings of domain.md's table, for the four types every installation was seeded with.
STANDARD = {
    "CD": {"end_on_sitting_day": True, "report_to": ["court", "cps"]},
    "RA": {
        "agreed_when": "at_once",
        "needs_partner": True,
        "report_to": ["police"],
        "report_variant": "attendance_record",
    },
    "CC": {
        "agreed_when": "both_agencies",
        "needs_partner": True,
        "min_sessions": 1,
        "report_to": ["police", "cps"],
    },
    "ESO": {
        "agreed_when": "order_made",
        "max_window_days": None,
        "max_window_months": 6,
        "report_to": ["court"],
        "report_variant": "supervisor_notice",
    },
}


def _sessions_of(code: str, sessions: list[dict]) -> list[dict]:
    """RA: the initial assessment is held by the partner (the CJIT); its assessor may lapse
    the follow-up. ESO: every meeting is with the supervisor the order names."""
    sessions = [dict(s) for s in sessions]
    if code == "RA" and len(sessions) >= 2:
        sessions[0]["with_partner"] = True
        sessions[1]["may_lapse"] = True
        sessions[1]["lapsed_by"] = "assessor"
    if code == "ESO":
        for spec in sessions:
            spec["with_named_worker"] = True
    return sessions


def upgrade() -> None:
    with op.batch_alter_table("requirement_type", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("end_on_sitting_day", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("max_window_months", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("min_sessions", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "agreed_when",
                sa.Enum(
                    *AGREED_WHEN,
                    name="agreedwhen",
                    native_enum=False,
                    length=40,
                    create_constraint=True,
                ),
                server_default="court_accepts",
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column("needs_partner", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("report_to", sa.JSON(), server_default=REPORT_TO_DEFAULT, nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "report_variant",
                sa.Enum(
                    *VARIANTS,
                    name="reportvariant",
                    native_enum=False,
                    length=40,
                    create_constraint=True,
                ),
                server_default="court_diversion",
                nullable=False,
            )
        )
    with op.batch_alter_table("court", schema=None) as batch_op:
        batch_op.add_column(sa.Column("police_email", sa.String(length=254), nullable=True))
    with op.batch_alter_table("diversion_case", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("start_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("end_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("sessions_required", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("partner_organisation_id", sa.Integer(), nullable=True))
    # SQLite cannot drop NOT NULL in place, nor add a foreign key: batch mode rebuilds the
    # table (migrations/env.py holds SQLite's foreign keys off while it does).
    with op.batch_alter_table("diversion_case", schema=None) as batch_op:
        batch_op.alter_column("first_court_date", existing_type=sa.Date(), nullable=True)
        batch_op.create_foreign_key(
            batch_op.f("fk_diversion_case_partner_organisation_id_organisation"),
            "organisation",
            ["partner_organisation_id"],
            ["id"],
        )
        batch_op.create_index(
            batch_op.f("ix_diversion_case_partner_organisation_id"),
            ["partner_organisation_id"],
            unique=False,
        )
    op.create_table(
        "case_agreement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("agreed_at", diversion.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["diversion_case.id"],
            name=op.f("fk_case_agreement_case_id_diversion_case"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_case_agreement_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_case_agreement_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_agreement")),
        sa.UniqueConstraint("case_id", "organisation_id", name=op.f("uq_case_agreement_case_id")),
    )
    op.create_index(op.f("ix_case_agreement_case_id"), "case_agreement", ["case_id"])
    op.create_table(
        "lapsed_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("session_number", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("lapsed_at", diversion.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["diversion_case.id"],
            name=op.f("fk_lapsed_session_case_id_diversion_case"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_lapsed_session_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lapsed_session")),
        sa.UniqueConstraint("case_id", "session_number", name=op.f("uq_lapsed_session_case_id")),
    )
    op.create_index(op.f("ix_lapsed_session_case_id"), "lapsed_session", ["case_id"])

    bind = op.get_bind()
    for code, settings in STANDARD.items():
        row = bind.execute(sa.select(kinds.c.sessions).where(kinds.c.code == code)).first()
        if row is None:
            continue
        sessions = row[0] if not isinstance(row[0], str) else json.loads(row[0])
        values = dict(settings)
        values["sessions"] = _sessions_of(code, list(sessions or []))
        bind.execute(sa.update(kinds).where(kinds.c.code == code).values(**values))


def downgrade() -> None:
    op.drop_index(op.f("ix_lapsed_session_case_id"), table_name="lapsed_session")
    op.drop_table("lapsed_session")
    op.drop_index(op.f("ix_case_agreement_case_id"), table_name="case_agreement")
    op.drop_table("case_agreement")
    cases = sa.table(
        "diversion_case",
        sa.column("first_court_date", sa.Date()),
        sa.column("start_date", sa.Date()),
        sa.column("end_date", sa.Date()),
    )
    # The earlier schema needs a first court date: a case that has none takes the date it
    # started (or its end, failing that), so no row is lost going back.
    op.execute(
        sa.update(cases)
        .where(cases.c.first_court_date.is_(None))
        .values(first_court_date=sa.func.coalesce(cases.c.start_date, cases.c.end_date))
    )
    with op.batch_alter_table("diversion_case", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_diversion_case_partner_organisation_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_diversion_case_partner_organisation_id_organisation"),
            type_="foreignkey",
        )
        batch_op.alter_column("first_court_date", existing_type=sa.Date(), nullable=False)
        batch_op.drop_column("partner_organisation_id")
        batch_op.drop_column("sessions_required")
        batch_op.drop_column("end_date")
        batch_op.drop_column("start_date")
    with op.batch_alter_table("court", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("police_email")
    with op.batch_alter_table("requirement_type", schema=None) as batch_op:
        batch_op.drop_constraint("reportvariant", type_="check")
        batch_op.drop_constraint("agreedwhen", type_="check")
        batch_op.drop_column("report_variant")
        batch_op.drop_column("report_to")
        batch_op.drop_column("needs_partner")
        batch_op.drop_column("agreed_when")
        batch_op.drop_column("min_sessions")
        batch_op.drop_column("max_window_months")
        batch_op.drop_column("end_on_sitting_day")
