"""Clients and cases: adding and editing clients, opening a case, recording what the court
decided, notes and closing. One transaction each (views never commit)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import select

from diversion import audit, clock
from diversion.cases import partnership, rules
from diversion.cases.text_preferences import TextPreferences, apply_text_preferences
from diversion.court_wording import CASE_CLOSED_WORDING
from diversion.db import db, transactional
from diversion.errors import RuleBroken
from diversion.formatting import format_date, format_datetime
from diversion.hooks import notify_case_changed
from diversion.models import (
    EARLIEST_HEARING,
    LATEST_HEARING,
    Appointment,
    AppointmentStatus,
    Case,
    CaseEvent,
    CaseNote,
    CaseStatus,
    Client,
    ClientAlias,
    Court,
    CourtOutcome,
    DrugTestResult,
    RequirementType,
    User,
)
from scheduling import calendar
from scheduling.hooks import notify_appointment_changed


@dataclass(frozen=True, kw_only=True)
class CaseDetails:
    """What a worker records when she opens a case."""

    requirement_type: RequirementType
    court: Court
    first_court_date: date
    # The time the worker typed, or None for the court's list time.
    first_court_time: time | None = None
    court_reference: str | None
    arrest_date: date | None
    charge: str
    custody_drug_test: DrugTestResult
    worker: User | None


def check_sitting_day(court: Court, day: date, *, field: str, noun: str) -> None:
    """Refuse a hearing date the court does not sit on, saying why (domain.md)."""
    if calendar.is_sitting_day(day, court.sitting_weekdays):
        return
    if calendar.is_bank_holiday(day):
        raise RuleBroken(
            f"{noun.capitalize()} cannot be {format_date(day, 'long')}: it is a bank holiday",
            field=field,
        )
    days = calendar.weekday_names(court.sitting_weekdays)
    raise RuleBroken(f"{noun.capitalize()} must be a {days} ({court.name} sits then)", field=field)


def hearing_time(court: Court, typed: time | None, *, field: str, noun: str) -> time:
    """The time to record with a court date: the one typed, else the court's list time now.

    The court's list time is copied into the case when the date is recorded, not looked up
    each time it is read. A hearing's time is a fact about that hearing: when an administrator
    later moves the court's list (10:00 to 10:30, say) the hearings already listed do not move
    with it, and nothing would re-plan their reminders if they did (the dispatcher would
    cancel them as 'court date changed' and none would replace them). A worker who needs to
    move one records the new time on the case, which re-plans its reminders.
    """
    chosen = typed if typed is not None else court.list_time
    if typed is not None and not EARLIEST_HEARING <= typed <= LATEST_HEARING:
        raise RuleBroken(
            f"{noun.capitalize()} must be between {EARLIEST_HEARING:%H:%M} and "
            f"{LATEST_HEARING:%H:%M}",
            field=field,
        )
    return chosen


def _on(day: date, at: time) -> str:
    """A court date and its time as the case timeline says it: 'Wed 2 Dec 2026 at 10:30'."""
    return f"{format_date(day)} at {at:%H:%M}"


def add_case_event(case: Case, actor: User | None, kind: str, summary: str) -> None:
    """Add a line to the case's timeline inside the current transaction."""
    db.session.add(
        CaseEvent(case=case, actor_id=actor.id if actor else None, kind=kind, summary=summary)
    )


def running_case_of(client: Client, kind: RequirementType) -> Case | None:
    """Her open case of this order, if any: one at a time per order."""
    return db.session.scalar(
        select(Case)
        .where(Case.client_id == client.id)
        .where(Case.requirement_type_id == kind.id)
        .where(Case.status.in_((CaseStatus.AWAITING_COURT, CaseStatus.ON_SCHEME)))
        .limit(1)
    )


@transactional
def open_case(
    *, actor: User, client: Client, details: CaseDetails, now: datetime | None = None
) -> Case:
    """Open a case for a client, with her first court date at the designated court.

    Subscribers to the case hook (court-date reminders) run in this same transaction.
    """
    partnership.refuse_case_held_elsewhere(actor=actor, client=client)
    check_sitting_day(
        details.court, details.first_court_date, field="first_court_date", noun="court date"
    )
    first_court_time = hearing_time(
        details.court, details.first_court_time, field="first_court_time", noun="court time"
    )
    if details.arrest_date and details.arrest_date > details.first_court_date:
        raise RuleBroken("Arrest date must be on or before the court date", field="arrest_date")
    if details.worker is not None and details.worker.organisation_id != actor.organisation_id:
        raise RuleBroken("Choose a worker from your organisation", field="worker_id")
    if not rules.rules_of(details.requirement_type).starts_in_court:
        raise RuleBroken(
            f"{details.requirement_type.name} starts away from court: open it from "
            "the event that starts it",
            field="requirement_type_id",
        )
    running = running_case_of(client, details.requirement_type)
    if running is not None:
        raise RuleBroken(
            f"She already has an open {details.requirement_type.name} case "
            f"({running.reference}): close it before opening another",
            field="requirement_type_id",
        )
    case = Case(
        client=client,
        organisation_id=client.organisation_id,
        worker=details.worker,
        requirement_type=details.requirement_type,
        court=details.court,
        first_court_date=details.first_court_date,
        first_court_time=first_court_time,
        court_reference=details.court_reference or None,
        arrest_date=details.arrest_date,
        charge=details.charge,
        custody_drug_test=details.custody_drug_test,
        status=CaseStatus.AWAITING_COURT,
    )
    db.session.add(case)
    db.session.flush()
    case.reference = f"{details.requirement_type.code}-{case.id:06d}"
    add_case_event(
        case,
        actor,
        "opened",
        f"Case opened. First court date {_on(case.first_court_date, first_court_time)}.",
    )
    audit.add("case_created", object_type="case", object_id=case.id, client_id=client.id)
    notify_case_changed(case, change="opened", now=now or clock.now())
    return case


@dataclass(frozen=True, kw_only=True)
class OutcomeDecision:
    """What the court decided at a hearing."""

    outcome: CourtOutcome
    hearing_date: date
    return_date: date | None = None
    adjourned_to: date | None = None
    # The times typed with those dates, or None for the court's list time.
    return_time: time | None = None
    adjourned_to_time: time | None = None


OUTCOME_STATUS = {
    CourtOutcome.ACCEPTED: CaseStatus.ON_SCHEME,
    CourtOutcome.DECLINED: CaseStatus.DECLINED,
    CourtOutcome.NOT_ELIGIBLE: CaseStatus.NOT_ELIGIBLE,
    CourtOutcome.ADJOURNED: CaseStatus.AWAITING_COURT,
}


def suggested_return_date(case: Case, hearing_date: date | None) -> date | None:
    """The return date the app suggests for a hearing (see scheduling.calendar), or None
    when there is no hearing or the court does not sit within the 28 days after it: then
    there is nothing to offer."""
    if hearing_date is None:
        return None
    try:
        return calendar.suggest_return_date(hearing_date, case.court.sitting_weekdays)
    except ValueError:
        return None


@transactional
def record_outcome(
    *, actor: User, case: Case, decision: OutcomeDecision, now: datetime | None = None
) -> list[str]:
    """Record a court outcome; return the warnings the worker should see (the date stands).

    Subscribers to the case hook (court-date reminders) run in this same transaction.
    """
    if not rules.starts_in_court(case):
        raise RuleBroken("This order has no court outcome to record")
    if case.status not in (CaseStatus.AWAITING_COURT, CaseStatus.ON_SCHEME):
        raise RuleBroken(f"This case is {case.status.label.lower()}; its outcome cannot change")
    court = case.court
    check_sitting_day(court, decision.hearing_date, field="hearing_date", noun="hearing date")
    if decision.hearing_date < case.first_court_date:
        raise RuleBroken(
            "Hearing date must be on or after the first court date", field="hearing_date"
        )
    warnings: list[str] = []
    if decision.outcome is CourtOutcome.ACCEPTED:
        if decision.return_date is None:
            raise RuleBroken("Enter the return date", field="return_date")
        check = calendar.validate_return_date(
            court_date=decision.hearing_date,
            return_date=decision.return_date,
            sitting_weekdays=court.sitting_weekdays,
        )
        if check.errors:
            raise RuleBroken(check.errors[0], field="return_date")
        warnings = list(check.warnings)
        at = hearing_time(court, decision.return_time, field="return_time", noun="return time")
        case.return_date, case.return_time = decision.return_date, at
        case.adjourned_to = case.adjourned_to_time = None
        summary = (
            f"Offered and accepted at court on {format_date(decision.hearing_date)}. "
            f"Return date {_on(decision.return_date, at)}."
        )
    elif decision.outcome is CourtOutcome.ADJOURNED:
        if decision.adjourned_to is None:
            raise RuleBroken("Enter the date the case was adjourned to", field="adjourned_to")
        if decision.adjourned_to <= decision.hearing_date:
            raise RuleBroken("Adjourned date must be after the hearing date", field="adjourned_to")
        check_sitting_day(court, decision.adjourned_to, field="adjourned_to", noun="adjourned date")
        at = hearing_time(
            court, decision.adjourned_to_time, field="adjourned_to_time", noun="adjourned time"
        )
        case.adjourned_to, case.adjourned_to_time = decision.adjourned_to, at
        case.return_date = case.return_time = None
        summary = (
            f"Adjourned on {format_date(decision.hearing_date)} "
            f"to {_on(decision.adjourned_to, at)}."
        )
    else:
        case.return_date = case.return_time = None
        case.adjourned_to = case.adjourned_to_time = None
        summary = f"{decision.outcome.label} at court on {format_date(decision.hearing_date)}."
    case.court_outcome = decision.outcome
    case.outcome_hearing_date = decision.hearing_date
    case.status = OUTCOME_STATUS[decision.outcome]
    for warning in warnings:
        summary += f" Warning: {warning}"
    add_case_event(case, actor, "court_outcome", summary)
    audit.add(
        "court_outcome_recorded",
        object_type="case",
        object_id=case.id,
        client_id=case.client_id,
        detail=decision.outcome.value,
    )
    notify_case_changed(case, change="court_outcome", now=now or clock.now())
    return warnings


# How a case can end (domain.md, "Attendance and compliance"): completed or no further
# action (closed), or she left the scheme (withdrawn).
CLOSING_OUTCOMES = (CaseStatus.CLOSED, CaseStatus.WITHDRAWN)
FINISHED = (CaseStatus.CLOSED, CaseStatus.WITHDRAWN)
CLOSE_REASON_MAX_LENGTH = 500
APPOINTMENT_REASON_CASE_CLOSED = "Case closed"


def closing_outcomes(case: Case) -> tuple[CaseStatus, ...]:
    """The ways this case can be closed: withdrawn only once she was on the scheme."""
    if case.status in FINISHED:
        return ()
    if case.status is CaseStatus.ON_SCHEME:
        return CLOSING_OUTCOMES
    return (CaseStatus.CLOSED,)


def future_bookings(case: Case, *, now: datetime) -> list[Appointment]:
    """Her booked appointments still to come: closing the case cancels them."""
    return [
        a for a in case.appointments if a.status is AppointmentStatus.BOOKED and a.starts_at > now
    ]


@transactional
def close_case(
    case: Case, *, actor: User, outcome: CaseStatus, reason: str, now: datetime
) -> list[Appointment]:
    """Close a case as completed (closed) or withdrawn; return the appointments cancelled.

    Rules: a closed or withdrawn case stays so; withdrawn means she left the scheme, so only
    a case on the scheme can end that way; the reason is required. Her booked appointments
    still to come are cancelled by the service (reason "Case closed"), and the case hook
    cancels her court-date reminders, all in this one transaction (security.md 20). The
    closing time starts the retention period (diversion.privacy.retention).
    """
    if case.status in FINISHED:
        raise RuleBroken(f"This case is already {case.status.label.lower()}")
    if actor.organisation_id != case.organisation_id or not actor.is_caseworker:
        raise RuleBroken("Only a worker or manager of the case's organisation can close it")
    if outcome not in CLOSING_OUTCOMES:
        raise RuleBroken("Select how the case ended", field="outcome")
    if outcome not in closing_outcomes(case):
        raise RuleBroken(
            "She can only withdraw from a case on the scheme: close it as completed or "
            "no further action",
            field="outcome",
        )
    reason = reason.strip()
    if not reason:
        raise RuleBroken("Enter why the case is closing", field="reason")
    if len(reason) > CLOSE_REASON_MAX_LENGTH:
        raise RuleBroken(
            f"Reason must be {CLOSE_REASON_MAX_LENGTH} characters or fewer", field="reason"
        )
    cancelled = future_bookings(case, now=now)
    for appointment in cancelled:
        appointment.status = AppointmentStatus.CANCELLED_BY_SERVICE
        appointment.reason = APPOINTMENT_REASON_CASE_CLOSED
        appointment.court_wording = CASE_CLOSED_WORDING
        appointment.sequence += 1
        notify_appointment_changed(appointment, change="cancelled", now=now)
        add_case_event(
            case,
            actor,
            "cancelled",
            f"Session {appointment.session_number} on {format_datetime(appointment.starts_at)} "
            "cancelled by the service: case closed.",
        )
        audit.add(
            "appointment_cancelled",
            object_type="appointment",
            object_id=appointment.id,
            client_id=case.client_id,
            user_id=actor.id,
        )
    case.status = outcome
    case.closed_at = now
    case.at_risk_reason = None
    how = (
        "she withdrew from the scheme"
        if outcome is CaseStatus.WITHDRAWN
        else "completed or no further action"
    )
    add_case_event(case, actor, "closed", f"Case closed: {how}. Reason: {reason}")
    audit.add(
        "case_closed",
        object_type="case",
        object_id=case.id,
        client_id=case.client_id,
        detail=outcome.value,
        user_id=actor.id,
    )
    notify_case_changed(case, change="closed", now=now)
    return cancelled


NOTE_MAX_LENGTH = 5000


@transactional
def add_case_note(case: Case, *, actor: User, body: str, now: datetime) -> CaseNote:
    """Add a worker's note to a case: for the project only, never the court or the CPS.

    Rules: only a worker or manager of the case's organisation writes one; the note is
    required, at most NOTE_MAX_LENGTH characters, with no control characters but new lines.
    The audit row says a note was added and by whom, never what it says (security.md 11).
    """
    if actor.organisation_id != case.organisation_id or not actor.is_caseworker:
        raise RuleBroken("Only a worker or manager of the case's organisation can add a note")
    body = body.strip()
    if not body:
        raise RuleBroken("Enter the note", field="note")
    if len(body) > NOTE_MAX_LENGTH:
        raise RuleBroken(f"Note must be {NOTE_MAX_LENGTH:,} characters or fewer", field="note")
    if any(ord(ch) < 32 and ch not in "\n\r\t" for ch in body) or "\x7f" in body:
        raise RuleBroken("Note must not contain special characters", field="note")
    note = CaseNote(case_id=case.id, author_id=actor.id, written_at=now, body=body)
    db.session.add(note)
    db.session.flush()
    audit.add(
        "case_note_added",
        object_type="case_note",
        object_id=note.id,
        client_id=case.client_id,
        user_id=actor.id,
    )
    return note


class Unchanged(enum.Enum):
    """A detail the caller does not edit: what is held stays as it is."""

    UNCHANGED = "unchanged"


UNCHANGED = Unchanged.UNCHANGED


@dataclass(frozen=True, kw_only=True)
class ClientDetails:
    """What a worker types about a client; already validated by the form.

    Housing and health notes are for the project only (never the court or the CPS); a caller
    that does not show them leaves them UNCHANGED rather than erasing them.
    """

    first_name: str
    last_name: str
    aliases: tuple[str, ...]
    date_of_birth: date
    text_name: str | None
    mobile: str | None
    consent_to_texts: bool
    safe_to_text: bool
    housing: str | Unchanged | None = UNCHANGED
    health_notes: str | Unchanged | None = UNCHANGED
    # Her language, plainer wording and safe times for texts.
    texts: TextPreferences | Unchanged = UNCHANGED


def _apply(client: Client, details: ClientDetails, *, today: date) -> None:
    number_changed = client.mobile != details.mobile
    client.first_name = details.first_name
    client.last_name = details.last_name
    client.date_of_birth = details.date_of_birth
    client.text_name = details.text_name or None
    client.mobile = details.mobile
    client.consent_to_texts = details.consent_to_texts and details.mobile is not None
    # A new number has not been checked: the worker must confirm it is safe again.
    if details.mobile is None:
        client.safe_to_text_confirmed_on = None
    elif details.safe_to_text:
        if number_changed or client.safe_to_text_confirmed_on is None:
            client.safe_to_text_confirmed_on = today
    else:
        client.safe_to_text_confirmed_on = None
    if details.housing is not UNCHANGED:
        client.housing = details.housing or None
    if details.health_notes is not UNCHANGED:
        client.health_notes = details.health_notes or None
    if details.texts is not UNCHANGED:
        apply_text_preferences(client, details.texts)
    wanted = list(dict.fromkeys(a for a in details.aliases if a))
    existing = {alias.name: alias for alias in client.aliases}
    client.aliases = [existing.get(name) or ClientAlias(name=name) for name in wanted]


@transactional
def add_client(*, actor: User, details: ClientDetails, today: date) -> Client:
    """Add a client to the actor's organisation's caseload: not a woman whose file another
    organisation holds (diversion.cases.partnership, one file per woman)."""
    partnership.refuse_second_file(
        actor=actor,
        first_name=details.first_name,
        last_name=details.last_name,
        date_of_birth=details.date_of_birth,
    )
    client = Client(organisation_id=actor.organisation_id)
    _apply(client, details, today=today)
    db.session.add(client)
    db.session.flush()
    audit.add("client_created", object_type="client", object_id=client.id, client_id=client.id)
    return client


@transactional
def update_client(*, client: Client, details: ClientDetails, today: date) -> Client:
    """Change a client's details."""
    _apply(client, details, today=today)
    audit.add("client_updated", object_type="client", object_id=client.id, client_id=client.id)
    return client
