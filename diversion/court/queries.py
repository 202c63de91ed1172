"""Named reads for the sitting-day list: the courts a user may read, and who is due on a day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ColumnElement, and_, false, or_, select, true
from sqlalchemy.orm.attributes import set_committed_value

from diversion.cases.compliance import AppointmentFact, Compliance
from diversion.cases.facts import appointment_fact, compliance_of
from diversion.cases.rules import remembered_rules
from diversion.db import db
from diversion.formatting import LONDON
from diversion.models import (
    Appointment,
    Case,
    CaseStatus,
    Client,
    ComplianceReport,
    Court,
    LapsedSession,
    MessageStatus,
    OutboxMessage,
    RequirementType,
    Role,
    User,
)

# --- the sitting-day list: court liaison, the CPS and caseworkers -----------------------------

# Court-date reminders (notifications.policy.ReminderKind), and the statuses that mean the
# text left us: sent to the provider, or delivered to her phone.
COURT_REMINDER_KINDS = ("court_two_days_before", "court_day_before")
REMINDED_STATUSES = (MessageStatus.SENT, MessageStatus.DELIVERED)


def _courts_visible_to(user: User) -> ColumnElement[bool]:
    """Courts a user may read the lists of: court liaison her court's, the CPS the courts it
    prosecutes at, caseworkers every court (their cases may be at any); nobody else any."""
    if user.role is Role.COURT_LIAISON:
        return Court.organisation_id == user.organisation_id
    if user.role is Role.CPS:
        return Court.cps_organisation_id == user.organisation_id
    if user.is_caseworker:
        return true()
    return false()


def courts_for(user: User) -> list[Court]:
    """The active courts whose sitting-day lists a user may read, by name."""
    return list(
        db.session.scalars(
            select(Court)
            .where(Court.active.is_(True), _courts_visible_to(user))
            .order_by(Court.name, Court.id)
        )
    )


def court_for(user: User, court_id: int) -> Court | None:
    """One court whose lists the user may read; None otherwise (the page answers 404)."""
    return db.session.scalar(
        select(Court).where(Court.id == court_id, Court.active.is_(True), _courts_visible_to(user))
    )


@dataclass(frozen=True)
class FirstAppearance:
    """A case expected before the court for its first (or adjourned) hearing.

    Holds only what the court and the CPS may read (domain.md, "Who uses it"), plus the case
    id for caseworkers' links: never notes, charge, drug test, aliases, phone or housing."""

    case_id: int
    client_id: int
    name: str
    date_of_birth: date
    court_reference: str | None
    hearing_date: date
    # A court-date reminder text about this hearing was sent or delivered.
    reminded: bool


@dataclass(frozen=True)
class ReturningCase:
    """A case back at court from extended bail, with its attendance as the court reads it."""

    case_id: int
    client_id: int
    name: str
    date_of_birth: date
    court_reference: str | None
    # The hearing that gave extended bail.
    court_date: date | None
    return_date: date
    compliance: Compliance
    # The current signed-off compliance report, if there is one.
    report_id: int | None

    @property
    def attended_dates(self) -> list[date]:
        """The day each required session was attended, in session order."""
        return [s.attended_on for s in self.compliance.sessions if s.attended_on is not None]

    @property
    def missed_dates(self) -> list[date]:
        """The days of missed or cancelled appointments, in date order.

        Dates only: the court wording chosen for each reaches the court in the signed-off
        report; the list never shows free text, and no worker's reason reaches the court."""
        return [miss.day for miss in self.compliance.missed]


@dataclass(frozen=True)
class SittingDayList:
    """What one court hears on one day: first appearances and returns from extended bail."""

    court: Court
    day: date
    first_appearances: list[FirstAppearance]
    returning: list[ReturningCase]


def _london_day_bounds(day: date) -> tuple[datetime, datetime]:
    """The instants (UTC) a Europe/London day starts and ends."""
    start = datetime.combine(day, time(0), tzinfo=LONDON).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=LONDON).astimezone(UTC)
    return start, end


def _reminded_case_ids(case_ids: list[int], day: date) -> set[int]:
    """Cases that were sent a court-date reminder (sent or delivered) about a hearing that day."""
    if not case_ids:
        return set()
    start, end = _london_day_bounds(day)
    return set(
        db.session.scalars(
            select(OutboxMessage.case_id)
            # ix_outbox_message_case_kind answers it from the index alone; with the case id
            # alone SQLite, having no statistics, chose the dispatcher's index on status and
            # read every text ever sent (1.7 s over 555,300 texts).
            .where(OutboxMessage.case_id.in_(case_ids))
            .where(OutboxMessage.kind.in_(COURT_REMINDER_KINDS))
            .where(OutboxMessage.status.in_(REMINDED_STATUSES))
            .where(OutboxMessage.event_at >= start, OutboxMessage.event_at < end)
        )
    )


def _current_report_ids(case_ids: list[int]) -> dict[int, int]:
    """Case id to its current (latest) signed-off compliance report id."""
    if not case_ids:
        return {}
    latest: dict[int, int] = {}
    for case_id, report_id in db.session.execute(
        select(ComplianceReport.case_id, ComplianceReport.id)
        .where(ComplianceReport.case_id.in_(case_ids))
        .order_by(ComplianceReport.signed_off_at, ComplianceReport.id)
    ):
        latest[case_id] = report_id  # ordered oldest first: the last one written wins
    return latest


def _appointment_facts(case_ids: list[int]) -> dict[int, tuple[AppointmentFact, ...]]:
    """Case id to what the compliance rule reads of its appointments, read as rows: never
    her own reason for a missed session, which stays hers."""
    if not case_ids:
        return {}
    found: dict[int, list[AppointmentFact]] = {}
    for case_id, number, starts_at, status, wording in db.session.execute(
        select(
            Appointment.case_id,
            Appointment.session_number,
            Appointment.starts_at,
            Appointment.status,
            Appointment.court_wording,
        )
        .where(Appointment.case_id.in_(case_ids))
        .order_by(Appointment.case_id, Appointment.starts_at, Appointment.id)
    ):
        found.setdefault(case_id, []).append(appointment_fact(number, starts_at, status, wording))
    return {case_id: tuple(facts) for case_id, facts in found.items()}


def _requirement_types(ids: set[int]) -> dict[int, RequirementType]:
    """The few orders of a list's cases, once each (not their JSON settings on every row)."""
    if not ids:
        return {}
    found = db.session.scalars(select(RequirementType).where(RequirementType.id.in_(ids)))
    return {kind.id: kind for kind in found}


def _lapsed_numbers(case_ids: list[int]) -> dict[int, frozenset[int]]:
    """Case id to its lapsed session numbers, read as rows."""
    if not case_ids:
        return {}
    found: dict[int, set[int]] = {}
    for case_id, number in db.session.execute(
        select(LapsedSession.case_id, LapsedSession.session_number).where(
            LapsedSession.case_id.in_(case_ids)
        )
    ):
        found.setdefault(case_id, set()).add(number)
    return {case_id: frozenset(numbers) for case_id, numbers in found.items()}


def sitting_day_list(court: Court, day: date, *, user: User | None, today: date) -> SittingDayList:
    """The list for one court and sitting day, in a fixed number of queries (at most four,
    however many cases): the cases with their clients, requirement types and appointments,
    the reminder texts, and the signed-off reports.

    - First appearances: cases awaiting court whose next hearing is that day (the first
      court date, or the hearing the case was adjourned to).
    - Returning: cases whose return date (from extended bail) is that day, with compliance
      on `today` by the one rule (diversion.cases.facts.compliance_of).
    - Court liaison and the CPS see every organisation's cases at the court (they may read
      the court's list: see court_for); caseworkers only their own organisation's.
    - With no user, the list is the one the court itself is sent (the report-time job):
      every organisation's cases, as court liaison reads it.
    """
    next_hearing_is_day = or_(
        Case.adjourned_to == day,
        and_(Case.adjourned_to.is_(None), Case.first_court_date == day),
    )
    # Each branch starts with the court and one date, so each is one index range
    # (ix_case_court_dates, ix_case_court_adjourned_to, ix_case_court_return_date) rather
    # than a scan of every case the court ever had.
    on_the_day = or_(
        and_(Case.court_id == court.id, Case.first_court_date == day),
        and_(Case.court_id == court.id, Case.adjourned_to == day),
        and_(Case.court_id == court.id, Case.return_date == day),
    )
    query = (
        # Her name and date of birth as columns: only what the list shows of her, never her
        # number or her notes (which would also be decrypted for nothing), and no object.
        select(Case, Client.first_name, Client.last_name, Client.date_of_birth)
        .join(Client, Client.id == Case.client_id)
        .where(on_the_day)
        .where(
            or_(
                and_(Case.status == CaseStatus.AWAITING_COURT, next_hearing_is_day),
                Case.return_date == day,
            )
        )
    )
    if user is None:
        pass  # the court's own copy
    elif user.is_caseworker:
        query = query.where(Case.organisation_id == user.organisation_id)
    elif user.role not in (Role.COURT_LIAISON, Role.CPS):
        query = query.where(false())
    rows = sorted(
        db.session.execute(query).all(),
        key=lambda row: (row.last_name.casefold(), row.first_name.casefold(), row.Case.id),
    )
    names = {row.Case.id: (f"{row.first_name} {row.last_name}", row.date_of_birth) for row in rows}
    cases = [row.Case for row in rows]
    kinds = _requirement_types({case.requirement_type_id for case in cases})
    for case in cases:  # set, not looked up in the identity map case by case
        set_committed_value(case, "court", court)  # the court passed in
        set_committed_value(case, "requirement_type", kinds[case.requirement_type_id])
    first = [
        case
        for case in cases
        if case.status is CaseStatus.AWAITING_COURT and case.next_hearing_date == day
    ]
    first_ids = {case.id for case in first}
    returning = [case for case in cases if case.id not in first_ids and case.return_date == day]
    reminded = _reminded_case_ids([case.id for case in first], day)
    reports = _current_report_ids([case.id for case in returning])
    attendance = _appointment_facts([case.id for case in returning])
    lapses = _lapsed_numbers([case.id for case in returning])
    with remembered_rules():  # each order's rules once, not three times a case
        return SittingDayList(
            court=court,
            day=day,
            first_appearances=[
                FirstAppearance(
                    case_id=case.id,
                    client_id=case.client_id,
                    name=names[case.id][0],
                    date_of_birth=names[case.id][1],
                    court_reference=case.court_reference,
                    hearing_date=day,
                    reminded=case.id in reminded,
                )
                for case in first
            ],
            returning=[
                ReturningCase(
                    case_id=case.id,
                    client_id=case.client_id,
                    name=names[case.id][0],
                    date_of_birth=names[case.id][1],
                    court_reference=case.court_reference,
                    court_date=case.outcome_hearing_date,
                    return_date=day,
                    compliance=compliance_of(
                        case,
                        today=today,
                        appointments=attendance.get(case.id, ()),
                        lapsed=lapses.get(case.id, frozenset()),
                    ),
                    report_id=reports.get(case.id),
                )
                for case in returning
            ],
        )
