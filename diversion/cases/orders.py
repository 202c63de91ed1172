"""One engine, four orders: what a case's requirement type says about its window, sessions,
agreement and report (domain.md, "What each type's settings say").

A pure rule (no Flask, no database, no clock). Every piece of case logic that differs
between orders (the window, the plan, booking, reminders, compliance, reports, at-risk)
asks this module, which reads only the settings in ``OrderRules``: no order is named here.

- **Where the window starts**: the hearing that accepted her (court to return), the positive
  test, the caution, or the order (each the case's ``start_date``).
- **Where it ends**: the return date the court set; N days after the test; or an end set on
  the case (the caution's deadline, the date the order sets), which may be capped at so many
  days or calendar months after the start (six months for an engagement and support order)
  and refused beyond it.
- **The last appointment date**: for a report that goes to the court, ``report_lead`` working
  days before the end (the court needs it before the hearing); otherwise the end itself.
- **Sessions**: all of the type's sessions, or the first N chosen on the case (within a
  range); a session the type lets lapse and that was recorded as not needed is not required.
- **Agreed**: when the court accepts, at once, when the order is made, or when both agencies
  have recorded agreement. Nothing is booked before.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta  # type: ignore[import-untyped]

from diversion.formatting import format_date

__all__ = [
    "CaseDates",
    "OrderRules",
    "check_end_date",
    "check_sessions_chosen",
    "latest_end",
    "required_sessions",
    "window_end",
    "window_start",
]

# WindowRule values (diversion.models.WindowRule): this module takes plain strings.
COURT_TO_RETURN = "court_to_return"
FROM_POSITIVE_TEST = "from_positive_test"
CASE_DEADLINE = "case_deadline"
ORDER_END_DATE = "order_end_date"

# AgreedWhen values.
COURT_ACCEPTS = "court_accepts"
BOTH_AGENCIES = "both_agencies"

START_NOUNS = {
    COURT_TO_RETURN: "court date",
    FROM_POSITIVE_TEST: "date of the positive test",
    CASE_DEADLINE: "date of the caution",
    ORDER_END_DATE: "date of the order",
}
END_NOUNS = {
    COURT_TO_RETURN: "return date",
    FROM_POSITIVE_TEST: "end of the window",
    CASE_DEADLINE: "deadline",
    ORDER_END_DATE: "date the order sets",
}


@dataclass(frozen=True)
class OrderRules:
    """A requirement type's settings, as plain values."""

    window_rule: str
    session_count: int
    window_days: int | None = None
    max_window_days: int | None = None
    max_window_months: int | None = None
    end_on_sitting_day: bool = False
    chosen_per_case: bool = False
    min_sessions: int | None = None
    # Session numbers (from 1) that may lapse, and who may lapse each ("assessor": the worker
    # who held the session before it; "any_worker": any worker of the case's organisation).
    may_lapse: Mapping[int, str] = field(default_factory=dict)
    # Session numbers held by the partner agency, not the case's own organisation.
    with_partner: frozenset[int] = frozenset()
    # Session numbers only the case's named worker may hold (an order's supervisor).
    with_named_worker: frozenset[int] = frozenset()
    agreed_when: str = COURT_ACCEPTS
    needs_partner: bool = False
    report_to: tuple[str, ...] = ("court", "cps")

    @property
    def starts_in_court(self) -> bool:
        """Whether the case waits for a court hearing before its window opens."""
        return self.window_rule == COURT_TO_RETURN

    @property
    def end_set_on_case(self) -> bool:
        """Whether the worker records an end date on the case (a deadline, the order's date)."""
        return self.window_rule in (CASE_DEADLINE, ORDER_END_DATE)

    @property
    def needs_both_agencies(self) -> bool:
        return self.agreed_when == BOTH_AGENCIES

    @property
    def reports_to_court(self) -> bool:
        return "court" in self.report_to

    @property
    def start_noun(self) -> str:
        return START_NOUNS.get(self.window_rule, "start date")

    @property
    def end_noun(self) -> str:
        return END_NOUNS.get(self.window_rule, "end date")

    @property
    def session_range(self) -> tuple[int, int]:
        """The fewest and the most sessions a case may be set (equal unless chosen)."""
        if not self.chosen_per_case:
            return self.session_count, self.session_count
        return max(1, self.min_sessions or 1), self.session_count


@dataclass(frozen=True)
class CaseDates:
    """The dates of a case the window is made from."""

    outcome_hearing_date: date | None = None
    return_date: date | None = None
    start_date: date | None = None
    end_date: date | None = None


def window_start(rules: OrderRules, dates: CaseDates) -> date | None:
    """The first day of the window, or None while it has not started."""
    if rules.starts_in_court:
        return dates.outcome_hearing_date if dates.return_date is not None else None
    return dates.start_date


def window_end(rules: OrderRules, dates: CaseDates) -> date | None:
    """The last day of the order (the return date, the deadline...), or None if not set."""
    if rules.starts_in_court:
        return dates.return_date if dates.outcome_hearing_date is not None else None
    if rules.window_rule == FROM_POSITIVE_TEST:
        if dates.start_date is None or rules.window_days is None:
            return None
        return dates.start_date + timedelta(days=rules.window_days)
    return dates.end_date


def latest_end(rules: OrderRules, start: date) -> date | None:
    """The latest end date a case may be set (its cap), or None when uncapped."""
    caps = []
    if rules.max_window_months is not None:
        caps.append(start + relativedelta(months=rules.max_window_months))
    if rules.max_window_days is not None and not rules.starts_in_court:
        caps.append(start + timedelta(days=rules.max_window_days))
    return min(caps) if caps else None


def check_end_date(rules: OrderRules, *, start: date, end: date) -> str | None:
    """Why an end date set on a case is refused, or None. (A sitting-day rule is the
    court's to check: ``end_on_sitting_day``.)"""
    if end <= start:
        return f"The {rules.end_noun} must be after the {rules.start_noun}"
    cap = latest_end(rules, start)
    if cap is not None and end > cap:
        if rules.max_window_months is not None:
            span = f"{rules.max_window_months} months"
        else:
            span = f"{rules.max_window_days} days"
        return (
            f"The {rules.end_noun} must be at most {span} after the {rules.start_noun}: "
            f"{format_date(cap)} or earlier"
        )
    return None


def check_sessions_chosen(rules: OrderRules, chosen: int | None) -> str | None:
    """Why a chosen number of sessions is refused, or None."""
    if not rules.chosen_per_case:
        return None
    low, high = rules.session_range
    if chosen is None:
        return f"Enter how many sessions were set, from {low} to {high}"
    if not low <= chosen <= high:
        return f"The number of sessions must be from {low} to {high}"
    return None


def required_sessions(
    rules: OrderRules, *, chosen: int | None, lapsed: Collection[int] = ()
) -> tuple[int, ...]:
    """The session numbers this case must attend, in order.

    The first ``chosen`` of the type's sessions when each case chooses (all of them until it
    has), less any session the type lets lapse that was recorded as not needed.
    """
    count = rules.session_count
    if rules.chosen_per_case and chosen is not None:
        low, high = rules.session_range
        count = min(max(chosen, low), high)
    return tuple(n for n in range(1, count + 1) if not (n in lapsed and n in rules.may_lapse))


def is_agreed(rules: OrderRules, *, court_accepted: bool, agreed_by: Collection[str]) -> bool:
    """Whether the case's sessions may be booked. ``agreed_by`` names the agencies (project,
    CJIT) that have recorded agreement."""
    if rules.agreed_when == COURT_ACCEPTS:
        return court_accepted
    if rules.agreed_when == BOTH_AGENCIES:
        return {"project", "cjit"} <= set(agreed_by)
    return True
