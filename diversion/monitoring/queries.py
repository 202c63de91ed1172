"""Named reads for the monitoring report: counts grouped in SQL, one query per figure set.

Every read here returns grouped counts, never rows about a person, and runs as one SQL
statement whatever the size of the data (architecture rule 4), so the report costs a fixed
number of queries (`QUERIES`). The monitoring answers are sealed
(diversion.sealed): they are grouped as sealed values, and only the few distinct values are
opened, by diversion.monitoring.report.

A period is whole days in Europe/London: instants from the first day's midnight to the
midnight after the last day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    String,
    and_,
    case,
    func,
    literal,
    select,
    true,
    type_coerce,
    union_all,
)

from diversion.db import db, london_day
from diversion.models import (
    AgreedWhen,
    Appointment,
    AppointmentStatus,
    Case,
    CaseAgreement,
    CaseStatus,
    Client,
    ComplianceReport,
    CourtOutcome,
    InboundMessage,
    MessageStatus,
    MonitoringRecord,
    Organisation,
    OrganisationKind,
    OutboxMessage,
    RequirementType,
)
from diversion.monitoring.period import Period, Scope

# The SQL statements one report runs when everything is counted live: the summary's last run
# (diversion.monitoring.summary), organisations, orders, referrals, sessions (with their
# reminders), compliance, texts, replies and monitoring answers.
QUERIES = 9
# The dispatcher's reason for a text not sent because she had opted out
# (notifications.dispatcher._gate; a test keeps the two in step).
OPTED_OUT_REASON = "she opted out of texts"
# The reminders of an appointment (notifications.policy.ReminderKind): the day before, and
# two hours before. The booking confirmation is not a reminder.
DAY_BEFORE = "appointment_day_before"
REMINDER_KINDS = (DAY_BEFORE, "appointment_two_hours_before")
OUTCOMES = (AppointmentStatus.ATTENDED, AppointmentStatus.DID_NOT_ATTEND)
WORKING_KINDS = (OrganisationKind.PROJECT, OrganisationKind.CJIT)
# The monitoring answers, as columns of the record (diversion.monitoring.choices.QUESTIONS).
QUESTION_FIELDS = (
    "work_pattern",
    "contacts",
    "housing_status",
    "known_previously",
    "age_band",
    "ethnicity",
    "drug_use",
)


def _within(column: Any, scope: Scope) -> ColumnElement[bool]:
    return true() if scope is None else column.in_(list(scope))


def _days(column: Any, by_day: bool) -> list[Any]:
    """The London day of each row, first of the columns grouped by, when counting by day
    (the summary, diversion.monitoring.summary); nothing otherwise."""
    return [london_day(column).label("day")] if by_day else []


def organisations(scope: Scope) -> list[tuple[int, str]]:
    """The organisations a report counts, by name: the partnership's projects and CJITs, or
    the ones named."""
    query = select(Organisation.id, Organisation.name).order_by(Organisation.name, Organisation.id)
    if scope is None:
        query = query.where(Organisation.kind.in_(WORKING_KINDS))
    else:
        query = query.where(Organisation.id.in_(list(scope)))
    return [(row.id, row.name) for row in db.session.execute(query)]


@dataclass(frozen=True)
class Order:
    """An order (requirement type): its id, its name, and when a case of it is agreed."""

    id: int
    name: str
    agreed_when: AgreedWhen


def requirement_types() -> list[Order]:
    """Every order (requirement type), by name."""
    query = select(RequirementType.id, RequirementType.name, RequirementType.agreed_when).order_by(
        RequirementType.name, RequirementType.id
    )
    return [Order(*row) for row in db.session.execute(query)]


def _decision(orders: Sequence[Order]) -> ColumnElement[str]:
    """Where a referral stands: accepted, declined, not eligible or no decision.

    An order the court accepts (court diversion) is offered at court: its court outcome says.
    An order both agencies agree to (a conditional caution) is accepted when both have
    recorded agreement, declined when she declined or withdrew first. Any other order is
    agreed when it is made or the case is opened (AgreedWhen), so accepted. The orders are
    told apart by id (read beforehand), so no row joins its order."""
    at_court = [o.id for o in orders if o.agreed_when is AgreedWhen.COURT_ACCEPTS]
    by_both = [o.id for o in orders if o.agreed_when is AgreedWhen.BOTH_AGENCIES]
    agreed_by = (
        select(func.count(func.distinct(CaseAgreement.organisation_id)))
        .where(CaseAgreement.case_id == Case.id)
        .scalar_subquery()
    )
    return case(
        (
            Case.requirement_type_id.in_(at_court),
            case(
                (Case.court_outcome == CourtOutcome.ACCEPTED, "accepted"),
                (Case.court_outcome == CourtOutcome.DECLINED, "declined"),
                (Case.court_outcome == CourtOutcome.NOT_ELIGIBLE, "not_eligible"),
                else_="no_decision",
            ),
        ),
        (
            Case.requirement_type_id.in_(by_both),
            case(
                (agreed_by >= 2, "accepted"),
                (Case.status.in_((CaseStatus.DECLINED, CaseStatus.WITHDRAWN)), "declined"),
                (Case.status == CaseStatus.NOT_ELIGIBLE, "not_eligible"),
                else_="no_decision",
            ),
        ),
        else_="accepted",
    )


def referral_counts(
    scope: Scope, period: Period, orders: Sequence[Order], *, by_day: bool = False
) -> list[tuple[Any, ...]]:
    """Cases opened in the period: (organisation, order, decision, count), after the day
    when `by_day`."""
    decision = _decision(orders).label("decision")
    day = _days(Case.created_at, by_day)
    query = (
        select(*day, Case.organisation_id, Case.requirement_type_id, decision, func.count())
        .where(period.holds(Case.created_at), _within(Case.organisation_id, scope))
        .group_by(*day, Case.organisation_id, Case.requirement_type_id, decision)
    )
    return [tuple(row) for row in db.session.execute(query)]  # type: ignore[misc]


def compliance_counts(scope: Scope, period: Period) -> list[tuple[int, int, str, int]]:
    """Cases whose compliance report was signed off in the period, by the status of the
    latest one signed off in it: (organisation, order, compliance status, count)."""
    latest = (
        select(func.max(ComplianceReport.id).label("id"))
        .where(period.holds(ComplianceReport.signed_off_at))
        .group_by(ComplianceReport.case_id)
        .subquery()
    )
    query = (
        select(
            Case.organisation_id,
            Case.requirement_type_id,
            ComplianceReport.compliance_status,
            func.count(),
        )
        .join(latest, latest.c.id == ComplianceReport.id)
        .join(Case, Case.id == ComplianceReport.case_id)
        .where(_within(Case.organisation_id, scope))
        .group_by(
            Case.organisation_id, Case.requirement_type_id, ComplianceReport.compliance_status
        )
    )
    return [tuple(row) for row in db.session.execute(query)]  # type: ignore[misc]


# What became of a text, as a small number (the appointments' query packs it into one key).
BECAME = ("none", "delivered", "sent", "failed", "opted_out", "not_sent", "waiting")


def _what_became(status: Any, reason: Any) -> ColumnElement[int]:
    """What became of a text (its index in BECAME): delivered, sent (no receipt yet),
    failed, not sent because she opted out, not sent for another reason (skipped, held or
    cancelled), or still waiting to go (pending or in flight)."""
    return case(
        (status == MessageStatus.DELIVERED, 1),
        (status == MessageStatus.SENT, 2),
        (status == MessageStatus.FAILED, 3),
        (and_(status == MessageStatus.SKIPPED, reason == OPTED_OUT_REASON), 4),
        (status.in_((MessageStatus.PENDING, MessageStatus.SENDING)), 6),
        else_=5,
    )


def text_counts(scope: Scope, period: Period, *, by_day: bool = False) -> list[tuple[Any, ...]]:
    """Texts due in the period and settled (not waiting or in flight), by what became of
    them: (organisation, outcome, count). A text belongs to its case's organisation, or to
    her organisation when it is about no case.

    Every text of the period is read in one pass over the table: picking them by status
    through the dispatcher's index would fetch each row on its own, several times slower."""
    her_organisation = (
        select(Client.organisation_id).where(Client.id == OutboxMessage.client_id)
    ).scalar_subquery()
    organisation = func.coalesce(Case.organisation_id, her_organisation).label("org")
    outcome = _what_became(OutboxMessage.status, OutboxMessage.reason).label("outcome")
    day = _days(OutboxMessage.send_at, by_day)
    query = (
        select(*day, organisation, outcome, func.count())
        .select_from(OutboxMessage)
        .outerjoin(Case, Case.id == OutboxMessage.case_id)
        .where(period.holds(OutboxMessage.send_at), _within(organisation, scope))
        .group_by(*day, organisation, outcome)
    )
    return [
        (*row[:-3], row[-3], BECAME[row[-2]], row[-1])
        for row in db.session.execute(query)
        if BECAME[row[-2]] != "waiting"
    ]


def reply_counts(scope: Scope, period: Period, *, by_day: bool = False) -> list[tuple[Any, ...]]:
    """Texts received in the period by what they did: (organisation, action value, count)."""
    day = _days(InboundMessage.received_at, by_day)
    query = (
        select(*day, InboundMessage.organisation_id, InboundMessage.action, func.count())
        .where(
            period.holds(InboundMessage.received_at),
            InboundMessage.organisation_id.is_not(None),
            _within(InboundMessage.organisation_id, scope),
        )
        .group_by(*day, InboundMessage.organisation_id, InboundMessage.action)
    )
    return [
        (*row[:-3], row[-3], row[-2].value, row[-1])
        for row in db.session.execute(query)
        if row[-3] is not None
    ]


@dataclass(frozen=True)
class Sessions:
    """A count of appointments with their outcome recorded, by what they share."""

    organisation_id: int
    requirement_type_id: int
    status: str  # "attended" or "did_not_attend"
    reminder: str  # what became of the reminder (BECAME), "none" when there was none
    wording: str | None  # the wording of a delivered reminder
    count: int
    day: date | None = None  # when counted by day (the summary)


# The appointments' query groups by one packed number rather than five columns: sorting
# half a million rows on one integer takes half the time (docs/performance.md).
ORDER_BITS, REMINDER_BITS = 24, 3


def _reminder_of(any_reminder: bool) -> tuple[Any, ColumnElement[int], ColumnElement[str]]:
    """What to join an appointment to, what became of its reminder, and the wording of a
    delivered one."""
    if not any_reminder:
        joined = OutboxMessage
        condition = and_(
            OutboxMessage.appointment_id == Appointment.id, OutboxMessage.kind == DAY_BEFORE
        )
        became = case(
            (OutboxMessage.id.is_(None), 0),
            else_=_what_became(OutboxMessage.status, OutboxMessage.reason),
        )
        wording = case((OutboxMessage.status == MessageStatus.DELIVERED, OutboxMessage.wording))
        return (joined, condition), became, wording
    # Any reminder: the best of what became of them (delivered, then sent, failed, opted
    # out, not sent), and the wording of a delivered one.
    rank = case(
        (OutboxMessage.status == MessageStatus.DELIVERED, 5),
        (OutboxMessage.status == MessageStatus.SENT, 4),
        (OutboxMessage.status == MessageStatus.FAILED, 3),
        (
            and_(
                OutboxMessage.status == MessageStatus.SKIPPED,
                OutboxMessage.reason == OPTED_OUT_REASON,
            ),
            2,
        ),
        else_=1,
    )
    best = (
        select(
            OutboxMessage.appointment_id.label("appointment_id"),
            func.max(rank).label("rank"),
            func.max(
                case((OutboxMessage.status == MessageStatus.DELIVERED, OutboxMessage.wording))
            ).label("wording"),
        )
        .where(OutboxMessage.kind.in_(REMINDER_KINDS), OutboxMessage.appointment_id.is_not(None))
        .group_by(OutboxMessage.appointment_id)
        .subquery()
    )
    became = case(
        (best.c.rank == 5, 1),
        (best.c.rank == 4, 2),
        (best.c.rank == 3, 3),
        (best.c.rank == 2, 4),
        (best.c.rank == 1, 5),
        else_=0,
    )
    return (
        (best, best.c.appointment_id == Appointment.id),
        became,
        case((best.c.rank == 5, best.c.wording)),
    )


def session_counts(
    scope: Scope, period: Period, *, any_reminder: bool, by_day: bool = False
) -> list[Sessions]:
    """Appointments in the period whose outcome is recorded, in one pass: by organisation,
    order, attended or not, what became of the reminder and the wording of a delivered one.

    With `any_reminder` False the day-before reminder is the one; with True an appointment
    counts as reminded when any of its reminders was delivered, else by the best of what
    became of them."""
    (target, condition), became, wording = _reminder_of(any_reminder)
    attended = case((Appointment.status == AppointmentStatus.ATTENDED, 1), else_=0)
    key = (
        (Case.organisation_id * (1 << ORDER_BITS) + Case.requirement_type_id) * (1 << REMINDER_BITS)
        + became
    ) * 2 + attended
    key_label, wording_label = key.label("key"), wording.label("wording")
    day = _days(Appointment.starts_at, by_day)
    query = (
        select(*day, key_label, wording_label, func.count())
        .select_from(Appointment)
        .join(Case, Case.id == Appointment.case_id)
        .outerjoin(target, condition)
        .where(
            period.holds(Appointment.starts_at),
            Appointment.status.in_(OUTCOMES),
            _within(Case.organisation_id, scope),
        )
        .group_by(*day, key_label, wording_label)
    )
    found = []
    for row in db.session.execute(query):
        packed, wording_value, n = row[-3:]
        packed, went = divmod(packed, 2)
        packed, code = divmod(packed, 1 << REMINDER_BITS)
        organisation_id, order_id = divmod(packed, 1 << ORDER_BITS)
        status = "attended" if went else "did_not_attend"
        found.append(
            Sessions(
                organisation_id,
                order_id,
                status,
                BECAME[code],
                wording_value,
                n,
                row[0] if by_day else None,
            )
        )
    return found


def answer_counts(
    scope: Scope,
    period: Period,
    *,
    as_of: date | None = None,
    clients: Any = None,
    written_by: datetime | None = None,
    by_day: bool = False,
) -> list[tuple[Any, ...]]:
    """Referrals and attendance by each monitoring answer, the answer still sealed:
    (question, sealed answer or None when she has no record, referrals, attended, missed);
    with `by_day`, (day, organisation, ...) first.

    Her answers are those of her latest record on or before `as_of`, the period's last day
    unless given (by the day recorded, then the moment, then the row). Referrals are cases
    opened in the period; attendance is appointments in it with the outcome recorded.
    `clients` (a select of client ids) counts only those women; `written_by` reads only
    the records written by then (as the summary counted them)."""
    mine = true() if clients is None else MonitoringRecord.client_id.in_(clients)
    if written_by is not None:
        mine = and_(mine, MonitoringRecord.recorded_at <= written_by)
    ranked = (
        select(
            MonitoringRecord.client_id.label("client_id"),
            *(
                type_coerce(getattr(MonitoringRecord, name), String).label(name)
                for name in QUESTION_FIELDS
            ),
            func.row_number()
            .over(
                partition_by=MonitoringRecord.client_id,
                order_by=(
                    MonitoringRecord.recorded_on.desc(),
                    MonitoringRecord.recorded_at.desc(),
                    MonitoringRecord.id.desc(),
                ),
            )
            .label("n"),
        )
        .where(MonitoringRecord.recorded_on <= (as_of or period.last), mine)
        .subquery()
    )
    hers = true() if clients is None else Case.client_id.in_(clients)
    attended = case((Appointment.status == AppointmentStatus.ATTENDED, 1), else_=0)
    cases = _days(Case.created_at, by_day)
    appointments = _days(Appointment.starts_at, by_day)
    facts = union_all(
        select(
            *cases,
            Case.organisation_id.label("org"),
            Case.client_id.label("client_id"),
            literal(1).label("referrals"),
            literal(0).label("attended"),
            literal(0).label("missed"),
        ).where(period.holds(Case.created_at), _within(Case.organisation_id, scope), hers),
        select(
            *appointments, Case.organisation_id, Case.client_id, literal(0), attended, 1 - attended
        )
        .join(Appointment, Appointment.case_id == Case.id)
        .where(
            period.holds(Appointment.starts_at),
            Appointment.status.in_(OUTCOMES),
            _within(Case.organisation_id, scope),
            hers,
        ),
    ).subquery()
    keys = [facts.c.day, facts.c.org] if by_day else []
    per_client = (
        select(
            *keys,
            facts.c.client_id,
            func.sum(facts.c.referrals).label("referrals"),
            func.sum(facts.c.attended).label("attended"),
            func.sum(facts.c.missed).label("missed"),
        )
        .group_by(*keys, facts.c.client_id)
        .subquery()
    )
    joined = (
        select(per_client, *(ranked.c[name] for name in QUESTION_FIELDS))
        .outerjoin(ranked, and_(ranked.c.client_id == per_client.c.client_id, ranked.c.n == 1))
        .cte("answered")
    )
    outer = [joined.c.day, joined.c.org] if by_day else []
    query = union_all(
        *(
            select(
                *outer,
                literal(name).label("question"),
                joined.c[name].label("answer"),
                func.sum(joined.c.referrals),
                func.sum(joined.c.attended),
                func.sum(joined.c.missed),
            ).group_by(*outer, joined.c[name])
            for name in QUESTION_FIELDS
        )
    )
    return [
        (*row[:-3], int(row[-3] or 0), int(row[-2] or 0), int(row[-1] or 0))
        for row in db.session.execute(query)
    ]
