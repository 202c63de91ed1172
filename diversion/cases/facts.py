"""The compliance rule's adapters: a case and its appointments as the plain facts the rule reads."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from diversion.cases import rules
from diversion.cases.compliance import AppointmentFact, CaseFacts, Compliance, compliance
from diversion.cases.queries import window_of
from diversion.formatting import LONDON
from diversion.models import (
    Appointment,
    AppointmentStatus,
    Case,
)


def appointment_fact(
    session_number: int, starts_at: datetime, status: AppointmentStatus, court_wording: str | None
) -> AppointmentFact:
    """What the compliance rule needs of an appointment; its day is the London date."""
    return AppointmentFact(
        session_number=session_number,
        day=starts_at.astimezone(LONDON).date(),
        status=status.value,
        court_wording=court_wording,
    )


def appointment_facts(appointments: Iterable[Appointment]) -> tuple[AppointmentFact, ...]:
    """What the compliance rule needs of each appointment."""
    return tuple(
        appointment_fact(a.session_number, a.starts_at, a.status, a.court_wording)
        for a in appointments
    )


def case_facts(
    case: Case,
    *,
    appointments: tuple[AppointmentFact, ...] | None = None,
    lapsed: frozenset[int] | None = None,
) -> CaseFacts:
    """A case as the compliance rule reads it: with its appointments' facts and its lapsed
    session numbers when the caller read them as rows (a court list, say), else from its
    appointments and lapses.

    Reads only attributes: a caller that loaded the appointments, court and requirement type
    (a court list, say) pays no query per case."""
    window = window_of(case)
    if lapsed is None:
        lapsed = rules.lapsed_numbers(case)
    required = rules.required_numbers(case, lapsed=lapsed)
    return CaseFacts(
        case_status=case.status.value,
        required_sessions=len(required),
        required_numbers=required,
        lapsed=lapsed,
        window_start=window.court_date if window else None,
        last_day=window.last_appointment_date if window else None,
        appointments=(
            appointments if appointments is not None else appointment_facts(case.appointments)
        ),
    )


def compliance_of(
    case: Case,
    *,
    today: date,
    appointments: tuple[AppointmentFact, ...] | None = None,
    lapsed: frozenset[int] | None = None,
) -> Compliance:
    """A case's compliance on `today` (Europe/London), by the one rule
    (diversion.cases.compliance); `appointments` and `lapsed` as case_facts takes them."""
    return compliance(case_facts(case, appointments=appointments, lapsed=lapsed), today=today)
