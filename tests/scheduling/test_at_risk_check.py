"""The morning at-risk recheck against a real database: every open case, once a day."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time

import pytest
import time_machine
from flask import Flask
from sqlalchemy import func, inspect, select

from diversion.models import (
    AppointmentStatus,
    AuditEvent,
    Case,
    CaseEvent,
    CaseStatus,
    RequirementType,
    User,
    Venue,
    WorkingPeriod,
)
from scheduling.at_risk_check import RUN_ACTION, at_risk_job, recheck_at_risk
from tests.conftest import World
from tests.factories import Factory

# Court Wed 2 Dec 2026, return Wed 30 Dec 2026: 25 and 28 December are bank holidays, so the
# last appointment date is Thu 24 Dec 2026 (domain.md, "Dates and windows").
COURT_MORNING = datetime(2026, 12, 2, 6, 30, tzinfo=UTC)  # 06:30 London (GMT)
LAST_DAY_MORNING = datetime(2026, 12, 24, 6, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(COURT_MORNING, tick=False) as traveller:
        yield traveller


def give_hours(make: Factory, worker: User) -> None:
    """Monday to Friday, 09:00 to 17:00."""
    make.session.add_all(
        WorkingPeriod(user_id=worker.id, weekday=day, starts=time(9), ends=time(17))
        for day in range(5)
    )
    make.session.commit()


@pytest.fixture
def venue(make: Factory, world: World) -> Venue:
    return make.venue(organisation=world.project)


@pytest.fixture
def case(make: Factory, world: World, venue: Venue) -> Case:
    client = make.client(organisation=world.project)
    return make.accepted_case(client=client, court=world.court, worker=world.worker)


def recheck(app: Flask, *, now: datetime):
    with app.app_context():
        return recheck_at_risk(now=now)


def stored(make: Factory, case: Case) -> Case:
    make.session.expire_all()
    found = make.session.get(Case, case.id)
    assert found is not None
    return found


def at_risk_events(make: Factory, case: Case) -> list[str]:
    make.session.expire_all()
    return list(
        make.session.scalars(
            select(CaseEvent.summary)
            .where(CaseEvent.case_id == case.id, CaseEvent.kind == "at_risk")
            .order_by(CaseEvent.id)
        )
    )


def test_a_case_whose_sessions_can_still_fit_is_not_flagged(
    app: Flask, make: Factory, world: World, case: Case
) -> None:
    give_hours(make, world.worker)

    run = recheck(app, now=COURT_MORNING)

    assert stored(make, case).at_risk_reason is None
    assert at_risk_events(make, case) == []
    assert (run.checked, run.flagged, run.cleared, run.failed) == (1, 0, 0, 0)


def test_a_case_with_no_room_left_before_the_last_appointment_date_is_flagged_once(
    app: Flask, make: Factory, world: World, case: Case
) -> None:
    # Nothing was missed: both sessions are still to book on the last appointment date, and
    # they must be two days apart.
    give_hours(make, world.worker)

    first = recheck(app, now=LAST_DAY_MORNING)
    reason = stored(make, case).at_risk_reason
    again = recheck(app, now=LAST_DAY_MORNING.replace(hour=7))

    assert reason is not None
    assert reason.startswith("Cannot complete before the return date: ")
    assert at_risk_events(make, case) == [reason]
    assert first.flagged == 1
    assert again.flagged == 0 and again.checked == 1
    assert stored(make, case).at_risk_reason is not None


def test_a_case_whose_workers_have_no_hours_is_flagged_and_cleared_once_room_appears(
    app: Flask, make: Factory, world: World, case: Case
) -> None:
    recheck(app, now=COURT_MORNING)
    assert stored(make, case).at_risk_reason == (
        "Cannot complete before the return date: "
        "No free Comprehensive assessment slot before the window closes on Thu 24 Dec."
    )

    give_hours(make, world.worker)
    run = recheck(app, now=COURT_MORNING.replace(day=3))

    assert stored(make, case).at_risk_reason is None
    assert run.cleared == 1
    assert len(at_risk_events(make, case)) == 1  # the flag, once; clearing adds no alarm


def test_a_stale_flag_from_a_missed_session_is_cleared_when_a_plan_fits(
    app: Flask, make: Factory, world: World, case: Case
) -> None:
    give_hours(make, world.worker)
    flagged = stored(make, case)
    flagged.at_risk_reason = "Cannot complete before the return date: no room after the miss"
    make.session.commit()

    recheck(app, now=COURT_MORNING)

    assert stored(make, case).at_risk_reason is None


def test_a_case_whose_remaining_sessions_are_all_booked_is_not_flagged(
    app: Flask, make: Factory, world: World, case: Case, venue: Venue
) -> None:
    # Booked for the last two days the window allows: the bookings keep their days until
    # attendance is recorded, even on the morning of the last appointment date.
    for number, day in ((1, 22), (2, 24)):
        make.appointment(
            case=case,
            venue=venue,
            worker=world.worker,
            session_number=number,
            starts_at=datetime(2026, 12, day, 10, 0, tzinfo=UTC),
            ends_at=datetime(2026, 12, day, 11, 0, tzinfo=UTC),
            status=AppointmentStatus.BOOKED,
        )

    recheck(app, now=LAST_DAY_MORNING)

    assert stored(make, case).at_risk_reason is None
    assert at_risk_events(make, case) == []


def test_cases_not_on_the_scheme_are_not_rechecked(
    app: Flask, make: Factory, world: World, venue: Venue
) -> None:
    client = make.client(organisation=world.project)
    waiting = make.case(client=client, court=world.court, worker=world.worker)
    closed = make.accepted_case(
        client=make.client(organisation=world.project), court=world.court, worker=world.worker
    )
    closed.status = CaseStatus.CLOSED
    make.session.commit()

    run = recheck(app, now=LAST_DAY_MORNING)

    assert run.checked == 0
    assert stored(make, waiting).at_risk_reason is None
    assert stored(make, closed).at_risk_reason is None


# --- once a day ---------------------------------------------------------------------------


def runs(make: Factory) -> int:
    make.session.expire_all()
    return make.session.scalar(
        select(func.count(AuditEvent.id)).where(AuditEvent.action == RUN_ACTION)
    )


def test_the_job_runs_once_a_day_after_six_and_a_missed_morning_once_late(
    app: Flask, make: Factory, world: World, case: Case, clock: time_machine.Coordinates
) -> None:
    def job_at(moment: datetime) -> int:
        clock.move_to(moment)
        with app.app_context():
            at_risk_job()
        return runs(make)

    assert job_at(datetime(2026, 12, 2, 7, 0, tzinfo=UTC)) == 1  # never ran: it runs at once
    assert stored(make, case).at_risk_reason is not None  # no worker has hours yet
    assert job_at(datetime(2026, 12, 2, 16, 0, tzinfo=UTC)) == 1  # not twice the same day
    give_hours(make, world.worker)
    assert job_at(datetime(2026, 12, 3, 5, 45, tzinfo=UTC)) == 1  # 05:45 London: not yet
    assert stored(make, case).at_risk_reason is not None
    assert job_at(datetime(2026, 12, 3, 6, 0, tzinfo=UTC)) == 2  # 06:00 London
    assert stored(make, case).at_risk_reason is None
    # The scheduler was down on the 4th: the first poll after it catches up, once.
    assert job_at(datetime(2026, 12, 5, 13, 0, tzinfo=UTC)) == 3
    assert job_at(datetime(2026, 12, 5, 13, 15, tzinfo=UTC)) == 3
    make.session.expire_all()
    detail = make.session.scalar(
        select(AuditEvent.detail).where(AuditEvent.action == RUN_ACTION).order_by(AuditEvent.id)
    )
    assert detail == "1 open cases checked; 1 newly at risk; 0 no longer at risk; 0 failed"


def test_in_summer_the_job_waits_for_six_o_clock_london_time(
    app: Flask, make: Factory, clock: time_machine.Coordinates
) -> None:
    clock.move_to(datetime(2027, 6, 1, 8, 0, tzinfo=UTC))
    with app.app_context():
        at_risk_job()
    assert runs(make) == 1
    clock.move_to(datetime(2027, 6, 2, 4, 45, tzinfo=UTC))  # 05:45 BST
    with app.app_context():
        at_risk_job()
    assert runs(make) == 1
    clock.move_to(datetime(2027, 6, 2, 5, 0, tzinfo=UTC))  # 06:00 BST
    with app.app_context():
        at_risk_job()
    assert runs(make) == 2


def test_one_case_that_fails_does_not_stop_the_others_and_only_its_id_is_logged(
    app: Flask,
    make: Factory,
    world: World,
    case: Case,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # An order whose sessions last no time at all cannot be planned: proposing it raises.
    standard = make.requirement_type("CD")
    columns = {
        attr.key: getattr(standard, attr.key)
        for attr in inspect(RequirementType).column_attrs
        if attr.key not in ("id", "code", "name")
    }
    broken_kind = RequirementType(**columns, code="XX", name="Broken order")
    broken_kind.sessions = [dict(s, duration_minutes=0) for s in standard.sessions]
    make.session.add(broken_kind)
    make.session.commit()
    broken = make.accepted_case(
        client=make.client(organisation=world.project, last_name="Plantedname"),
        court=world.court,
        worker=world.worker,
        requirement_type_id=broken_kind.id,
    )
    late = make.accepted_case(
        client=make.client(organisation=world.project), court=world.court, worker=world.worker
    )
    give_hours(make, world.worker)

    run = recheck(app, now=LAST_DAY_MORNING)

    assert run.failed == 1
    assert run.flagged == 2  # the two others, checked before and after the broken one
    assert stored(make, case).at_risk_reason is not None
    assert stored(make, late).at_risk_reason is not None
    assert stored(make, broken).at_risk_reason is None
    [failure] = [r for r in caplog.records if r.name == "scheduling.at_risk_check"]
    assert failure.getMessage() == f"at-risk recheck failed for case {broken.id} (ValueError)"
