"""Orders that start away from court: opening a case from the event that starts it (a
positive test, a caution, an order), each agency's agreement, and a session recorded as not
needed. One transaction each; the order's settings decide (diversion.cases.orders).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from diversion import audit
from diversion.cases import orders, partnership, rules
from diversion.cases.services import add_case_event, check_sitting_day, running_case_of
from diversion.db import db, transactional
from diversion.errors import RuleBroken
from diversion.formatting import format_date
from diversion.hooks import notify_case_changed
from diversion.models import (
    AgreedWhen,
    AppointmentStatus,
    Case,
    CaseAgreement,
    CaseStatus,
    Client,
    Court,
    DrugTestResult,
    LapsedSession,
    Organisation,
    OrganisationKind,
    RequirementType,
    User,
)
from scheduling.hooks import notify_appointment_changed

# The agencies that hold cases and agree to them (a court or the CPS never does).
AGENCIES = (OrganisationKind.PROJECT, OrganisationKind.CJIT)
LAPSE_REASON_MAX_LENGTH = 500


@dataclass(frozen=True, kw_only=True)
class OrderDetails:
    """What a worker records when she opens a case of an order that starts away from court."""

    requirement_type: RequirementType
    # The court whose area the case is in: its addresses take the report.
    court: Court
    start_date: date
    end_date: date | None = None
    sessions_required: int | None = None
    partner: Organisation | None = None
    reference: str | None = None
    arrest_date: date | None = None
    charge: str = ""
    custody_drug_test: DrugTestResult = DrugTestResult.NOT_TESTED
    worker: User | None = None


def partner_choices(actor: User) -> list[Organisation]:
    """The agencies a case of the actor's organisation may name as its partner."""
    return list(
        db.session.scalars(
            select(Organisation)
            .where(Organisation.kind.in_(AGENCIES), Organisation.id != actor.organisation_id)
            .order_by(Organisation.name)
        )
    )


def _check(actor: User, details: OrderDetails, *, today: date) -> None:
    order = rules.rules_of(details.requirement_type)
    if order.starts_in_court:
        raise RuleBroken("This order starts at a court hearing", field="requirement_type_id")
    noun = order.start_noun
    if details.start_date > today:
        raise RuleBroken(f"The {noun} must be today or in the past", field="start_date")
    if order.end_set_on_case:
        if details.end_date is None:
            raise RuleBroken(f"Enter the {order.end_noun}", field="end_date")
        problem = orders.check_end_date(order, start=details.start_date, end=details.end_date)
        if problem:
            raise RuleBroken(problem, field="end_date")
        if order.end_on_sitting_day:
            check_sitting_day(
                details.court, details.end_date, field="end_date", noun=order.end_noun
            )
    problem = orders.check_sessions_chosen(order, details.sessions_required)
    if problem:
        raise RuleBroken(problem, field="sessions_required")
    if order.needs_partner:
        partner = details.partner
        if partner is None:
            raise RuleBroken("Select the partner agency", field="partner_organisation_id")
        if partner.kind not in AGENCIES or partner.id == actor.organisation_id:
            raise RuleBroken(
                "The partner must be another project or CJIT", field="partner_organisation_id"
            )
    if details.arrest_date and details.arrest_date > details.start_date:
        raise RuleBroken(f"Arrest date must be on or before the {noun}", field="arrest_date")
    if details.worker is not None and details.worker.organisation_id != actor.organisation_id:
        raise RuleBroken("Choose a worker from your organisation", field="worker_id")


@transactional
def open_order_case(
    *, actor: User, client: Client, details: OrderDetails, today: date, now: datetime
) -> Case:
    """Open a case from the event that starts its order, with only the fields it needs.

    An order agreed at once (a Required Assessment) or when made (an engagement and support
    order) is running from the start; one that needs both agencies waits for them.
    """
    partnership.refuse_case_held_elsewhere(actor=actor, client=client)
    _check(actor, details, today=today)
    order = rules.rules_of(details.requirement_type)
    running = running_case_of(client, details.requirement_type)
    if running is not None:
        raise RuleBroken(
            f"She already has an open {details.requirement_type.name} case "
            f"({running.reference}): close it before opening another",
            field="requirement_type_id",
        )
    waits = details.requirement_type.agreed_when is AgreedWhen.BOTH_AGENCIES
    case = Case(
        client=client,
        organisation_id=client.organisation_id,
        worker=details.worker,
        requirement_type=details.requirement_type,
        court=details.court,
        first_court_date=None,
        court_reference=details.reference or None,
        arrest_date=details.arrest_date,
        charge=details.charge or "",
        custody_drug_test=details.custody_drug_test,
        start_date=details.start_date,
        end_date=details.end_date if order.end_set_on_case else None,
        sessions_required=details.sessions_required if order.chosen_per_case else None,
        partner_organisation_id=details.partner.id if details.partner else None,
        status=CaseStatus.AWAITING_COURT if waits else CaseStatus.ON_SCHEME,
    )
    db.session.add(case)
    db.session.flush()
    case.reference = f"{details.requirement_type.code}-{case.id:06d}"
    summary = f"Case opened: {order.start_noun} {format_date(details.start_date)}"
    if case.end_date is not None:
        summary += f", {order.end_noun} {format_date(case.end_date)}"
    if case.sessions_required is not None:
        summary += f", {case.sessions_required} session(s) set"
    summary += "." + (" Waiting for both agencies to agree." if waits else "")
    add_case_event(case, actor, "opened", summary)
    audit.add("case_created", object_type="case", object_id=case.id, client_id=client.id)
    notify_case_changed(case, change="opened", now=now)
    return case


def can_agree(case: Case, user: User) -> bool:
    """Whether the user's agency is one that must agree to the case and has not yet."""
    if not user.is_caseworker or case.status is not CaseStatus.AWAITING_COURT:
        return False
    if not rules.rules_of(case.requirement_type).needs_both_agencies:
        return False
    parties = {case.organisation_id, case.partner_organisation_id}
    agreed = {a.organisation_id for a in case.agreements}
    return user.organisation_id in parties and user.organisation_id not in agreed


@transactional
def record_agreement(*, case: Case, actor: User, now: datetime) -> bool:
    """Record the actor's agency's agreement; return True once both have agreed (the case
    then runs and its sessions may be booked)."""
    if not can_agree(case, actor):
        raise RuleBroken("Your organisation cannot record agreement to this case")
    db.session.add(
        CaseAgreement(
            case=case, organisation_id=actor.organisation_id, user_id=actor.id, agreed_at=now
        )
    )
    db.session.flush()
    db.session.refresh(case, ["agreements"])
    organisation = db.session.get(Organisation, actor.organisation_id)
    assert organisation is not None
    add_case_event(case, actor, "agreed", f"{organisation.name} recorded its agreement.")
    audit.add("case_agreed", object_type="case", object_id=case.id, client_id=case.client_id)
    if rules.is_agreed(case):
        case.status = CaseStatus.ON_SCHEME
        add_case_event(case, None, "agreed", "Both agencies have agreed: sessions may be booked.")
        notify_case_changed(case, change="agreed", now=now)
        return True
    return False


def lapsable_session(case: Case, user: User) -> int | None:
    """The session this user may record as not needed now, or None.

    The order says which session may lapse and who may lapse it: "assessor" is the worker
    who held the attended session before it (a Required Assessment's initial assessor).
    """
    if case.status is not CaseStatus.ON_SCHEME or not user.is_caseworker:
        return None
    order = rules.rules_of(case.requirement_type)
    lapsed = rules.lapsed_numbers(case)
    for number, who in sorted(order.may_lapse.items()):
        if number in lapsed or number not in rules.required_numbers(case):
            continue
        if any(
            a.session_number == number and a.status is AppointmentStatus.ATTENDED
            for a in case.appointments
        ):
            continue
        before = [
            a
            for a in case.appointments
            if a.session_number == number - 1 and a.status is AppointmentStatus.ATTENDED
        ]
        if who == "assessor":
            if any(a.worker_id == user.id for a in before):
                return number
        elif user.organisation_id == case.organisation_id and (before or number == 1):
            return number
    return None


@transactional
def lapse_session(*, case: Case, actor: User, number: int, reason: str, now: datetime) -> None:
    """Record that a session is not needed: it lapses, its live bookings are cancelled by
    the service, and compliance no longer counts it. The reason stays in her file."""
    reason = reason.strip()
    if not reason:
        raise RuleBroken("Say why the session is not needed", field="reason")
    if len(reason) > LAPSE_REASON_MAX_LENGTH:
        raise RuleBroken(
            f"The reason must be {LAPSE_REASON_MAX_LENGTH} characters or fewer", field="reason"
        )
    if lapsable_session(case, actor) != number:
        raise RuleBroken("You cannot record that this session is not needed")
    db.session.add(
        LapsedSession(
            case=case, session_number=number, user_id=actor.id, lapsed_at=now, reason=reason
        )
    )
    for appointment in case.appointments:
        if appointment.session_number == number and appointment.status is AppointmentStatus.BOOKED:
            appointment.status = AppointmentStatus.CANCELLED_BY_SERVICE
            appointment.sequence += 1
            notify_appointment_changed(appointment, change="cancelled", now=now)
    name = str(case.requirement_type.sessions[number - 1]["name"])
    add_case_event(case, actor, "session_lapsed", f"{name}: recorded as not needed.")
    audit.add(
        "session_lapsed",
        object_type="case",
        object_id=case.id,
        client_id=case.client_id,
        detail=f"session {number}",
    )
    case.at_risk_reason = None
