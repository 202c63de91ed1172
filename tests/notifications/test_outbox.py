"""Outbox rows are written, moved and cancelled in the booking's own transaction."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time

import pytest
from sqlalchemy import select

from diversion.db import db, transaction
from diversion.models import (
    Case,
    MessageStatus,
    OutboxMessage,
    User,
    Venue,
    WorkingPeriod,
)
from notifications.outbox import sync_court_reminders
from notifications.policy import DEFAULT_POLICY, ReminderKind, policy_to_dict
from scheduling import booking
from tests.conftest import World
from tests.factories import Factory

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)  # court day; appointments from 14:00


@pytest.fixture
def ready(make: Factory, world: World):
    for day in range(5):
        make.session.add(
            WorkingPeriod(user_id=world.worker.id, weekday=day, starts=time(9), ends=time(17))
        )
    make.session.commit()
    venue = make.venue(organisation=world.project)
    case = make.accepted_case(
        client=make.client(organisation=world.project), court=world.court, worker=world.worker
    )
    return case, venue


def rows() -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def book(app, world, case_id: int, venue_id: int):
    the_case = db.session.get(Case, case_id)
    venue = db.session.get(Venue, venue_id)
    plan = booking.propose(the_case, venue=venue, now=NOW)
    actor = db.session.get(User, world.worker.id)
    return booking.book_plan(actor=actor, case=the_case, venue=venue, slots=plan.slots, now=NOW)


def test_booking_writes_the_confirmation_and_reminders_at_london_times(app, world, ready):
    case, venue = ready
    with app.app_context():
        first, second = book(app, world, case.id, venue.id)
        by_appointment = {}
        for row in rows():
            by_appointment.setdefault(row.appointment_id, {})[row.kind] = row
    # One confirmation for the booking, now, on the first session: it names both.
    assert [row.kind for row in by_appointment[first.id].values()].count(
        "booking_confirmation"
    ) == 1
    assert by_appointment[first.id]["booking_confirmation"].send_at == NOW
    # Session 2 is Fri 4 Dec 09:00: the day before at 10:00, 07:00 -> 08:00; no confirmation.
    later = by_appointment[second.id]
    assert "booking_confirmation" not in later
    assert later["appointment_day_before"].send_at == datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
    assert later["appointment_two_hours_before"].send_at == datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
    assert all(r.status is MessageStatus.PENDING for r in later.values())
    # Session 1 is today at 14:00: its day-before moment passed before it was booked.
    today = by_appointment[first.id]
    assert today["appointment_day_before"].status is MessageStatus.SKIPPED
    assert today["appointment_day_before"].reason == "booked after this reminder was due"


def test_a_booking_that_fails_writes_no_messages(app, world, ready, make):
    case, venue = ready
    other = make.accepted_case(
        client=make.client(organisation=world.project), court=world.court, worker=world.worker
    )
    with app.app_context():
        book(app, world, other.id, venue.id)
        before = len(rows())
        the_case = db.session.get(Case, case.id)
        the_venue = db.session.get(Venue, venue.id)
        # The slots other's booking took, as if proposed a moment before.
        taken = [a for a in db.session.get(Case, other.id).appointments]
        stale = [
            booking.Slot(session=spec, worker_id=a.worker_id, start=a.starts_at, end=a.ends_at)
            for spec, a in zip(booking.session_specs(the_case), taken, strict=True)
        ]
        with pytest.raises(booking.SlotTaken):
            booking.book_plan(
                actor=db.session.get(User, world.worker.id),
                case=the_case,
                venue=the_venue,
                slots=stale,
                now=NOW,
            )
        assert len(rows()) == before


def test_cancelling_or_moving_an_appointment_cancels_its_pending_reminders(app, world, ready):
    case, venue = ready
    with app.app_context():
        _first, second = book(app, world, case.id, venue.id)
        booking.cancel(
            actor=db.session.get(User, world.worker.id),
            appointment=second,
            by="client",
            court_wording="Rearranged at her request",
            reason="Childcare",
            now=NOW,
        )
        mine = [r for r in rows() if r.appointment_id == second.id]
        assert {r.status for r in mine} == {MessageStatus.CANCELLED}
        assert all(r.reason == "appointment cancelled" for r in mine)


def test_a_booking_follows_the_requirement_types_stored_policy(app, world, ready, make):
    case, venue = ready
    rules = tuple(
        replace(rule, at_local=time(12, 0))
        if rule.kind is ReminderKind.APPOINTMENT_DAY_BEFORE
        else rule
        for rule in DEFAULT_POLICY.rules
        if rule.kind is not ReminderKind.APPOINTMENT_TWO_HOURS_BEFORE
    )
    requirement = make.requirement_type("CD")
    requirement.reminder_policy = policy_to_dict(replace(DEFAULT_POLICY, rules=rules))
    make.session.commit()
    with app.app_context():
        _first, second = book(app, world, case.id, venue.id)
        later = {r.kind: r for r in rows() if r.appointment_id == second.id}
    # The booking's one confirmation is on the first session; this one has its reminder.
    assert set(later) == {"appointment_day_before"}
    assert later["appointment_day_before"].send_at == datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    assert all(r.event_at is None for r in later.values())


def test_appointment_changes_leave_the_court_reminders_alone(app, world, ready, make):
    case, venue = ready
    with app.app_context():
        the_case = db.session.get(Case, case.id)
        with transaction():
            court_rows = sync_court_reminders(the_case, now=NOW)
        _first, second = book(app, world, case.id, venue.id)
        booking.cancel(
            actor=db.session.get(User, world.worker.id),
            appointment=second,
            by="client",
            court_wording="Rearranged at her request",
            reason="Childcare",
            now=NOW,
        )
        court = [r for r in rows() if r.appointment_id is None]
    # On the scheme: the return date, Wed 30 Dec, has its two reminders, still waiting.
    assert len(court_rows) == 2
    assert {(r.kind, r.status) for r in court} == {
        ("court_two_days_before", MessageStatus.PENDING),
        ("court_day_before", MessageStatus.PENDING),
    }
