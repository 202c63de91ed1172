"""Named reads: each returns what one page needs, in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select, true
from sqlalchemy.orm import joinedload, selectinload

from diversion.compliance import Compliance
from diversion.crypto import lookup_hash
from diversion.db import db
from diversion.forms.clients import normalise_uk_mobile
from diversion.models import (
    Appointment,
    AppointmentStatus,
    Case,
    CaseEvent,
    CaseNote,
    CaseStatus,
    Client,
    ClientAlias,
    ComplianceReport,
    Court,
    InboundMessage,
    MessageStatus,
    OutboxMessage,
    RequirementType,
    Role,
    User,
    Venue,
)
from scheduling.calendar import LONDON, Window, case_window, days_left

MAX_RESULTS = 50


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.lower()}%"


def _mobile_searched_for(text: str | None) -> str | None:
    """The search text as a UK mobile number (E.164) when that is what was typed, else None."""
    if not text or not any(ch.isdigit() for ch in text) or any(ch.isalpha() for ch in text):
        return None
    try:
        return normalise_uk_mobile(text)
    except ValueError:
        return None


def search_clients(
    *, organisation_id: int, text: str | None, date_of_birth: date | None
) -> list[Client]:
    """Clients of one organisation matching a name or alias fragment, or her whole mobile
    number, and/or a date of birth. Numbers are encrypted, so a number is found by its keyed
    hash: the whole number, never a fragment."""
    query: Select[tuple[Client]] = select(Client).where(Client.organisation_id == organisation_id)
    mobile = _mobile_searched_for(text)
    if mobile is not None:
        query = query.where(Client.mobile_hash == lookup_hash(mobile))
    words = (text or "").split()[:5] if mobile is None else []
    for word in words:
        pattern = _like(word)
        alias_match = (
            select(ClientAlias.id)
            .where(ClientAlias.client_id == Client.id)
            .where(func.lower(ClientAlias.name).like(pattern, escape="\\"))
            .exists()
        )
        query = query.where(
            or_(
                func.lower(Client.first_name).like(pattern, escape="\\"),
                func.lower(Client.last_name).like(pattern, escape="\\"),
                func.lower(Client.text_name).like(pattern, escape="\\"),
                alias_match,
            )
        )
    if date_of_birth is not None:
        query = query.where(Client.date_of_birth == date_of_birth)
    query = (
        query.options(selectinload(Client.aliases))
        .order_by(Client.last_name, Client.first_name, Client.id)
        .limit(MAX_RESULTS)
    )
    return list(db.session.scalars(query))


def client_for(user: User, client_id: int) -> Client | None:
    """A client the user's organisation holds, with aliases and cases; None otherwise."""
    return db.session.scalar(
        select(Client)
        .where(Client.id == client_id, Client.organisation_id == user.organisation_id)
        .options(
            selectinload(Client.aliases),
            selectinload(Client.cases).joinedload(Case.court),
            selectinload(Client.cases).joinedload(Case.requirement_type),
        )
    )


def case_for(user: User, case_id: int) -> Case | None:
    """A case the user's organisation holds, with what its page shows; None otherwise."""
    return db.session.scalar(
        select(Case)
        .where(Case.id == case_id, Case.organisation_id == user.organisation_id)
        .options(
            joinedload(Case.client).selectinload(Client.aliases),
            joinedload(Case.court),
            joinedload(Case.requirement_type),
            joinedload(Case.worker),
            selectinload(Case.events).joinedload(CaseEvent.actor),
            selectinload(Case.appointments),
        )
    )


def window_of(case: Case) -> Window | None:
    """The extended-bail window of a case once the court has set a return date."""
    if case.return_date is None or case.outcome_hearing_date is None:
        return None
    return case_window(
        court_date=case.outcome_hearing_date,
        return_date=case.return_date,
        report_lead_working_days=case.court.report_lead_working_days,
        report_due_time=case.court.report_due_time,
    )


@dataclass
class CaseLine:
    """One case on the home page, with the dates that say what needs doing."""

    case: Case
    window: Window | None = None
    days_left: int | None = None


@dataclass
class Caseload:
    """A worker's or manager's cases, grouped by what needs doing next."""

    outcome_to_record: list[CaseLine] = field(default_factory=list)
    court_date_coming: list[CaseLine] = field(default_factory=list)
    on_scheme: list[CaseLine] = field(default_factory=list)
    report_due: list[CaseLine] = field(default_factory=list)
    # Cases whose required sessions can no longer all fit before the last appointment date.
    at_risk: list[CaseLine] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (
            self.outcome_to_record or self.court_date_coming or self.on_scheme or self.report_due
        )


def caseload(user: User, *, today: date) -> Caseload:
    """Open cases for the home page: a worker's own, or the whole organisation's for a manager."""
    query = (
        select(Case)
        .where(Case.organisation_id == user.organisation_id)
        .where(Case.status.in_([CaseStatus.AWAITING_COURT, CaseStatus.ON_SCHEME]))
        .options(joinedload(Case.client), joinedload(Case.court), joinedload(Case.worker))
    )
    if user.role is Role.WORKER:
        query = query.where(Case.worker_id == user.id)
    result = Caseload()
    for case in db.session.scalars(query):
        if case.status is CaseStatus.AWAITING_COURT:
            line = CaseLine(case)
            if case.next_hearing_date < today:
                result.outcome_to_record.append(line)
            else:
                result.court_date_coming.append(line)
            continue
        window = window_of(case)
        line = CaseLine(case, window)
        if case.at_risk_reason:
            result.at_risk.append(line)
        if window is None or today <= window.last_appointment_date:
            line.days_left = days_left(today, window.last_appointment_date) if window else None
            result.on_scheme.append(line)
        else:
            result.report_due.append(line)
    result.outcome_to_record.sort(key=lambda line: line.case.next_hearing_date)
    result.court_date_coming.sort(key=lambda line: line.case.next_hearing_date)
    result.on_scheme.sort(key=lambda line: (line.days_left is None, line.days_left or 0))
    result.report_due.sort(key=lambda line: line.case.return_date or today)
    return result


def courts(*, active_only: bool = True) -> list[Court]:
    """Courts for pick lists and administration."""
    query = select(Court).order_by(Court.name)
    if active_only:
        query = query.where(Court.active.is_(True))
    return list(db.session.scalars(query))


def requirement_types(*, active_only: bool = True) -> list[RequirementType]:
    """Requirement types for pick lists and administration."""
    query = select(RequirementType).order_by(RequirementType.id)
    if active_only:
        query = query.where(RequirementType.active.is_(True))
    return list(db.session.scalars(query))


def caseworkers(organisation_id: int) -> list[User]:
    """Active workers and managers of one organisation, who can hold cases."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.organisation_id == organisation_id, User.active.is_(True))
            .where(User.role.in_([Role.WORKER, Role.MANAGER]))
            .order_by(User.name)
        )
    )


def venues(organisation_id: int | None = None) -> list[Venue]:
    """Venues, of one organisation or all."""
    query = select(Venue).order_by(Venue.name)
    if organisation_id is not None:
        query = query.where(Venue.organisation_id == organisation_id)
    return list(db.session.scalars(query))


def appointments_awaiting_outcome(user: User, *, now: datetime) -> list[Appointment]:
    """Booked appointments that have started but whose attendance nobody has recorded yet."""
    query = (
        select(Appointment)
        .join(Case, Appointment.case_id == Case.id)
        .where(Case.organisation_id == user.organisation_id)
        .where(Appointment.status == AppointmentStatus.BOOKED, Appointment.starts_at <= now)
        .options(joinedload(Appointment.case).joinedload(Case.client))
        .order_by(Appointment.starts_at, Appointment.id)
    )
    if user.role is Role.WORKER:
        query = query.where(Appointment.worker_id == user.id)
    return list(db.session.scalars(query))


def messages_for_case(case_id: int) -> list[OutboxMessage]:
    """Every text message about a case, in the order they go (or went)."""
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.case_id == case_id)
            .order_by(OutboxMessage.send_at, OutboxMessage.id)
        )
    )


def sent_messages(organisation_id: int, *, limit: int = 200) -> list[OutboxMessage]:
    """Texts the service has sent for an organisation's clients, newest first."""
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .join(Client, OutboxMessage.client_id == Client.id)
            .where(Client.organisation_id == organisation_id)
            .where(OutboxMessage.body.is_not(None))
            .order_by(OutboxMessage.updated_at.desc(), OutboxMessage.id.desc())
            .limit(limit)
        )
    )


# --- replies and texts that need a caseworker -------------------------------------------------

INBOX_LIMIT = 200
ATTENTION_LIMIT = 20
# A failed or held text older than this no longer asks anything of the worker.
ATTENTION_DAYS = 30


def _in_inbox_of(user: User) -> ColumnElement[bool]:
    """Replies a user may see: a worker her own inbox; a manager her organisation's whole
    inbox (every worker's and the managers' one) and the replies from unknown numbers."""
    if user.role is Role.WORKER:
        return and_(
            InboundMessage.worker_id == user.id,
            InboundMessage.organisation_id == user.organisation_id,
        )
    if user.role is Role.MANAGER:
        return or_(
            InboundMessage.organisation_id == user.organisation_id,
            InboundMessage.organisation_id.is_(None),
        )
    return false()  # court, CPS and administrators never see replies


def inbox_for(user: User, *, limit: int = INBOX_LIMIT) -> list[InboundMessage]:
    """The replies in a user's inbox, newest first, with client, case and worker loaded."""
    return list(
        db.session.scalars(
            select(InboundMessage)
            .where(_in_inbox_of(user))
            .options(
                joinedload(InboundMessage.client),
                joinedload(InboundMessage.case),
                joinedload(InboundMessage.worker),
            )
            .order_by(InboundMessage.received_at.desc(), InboundMessage.id.desc())
            .limit(limit)
        )
    )


def reply_for(user: User, message_id: int) -> InboundMessage | None:
    """One reply in the user's inbox; None when it is not hers to see."""
    return db.session.scalar(
        select(InboundMessage).where(_in_inbox_of(user), InboundMessage.id == message_id)
    )


def unread_reply_count(user: User) -> int:
    """How many replies in the user's inbox nobody has read yet."""
    return (
        db.session.scalar(
            select(func.count(InboundMessage.id))
            .where(_in_inbox_of(user))
            .where(InboundMessage.read_at.is_(None))
        )
        or 0
    )


def replies_for_case(case_id: int) -> list[InboundMessage]:
    """Every reply about a case, newest first (the case page checks the organisation)."""
    return list(
        db.session.scalars(
            select(InboundMessage)
            .where(InboundMessage.case_id == case_id)
            .order_by(InboundMessage.received_at.desc(), InboundMessage.id.desc())
        )
    )


def message_problem(message: OutboxMessage) -> str:
    """Why a failed or held text did not reach her, in the words a worker reads."""
    if message.status is MessageStatus.HELD:
        return message.reason or "number not confirmed safe to text in the last 90 days"
    if message.reason:
        return message.reason
    if message.error_code is not None:
        return f"not delivered (code {message.error_code})"
    return "not delivered"


@dataclass
class TextProblem:
    """A text that failed or is held, with the client and case it was about."""

    message: OutboxMessage
    client: Client
    case: Case

    @property
    def failed(self) -> bool:
        return self.message.status is MessageStatus.FAILED

    @property
    def reason(self) -> str:
        return message_problem(self.message)


def messages_needing_attention(
    user: User, *, now: datetime, limit: int = ATTENTION_LIMIT
) -> list[TextProblem]:
    """Texts on the user's cases that failed (not delivered, refused) or are held (number not
    confirmed safe to text), changed in the last 30 days, newest first. A worker sees her own
    cases, a manager her organisation's. Held texts show once per client: one check of her
    number releases them all."""
    changed = func.coalesce(OutboxMessage.status_updated_at, OutboxMessage.updated_at)
    query = (
        select(OutboxMessage, Client, Case)
        .join(Case, OutboxMessage.case_id == Case.id)
        .join(Client, OutboxMessage.client_id == Client.id)
        .where(Case.organisation_id == user.organisation_id)
        .where(Client.organisation_id == user.organisation_id)
        .where(OutboxMessage.status.in_([MessageStatus.FAILED, MessageStatus.HELD]))
        .where(changed >= now - timedelta(days=ATTENTION_DAYS))
        .order_by(changed.desc(), OutboxMessage.id.desc())
        .limit(limit * 4)
    )
    if user.role is Role.WORKER:
        query = query.where(Case.worker_id == user.id)
    elif user.role is not Role.MANAGER:
        return []
    problems: list[TextProblem] = []
    held_for: set[int] = set()
    for message, client, case in db.session.execute(query):
        if message.status is MessageStatus.HELD:
            if client.id in held_for:
                continue
            held_for.add(client.id)
        problems.append(TextProblem(message, client, case))
    return problems[:limit]


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

        Dates only: the reasons a worker recorded reach the court in the signed-off report,
        whose wording she checked; the list never shows free text."""
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


def sitting_day_list(court: Court, day: date, *, user: User | None, today: date) -> SittingDayList:
    """The list for one court and sitting day, in a fixed number of queries (at most four,
    however many cases): the cases with their clients, requirement types and appointments,
    the reminder texts, and the signed-off reports.

    - First appearances: cases awaiting court whose next hearing is that day (the first
      court date, or the hearing the case was adjourned to).
    - Returning: cases whose return date (from extended bail) is that day, with compliance
      on `today` by the one rule (diversion.reports.compliance_of).
    - Court liaison and the CPS see every organisation's cases at the court (they may read
      the court's list: see court_for); caseworkers only their own organisation's.
    - With no user, the list is the one the court itself is sent (the report-time job):
      every organisation's cases, as court liaison reads it.
    """
    # Imported here: diversion.reports reads this module (window_of) at import time.
    from diversion.reports import compliance_of

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
        select(Case)
        .where(on_the_day)
        .where(
            or_(
                and_(Case.status == CaseStatus.AWAITING_COURT, next_hearing_is_day),
                Case.return_date == day,
            )
        )
        .options(
            joinedload(Case.client),
            joinedload(Case.requirement_type),
            # Case.court is the court passed in: already in the session, never loaded again.
            selectinload(Case.appointments),
        )
    )
    if user is None:
        pass  # the court's own copy
    elif user.is_caseworker:
        query = query.where(Case.organisation_id == user.organisation_id)
    elif user.role not in (Role.COURT_LIAISON, Role.CPS):
        query = query.where(false())
    cases = sorted(
        db.session.scalars(query).unique(),
        key=lambda case: (
            case.client.last_name.casefold(),
            case.client.first_name.casefold(),
            case.id,
        ),
    )
    first = [
        case
        for case in cases
        if case.status is CaseStatus.AWAITING_COURT and case.next_hearing_date == day
    ]
    first_ids = {case.id for case in first}
    returning = [case for case in cases if case.id not in first_ids and case.return_date == day]
    reminded = _reminded_case_ids([case.id for case in first], day)
    reports = _current_report_ids([case.id for case in returning])
    return SittingDayList(
        court=court,
        day=day,
        first_appearances=[
            FirstAppearance(
                case_id=case.id,
                client_id=case.client_id,
                name=case.client.full_name,
                date_of_birth=case.client.date_of_birth,
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
                name=case.client.full_name,
                date_of_birth=case.client.date_of_birth,
                court_reference=case.court_reference,
                court_date=case.outcome_hearing_date,
                return_date=day,
                compliance=compliance_of(case, today=today),
                report_id=reports.get(case.id),
            )
            for case in returning
        ],
    )


def notes_for_case(case_id: int) -> list[CaseNote]:
    """A case's notes, newest first, with their authors (the case page's Notes section)."""
    return list(
        db.session.scalars(
            select(CaseNote)
            .where(CaseNote.case_id == case_id)
            .options(joinedload(CaseNote.author))
            .order_by(CaseNote.written_at.desc(), CaseNote.id.desc())
        )
    )
