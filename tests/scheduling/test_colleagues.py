"""Colleagues' free time on the booking page: worked out only when a search reaches them.

scheduling.candidates gives each caseworker a bound (her weekly pattern's working time, from
now plus notice) and her free time as slots.Deferred. A pool's search stops as soon as no
later candidate could beat the best start found, so a booking page whose allocated worker
has room never works out her colleagues' free time, and what it offers is the same as when
every candidate is searched (candidates without bounds). These tests check both.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from hypothesis import event, given, settings
from hypothesis import strategies as st

from diversion.formatting import LONDON
from scheduling.availability import DateRange, Interval, WeeklyHours, free_within, open_time
from scheduling.options import Choices, session_options
from scheduling.plan import Candidate, NoPlan, Plan, SessionSpec, propose_plan
from scheduling.slots import (
    Deferred,
    Pool,
    earliest_day_over,
    earliest_over,
    latest_over,
    local_date,
)

WEEKDAYS = range(5)
VENUE = {day: [(time(9, 0), time(18, 0))] for day in WEEKDAYS}
WORKING = {day: [(time(9, 30), time(17, 0))] for day in WEEKDAYS}
LUNCH = {day: [(time(13, 0), time(14, 0))] for day in WEEKDAYS}
ASSESSMENT = SessionSpec(1, "assessment", "Comprehensive assessment", timedelta(minutes=90))
CARE_PLAN = SessionSpec(2, "care_plan", "Care plan session", timedelta(minutes=60))
NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
FIRST_DAY, LAST_DAY = date(2026, 12, 3), date(2026, 12, 31)


def working_time(hours: WeeklyHours = WORKING, breaks: WeeklyHours = LUNCH) -> list[Interval]:
    return open_time(
        first_day=FIRST_DAY,
        last_day=LAST_DAY + timedelta(days=28),
        venue_hours=VENUE,
        venue_closures=(),
        working_hours=hours,
        breaks=breaks,
    )


def london(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON).astimezone(UTC)


class Staff:
    """Candidates on one pattern as candidates_at makes them, each free time Deferred."""

    def __init__(self, busy: dict[int, list[Interval]], count: int) -> None:
        working = working_time()
        bound = free_within(working, absences=[], busy=[], now=NOW)
        self.free = {
            n: Deferred(
                lambda n=n: free_within(working, absences=[], busy=busy.get(n, []), now=NOW)
            )
            for n in range(1, count + 1)
        }
        self.lazy = [Candidate(n, f"Worker {n}", free, bound) for n, free in self.free.items()]
        # The same free time, worked out at once, with no bound: every candidate searched.
        self.eager = [
            Candidate(
                n, f"Worker {n}", free_within(working, absences=[], busy=busy.get(n, []), now=NOW)
            )
            for n in self.free
        ]

    def worked_out(self) -> list[int]:
        return [n for n, free in self.free.items() if free.computed]


def page(candidates: Sequence[Candidate], days: Sequence[date | None]) -> Choices | NoPlan:
    return session_options(
        sessions=(ASSESSMENT, CARE_PLAN),
        min_gap_days=2,
        earliest_start=NOW + timedelta(hours=2),
        last_day=date(2026, 12, 24),
        candidates=candidates,
        picks=[None, None],
        days=days,
        strict=False,
    )


def test_no_colleagues_free_time_is_worked_out_when_the_allocated_worker_has_room() -> None:
    staff = Staff(busy={}, count=250)
    choices = page(staff.lazy, days=[date(2026, 12, 8), None])
    assert isinstance(choices, Choices) and choices.note is None
    assert staff.worked_out() == [1]
    assert choices == page(staff.eager, days=[date(2026, 12, 8), None])


def test_a_colleague_is_searched_only_until_one_is_free_at_the_earliest_time() -> None:
    # The allocated worker is booked every morning; the second of 250 is free, so the days
    # and the times of 8 December list the second's mornings and nobody past her is read.
    mornings = [
        Interval(
            london(FIRST_DAY + timedelta(days=d), 9, 30),
            london(FIRST_DAY + timedelta(days=d), 11, 0),
        )
        for d in range(60)
    ]
    staff = Staff(busy={1: mornings}, count=250)
    choices = page(staff.lazy, days=[date(2026, 12, 8), None])
    assert isinstance(choices, Choices)
    assert choices.options[0].proposal.worker_id == 1
    assert any(s.worker_id == 2 for s in choices.options[0].offered)
    assert staff.worked_out() == [1, 2]
    assert choices == page(staff.eager, days=[date(2026, 12, 8), None])


def test_colleagues_take_the_sessions_when_the_allocated_worker_has_no_time() -> None:
    whole_window = [Interval(london(FIRST_DAY, 0), london(LAST_DAY + timedelta(days=28), 0))]
    staff = Staff(busy={1: whole_window}, count=250)
    plan = propose_plan(
        sessions=(ASSESSMENT, CARE_PLAN),
        min_gap_days=2,
        earliest_start=NOW + timedelta(hours=2),
        last_day=date(2026, 12, 24),
        candidates=staff.lazy,
    )
    assert isinstance(plan, Plan) and plan.used_other_workers
    assert {s.worker_id for s in plan.slots} == {2}
    assert staff.worked_out() == [1, 2]
    assert plan == propose_plan(
        sessions=(ASSESSMENT, CARE_PLAN),
        min_gap_days=2,
        earliest_start=NOW + timedelta(hours=2),
        last_day=date(2026, 12, 24),
        candidates=staff.eager,
    )


# --- the same answers with bounds as without, on random staff -------------------------------

PATTERNS: tuple[tuple[WeeklyHours, WeeklyHours], ...] = (
    (WORKING, LUNCH),
    ({day: [(time(9, 0), time(13, 0))] for day in (0, 2, 4)}, {}),
    ({day: [(time(12, 0), time(18, 0))] for day in range(6)}, {5: [(time(15, 0), time(15, 30))]}),
)


@dataclass(frozen=True)
class Staffing:
    lazy: tuple[Candidate, ...]
    eager: tuple[Candidate, ...]
    origin: datetime
    days: int


@st.composite
def staffing(draw: st.DrawFn) -> Staffing:
    first_day = draw(st.dates(date(2026, 1, 1), date(2027, 11, 1)))
    days = draw(st.integers(3, 12))
    last_day = first_day + timedelta(days=days)
    origin = datetime.combine(first_day, time(0), tzinfo=LONDON).astimezone(UTC)
    now = origin + timedelta(minutes=15 * draw(st.integers(0, 4 * 48)))
    notice = timedelta(minutes=draw(st.sampled_from([0, 120])))
    closures = [DateRange(d, d) for d in draw(st.lists(st.dates(first_day, last_day), max_size=1))]
    working: dict[int, tuple[list[Interval], list[Interval]]] = {}
    lazy, eager = [], []
    for worker_id in range(1, draw(st.integers(1, 5)) + 1):
        pattern = draw(st.integers(0, len(PATTERNS) - 1))
        if pattern not in working:
            hours = open_time(
                first_day=first_day,
                last_day=last_day,
                venue_hours={day: [(time(8, 0), time(19, 0))] for day in range(7)},
                venue_closures=closures,
                working_hours=PATTERNS[pattern][0],
                breaks=PATTERNS[pattern][1],
            )
            working[pattern] = (
                hours,
                free_within(hours, absences=[], busy=[], now=now, min_notice=notice),
            )
        hours, bound = working[pattern]
        busy = []
        for _ in range(draw(st.integers(0, 15))):
            start = origin + timedelta(minutes=15 * draw(st.integers(0, days * 96)))
            busy.append(Interval(start, start + timedelta(minutes=15 * draw(st.integers(1, 24)))))
        free = free_within(hours, absences=[], busy=busy, now=now, min_notice=notice)
        lazy.append(Candidate(worker_id, f"Worker {worker_id}", Deferred(lambda f=free: f), bound))
        eager.append(Candidate(worker_id, f"Worker {worker_id}", free))
    return Staffing(tuple(lazy), tuple(eager), origin, days)


@settings(max_examples=300, deadline=None)
@given(staffing(), st.data())
def test_a_bounded_search_finds_what_searching_everyone_finds(
    staff: Staffing, data: st.DataObject
) -> None:
    duration = timedelta(minutes=data.draw(st.sampled_from([30, 60, 90])))
    step = timedelta(minutes=data.draw(st.sampled_from([15, 30])))
    span = staff.days * 96

    def instant() -> datetime:
        return staff.origin + timedelta(minutes=15 * data.draw(st.integers(-8, span)))

    not_before = instant()
    hours = data.draw(st.integers(1, 24 * staff.days))
    before = not_before + timedelta(hours=hours) if data.draw(st.booleans()) else None
    lazy, eager = Pool(staff.lazy), Pool(staff.eager)
    found = earliest_over(lazy, not_before=not_before, before=before, duration=duration, step=step)
    assert found == earliest_over(
        eager, not_before=not_before, before=before, duration=duration, step=step
    )
    day = earliest_day_over(
        lazy, not_before=not_before, before=before, duration=duration, step=step
    )
    assert day == (local_date(found.start) if found is not None else None)
    not_after = not_before + timedelta(hours=data.draw(st.integers(0, 24 * staff.days)))
    latest = latest_over(
        lazy, not_before=not_before, not_after=not_after, duration=duration, step=step
    )
    assert latest == latest_over(
        eager, not_before=not_before, not_after=not_after, duration=duration, step=step
    )
    event("found" if found is not None else "none")

    last_day = local_date(staff.origin) + timedelta(days=data.draw(st.integers(1, staff.days)))
    picks: list[tuple[int, datetime] | None] = [None, None]
    days: list[date | None] = [None, None]
    for n in range(2):
        if data.draw(st.booleans()):
            picks[n] = (data.draw(st.integers(1, len(staff.eager))), instant())
        if data.draw(st.booleans()):
            days[n] = local_date(instant())
    arguments = {
        "sessions": (ASSESSMENT, CARE_PLAN),
        "min_gap_days": data.draw(st.integers(0, 2)),
        "earliest_start": not_before,
        "last_day": last_day,
        "picks": picks,
        "days": days,
        "strict": data.draw(st.booleans()),
        "slot_minutes": int(step.total_seconds() // 60),
    }
    offered = session_options(candidates=staff.lazy, **arguments)  # type: ignore[arg-type]
    assert offered == session_options(candidates=staff.eager, **arguments)  # type: ignore[arg-type]
    event("choices" if isinstance(offered, Choices) else "no plan")
