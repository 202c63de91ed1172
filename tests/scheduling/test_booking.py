"""Booking services against a real database: plans, double booking, DNA and rebooking."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time, timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from diversion.db import db
from diversion.models import (
    Absence,
    Appointment,
    AppointmentStatus,
    Case,
    User,
    Venue,
    VenueClosure,
    WorkingPeriod,
)
from scheduling import booking
from scheduling.availability import DateRange, Interval, free_time
from scheduling.candidates import candidates_at, venue_hours
from scheduling.hooks import appointment_changed
from scheduling.plan import NoPlan, Plan
from scheduling.slots import Deferred
from tests.conftest import World
from tests.factories import Factory

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)  # Wed 2 Dec 2026, just after court


def give_pattern(make: Factory, worker: User) -> None:
    """Monday to Friday, 09:00 to 17:00 with lunch from 13:00 to 14:00."""
    for day in range(5):
        make.session.add(
            WorkingPeriod(user_id=worker.id, weekday=day, starts=time(9), ends=time(17))
        )
        make.session.add(
            WorkingPeriod(
                user_id=worker.id, weekday=day, starts=time(13), ends=time(14), is_break=True
            )
        )
    make.session.commit()


@pytest.fixture
def venue(make: Factory, world: World) -> Venue:
    give_pattern(make, world.worker)
    return make.venue(organisation=world.project)


@pytest.fixture
def case(make: Factory, world: World, venue: Venue) -> Case:
    client = make.client(organisation=world.project)
    return make.accepted_case(client=client, court=world.court, worker=world.worker)


def hours_of(periods: list[WorkingPeriod]) -> dict[int, list[tuple[time, time]]]:
    out: dict[int, list[tuple[time, time]]] = {}
    for period in periods:
        out.setdefault(period.weekday, []).append((period.starts, period.ends))
    return out


def load(app: Flask, model: type, ident: int):
    return db.session.get(model, ident)


def test_the_proposed_plan_starts_as_early_as_possible_and_keeps_the_gap(app, case, venue):
    with app.app_context():
        plan = booking.propose(load(app, Case, case.id), venue=load(app, Venue, venue.id), now=NOW)
    assert isinstance(plan, Plan)
    first, second = plan.slots
    # Two hours' notice after 12:00 on court day; lunch ends at 14:00.
    assert first.start == datetime(2026, 12, 2, 14, 0, tzinfo=UTC)
    assert first.end - first.start == timedelta(minutes=90)
    # At least two days later: Friday 4 December, first thing.
    assert second.start == datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
    assert plan.latest[1].astimezone(UTC).date() <= date(2026, 12, 24)


def test_booking_the_plan_writes_both_appointments_in_one_go_and_calls_the_hook(
    app, case, venue, world
):
    seen: list[str] = []

    def listener(appointment: Appointment, change: str, now: datetime) -> None:
        seen.append(change)

    appointment_changed.connect(listener)
    try:
        with app.app_context():
            the_case = load(app, Case, case.id)
            the_venue = load(app, Venue, venue.id)
            plan = booking.propose(the_case, venue=the_venue, now=NOW)
            booked = booking.book_plan(
                actor=load(app, User, world.worker.id),
                case=the_case,
                venue=the_venue,
                slots=plan.slots,
                now=NOW,
            )
            assert [a.session_number for a in booked] == [1, 2]
            assert all(a.status is AppointmentStatus.BOOKED for a in booked)
    finally:
        appointment_changed.disconnect(listener)
    assert seen == ["booked", "booked"]


def test_a_slot_outside_the_window_is_refused_and_nothing_is_written(app, case, venue, world):
    with app.app_context():
        the_case = load(app, Case, case.id)
        plan = booking.propose(the_case, venue=load(app, Venue, venue.id), now=NOW)
        late = plan.slots[1].__class__(
            session=plan.slots[1].session,
            worker_id=world.worker.id,
            start=datetime(2026, 12, 29, 10, tzinfo=UTC),
            end=datetime(2026, 12, 29, 11, tzinfo=UTC),
        )
        with pytest.raises(booking.RuleBroken, match="on or before"):
            booking.book_plan(
                actor=load(app, User, world.worker.id),
                case=the_case,
                venue=load(app, Venue, venue.id),
                slots=[plan.slots[0], late],
                now=NOW,
            )
        assert db.session.query(Appointment).count() == 0


def test_two_people_booking_the_same_time_at_once_exactly_one_wins(app, make, world, venue):
    cases = [
        make.accepted_case(
            client=make.client(organisation=world.project), court=world.court, worker=world.worker
        )
        for _ in range(2)
    ]
    barrier = threading.Barrier(2)
    results: list[str] = []

    def attempt(case_id: int) -> None:
        with app.app_context():
            the_case = load(app, Case, case_id)
            the_venue = load(app, Venue, venue.id)
            plan = booking.propose(the_case, venue=the_venue, now=NOW)
            barrier.wait()
            try:
                booking.book_plan(
                    actor=load(app, User, world.worker.id),
                    case=the_case,
                    venue=the_venue,
                    slots=plan.slots,
                    now=NOW,
                )
                results.append("booked")
            except booking.SlotTaken as error:
                assert "no longer free" in error.message
                results.append("taken")

    threads = [threading.Thread(target=attempt, args=(c.id,)) for c in cases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == ["booked", "taken"]
    with app.app_context():
        rows = db.session.query(Appointment).filter_by(worker_id=world.worker.id).all()
        starts = [a.starts_at for a in rows]
        assert len(starts) == len(set(starts)) == 2


def test_a_missed_assessment_is_rebooked_inside_the_window(app, case, venue, world):
    with app.app_context():
        the_case = load(app, Case, case.id)
        the_venue = load(app, Venue, venue.id)
        plan = booking.propose(the_case, venue=the_venue, now=NOW)
        first, _second = booking.book_plan(
            actor=load(app, User, world.worker.id),
            case=the_case,
            venue=the_venue,
            slots=plan.slots,
            now=NOW,
        )
        later = first.starts_at + timedelta(hours=2)
        result = booking.mark_did_not_attend(
            actor=load(app, User, world.worker.id),
            appointment=first,
            court_wording="No reason given",
            reason="",
            now=later,
        )
        assert isinstance(result, Plan)
        assert result.slots[0].session.number == 1
        assert result.slots[0].start > later
        assert result.slots[-1].start.date() <= date(2026, 12, 24)
        with pytest.raises(booking.RuleBroken, match="who asked"):
            booking.book_plan(
                actor=load(app, User, world.worker.id),
                case=the_case,
                venue=the_venue,
                slots=result.slots,
                now=later,
            )
        # A wording of the worker's own is refused: the court reads only the set list.
        with pytest.raises(booking.RuleBroken, match="Select what the court is told"):
            booking.book_plan(
                actor=load(app, User, world.worker.id),
                case=the_case,
                venue=the_venue,
                slots=result.slots,
                now=later,
                moved_by="service",
                move_reason="The assessment has to come first",
                move_wording="She was in hospital",
            )
        booked = booking.book_plan(
            actor=load(app, User, world.worker.id),
            case=the_case,
            venue=the_venue,
            slots=result.slots,
            now=later,
            moved_by="service",
            move_reason="The assessment has to come first",
            move_wording="Rearranged by the project",
        )
        db.session.refresh(first)
        assert first.status is AppointmentStatus.DID_NOT_ATTEND  # the missed row stays
        old_second = [
            a
            for a in the_case.appointments
            if a.session_number == 2 and a.status is AppointmentStatus.RESCHEDULED
        ]
        assert old_second and old_second[0].successor_id == booked[1].id
        assert old_second[0].reason == "The service asked: The assessment has to come first"
        assert old_second[0].court_wording == "Rearranged by the project"


def test_when_no_rebooking_fits_the_case_is_flagged_at_risk_with_the_reason(
    app, make, world, venue
):
    client = make.client(organisation=world.project)
    case = make.accepted_case(client=client, court=world.court, worker=world.worker)
    with app.app_context():
        the_case = load(app, Case, case.id)
        the_venue = load(app, Venue, venue.id)
        plan = booking.propose(the_case, venue=the_venue, now=NOW)
        booking.book_plan(
            actor=load(app, User, world.worker.id),
            case=the_case,
            venue=the_venue,
            slots=plan.slots,
            now=NOW,
        )
        second = next(a for a in the_case.appointments if a.session_number == 2)
        first = next(a for a in the_case.appointments if a.session_number == 1)
        booking.mark_attended(
            actor=load(app, User, world.worker.id), appointment=first, now=first.ends_at
        )
        # She misses the care-plan session on the very last working day of the window.
        very_late = datetime(2026, 12, 24, 16, 0, tzinfo=UTC)
        result = booking.mark_did_not_attend(
            actor=load(app, User, world.worker.id),
            appointment=second,
            court_wording="No reason given",
            reason="",
            now=very_late,
        )
        assert isinstance(result, NoPlan)
    # Read back through another session: the flag was stored, not just set on the object.
    make.session.expire_all()
    stored = make.session.get(Case, case.id)
    assert stored.at_risk_reason is not None
    assert "Cannot complete before the return date" in stored.at_risk_reason


def test_after_an_attended_assessment_the_care_plan_proposal_keeps_the_gap(
    app, case, venue, world, make
):
    # She came to her assessment on Wednesday; the care-plan session was never booked.
    at = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)
    make.appointment(
        case=case,
        venue=venue,
        worker=world.worker,
        starts_at=at,
        ends_at=at + timedelta(minutes=90),
        status=AppointmentStatus.ATTENDED,
    )
    thursday = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    with app.app_context():
        the_case = load(app, Case, case.id)
        plan = booking.propose(the_case, venue=load(app, Venue, venue.id), now=thursday)
        assert isinstance(plan, Plan)
        (slot,) = plan.slots
        # Not Thursday, which booking would refuse: two days after Wednesday is Friday.
        assert slot.start == datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
        booking.book_plan(
            actor=load(app, User, world.worker.id),
            case=the_case,
            venue=load(app, Venue, venue.id),
            slots=plan.slots,
            now=thursday,
        )


def test_each_candidate_is_free_as_her_own_pattern_leave_and_bookings_say(
    app, case, venue, world, make
):
    """candidates_at shares each pattern's working time and works a worker's free time out
    only when it is read: the same free time as availability.free_time gives her."""
    for day in (0, 1, 2):  # the colleague works Monday to Wednesday, 10:00 to 16:00
        make.session.add(
            WorkingPeriod(user_id=world.colleague.id, weekday=day, starts=time(10), ends=time(16))
        )
    make.session.add(
        VenueClosure(venue_id=venue.id, first_day=date(2026, 12, 14), last_day=date(2026, 12, 15))
    )
    make.session.add(
        Absence(
            user_id=world.colleague.id,
            starts_at=datetime(2026, 12, 7, 0, 0, tzinfo=UTC),
            ends_at=datetime(2026, 12, 8, 0, 0, tzinfo=UTC),
        )
    )
    make.session.commit()
    at = datetime(2026, 12, 9, 10, 0, tzinfo=UTC)
    hour = timedelta(hours=1)
    kept = make.appointment(
        case=case,
        venue=venue,
        worker=world.colleague,
        starts_at=at,
        ends_at=at + hour,
        status=AppointmentStatus.BOOKED,
    )
    moved = make.appointment(
        case=case,
        venue=venue,
        worker=world.worker,
        starts_at=at,
        ends_at=at + hour,
        status=AppointmentStatus.BOOKED,
    )
    make.appointment(
        case=case,
        venue=venue,
        worker=world.worker,
        starts_at=at + 2 * hour,
        ends_at=at + 3 * hour,
        status=AppointmentStatus.CANCELLED_BY_CLIENT,
    )
    with app.app_context():
        the_venue = load(app, Venue, venue.id)
        candidates = candidates_at(
            organisation_id=world.project.id,
            preferred_worker_id=world.worker.id,
            venue=the_venue,
            first_day=date(2026, 12, 2),
            last_day=date(2026, 12, 24),
            now=NOW,
            ignore={moved.id},
        )
        # The allocated worker first, then by name; the manager has no pattern, no time.
        assert [c.worker_id for c in candidates] == [
            world.worker.id,
            world.colleague.id,
            world.manager.id,
        ]
        assert not any(c.free.computed for c in candidates if isinstance(c.free, Deferred))
        for candidate in candidates:
            worker = load(app, User, candidate.worker_id)
            periods = worker.working_periods
            expected = free_time(
                first_day=date(2026, 12, 2),
                last_day=date(2027, 1, 21),  # 28 days past the window, for "no plan"
                venue_hours=venue_hours(the_venue),
                venue_closures=[DateRange(date(2026, 12, 14), date(2026, 12, 15))],
                working_hours=hours_of([p for p in periods if not p.is_break]),
                breaks=hours_of([p for p in periods if p.is_break]),
                absences=[
                    Interval(a.starts_at, a.ends_at)
                    for a in db.session.scalars(select(Absence).where(Absence.user_id == worker.id))
                ],
                busy=[Interval(kept.starts_at, kept.ends_at)]
                if worker.id == world.colleague.id
                else [],
                now=NOW,
            )
            assert list(candidate.free) == expected
            assert candidate.bound is not None
            assert all(
                any(b.start <= i.start and i.end <= b.end for b in candidate.bound)
                for i in expected
            )
        assert list(candidates[1].free) != list(candidates[1].bound)  # her leave, her booking
