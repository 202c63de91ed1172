"""Recording her monitoring data at assessment: one transaction each (views never commit).

The guide (section 11.2) asks for the same seven answers from every agency. A worker records
them at an assessment; each recording is a new row, never an edit of an earlier one, so the
rows are her dated history and the report reads the latest as of its period. Every question
must be answered, "Not asked" included, so that a gap is recorded as a gap rather than left
to look like a refusal. The answers are special category data: sealed at rest by the model
(diversion.sealed), and the audit row names the record, never an answer (security.md 11, 12).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from diversion import audit, clock
from diversion.cases.queries import OPEN_STATUSES
from diversion.db import db, transactional
from diversion.errors import RuleBroken
from diversion.models import Case, Client, MonitoringRecord, User
from diversion.monitoring.choices import DRUG_USE, QUESTION_OF, QUESTIONS, drug_use_code

# An assessment recorded with a date before this is a slip (a year typed wrong).
EARLIEST_ASSESSMENT = date(2000, 1, 1)

# What each question says when it has no answer: "Not asked" is always an answer to give.
CHOOSE: dict[str, str] = {
    "work_pattern": "Select her work patterns, or Not asked",
    "contacts": "Select her contacts with other services, or Not asked",
    "housing_status": "Select her housing status, or Not asked",
    "known_previously": "Select whether she was known to the service before, or Not asked",
    "age_band": "Select her age, or Not asked",
    "ethnicity": "Select her ethnic group, or Not asked",
    "drug_use": "Select her drug use, or Not asked",
}
ON_ITS_OWN = "Select 'No drug use', 'Prefer not to say' or 'Not asked' on its own, not with others"
SINGLE_ANSWERS = tuple(question.field for question in QUESTIONS if not question.many)


@dataclass(frozen=True, kw_only=True)
class MonitoringAnswers:
    """Her seven answers as codes from diversion.monitoring.choices; drug use may have
    several (the codes chosen, in any order)."""

    work_pattern: str
    contacts: str
    housing_status: str
    known_previously: str
    age_band: str
    ethnicity: str
    drug_use: tuple[str, ...]


def _checked_answers(answers: MonitoringAnswers) -> dict[str, str]:
    """Each answer checked against its question's codes; drug use as its one stored code."""
    checked: dict[str, str] = {}
    for field in SINGLE_ANSWERS:
        code = getattr(answers, field)
        if code not in QUESTION_OF[field].codes:
            raise RuleBroken(CHOOSE[field], field=field)
        checked[field] = code
    if not set(answers.drug_use) <= set(DRUG_USE.codes) or not answers.drug_use:
        raise RuleBroken(CHOOSE["drug_use"], field="drug_use")
    try:
        checked["drug_use"] = drug_use_code(list(answers.drug_use))
    except ValueError as error:
        raise RuleBroken(ON_ITS_OWN, field="drug_use") from error
    return checked


@transactional
def record_monitoring(
    *,
    actor: User,
    client: Client,
    recorded_on: date,
    answers: MonitoringAnswers,
    case: Case | None = None,
    today: date,
    now: datetime | None = None,
) -> MonitoringRecord:
    """Record one set of her monitoring answers, as given at an assessment on `recorded_on`.

    Rules: only a worker or manager of her organisation records them; the date is today or
    earlier (and not before 2000); a case named is one of her open cases; every question is
    answered with one of its own answers ("Prefer not to say" and "Not asked" included), and
    for drug use "No drug use", "Prefer not to say" and "Not asked" stand alone. The row is
    added, never replacing an earlier one; the audit row holds ids only.
    """
    if not actor.is_caseworker or actor.organisation_id != client.organisation_id:
        raise RuleBroken("Only a worker or manager of her organisation can record her answers")
    if recorded_on > today:
        raise RuleBroken("Date of the assessment must be today or in the past", field="recorded_on")
    if recorded_on < EARLIEST_ASSESSMENT:
        raise RuleBroken(
            "Date of the assessment must be on or after 1 January 2000", field="recorded_on"
        )
    if case is not None and (case.client_id != client.id or case.status not in OPEN_STATUSES):
        raise RuleBroken("Select one of her open cases, or none", field="case_id")
    record = MonitoringRecord(
        client_id=client.id,
        organisation_id=client.organisation_id,
        case_id=case.id if case is not None else None,
        recorded_on=recorded_on,
        recorded_by_id=actor.id,
        recorded_at=now or clock.now(),
        **_checked_answers(answers),
    )
    db.session.add(record)
    db.session.flush()
    audit.add(
        "monitoring_recorded",
        object_type="monitoring_record",
        object_id=record.id,
        client_id=client.id,
        user_id=actor.id,
    )
    return record
