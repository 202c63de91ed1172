"""What the bulk generator adds for the monitoring report (devtools/monitoring_data.py):
reminders with what became of them and their wording, replies, and monitoring records whose
answers are sealed as the model seals them; and the report built on it."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import func, select

from devtools.bulk import LIST_DAY
from diversion.db import db
from diversion.models import (
    Appointment,
    AppointmentStatus,
    InboundMessage,
    MessageStatus,
    MonitoringRecord,
    OutboxMessage,
    ReplyAction,
)
from diversion.monitoring.choices import QUESTION_OF
from diversion.monitoring.queries import Period
from diversion.monitoring.report import build_report
from tests.conftest import flask_command

TINY = ["--clients", "200", "--appointments", "1000", "--list-cases", "40", "--seed", "7"]


def test_the_generator_adds_reminders_replies_and_monitoring_records(app: Flask) -> None:
    result = flask_command(app, "generate-data", *TINY)
    assert result.exit_code == 0, result.output
    assert "monitoring records" in result.output

    with app.app_context():
        reminders = dict(
            db.session.execute(
                select(OutboxMessage.status, func.count())
                .where(OutboxMessage.kind == "appointment_day_before")
                .group_by(OutboxMessage.status)
            ).all()
        )
        # Most appointments with an outcome have their reminder delivered; some failed,
        # some went unsent; the cancelled ones' reminders were cancelled.
        assert reminders[MessageStatus.DELIVERED] > 600
        assert {MessageStatus.FAILED, MessageStatus.SKIPPED, MessageStatus.CANCELLED} <= set(
            reminders
        )
        wordings = set(
            db.session.scalars(
                select(OutboxMessage.wording).where(
                    OutboxMessage.status == MessageStatus.DELIVERED,
                    OutboxMessage.kind == "appointment_day_before",
                )
            )
        )
        assert len(wordings) == 4 and all(w and w.count(":") == 2 for w in wordings)
        confirmed = db.session.scalar(
            select(func.count()).where(InboundMessage.action == ReplyAction.CONFIRMED)
        )
        assert confirmed == db.session.scalar(
            select(func.count()).where(Appointment.confirmed_at.is_not(None))
        )
        assert (
            db.session.scalar(
                select(func.count()).where(
                    Appointment.status == AppointmentStatus.BOOKED,
                    Appointment.confirmed_at.is_not(None),
                )
            )
            == 0
        )

        records = db.session.scalars(select(MonitoringRecord)).all()
        assert 180 <= len({r.client_id for r in records}) <= 200
        for record in records[:50]:
            for field, question in QUESTION_OF.items():
                answer = getattr(record, field)  # opened through the model's sealed type
                assert all(code in question.codes for code in answer.split(","))

        period = Period(LIST_DAY - timedelta(days=729), LIST_DAY)
        report = build_report(scope=None, period=period)
    referrals = report.tables["referrals-by-order"].lines[-1].counts[-1]
    assert referrals.value is not None and referrals.value > 100
    assert report.tables["answers-work-pattern"].lines[-1].counts[0].value == referrals.value
