"""From booking to a sent text in development: the scheduler's job and the pages."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

import time_machine
from sqlalchemy import select

from diversion.models import AuditEvent, MessageStatus, OutboxMessage, WorkingPeriod
from notifications.jobs import dispatch_job, drain, simulated_receipts_job
from notifications.senders import OutboxSender
from tests.conftest import World, sign_in
from tests.factories import Factory

COURT_DAY_NOON = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def test_booking_shows_its_texts_on_the_case_and_the_job_sends_the_confirmation(
    app, web, make: Factory, world: World
):
    for day in range(5):
        make.session.add(
            WorkingPeriod(user_id=world.worker.id, weekday=day, starts=time(9), ends=time(17))
        )
    make.session.commit()
    venue = make.venue(organisation=world.project, neutral_name="High Street office")
    client = make.client(
        organisation=world.project,
        first_name="Nell",
        text_name="N",
        mobile="+447400123456",
        consent_to_texts=True,
        safe_to_text_confirmed_on=COURT_DAY_NOON.date(),
    )
    case = make.accepted_case(client=client, court=world.court, worker=world.worker)
    with time_machine.travel(COURT_DAY_NOON, tick=False):
        sign_in(web, world.worker)
        text = web.get(f"/cases/{case.id}/book").get_data(as_text=True)
        chosen = dict(re.findall(r'name="(session-\d)"[^>]*value="([^"]+)"[^>]*checked', text))
        assert (
            web.post(f"/cases/{case.id}/book", data={**chosen, "venue_id": venue.id}).status_code
            == 302
        )
        page = web.get(f"/cases/{case.id}").get_data(as_text=True)
        assert "Text messages" in page and "Appointment: the day before" in page
        assert "Thu 3 Dec 2026, 10:00" in page  # the day before the Friday session, 10:00
        with app.app_context():
            dispatch_job()
        sent = web.get("/messages/sent").get_data(as_text=True)
    assert "High Street office" in sent and "Nell" not in sent
    make.session.expire_all()
    statuses = {
        m.kind: m.status
        for m in make.session.query(OutboxMessage)
        if m.kind == "booking_confirmation"
    }
    assert statuses == {"booking_confirmation": MessageStatus.SENT}


def test_the_sent_messages_page_is_only_for_the_development_outbox(app, web, world):
    sign_in(web, world.worker)
    assert web.get("/messages/sent").status_code == 200
    app.config["SMS_SENDER"] = "twilio"
    assert web.get("/messages/sent").status_code == 404


# --- Simulated delivery receipts (development) ----------------------------------------

SENT_AT = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


def _due_confirmation(make: Factory, world: World, mobile: str) -> OutboxMessage:
    client = make.client(
        organisation=world.project,
        mobile=mobile,
        consent_to_texts=True,
        safe_to_text_confirmed_on=SENT_AT.date(),
    )
    case = make.accepted_case(client=client, court=world.court, worker=world.worker)
    venue = make.venue(organisation=world.project)
    starts = SENT_AT + timedelta(days=2)
    appointment = make.appointment(
        case=case,
        venue=venue,
        worker=world.worker,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
    )
    return make._save(
        OutboxMessage(
            client_id=client.id,
            case_id=case.id,
            appointment_id=appointment.id,
            kind="booking_confirmation",
            send_at=SENT_AT,
        )
    )


def _rows(make: Factory, *rows: OutboxMessage) -> list[OutboxMessage]:
    make.session.expire_all()
    return [make.session.get(OutboxMessage, row.id) for row in rows]


def test_outbox_texts_are_delivered_after_ten_seconds_except_to_0999(
    app, make: Factory, world: World
):
    fine = _due_confirmation(make, world, "+447700900123")
    failing = _due_confirmation(make, world, "+447700900999")
    with app.app_context():
        with time_machine.travel(SENT_AT, tick=False):
            dispatch_job()
        assert [r.status for r in _rows(make, fine, failing)] == [MessageStatus.SENT] * 2
        assert all(r.provider_id.startswith("OUTBOX") for r in _rows(make, fine, failing))
        with time_machine.travel(SENT_AT + timedelta(seconds=5), tick=False):
            simulated_receipts_job()
        assert [r.status for r in _rows(make, fine, failing)] == [MessageStatus.SENT] * 2
        with time_machine.travel(SENT_AT + timedelta(seconds=11), tick=False):
            simulated_receipts_job()
            simulated_receipts_job()  # a second pass changes nothing
    delivered, failed = _rows(make, fine, failing)
    assert (delivered.status, delivered.provider_status) == (MessageStatus.DELIVERED, "delivered")
    assert delivered.status_updated_at == SENT_AT + timedelta(seconds=11)
    assert (failed.status, failed.provider_status, failed.error_code) == (
        MessageStatus.FAILED,
        "undelivered",
        30003,
    )
    assert failed.reason == "not delivered: phone switched off or out of signal (code 30003)"
    receipts = make.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "text_status")
    ).all()
    assert len(receipts) == 2


def test_no_receipts_are_simulated_for_twilio_or_for_other_ids(app, make: Factory, world: World):
    fine = _due_confirmation(make, world, "+447700900123")
    other = make._save(
        OutboxMessage(
            client_id=fine.client_id,
            kind="court_day_before",
            send_at=SENT_AT,
            status=MessageStatus.SENT,
            provider_id="SM" + "1" * 32,
        )
    )
    with app.app_context():
        with time_machine.travel(SENT_AT, tick=False):
            dispatch_job()
        app.config["SMS_SENDER"] = "twilio"
        with time_machine.travel(SENT_AT + timedelta(minutes=1), tick=False):
            simulated_receipts_job()
        assert [r.status for r in _rows(make, fine, other)] == [MessageStatus.SENT] * 2
        app.config["SMS_SENDER"] = "outbox"
        with time_machine.travel(SENT_AT + timedelta(minutes=1), tick=False):
            simulated_receipts_job()
    assert [r.status for r in _rows(make, fine, other)] == [
        MessageStatus.DELIVERED,
        MessageStatus.SENT,
    ]


# --- A tick sends while whole passes are due ------------------------------------------------


def test_a_tick_sends_pass_after_pass_while_whole_passes_are_due(app, make: Factory, world: World):
    rows = [_due_confirmation(make, world, f"+4477009001{n:02d}") for n in range(5)]
    sender = OutboxSender()
    with app.app_context(), time_machine.travel(SENT_AT, tick=False):
        assert drain(sender, limit=2) == 3  # 2, 2, then 1: fewer than a whole pass, so it stops
    assert [r.status for r in _rows(make, *rows)] == [MessageStatus.SENT] * 5
    assert len(sender.messages) == 5


def test_a_tick_stops_starting_passes_when_its_time_is_up(app, make: Factory, world: World):
    rows = [_due_confirmation(make, world, f"+4477009002{n:02d}") for n in range(5)]
    sender = OutboxSender()
    with app.app_context(), time_machine.travel(SENT_AT, tick=False):
        assert drain(sender, seconds=0, limit=2) == 1
    statuses = [r.status for r in _rows(make, *rows)]
    assert statuses.count(MessageStatus.SENT) == 2
    assert statuses.count(MessageStatus.PENDING) == 3
