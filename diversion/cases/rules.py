"""The order rules' adapters: a requirement type as ``OrderRules`` and a case as its dates,
window, required sessions and agreement (diversion.cases.orders holds the rules).

Reads only attributes already loaded: a caller that loaded a case's requirement type,
court, agreements and lapses pays no query per case.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date

from diversion.cases import orders
from diversion.cases.orders import CaseDates, OrderRules
from diversion.models import Case, CaseStatus, CourtOutcome, RequirementType
from scheduling import calendar
from scheduling.calendar import Window

# Inside `remembered_rules()`, each requirement type's rules are built once (a list of 200
# cases of four types reads them 600 times); outside it, every call reads the settings afresh.
_REMEMBERED: ContextVar[dict[int, tuple[RequirementType, OrderRules]] | None] = ContextVar(
    "remembered_rules", default=None
)


@contextmanager
def remembered_rules() -> Iterator[None]:
    """Build each requirement type's rules once within the block: for a read of many cases
    that changes no requirement type (a sitting-day list, say)."""
    token = _REMEMBERED.set({})
    try:
        yield
    finally:
        _REMEMBERED.reset(token)


def rules_of(kind: RequirementType) -> OrderRules:
    """A requirement type's settings as the order rules read them."""
    remembered = _REMEMBERED.get()
    if remembered is None:
        return _rules_of(kind)
    found = remembered.get(id(kind))
    if found is None or found[0] is not kind:  # the same object, not a reused id
        found = remembered[id(kind)] = (kind, _rules_of(kind))
    return found[1]


def _rules_of(kind: RequirementType) -> OrderRules:
    sessions = list(kind.sessions or [])
    return OrderRules(
        window_rule=kind.window_rule.value,
        session_count=len(sessions),
        window_days=kind.window_days,
        max_window_days=kind.max_window_days,
        max_window_months=kind.max_window_months,
        end_on_sitting_day=kind.end_on_sitting_day,
        chosen_per_case=kind.sessions_chosen_per_case,
        min_sessions=kind.min_sessions,
        may_lapse={
            number: str(spec.get("lapsed_by") or "assessor")
            for number, spec in enumerate(sessions, start=1)
            if spec.get("may_lapse")
        },
        with_partner=frozenset(
            number for number, spec in enumerate(sessions, start=1) if spec.get("with_partner")
        ),
        with_named_worker=frozenset(
            number for number, spec in enumerate(sessions, start=1) if spec.get("with_named_worker")
        ),
        agreed_when=kind.agreed_when.value,
        needs_partner=kind.needs_partner,
        report_to=tuple(kind.report_to or ()),
    )


def dates_of(case: Case) -> CaseDates:
    return CaseDates(
        outcome_hearing_date=case.outcome_hearing_date,
        return_date=case.return_date,
        start_date=case.start_date,
        end_date=case.end_date,
    )


def window(case: Case) -> Window | None:
    """A case's window once both its ends are known: its start, its end (the return date,
    the deadline...), the last appointment date and when the report is due."""
    rules = rules_of(case.requirement_type)
    dates = dates_of(case)
    start, end = orders.window_start(rules, dates), orders.window_end(rules, dates)
    if start is None or end is None:
        return None
    court = case.court
    if rules.reports_to_court:
        # The court needs the report before its hearing: the sessions end report_lead
        # working days before the end, and the report is due the working day before it.
        return calendar.case_window(
            court_date=start,
            return_date=end,
            report_lead_working_days=court.report_lead_working_days,
            report_due_time=court.report_due_time,
        )
    # Reported after the window (to the police, say): sessions run to the end itself, and the
    # report is due by the court's due time on the first working day after it.
    return Window(
        court_date=start,
        return_date=end,
        last_appointment_date=end,
        report_due_at=calendar.report_due_at(
            calendar.add_working_days(end, 2), due_time=court.report_due_time
        ),
    )


def lapsed_numbers(case: Case) -> frozenset[int]:
    return frozenset(lapse.session_number for lapse in case.lapsed_sessions)


def required_numbers(case: Case, *, lapsed: frozenset[int] | None = None) -> tuple[int, ...]:
    """The session numbers this case must attend (chosen count, less lapsed sessions; the
    lapsed numbers as given, when the caller read them as rows)."""
    return orders.required_sessions(
        rules_of(case.requirement_type),
        chosen=case.sessions_required,
        lapsed=lapsed_numbers(case) if lapsed is None else lapsed,
    )


def agreed_by(case: Case) -> set[str]:
    """The kinds of agency (project, cjit) that have recorded agreement to the case."""
    return {agreement.organisation.kind.value for agreement in case.agreements}


def is_agreed(case: Case) -> bool:
    return orders.is_agreed(
        rules_of(case.requirement_type),
        court_accepted=case.court_outcome is CourtOutcome.ACCEPTED,
        agreed_by=agreed_by(case),
    )


def is_running(case: Case) -> bool:
    """Whether the case's sessions may be booked: on its order, agreed, window known."""
    return case.status is CaseStatus.ON_SCHEME and window(case) is not None


def starts_in_court(case: Case) -> bool:
    return rules_of(case.requirement_type).starts_in_court


def first_day(case: Case) -> date | None:
    """The first day sessions may fall on (the window's start), or None."""
    found = window(case)
    return found.court_date if found else None
