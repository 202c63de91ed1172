"""Texts that reach her (issue 16), end to end through the booking, the outbox and the
dispatcher, with the real twilio client talking to the fake Twilio server: one text at a
time, her safe times, and the calls her worker is asked to make."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from flask import Flask
from sqlalchemy import select

from diversion.db import db, transaction
from diversion.formatting import format_date, format_time
from diversion.models import (
    Appointment,
    Case,
    MessageStatus,
    OutboxMessage,
    User,
    Venue,
    WorkerTask,
    WorkingPeriod,
)
from notifications import dispatcher, outbox, tasks
from notifications.senders import TwilioSender
from scheduling import booking
from tests.conftest import World, sign_in
from tests.factories import Factory
from tests.notifications.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio

SERVICE_SID = "MG" + "2" * 32
MOBILE = "+447400765432"
# Winter: London is UTC, so local times read the same in both.
COURT_DAY = date(2026, 12, 2)


def at(d: int, h: int, mi: int = 0) -> datetime:
    return datetime(2026, 12, d, h, mi, tzinfo=UTC)


@pytest.fixture
def fake() -> Iterator[FakeTwilio]:
    with FakeTwilio(clock=lambda: at(2, 12)) as server:
        yield server


def run_dispatcher(app: Flask, fake: FakeTwilio, now: datetime) -> dispatcher.DispatchReport:
    fake.clock = lambda: now
    sender = TwilioSender(
        account_sid=ACCOUNT_SID,
        auth_token=AUTH_TOKEN,
        messaging_service_sid=SERVICE_SID,
        base_url=fake.url,
        timeout=5.0,
    )
    with app.app_context():
        return dispatcher.dispatch_once(sender=sender, now=now)


@pytest.fixture
def her_case(make: Factory, world: World) -> Case:
    for day in range(5):
        make.session.add(
            WorkingPeriod(user_id=world.worker.id, weekday=day, starts=time(9), ends=time(17))
        )
    make.session.commit()
    client = make.client(
        organisation=world.project,
        first_name="Marisol",
        text_name="Mari",
        mobile=MOBILE,
        consent_to_texts=True,
        safe_to_text_confirmed_on=date(2026, 11, 30),
    )
    return make.accepted_case(client=client, court=world.court, worker=world.worker)


def book_both(app: Flask, world: World, case_id: int, venue_id: int, now: datetime):
    with app.app_context(), time_machine.travel(now, tick=False):
        case = db.session.get(Case, case_id)
        venue = db.session.get(Venue, venue_id)
        plan = booking.propose(case, venue=venue, now=now)
        actor = db.session.get(User, world.worker.id)
        booked = booking.book_plan(actor=actor, case=case, venue=venue, slots=plan.slots, now=now)
        return [(a.id, a.starts_at) for a in booked]


def rows(app: Flask) -> list[OutboxMessage]:
    with app.app_context():
        found = list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        for row in found:
            db.session.expunge(row)
        return found


def shown(instant: datetime) -> str:
    return f"{format_date(instant, 'day')} {format_time(instant)}"


@pytest.mark.parametrize("booked_at", [at(2, 21, 30), at(3, 7, 0)], ids=["21:30", "07:00"])
def test_a_booking_in_quiet_hours_makes_one_text_at_0800_naming_both_sessions(
    app, make, world, fake, her_case, booked_at
):
    venue = make.venue(organisation=world.project, neutral_name="Elm Road")
    (first_id, first), (_, second) = book_both(app, world, her_case.id, venue.id, booked_at)
    # The first session is the morning after the booking, at 09:00 (the worker's first slot).
    assert first == at(3, 9)

    assert run_dispatcher(app, fake, booked_at).sent == []  # quiet hours: nothing goes
    report = run_dispatcher(app, fake, at(3, 8))

    [text] = fake.messages
    assert len(report.sent) == 1
    assert shown(first) in text["body"] and shown(second) in text["body"]
    by_kind = {(r.appointment_id, r.kind): r for r in rows(app)}
    confirmation = by_kind[(first_id, "booking_confirmation")]
    assert confirmation.status is MessageStatus.SENT and confirmation.sent_at == at(3, 8)
    reminder = by_kind[(first_id, "appointment_two_hours_before")]
    assert reminder.status is MessageStatus.SKIPPED
    assert reminder.reason == "merged: the text she had at 08:00 names this appointment"
    # Only one confirmation was ever written for the booking.
    assert [r.kind for r in rows(app)].count("booking_confirmation") == 1
    # Later passes send nothing more that morning.
    assert run_dispatcher(app, fake, at(3, 8, 30)).sent == []
    assert len(fake.messages) == 1


def test_a_booking_at_2130_for_0810_still_sends_its_confirmation_at_0800(
    app, make, world, fake, her_case
):
    venue = make.venue(organisation=world.project)
    appointment = make.appointment(
        case=her_case,
        venue=venue,
        worker=world.worker,
        starts_at=at(3, 8, 10),
        ends_at=at(3, 9, 10),
    )
    with app.app_context(), transaction():
        outbox.schedule_for_appointment(
            db.session.get(Appointment, appointment.id), now=at(2, 21, 30)
        )
    confirmation = [r for r in rows(app) if r.kind == "booking_confirmation"]
    assert [(r.status, r.send_at) for r in confirmation] == [(MessageStatus.PENDING, at(3, 8))]

    report = run_dispatcher(app, fake, at(3, 8))

    assert len(report.sent) == 1 and len(fake.messages) == 1
    assert "08:10" in fake.messages[0]["body"]


def test_a_second_text_due_soon_after_the_first_waits_out_the_gap(app, make, world, fake, her_case):
    venue = make.venue(organisation=world.project)
    appointments = [
        make.appointment(
            case=her_case,
            venue=venue,
            worker=world.worker,
            session_number=n,
            starts_at=start,
            ends_at=start + timedelta(hours=1),
        )
        for n, start in ((1, at(4, 10)), (2, at(7, 14)))
    ]
    for appointment, due in zip(appointments, (at(3, 10), at(3, 10, 10)), strict=True):
        make._save(
            OutboxMessage(
                client_id=her_case.client_id,
                case_id=her_case.id,
                appointment_id=appointment.id,
                kind="appointment_day_before",
                send_at=due,
            )
        )

    assert len(run_dispatcher(app, fake, at(3, 10)).sent) == 1
    later = run_dispatcher(app, fake, at(3, 10, 10))

    assert later.sent == [] and len(fake.messages) == 1
    waiting = [r for r in rows(app) if r.status is MessageStatus.PENDING]
    assert [(r.send_at, r.reason) for r in waiting] == [
        (at(3, 10, 30), "waiting: another text has just gone to her")
    ]
    assert len(run_dispatcher(app, fake, at(3, 10, 30)).sent) == 1
    assert len(fake.messages) == 2


# --- Her safe times and the calls to make ----------------------------------------------------


def test_a_text_outside_her_safe_times_waits_or_is_skipped_and_her_worker_told(
    app, make, world, fake, her_case
):
    client = her_case.client
    client.safe_days, client.safe_from, client.safe_until = [0, 1, 2, 3, 4], time(9), time(15)
    make._save(client)
    venue = make.venue(organisation=world.project)
    # Booked Fri 4 Dec 16:00 for Sat 5 Dec 11:00: nothing can reach her in time.
    saturday = make.appointment(
        case=her_case, venue=venue, worker=world.worker, starts_at=at(5, 11), ends_at=at(5, 12)
    )
    # And for Tue 8 Dec 11:00: the confirmation waits until Mon 7 Dec 09:00.
    tuesday = make.appointment(
        case=her_case,
        venue=venue,
        worker=world.worker,
        session_number=2,
        starts_at=at(8, 11),
        ends_at=at(8, 12),
    )
    with app.app_context(), transaction():
        outbox.schedule_for_appointment(db.session.get(Appointment, saturday.id), now=at(4, 16))
    skipped = {r.kind: r for r in rows(app) if r.appointment_id == saturday.id}
    assert skipped["booking_confirmation"].status is MessageStatus.SKIPPED
    assert skipped["booking_confirmation"].reason == "outside her safe times: would be too late"
    with app.app_context():
        [task] = db.session.scalars(select(WorkerTask)).all()
        assert (task.kind, task.worker_id, task.appointment_id) == (
            tasks.SAFE_TIMES,
            world.worker.id,
            saturday.id,
        )
        assert task.detail == (
            "Call her: a reminder of her appointment on Saturday 5 December at 11:00 "
            "could not go in her safe times"
        )

    # A confirmation already waiting for Tuesday's session, claimed on a Sunday, waits.
    make._save(
        OutboxMessage(
            client_id=client.id,
            case_id=her_case.id,
            appointment_id=tuesday.id,
            kind="appointment_day_before",
            send_at=at(6, 10),
        )
    )
    report = run_dispatcher(app, fake, at(6, 10))
    assert report.sent == [] and fake.messages == []
    [waiting] = [r for r in rows(app) if r.appointment_id == tuesday.id]
    assert (waiting.status, waiting.send_at, waiting.reason) == (
        MessageStatus.PENDING,
        at(7, 9),
        "waiting for her safe times",
    )
    assert len(run_dispatcher(app, fake, at(7, 9)).sent) == 1


def call_rows(html: str) -> list[str]:
    table = re.search(r'<table[^>]*id="calls-to-make".*?</table>', html, re.S)
    if table is None:
        return []
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
        for row in re.findall(
            r'<tr class="govuk-table__row" id="call-\d+">(.*?)</tr>', table.group(0), re.S
        )
    ]


def test_24_hours_ahead_a_failed_reminder_and_an_unconfirmed_appointment_are_calls_to_make(
    app, make, world, her_case
):
    venue = make.venue(organisation=world.project)
    tuesday = make.appointment(
        case=her_case, venue=venue, worker=world.worker, starts_at=at(8, 10), ends_at=at(8, 11)
    )
    make._save(
        OutboxMessage(
            client_id=her_case.client_id,
            case_id=her_case.id,
            appointment_id=tuesday.id,
            kind="booking_confirmation",
            send_at=at(3, 12),
            status=MessageStatus.FAILED,
            reason="not delivered: phone switched off or out of signal (code 30003)",
        )
    )
    with app.app_context():
        assert tasks.check_ahead(now=at(7, 9)) == 0  # more than 24 hours ahead: nothing yet
        assert tasks.check_ahead(now=at(7, 10)) == 2
        assert tasks.check_ahead(now=at(7, 11)) == 0  # each once
        found = {t.kind: t.detail for t in db.session.scalars(select(WorkerTask))}
    assert found == {
        tasks.NOT_DELIVERED: (
            "Call her: the reminder for Tuesday 8 December was not delivered "
            "(not delivered: phone switched off or out of signal (code 30003))"
        ),
        tasks.NOT_CONFIRMED: (
            "Call her: her appointment on Tuesday 8 December at 10:00 is not confirmed"
        ),
    }

    web = app.test_client()
    sign_in(web, world.worker)
    calls = call_rows(web.get("/home").get_data(as_text=True))
    assert len(calls) == 2 and all("Marisol" in call for call in calls)
    # Another worker of the organisation does not see her calls.
    other = app.test_client()
    sign_in(other, world.colleague)
    assert call_rows(other.get("/home").get_data(as_text=True)) == []

    # She confirms: the not-confirmed call clears by itself at the next check.
    with app.app_context():
        appointment = db.session.get(Appointment, tuesday.id)
        appointment.confirmed_at = at(7, 10, 30)
        db.session.commit()
        tasks.check_ahead(now=at(7, 10, 35))
    calls = call_rows(web.get("/home").get_data(as_text=True))
    assert len(calls) == 1 and "was not delivered" in calls[0]

    # The worker marks the other done; another worker cannot mark it.
    with app.app_context():
        task_id = db.session.scalar(select(WorkerTask.id).where(WorkerTask.done_at.is_(None)))
    assert other.post(f"/home/calls/{task_id}/done").status_code == 404
    done = web.post(f"/home/calls/{task_id}/done")
    assert done.status_code == 302
    assert call_rows(web.get("/home").get_data(as_text=True)) == []
    with app.app_context():
        task = db.session.get(WorkerTask, task_id)
        assert (task.done_by_id, task.done_reason) == (world.worker.id, "marked done")


def test_a_cancelled_appointment_clears_its_calls(app, make, world, her_case):
    venue = make.venue(organisation=world.project)
    tuesday = make.appointment(
        case=her_case, venue=venue, worker=world.worker, starts_at=at(8, 10), ends_at=at(8, 11)
    )
    with app.app_context():
        tasks.check_ahead(now=at(7, 12))
        with time_machine.travel(at(7, 13), tick=False):
            booking.cancel(
                actor=db.session.get(User, world.worker.id),
                appointment=db.session.get(Appointment, tuesday.id),
                by="client",
                court_wording="Rearranged at her request",
                reason="Childcare",
                now=at(7, 13),
            )
        [task] = db.session.scalars(select(WorkerTask)).all()
        assert (task.kind, task.done_reason) == (tasks.NOT_CONFIRMED, "appointment cancelled")


def test_a_failed_court_reminder_is_a_call_to_make_the_day_before(app, make, world, her_case):
    # On the scheme: next due at court on the return date, Wed 30 Dec, at the list time.
    with app.app_context(), transaction():
        written = outbox.sync_court_reminders(db.session.get(Case, her_case.id), now=at(2, 12))
        event_at = written[0].event_at
        for row in written:
            row.set_status(MessageStatus.FAILED, "not delivered (code 30005)", now=at(28, 10))
    with app.app_context():
        assert tasks.check_ahead(now=event_at - timedelta(hours=25)) == 0
        assert tasks.check_ahead(now=event_at - timedelta(hours=23)) == 1
        [task] = db.session.scalars(select(WorkerTask)).all()
    assert task.detail.startswith(
        "Call her: the reminder of her court date on Wednesday 30 December"
    )


# --- Her language and her register -----------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "in_wales", "plain", "starts"),
    [
        ("cy", False, False, ["Helo Mari, welwn ni chi"]),
        (None, True, False, ["Helo Mari, welwn ni chi", "Hi Mari, see you"]),
        ("en", True, False, ["Hi Mari, see you"]),
        (None, False, True, ["Hi Mari, your support appointment"]),
        ("cy", False, True, ["Helo Mari, mae eich apwyntiad cymorth"]),
    ],
    ids=["welsh", "unknown-at-a-welsh-court", "english-at-a-welsh-court", "plain", "welsh-plain"],
)
def test_the_text_goes_in_her_language_and_register(
    app, make, world, fake, her_case, language, in_wales, plain, starts
):
    client = her_case.client
    client.text_language, client.plain_wording = language, plain
    make._save(client)
    court = her_case.court
    court.in_wales = in_wales
    make._save(court)
    venue = make.venue(organisation=world.project, neutral_name="Elm Road")
    appointment = make.appointment(
        case=her_case, venue=venue, worker=world.worker, starts_at=at(8, 10), ends_at=at(8, 11)
    )
    make._save(
        OutboxMessage(
            client_id=client.id,
            case_id=her_case.id,
            appointment_id=appointment.id,
            kind="appointment_day_before",
            send_at=at(7, 10),
        )
    )

    assert len(run_dispatcher(app, fake, at(7, 10)).sent) == 1

    [text] = fake.messages
    [row] = [r for r in rows(app) if r.status is MessageStatus.SENT]
    language = language or ("both" if in_wales else "en")
    assert re.fullmatch(
        rf"{language}:{'plain' if plain else 'discreet'}:[0-9a-f]{{8}}", row.wording
    )
    parts = text["body"].split("\n\n")
    assert [part[: len(start)] for part, start in zip(parts, starts, strict=True)] == starts
    assert "Tue 8 Dec" in text["body"] and "Elm Road" in text["body"]
