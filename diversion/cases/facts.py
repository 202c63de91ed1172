"""The compliance rule's adapters: a case and its appointments as the plain facts the rule reads."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from diversion.cases import rules
from diversion.cases.compliance import AppointmentFact, CaseFacts, Compliance, compliance
from diversion.cases.queries import window_of
from diversion.formatting import LONDON
from diversion.models import (
    Appointment,
    Case,
)


def appointment_facts(appointments: Iterable[Appointment]) -> tuple[AppointmentFact, ...]:
    """What the compliance rule needs of each appointment; its day is the London date."""
    return tuple(
        AppointmentFact(
            session_number=a.session_number,
            day=a.starts_at.astimezone(LONDON).date(),
            status=a.status.value,
            court_wording=a.court_wording,
        )
        for a in appointments
    )


def case_facts(case: Case) -> CaseFacts:
    """A case as the compliance rule reads it.

    Reads only attributes: a caller that loaded the appointments, court and requirement type
    (a court list, say) pays no query per case."""
    window = window_of(case)
    required = rules.required_numbers(case)
    return CaseFacts(
        case_status=case.status.value,
        required_sessions=len(required),
        required_numbers=required,
        lapsed=rules.lapsed_numbers(case),
        window_start=window.court_date if window else None,
        last_day=window.last_appointment_date if window else None,
        appointments=appointment_facts(case.appointments),
    )


def compliance_of(case: Case, *, today: date) -> Compliance:
    """A case's compliance on `today` (Europe/London), by the one rule
    (diversion.cases.compliance)."""
    return compliance(case_facts(case), today=today)
