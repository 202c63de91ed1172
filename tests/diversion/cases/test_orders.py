"""The four orders as data: window, sessions, agreement and compliance per order, at the
edges (diversion.cases.orders and diversion.cases.compliance, pure rules)."""

from __future__ import annotations

from datetime import date

import pytest

from diversion.cases import orders
from diversion.cases.compliance import AppointmentFact, CaseFacts, ComplianceStatus, compliance
from diversion.cases.orders import CaseDates, OrderRules

# The settings domain.md gives each of the four standard orders.
CD = OrderRules(
    window_rule="court_to_return",
    session_count=2,
    window_days=28,
    max_window_days=28,
    end_on_sitting_day=True,
)
RA = OrderRules(
    window_rule="from_positive_test",
    session_count=2,
    window_days=28,
    may_lapse={2: "assessor"},
    with_partner=frozenset({1}),
    agreed_when="at_once",
    needs_partner=True,
    report_to=("police",),
)
CC = OrderRules(
    window_rule="case_deadline",
    session_count=3,
    chosen_per_case=True,
    min_sessions=1,
    agreed_when="both_agencies",
    needs_partner=True,
    report_to=("police", "cps"),
)
ESO = OrderRules(
    window_rule="order_end_date",
    session_count=3,
    max_window_months=6,
    agreed_when="order_made",
    report_to=("court",),
)


@pytest.mark.parametrize(
    ("rules", "dates", "start", "end"),
    [
        # Court diversion: from the hearing that accepted her to the return date the court set.
        (
            CD,
            CaseDates(outcome_hearing_date=date(2026, 12, 2), return_date=date(2026, 12, 30)),
            date(2026, 12, 2),
            date(2026, 12, 30),
        ),
        (CD, CaseDates(outcome_hearing_date=date(2026, 12, 2)), None, None),
        # Required Assessment: 28 days from the positive test; its case dates are ignored.
        (
            RA,
            CaseDates(start_date=date(2026, 12, 1), end_date=date(2027, 6, 1)),
            date(2026, 12, 1),
            date(2026, 12, 29),
        ),
        # Caution: the deadline set on the case.
        (
            CC,
            CaseDates(start_date=date(2026, 12, 1), end_date=date(2027, 1, 15)),
            date(2026, 12, 1),
            date(2027, 1, 15),
        ),
        (CC, CaseDates(start_date=date(2026, 12, 1)), date(2026, 12, 1), None),
        # Engagement and support order: the date the order sets.
        (
            ESO,
            CaseDates(start_date=date(2026, 12, 2), end_date=date(2027, 5, 28)),
            date(2026, 12, 2),
            date(2027, 5, 28),
        ),
    ],
)
def test_each_order_s_window_runs_from_its_own_start_to_its_own_end(
    rules: OrderRules, dates: CaseDates, start: date | None, end: date | None
) -> None:
    assert orders.window_start(rules, dates) == start
    assert orders.window_end(rules, dates) == end


@pytest.mark.parametrize(
    ("start", "end", "refused"),
    [
        (date(2026, 12, 2), date(2027, 6, 2), False),  # the last allowed day: six months on
        (date(2026, 12, 2), date(2027, 6, 3), True),  # a day beyond
        (date(2026, 12, 2), date(2027, 12, 2), True),  # twelve months away
        (date(2026, 12, 2), date(2027, 3, 5), False),  # a Friday: any weekday
        (date(2026, 8, 31), date(2027, 2, 28), False),  # month ends clamp (no 31 Feb)
        (date(2026, 8, 31), date(2027, 3, 1), True),
        (date(2026, 12, 2), date(2026, 12, 2), True),  # not after the order
    ],
)
def test_an_order_s_end_is_at_most_six_months_after_it(
    start: date, end: date, refused: bool
) -> None:
    problem = orders.check_end_date(ESO, start=start, end=end)
    assert (problem is not None) is refused
    if refused and end > start:
        assert "at most 6 months after the date of the order" in (problem or "")


def test_a_caution_s_deadline_is_uncapped_unless_its_type_sets_a_cap() -> None:
    assert orders.check_end_date(CC, start=date(2026, 12, 1), end=date(2027, 12, 1)) is None
    capped = OrderRules(**{**CC.__dict__, "max_window_days": 90})
    assert "90 days" in (
        orders.check_end_date(capped, start=date(2026, 12, 1), end=date(2027, 3, 2)) or ""
    )
    assert orders.check_end_date(capped, start=date(2026, 12, 1), end=date(2027, 3, 1)) is None


@pytest.mark.parametrize(
    ("rules", "chosen", "lapsed", "required"),
    [
        (CD, None, (), (1, 2)),
        (CD, 1, (), (1, 2)),  # a fixed order ignores a chosen count
        (CD, None, (2,), (1, 2)),  # and never lets a session lapse
        (RA, None, (), (1, 2)),
        (RA, None, (2,), (1,)),  # the follow-up lapsed
        (RA, None, (1,), (1, 2)),  # the initial assessment may not lapse
        (CC, 1, (), (1,)),
        (CC, 2, (), (1, 2)),
        (CC, 3, (), (1, 2, 3)),
        (ESO, None, (), (1, 2, 3)),
    ],
)
def test_the_sessions_a_case_must_attend(
    rules: OrderRules, chosen: int | None, lapsed: tuple[int, ...], required: tuple[int, ...]
) -> None:
    assert orders.required_sessions(rules, chosen=chosen, lapsed=lapsed) == required


@pytest.mark.parametrize(
    ("chosen", "refused"), [(None, True), (0, True), (1, False), (3, False), (4, True)]
)
def test_a_caution_chooses_one_to_three_sessions(chosen: int | None, refused: bool) -> None:
    assert (orders.check_sessions_chosen(CC, chosen) is not None) is refused
    assert orders.check_sessions_chosen(ESO, None) is None


@pytest.mark.parametrize(
    ("rules", "court_accepted", "agreed_by", "agreed"),
    [
        (CD, False, (), False),
        (CD, True, (), True),
        (RA, False, (), True),
        (ESO, False, (), True),
        (CC, False, (), False),
        (CC, False, ("project",), False),
        (CC, False, ("cjit",), False),
        (CC, False, ("project", "cjit"), True),
    ],
)
def test_when_each_order_counts_as_agreed(
    rules: OrderRules, court_accepted: bool, agreed_by: tuple[str, ...], agreed: bool
) -> None:
    assert orders.is_agreed(rules, court_accepted=court_accepted, agreed_by=agreed_by) is agreed


def _facts(
    rules: OrderRules,
    *,
    chosen: int | None = None,
    lapsed: tuple[int, ...] = (),
    days: dict[int, date],
) -> CaseFacts:
    required = orders.required_sessions(rules, chosen=chosen, lapsed=lapsed)
    return CaseFacts(
        case_status="on_scheme",
        required_sessions=len(required),
        required_numbers=required,
        lapsed=frozenset(lapsed),
        window_start=date(2026, 12, 1),
        last_day=date(2026, 12, 29),
        appointments=tuple(
            AppointmentFact(session_number=n, day=day, status="attended") for n, day in days.items()
        ),
    )


@pytest.mark.parametrize(
    ("facts", "today", "status", "counts"),
    [
        # A caution that set one session: one attended is complied (not "not complied").
        (_facts(CC, chosen=1, days={1: date(2026, 12, 3)}), date(2027, 1, 5), "complied", (1, 1)),
        (
            _facts(CC, chosen=2, days={1: date(2026, 12, 3)}),
            date(2027, 1, 5),
            "not_complied",
            (1, 2),
        ),
        # A Required Assessment whose follow-up lapsed: the initial assessment is enough.
        (
            _facts(RA, lapsed=(2,), days={1: date(2026, 12, 3)}),
            date(2027, 1, 5),
            "complied",
            (1, 1),
        ),
        (_facts(RA, days={1: date(2026, 12, 3)}), date(2027, 1, 5), "not_complied", (1, 2)),
        # Attended on the last allowed day counts; the day after does not.
        (
            _facts(ESO, days={1: date(2026, 12, 3), 2: date(2026, 12, 10), 3: date(2026, 12, 29)}),
            date(2027, 1, 5),
            "complied",
            (3, 3),
        ),
        (
            _facts(ESO, days={1: date(2026, 12, 3), 2: date(2026, 12, 10), 3: date(2026, 12, 30)}),
            date(2027, 1, 5),
            "not_complied",
            (2, 3),
        ),
        (_facts(ESO, days={1: date(2026, 12, 3)}), date(2026, 12, 29), "in_progress", (1, 3)),
    ],
)
def test_compliance_per_order_at_the_edges(
    facts: CaseFacts, today: date, status: str, counts: tuple[int, int]
) -> None:
    result = compliance(facts, today=today)
    assert result.status is ComplianceStatus(status)
    assert (result.attended, result.required) == counts
    assert result.lapsed == tuple(sorted(facts.lapsed))
