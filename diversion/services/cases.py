"""Opening a case and recording what the court decided."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from diversion import audit, clock
from diversion.db import db, transactional
from diversion.errors import RuleBroken
from diversion.formatting import format_date
from diversion.hooks import notify_case_changed
from diversion.models import (
    Case,
    CaseEvent,
    CaseStatus,
    Client,
    Court,
    CourtOutcome,
    DrugTestResult,
    RequirementType,
    User,
)
from scheduling import calendar


@dataclass(frozen=True, kw_only=True)
class CaseDetails:
    """What a worker records when she opens a case."""

    requirement_type: RequirementType
    court: Court
    first_court_date: date
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


def add_case_event(case: Case, actor: User | None, kind: str, summary: str) -> None:
    """Add a line to the case's timeline inside the current transaction."""
    db.session.add(
        CaseEvent(case=case, actor_id=actor.id if actor else None, kind=kind, summary=summary)
    )


@transactional
def open_case(
    *, actor: User, client: Client, details: CaseDetails, now: datetime | None = None
) -> Case:
    """Open a case for a client, with her first court date at the designated court.

    Subscribers to the case hook (court-date reminders) run in this same transaction.
    """
    check_sitting_day(
        details.court, details.first_court_date, field="first_court_date", noun="court date"
    )
    if details.arrest_date and details.arrest_date > details.first_court_date:
        raise RuleBroken("Arrest date must be on or before the court date", field="arrest_date")
    if details.worker is not None and details.worker.organisation_id != actor.organisation_id:
        raise RuleBroken("Choose a worker from your organisation", field="worker_id")
    case = Case(
        client=client,
        organisation_id=client.organisation_id,
        worker=details.worker,
        requirement_type=details.requirement_type,
        court=details.court,
        first_court_date=details.first_court_date,
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
        f"Case opened. First court date {format_date(case.first_court_date)}.",
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


OUTCOME_STATUS = {
    CourtOutcome.ACCEPTED: CaseStatus.ON_SCHEME,
    CourtOutcome.DECLINED: CaseStatus.DECLINED,
    CourtOutcome.NOT_ELIGIBLE: CaseStatus.NOT_ELIGIBLE,
    CourtOutcome.ADJOURNED: CaseStatus.AWAITING_COURT,
}


def suggested_return_date(case: Case, hearing_date: date) -> date:
    """The return date the app suggests for a hearing: see scheduling.calendar."""
    return calendar.suggest_return_date(hearing_date, case.court.sitting_weekdays)


@transactional
def record_outcome(
    *, actor: User, case: Case, decision: OutcomeDecision, now: datetime | None = None
) -> list[str]:
    """Record a court outcome; return the warnings the worker should see (the date stands).

    Subscribers to the case hook (court-date reminders) run in this same transaction.
    """
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
        case.return_date = decision.return_date
        case.adjourned_to = None
        summary = (
            f"Offered and accepted at court on {format_date(decision.hearing_date)}. "
            f"Return date {format_date(decision.return_date)}."
        )
    elif decision.outcome is CourtOutcome.ADJOURNED:
        if decision.adjourned_to is None:
            raise RuleBroken("Enter the date the case was adjourned to", field="adjourned_to")
        if decision.adjourned_to <= decision.hearing_date:
            raise RuleBroken("Adjourned date must be after the hearing date", field="adjourned_to")
        check_sitting_day(court, decision.adjourned_to, field="adjourned_to", noun="adjourned date")
        case.adjourned_to = decision.adjourned_to
        case.return_date = None
        summary = (
            f"Adjourned on {format_date(decision.hearing_date)} "
            f"to {format_date(decision.adjourned_to)}."
        )
    else:
        case.return_date = None
        case.adjourned_to = None
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
