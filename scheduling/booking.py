"""Booking services: propose, book, reschedule, cancel and mark appointments.

Each public function that changes data is one transaction (rule 2 of architecture.md) and
calls the appointment hook inside it. Double booking is prevented by taking a write lock on
each worker involved (`schedule_version` bump) before re-checking her free time.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import update

from diversion import audit
from diversion.cases import rules
from diversion.cases.services import add_case_event
from diversion.court_wording import is_offered, wordings_of
from diversion.db import db, transactional
from diversion.errors import RuleBroken
from diversion.formatting import format_date, format_datetime
from diversion.models import (
    Appointment,
    AppointmentStatus,
    Case,
    CaseStatus,
    User,
    Venue,
)
from scheduling import calendar
from scheduling.candidates import LIVE as LIVE
from scheduling.candidates import MIN_NOTICE as MIN_NOTICE
from scheduling.candidates import candidates_at
from scheduling.candidates import free_time_for as free_time_for
from scheduling.hooks import notify_appointment_changed
from scheduling.options import Choices, session_options
from scheduling.plan import (
    Candidate,
    NoPlan,
    Plan,
    SessionSpec,
    Slot,
    next_not_before,
    propose_plan,
)
from scheduling.sessions import DONE, every_spec, named_worker_for
from scheduling.sessions import held_by_partner as held_by_partner
from scheduling.sessions import organisation_for as organisation_for
from scheduling.sessions import outstanding_sessions as outstanding_sessions
from scheduling.sessions import session_specs as session_specs

log = logging.getLogger(__name__)

CANCELLATIONS = {
    "client": AppointmentStatus.CANCELLED_BY_CLIENT,
    "service": AppointmentStatus.CANCELLED_BY_SERVICE,
}


class SlotTaken(RuleBroken):
    """Someone else booked this time first."""


def booked_for(case: Case, numbers: set[int]) -> list[Appointment]:
    """The live bookings of a case for these session numbers (replaced when a plan is booked)."""
    return [a for a in case.appointments if a.status in LIVE and a.session_number in numbers]


@dataclass(frozen=True)
class BookingWindow:
    """Where a case's appointments may go."""

    earliest_start: datetime
    last_day: date


def booking_window(case: Case, *, now: datetime) -> BookingWindow | None:
    """From the window's start (or now plus notice, if later) to the last appointment date;
    None until the case is agreed and both ends of its window are known."""
    if case.status is not CaseStatus.ON_SCHEME:
        return None
    window = rules.window(case)
    if window is None:
        return None
    start_of_first_day = datetime.combine(window.court_date, time(0), calendar.LONDON)
    return BookingWindow(max(now + MIN_NOTICE, start_of_first_day), window.last_appointment_date)


def _kept_before(case: Case, first: int) -> Appointment | None:
    """The latest booked or attended appointment of a session before `first`, if any."""
    kept = [a for a in case.appointments if a.session_number < first and a.status in (*LIVE, *DONE)]
    return max(kept, key=lambda a: a.starts_at) if kept else None


def _not_before(case: Case, window: BookingWindow, first: int) -> tuple[datetime, str | None]:
    """The earliest start of the first outstanding session, and the session it must follow.

    Besides the window, the first outstanding session keeps the gap after one already
    attended or booked before it (the same rule _check_plan_rules applies when booking).
    """
    kept = _kept_before(case, first)
    if kept is None:
        return window.earliest_start, None
    spec = every_spec(case)[kept.session_number - 1]
    bound = next_not_before(
        kept.starts_at, kept.ends_at - kept.starts_at, case.requirement_type.min_gap_days
    )
    return max(window.earliest_start, bound), spec.name


def _not_yet(case: Case) -> str:
    """Why nothing can be booked yet, in the words of the case's order."""
    order = rules.rules_of(case.requirement_type)
    if order.starts_in_court:
        return "Appointments can be booked once the court outcome is recorded as accepted."
    if case.status is CaseStatus.AWAITING_COURT and order.needs_both_agencies:
        return "Appointments can be booked once both the CJIT and the project have agreed."
    if case.status is not CaseStatus.ON_SCHEME:
        return f"This case is {case.status_label.lower()}: nothing more can be booked."
    return f"Appointments can be booked once the {order.end_noun} is recorded."


def _planning(
    case: Case, *, venue: Venue, now: datetime
) -> tuple[list[SessionSpec], datetime, str | None, BookingWindow, list[Candidate]] | NoPlan:
    window = booking_window(case, now=now)
    if window is None:
        return NoPlan(_not_yet(case))
    sessions = outstanding_sessions(case)
    if not sessions:
        return NoPlan("Every required session has been attended.")
    replaced = {a.id for a in booked_for(case, {s.number for s in sessions})}
    earliest, after = _not_before(case, window, sessions[0].number)
    first_day = window.earliest_start.astimezone(calendar.LONDON).date()
    organisation_id = organisation_for(case, sessions)
    candidates = candidates_at(
        organisation_id=organisation_id,
        preferred_worker_id=case.worker_id if organisation_id == case.organisation_id else None,
        venue=venue,
        first_day=first_day,
        last_day=window.last_day,
        now=now,
        ignore=replaced,
    )
    named = named_worker_for(case, sessions)
    if named is not None:
        # The order names who holds these sessions (her supervisor): nobody stands in.
        candidates = [c for c in candidates if c.worker_id == named]
    return sessions, earliest, after, window, candidates


def propose(case: Case, *, venue: Venue, now: datetime) -> Plan | NoPlan:
    """The earliest plan for a case's outstanding sessions, or why there is none."""
    planning = _planning(case, venue=venue, now=now)
    if isinstance(planning, NoPlan):
        return planning
    sessions, earliest, _after, window, candidates = planning
    return propose_plan(
        sessions=sessions,
        min_gap_days=case.requirement_type.min_gap_days,
        earliest_start=earliest,
        last_day=window.last_day,
        candidates=candidates,
        slot_minutes=case.requirement_type.slot_minutes,
    )


def choices(
    case: Case,
    *,
    venue: Venue,
    now: datetime,
    picks: dict[int, tuple[int, datetime]],
    days: dict[int, date],
    strict: bool,
) -> Choices | NoPlan:
    """What the booking page offers for each outstanding session (options.session_options).

    `picks` and `days` are keyed by session number: the time asked for and the day whose
    free times to list.
    """
    planning = _planning(case, venue=venue, now=now)
    if isinstance(planning, NoPlan):
        return planning
    sessions, earliest, after, window, candidates = planning
    return session_options(
        sessions=sessions,
        min_gap_days=case.requirement_type.min_gap_days,
        earliest_start=earliest,
        last_day=window.last_day,
        candidates=candidates,
        picks=[picks.get(s.number) for s in sessions],
        days=[days.get(s.number) for s in sessions],
        strict=strict,
        after=after,
        slot_minutes=case.requirement_type.slot_minutes,
    )


def _lock_workers(worker_ids: set[int]) -> None:
    """Take the booking lock of each worker, in id order so two bookings cannot deadlock."""
    for worker_id in sorted(worker_ids):
        db.session.execute(
            update(User)
            .where(User.id == worker_id)
            .values(schedule_version=User.schedule_version + 1)
        )


def _check_free(
    *, case: Case, venue: Venue, slots: Sequence[Slot], now: datetime, ignore: set[int]
) -> None:
    """Under the lock: every slot still lies wholly inside its worker's free time."""
    window = booking_window(case, now=now)
    assert window is not None
    days = [s.start.astimezone(calendar.LONDON).date() for s in slots]
    organisation_id = organisation_for(case, [slot.session for slot in slots])
    candidates = {
        c.worker_id: c
        for c in candidates_at(
            organisation_id=organisation_id,
            preferred_worker_id=case.worker_id,
            venue=venue,
            first_day=min(days),
            last_day=max(days),
            now=now,
            ignore=ignore,
            horizon_days=0,
        )
    }
    for slot in slots:
        candidate = candidates.get(slot.worker_id)
        free = candidate.free if candidate else []
        if not any(i.start <= slot.start and slot.end <= i.end for i in free):
            raise SlotTaken(
                f"{format_datetime(slot.start)} is no longer free. Someone may have just "
                "booked it: choose from the new proposals."
            )


def _check_plan_rules(case: Case, slots: Sequence[Slot], *, now: datetime) -> None:
    """Refuse a chosen set of slots that breaks the window, order or gap rules."""
    window = booking_window(case, now=now)
    if window is None:
        raise RuleBroken(_not_yet(case))
    gap = case.requirement_type.min_gap_days
    first = slots[0].session.number
    kept = [a for a in case.appointments if a.session_number < first and a.status in (*LIVE, *DONE)]
    previous: Slot | None = None
    if kept:
        last = max(kept, key=lambda a: a.starts_at)
        spec = every_spec(case)[last.session_number - 1]
        previous = Slot(
            session=spec, worker_id=last.worker_id, start=last.starts_at, end=last.ends_at
        )
    named = named_worker_for(case, [slot.session for slot in slots])
    for slot in slots:
        day = slot.start.astimezone(calendar.LONDON).date()
        if named is not None and slot.worker_id != named:
            raise RuleBroken(f"{slot.session.name} must be with her named supervisor")
        if slot.start < window.earliest_start:
            raise RuleBroken(f"{format_datetime(slot.start)} is too soon to book")
        if day > window.last_day:
            raise RuleBroken(
                f"{slot.session.name} must be on or before {format_date(window.last_day)}"
            )
        if previous is not None:
            previous_day = previous.start.astimezone(calendar.LONDON).date()
            if (day - previous_day).days < gap or slot.start < previous.end:
                raise RuleBroken(
                    f"{slot.session.name} must be at least {gap} days after "
                    f"{previous.session.name.lower()}"
                )
        previous = slot


@transactional
def book_plan(
    *,
    actor: User,
    case: Case,
    venue: Venue,
    slots: Sequence[Slot],
    now: datetime,
    moved_by: str | None = None,
    move_reason: str | None = None,
    move_wording: str | None = None,
) -> list[Appointment]:
    """Book every chosen session at once; replaced bookings are kept as rescheduled.

    Replacing a live booking is a reschedule: who asked (`moved_by`: client or service), why
    (the worker's words, for her file) and what the court is told (`move_wording`, one of the
    requirement type's court wordings) are then required, and kept on the old row (domain.md:
    history is kept).
    """
    if not slots:
        raise RuleBroken("Choose a time for each session")
    _check_plan_rules(case, slots, now=now)
    replaced = booked_for(case, {s.session.number for s in slots})
    if replaced and (moved_by not in CANCELLATIONS or not move_reason):
        raise RuleBroken("Say who asked to move the appointments and why", field="moved_by")
    if replaced:
        move_wording = _court_wording(case, move_wording, field="move_wording")
    _lock_workers({s.worker_id for s in slots} | {a.worker_id for a in replaced})
    _check_free(case=case, venue=venue, slots=slots, now=now, ignore={a.id for a in replaced})
    by_number = {a.session_number: a for a in replaced}
    booked = []
    for slot in slots:
        appointment = Appointment(
            case=case,
            session_number=slot.session.number,
            kind=slot.session.kind,
            starts_at=slot.start,
            ends_at=slot.end,
            venue_id=venue.id,
            worker_id=slot.worker_id,
            status=AppointmentStatus.BOOKED,
        )
        db.session.add(appointment)
        db.session.flush()
        old = by_number.get(slot.session.number)
        if old is not None:
            old.status = AppointmentStatus.RESCHEDULED
            old.successor_id = appointment.id
            asked = "She asked" if moved_by == "client" else "The service asked"
            old.reason = f"{asked}: {move_reason}"
            old.court_wording = move_wording
            old.sequence += 1
            notify_appointment_changed(old, change="rescheduled", now=now)
        notify_appointment_changed(appointment, change="booked", now=now)
        add_case_event(
            case, actor, "booked", f"{slot.session.name} booked for {format_datetime(slot.start)}."
        )
        audit.add(
            "appointment_booked",
            object_type="appointment",
            object_id=appointment.id,
            client_id=case.client_id,
        )
        booked.append(appointment)
    case.at_risk_reason = None
    return booked


def court_wordings(case: Case) -> tuple[str, ...]:
    """What the court may be told about her missed, cancelled or moved appointments."""
    return wordings_of(case.requirement_type.court_wordings)


def _court_wording(case: Case, wording: str | None, *, field: str = "court_wording") -> str:
    """The chosen court wording, refused unless it is one of the requirement type's."""
    if not wording or not is_offered(wording, case.requirement_type.court_wordings):
        raise RuleBroken("Select what the court is told", field=field)
    return wording


def at_risk_wording(case: Case, reason: str) -> str:
    """What a case flagged at risk says, given why no plan fits (NoPlan.reason), in the
    words of its order ("the return date", "the deadline"...)."""
    return f"Cannot complete before the {rules.rules_of(case.requirement_type).end_noun}: {reason}"


def _reflag(case: Case, *, venue: Venue, now: datetime) -> Plan | NoPlan:
    """After a miss or cancellation: the earliest rebooking, or flag the case at risk."""
    result = propose(case, venue=venue, now=now)
    if isinstance(result, NoPlan) and outstanding_sessions(case):
        case.at_risk_reason = at_risk_wording(case, result.reason)
        add_case_event(case, None, "at_risk", case.at_risk_reason)
    else:
        case.at_risk_reason = None
    return result


@transactional
def cancel(
    *,
    actor: User,
    appointment: Appointment,
    by: str,
    court_wording: str,
    reason: str,
    now: datetime,
) -> Plan | NoPlan:
    """Cancel a booking (by the client or the service), keeping its row, what the court is
    told (one of the requirement type's court wordings) and the worker's own reason."""
    if appointment.status is not AppointmentStatus.BOOKED:
        raise RuleBroken("Only a booked appointment can be cancelled")
    if by not in CANCELLATIONS:
        raise RuleBroken("Select who cancelled", field="by")
    court_wording = _court_wording(appointment.case, court_wording)
    appointment.status = CANCELLATIONS[by]
    appointment.court_wording = court_wording
    appointment.reason = reason or None
    appointment.sequence += 1
    case = appointment.case
    notify_appointment_changed(appointment, change="cancelled", now=now)
    add_case_event(
        case,
        actor,
        "cancelled",
        f"Session {appointment.session_number} on {format_datetime(appointment.starts_at)} "
        f"cancelled by {'her' if by == 'client' else 'the service'}.",
    )
    audit.add(
        "appointment_cancelled",
        object_type="appointment",
        object_id=appointment.id,
        client_id=case.client_id,
    )
    return _reflag(case, venue=appointment.venue, now=now)


@transactional
def mark_attended(*, actor: User, appointment: Appointment, now: datetime) -> None:
    """Record that she came."""
    _check_markable(appointment, now=now)
    appointment.status = AppointmentStatus.ATTENDED
    appointment.outcome_recorded_at = now
    notify_appointment_changed(appointment, change="attended", now=now)
    add_case_event(
        appointment.case,
        actor,
        "attended",
        f"Attended session {appointment.session_number} on "
        f"{format_datetime(appointment.starts_at)}.",
    )
    audit.add(
        "appointment_attended",
        object_type="appointment",
        object_id=appointment.id,
        client_id=appointment.case.client_id,
    )
    appointment.case.at_risk_reason = None


@transactional
def mark_did_not_attend(
    *, actor: User, appointment: Appointment, court_wording: str, reason: str, now: datetime
) -> Plan | NoPlan:
    """Record a missed appointment (the row stays), with what the court is told and the
    worker's own reason, and look for the earliest rebooking."""
    _check_markable(appointment, now=now)
    court_wording = _court_wording(appointment.case, court_wording)
    appointment.status = AppointmentStatus.DID_NOT_ATTEND
    appointment.court_wording = court_wording
    appointment.reason = reason or None
    appointment.outcome_recorded_at = now
    notify_appointment_changed(appointment, change="did_not_attend", now=now)
    case = appointment.case
    add_case_event(
        case,
        actor,
        "did_not_attend",
        f"Did not attend session {appointment.session_number} on "
        f"{format_datetime(appointment.starts_at)}.",
    )
    audit.add(
        "appointment_missed",
        object_type="appointment",
        object_id=appointment.id,
        client_id=case.client_id,
    )
    return _reflag(case, venue=appointment.venue, now=now)


def _check_markable(appointment: Appointment, *, now: datetime) -> None:
    if appointment.status is not AppointmentStatus.BOOKED:
        raise RuleBroken("Attendance has already been recorded for this appointment")
    if appointment.starts_at > now:
        raise RuleBroken("Attendance can be recorded once the appointment has started")
