"""Named reads for clients and cases: each returns what one page needs, in a fixed number
of queries."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import ColumnElement, Select, any_, false, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, joinedload, selectinload

from diversion.cases import rules
from diversion.crypto import lookup_hash
from diversion.db import db
from diversion.formatting import LONDON
from diversion.models import (
    Appointment,
    AppointmentStatus,
    Case,
    CaseAgreement,
    CaseEvent,
    CaseNote,
    CaseStatus,
    Client,
    ClientAlias,
    Role,
    User,
)
from diversion.phones import normalise_uk_mobile
from scheduling.at_risk import cannot_finish
from scheduling.calendar import Window, days_left

# A case that is still running: one of these per order at a time.
OPEN_STATUSES = (CaseStatus.AWAITING_COURT, CaseStatus.ON_SCHEME)

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


def clients_named(
    *, organisation_id: int, first_name: str, last_name: str, date_of_birth: date | None
) -> list[Client]:
    """Clients of one organisation with this name (or an alias written the same way, case
    ignored) and this date of birth: most likely her, already on the caseload."""
    if date_of_birth is None:
        return []
    whole = f"{first_name} {last_name}".strip().lower()
    query = (
        select(Client)
        .where(Client.organisation_id == organisation_id)
        .where(Client.date_of_birth == date_of_birth)
        .where(
            or_(
                (func.lower(Client.first_name) == first_name.strip().lower())
                & (func.lower(Client.last_name) == last_name.strip().lower()),
                select(ClientAlias.id)
                .where(ClientAlias.client_id == Client.id)
                .where(func.lower(ClientAlias.name) == whole)
                .exists(),
            )
        )
        .order_by(Client.id)
    )
    return list(db.session.scalars(query))


def open_cases_of(client: Client) -> list[Case]:
    """Her cases still running: awaiting court or on the scheme."""
    query = (
        select(Case)
        .where(Case.client_id == client.id)
        .where(Case.status.in_(OPEN_STATUSES))
        .options(joinedload(Case.requirement_type))
        .order_by(Case.id)
    )
    return list(db.session.scalars(query))


# A word pg_trgm can find by its trigram index: one with three ASCII letters or digits in a
# row (a shorter word has no trigram, and the index would be read whole; other letters count
# only where the database's locale says they are letters).
_INDEXABLE = re.compile(r"[A-Za-z0-9]{3}")


def _word_matches(word: str, *, postgresql: bool) -> ColumnElement[bool]:
    """The word anywhere in her first name, last name, the name texts use or an other name,
    case ignored.

    On PostgreSQL a word `_INDEXABLE` finds is written so that each arm can use its trigram
    index (diversion.models.TRIGRAM_INDEXES): her other names as `id = ANY(ARRAY(...))`, which
    PostgreSQL can OR with the names' index scans into one bitmap (and AND with the other
    words'), where EXISTS could only filter. The planner still walks the name index in order
    instead when a word matches so many clients that fifty are soon found. Any other word
    keeps EXISTS: no index can help it, and a plan kept for a longer word (psycopg prepares a
    statement run five times) must never read a trigram index whole for it."""
    pattern = _like(word)

    def like(
        column: InstrumentedAttribute[str] | InstrumentedAttribute[str | None],
    ) -> ColumnElement[bool]:
        return func.lower(column).like(pattern, escape="\\")

    other_names = select(ClientAlias.client_id).where(like(ClientAlias.name))
    if postgresql and _INDEXABLE.search(word):
        alias_match = Client.id == any_(func.array(other_names.scalar_subquery()))
    else:
        alias_match = other_names.where(ClientAlias.client_id == Client.id).exists()
    return or_(like(Client.first_name), like(Client.last_name), like(Client.text_name), alias_match)


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
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    for word in words:
        query = query.where(_word_matches(word, postgresql=postgresql))
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
            selectinload(Case.lapsed_sessions),
            selectinload(Case.agreements).joinedload(CaseAgreement.organisation),
        )
    )


def window_of(case: Case) -> Window | None:
    """A case's window once both its ends are known (diversion.cases.rules.window): for
    court diversion, once the court has set a return date."""
    return rules.window(case)


@dataclass
class CaseLine:
    """One case on the home page, with the dates that say what needs doing."""

    case: Case
    window: Window | None = None
    days_left: int | None = None
    # Why her sessions can no longer all happen in time (see at_risk_reason), or None.
    at_risk: str | None = None


def at_risk_reason(case: Case, *, today: date, window: Window | None) -> str | None:
    """Why a case on the scheme cannot finish in time: the reason recorded when a rebooking
    found no room, else what today's date says (scheduling.at_risk), else None."""
    if case.status is not CaseStatus.ON_SCHEME:
        return None
    if case.at_risk_reason:
        return case.at_risk_reason
    if window is None or today > window.last_appointment_date:
        # Past the last appointment date the report, not a rebooking, is what is left to do.
        return None
    required = rules.required_numbers(case)
    if not required:
        return None
    # A session not required (lapsed, or past the chosen count) counts as done here.
    attended = {
        a.session_number for a in case.appointments if a.status is AppointmentStatus.ATTENDED
    } | (set(range(1, max(required) + 1)) - set(required))
    booked = {
        a.session_number: a.starts_at.astimezone(LONDON).date()
        for a in case.appointments
        if a.status is AppointmentStatus.BOOKED
    }
    return cannot_finish(
        today=today,
        last_day=window.last_appointment_date,
        session_names=[str(s["name"]) for s in case.requirement_type.sessions][: max(required)],
        attended=attended,
        booked_days=booked,
        min_gap_days=case.requirement_type.min_gap_days,
    )


@dataclass
class Caseload:
    """A worker's or manager's cases, grouped by what needs doing next."""

    outcome_to_record: list[CaseLine] = field(default_factory=list)
    # Cases of an order that needs both agencies' agreement, not yet given.
    awaiting_agreement: list[CaseLine] = field(default_factory=list)
    court_date_coming: list[CaseLine] = field(default_factory=list)
    on_scheme: list[CaseLine] = field(default_factory=list)
    report_due: list[CaseLine] = field(default_factory=list)
    # Cases whose required sessions can no longer all fit before the last appointment date.
    at_risk: list[CaseLine] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (
            self.outcome_to_record
            or self.awaiting_agreement
            or self.court_date_coming
            or self.on_scheme
            or self.report_due
        )


def _open_cases_with_sessions(user: User) -> Select[tuple[Case]]:
    """Her organisation's open cases, with what the home pages show of each loaded with them."""
    return (
        select(Case)
        .where(Case.organisation_id == user.organisation_id)
        .where(Case.status.in_(OPEN_STATUSES))
        .options(
            joinedload(Case.client),
            joinedload(Case.court),
            joinedload(Case.worker),
            joinedload(Case.requirement_type),
            selectinload(Case.appointments),
            selectinload(Case.lapsed_sessions),
            selectinload(Case.agreements).joinedload(CaseAgreement.organisation),
        )
    )


def caseload(user: User, *, today: date) -> Caseload:
    """Open cases for the home page: a worker's own, or the whole organisation's for a manager."""
    query = _open_cases_with_sessions(user)
    if user.role is Role.WORKER:
        query = query.where(Case.worker_id == user.id)
    result = Caseload()
    for case in db.session.scalars(query):
        if case.status is CaseStatus.AWAITING_COURT:
            line = CaseLine(case)
            hearing = case.next_hearing_date
            if hearing is None:
                result.awaiting_agreement.append(line)
            elif hearing < today:
                result.outcome_to_record.append(line)
            else:
                result.court_date_coming.append(line)
            continue
        window = window_of(case)
        line = CaseLine(case, window, at_risk=at_risk_reason(case, today=today, window=window))
        if line.at_risk:
            result.at_risk.append(line)
        if window is None or today <= window.last_appointment_date:
            line.days_left = days_left(today, window.last_appointment_date) if window else None
            result.on_scheme.append(line)
        else:
            result.report_due.append(line)
    result.outcome_to_record.sort(key=lambda line: line.case.next_hearing_date or today)
    result.court_date_coming.sort(key=lambda line: line.case.next_hearing_date or today)
    result.awaiting_agreement.sort(key=lambda line: line.case.start_date or today)
    result.on_scheme.sort(key=lambda line: (line.days_left is None, line.days_left or 0))
    result.report_due.sort(key=lambda line: line.window.return_date if line.window else today)
    return result


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


@dataclass
class Progress:
    """One open case on the caseload overview: where it stands, in counts a manager scans."""

    case: Case
    window: Window | None
    days_left: int | None
    booked: int
    attended: int
    missed: int
    at_risk: str | None


def caseload_progress(user: User, *, today: date, worker_id: int | None = None) -> list[Progress]:
    """Open cases with their sessions booked, attended and missed: a manager's whole
    organisation (or one worker's, when asked), a worker's own. Two queries in all."""
    query = _open_cases_with_sessions(user).order_by(Case.id)
    if user.role is Role.WORKER:
        query = query.where(Case.worker_id == user.id)
    elif worker_id is not None:
        query = query.where(Case.worker_id == worker_id)
    lines = []
    for case in db.session.scalars(query).unique():
        window = window_of(case)
        statuses = [a.status for a in case.appointments]
        lines.append(
            Progress(
                case=case,
                window=window,
                days_left=days_left(today, window.last_appointment_date)
                if window and today <= window.last_appointment_date
                else None,
                booked=statuses.count(AppointmentStatus.BOOKED),
                attended=statuses.count(AppointmentStatus.ATTENDED),
                missed=statuses.count(AppointmentStatus.DID_NOT_ATTEND),
                at_risk=at_risk_reason(case, today=today, window=window),
            )
        )
    return lines


def partner_case_for(user: User, case_id: int) -> Case | None:
    """A case another agency holds that names the user's organisation as its partner (the
    CJIT of a caution, the CJIT holding a Required Assessment's initial assessment)."""
    if not user.is_caseworker:
        return None
    return db.session.scalar(
        select(Case)
        .where(Case.id == case_id, Case.partner_organisation_id == user.organisation_id)
        .options(
            joinedload(Case.client),
            joinedload(Case.requirement_type),
            joinedload(Case.organisation),
            selectinload(Case.appointments),
            selectinload(Case.agreements),
            selectinload(Case.lapsed_sessions),
        )
    )


def shared_cases(user: User) -> Select[tuple[int]]:
    """Open cases another agency shares with the user's organisation: the statement, for the
    menu to ask whether there are any (diversion.cases.menu); none for a non-caseworker."""
    query = (
        select(Case.id)
        .where(Case.partner_organisation_id == user.organisation_id)
        .where(Case.status.in_(OPEN_STATUSES))
    )
    return query if user.is_caseworker else query.where(false())


def shared_with(user: User) -> list[Case]:
    """Open cases other agencies hold that name the user's organisation as their partner."""
    if not user.is_caseworker:
        return []
    return list(
        db.session.scalars(
            select(Case)
            .where(Case.partner_organisation_id == user.organisation_id)
            .where(Case.status.in_(OPEN_STATUSES))
            .options(
                joinedload(Case.client),
                joinedload(Case.requirement_type),
                joinedload(Case.organisation),
                selectinload(Case.agreements),
                selectinload(Case.appointments),
                selectinload(Case.lapsed_sessions),
            )
            .order_by(Case.id)
        )
    )
