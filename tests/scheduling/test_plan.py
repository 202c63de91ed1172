"""Tests for scheduling.plan: docs "Booking", "Proposals".

Examples pin the rules down in dates a worker would recognise; the oracle test checks
propose_plan against a brute-force search (tests/scheduling/oracle.py) on many small random
cases; property tests check every proposed slot against the rules directly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import holidays
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from diversion.formatting import LONDON, format_date
from scheduling.availability import DateRange, Interval, WeeklyHours, free_time
from scheduling.plan import (
    Candidate,
    NoPlan,
    Plan,
    SessionSpec,
    Slot,
    propose_plan,
)
from tests.scheduling.oracle import brute_force_latest, brute_force_plan, on_grid, pair_ok

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
WEEKDAYS = (MON, TUE, WED, THU, FRI)
VENUE = {day: [(time(8, 0), time(18, 0))] for day in range(7)}
WORKING = {day: [(time(9, 0), time(17, 0))] for day in WEEKDAYS}
LUNCH = {day: [(time(12, 30), time(13, 30))] for day in WEEKDAYS}

ASSESSMENT = SessionSpec(1, "assessment", "Comprehensive assessment", timedelta(minutes=90))
CARE_PLAN = SessionSpec(2, "care_plan", "Care plan session", timedelta(minutes=60))
TWO_SESSIONS = (ASSESSMENT, CARE_PLAN)

_ORACLE_HOLIDAYS = holidays.country_holidays("GB", subdiv="ENG", years=range(2025, 2030))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def worker(
    worker_id: int,
    name: str,
    *,
    first_day: date = date(2026, 11, 2),
    last_day: date = date(2027, 1, 31),
    absences: Sequence[Interval] = (),
    busy: Sequence[Interval] = (),
    working_hours: WeeklyHours = WORKING,
) -> Candidate:
    free = free_time(
        first_day=first_day,
        last_day=last_day,
        venue_hours=VENUE,
        venue_closures=(),
        working_hours=working_hours,
        breaks=LUNCH,
        absences=absences,
        busy=busy,
        now=utc(2020, 1, 1),
    )
    return Candidate(worker_id, name, free)


def on_leave(first: date, last: date) -> Interval:
    """Leave over whole London days first..last."""
    return Interval(
        datetime.combine(first, time(0), tzinfo=LONDON).astimezone(UTC),
        datetime.combine(last + timedelta(days=1), time(0), tzinfo=LONDON).astimezone(UTC),
    )


ASHA = worker(1, "Asha")
MONDAY_9AM = datetime(2026, 11, 2, 9, tzinfo=UTC)
BEA = worker(2, "Bea")


def plan(
    candidates: Sequence[Candidate],
    *,
    earliest_start: datetime = MONDAY_9AM,
    last_day: date = date(2026, 11, 26),
    min_gap_days: int = 2,
    sessions: Sequence[SessionSpec] = TWO_SESSIONS,
    slot_minutes: int = 15,
    alternatives: int = 3,
) -> Plan | NoPlan:
    return propose_plan(
        sessions=sessions,
        min_gap_days=min_gap_days,
        earliest_start=earliest_start,
        last_day=last_day,
        candidates=candidates,
        slot_minutes=slot_minutes,
        alternatives=alternatives,
    )


def proposed(candidates: Sequence[Candidate], **kwargs: object) -> Plan:
    result = plan(candidates, **kwargs)  # type: ignore[arg-type]
    assert isinstance(result, Plan), result
    return result


def refused(candidates: Sequence[Candidate], **kwargs: object) -> str:
    result = plan(candidates, **kwargs)  # type: ignore[arg-type]
    assert isinstance(result, NoPlan), result
    return result.reason


def starts(result: Plan) -> list[datetime]:
    return [slot.start for slot in result.slots]


# ---------------------------------------------------------------------------------------
# Examples (November 2026 is GMT, so London times equal UTC)
# ---------------------------------------------------------------------------------------


def test_the_assessment_takes_the_first_free_slot_on_the_grid_and_the_care_plan_follows() -> None:
    result = proposed([ASHA], earliest_start=utc(2026, 11, 2, 10, 7, 30))
    assert result.slots == (
        Slot(ASSESSMENT, 1, utc(2026, 11, 2, 10, 15), utc(2026, 11, 2, 11, 45)),
        Slot(CARE_PLAN, 1, utc(2026, 11, 4, 9), utc(2026, 11, 4, 10)),
    )
    assert not result.used_other_workers
    assert result.note is None


def test_a_session_never_straddles_the_lunch_break() -> None:
    result = proposed([ASHA], earliest_start=utc(2026, 11, 2, 11, 30))
    assert starts(result)[0] == utc(2026, 11, 2, 13, 30)


@pytest.mark.parametrize(
    ("gap", "care_plan_start"),
    [
        # Same day: after the assessment ends (11:45), but 11:45-12:45 runs into lunch.
        (0, utc(2026, 11, 2, 13, 30)),
        (1, utc(2026, 11, 3, 9)),
        (2, utc(2026, 11, 4, 9)),
        (3, utc(2026, 11, 5, 9)),
        (5, utc(2026, 11, 9, 9)),  # Sat 7 Nov plus the weekend: Monday
    ],
)
def test_the_care_plan_session_is_at_least_the_gap_after_the_assessment(
    gap: int, care_plan_start: datetime
) -> None:
    result = proposed([ASHA], earliest_start=utc(2026, 11, 2, 10, 15), min_gap_days=gap)
    assert starts(result) == [utc(2026, 11, 2, 10, 15), care_plan_start]


def test_a_gap_that_lands_on_a_weekend_moves_to_monday() -> None:
    result = proposed([ASHA], earliest_start=utc(2026, 11, 6, 9))
    assert starts(result) == [utc(2026, 11, 6, 9), utc(2026, 11, 9, 9)]


def test_no_session_falls_after_the_last_appointment_date() -> None:
    asha = worker(1, "Asha", absences=[on_leave(date(2026, 11, 2), date(2026, 11, 23))])
    # Assessment Tue 24 Nov; gap 2 puts the care plan on Thu 26 Nov, one day too late.
    reason = refused([asha], last_day=date(2026, 11, 25))
    assert reason == (
        "The earliest Comprehensive assessment is Tue 24 Nov, and the next free Care plan "
        "session slot at least 2 days later is Thu 26 Nov, after the window closes on "
        "Wed 25 Nov."
    )
    assert starts(proposed([asha], last_day=date(2026, 11, 26))) == [
        utc(2026, 11, 24, 9),
        utc(2026, 11, 26, 9),
    ]


def test_bank_holidays_are_skipped() -> None:
    # Court Wed 2 Dec 2026. Thu 24 Dec 16:00 is too late for 90 minutes; Fri 25 and Mon 28
    # Dec are bank holidays; so the assessment is Tue 29 Dec and the care plan Thu 31 Dec.
    result = proposed([ASHA], earliest_start=utc(2026, 12, 24, 16), last_day=date(2027, 1, 7))
    assert starts(result) == [utc(2026, 12, 29, 9), utc(2026, 12, 31, 9)]


def test_the_allocated_worker_is_preferred_even_when_another_is_free_sooner() -> None:
    asha = worker(1, "Asha", absences=[on_leave(date(2026, 11, 2), date(2026, 11, 3))])
    result = proposed([asha, BEA])
    assert [(s.worker_id, s.start) for s in result.slots] == [
        (1, utc(2026, 11, 4, 9)),
        (1, utc(2026, 11, 6, 9)),
    ]
    assert not result.used_other_workers
    assert result.note is None


def test_another_worker_takes_the_sessions_when_the_allocated_worker_has_no_time() -> None:
    asha = worker(1, "Asha", absences=[on_leave(date(2026, 11, 1), date(2026, 12, 31))])
    result = proposed([asha, BEA])
    assert [(s.worker_id, s.start) for s in result.slots] == [
        (2, utc(2026, 11, 2, 9)),
        (2, utc(2026, 11, 4, 9)),
    ]
    assert result.used_other_workers
    assert result.note == "Asha has no free time in the window; sessions are with Bea."


def test_the_allocated_worker_keeps_what_she_can_when_another_takes_the_rest() -> None:
    # Asha can do the assessment on Monday but is on leave from Tuesday to the window's end.
    asha = worker(1, "Asha", absences=[on_leave(date(2026, 11, 3), date(2026, 12, 31))])
    cal = worker(3, "Cal", absences=[on_leave(date(2026, 11, 2), date(2026, 11, 3))])
    result = proposed([asha, cal, BEA], last_day=date(2026, 11, 6))
    # Ties go to the earlier candidate: Asha (before Bea) on Monday, Cal (before Bea) on
    # Wednesday.
    assert [(s.worker_id, s.start) for s in result.slots] == [
        (1, utc(2026, 11, 2, 9)),
        (3, utc(2026, 11, 4, 9)),
    ]
    assert result.used_other_workers
    assert result.note == (
        "Asha has no free Care plan session slot that fits the window; "
        "the Care plan session is with Cal."
    )


def test_the_reason_names_the_next_free_slot_beyond_the_window() -> None:
    # Court Wed 2 Dec 2026, return Wed 30 Dec: the last appointment date is Thu 24 Dec.
    asha = worker(1, "Asha", absences=[on_leave(date(2026, 12, 21), date(2027, 1, 3))])
    reason = refused([asha], earliest_start=utc(2026, 12, 21, 9), last_day=date(2026, 12, 24))
    assert reason == (
        "The window closes on Thu 24 Dec; the next free Comprehensive assessment slot is Mon 4 Jan."
    )


def test_the_reason_says_when_there_is_no_free_slot_at_all() -> None:
    nobody_free = Candidate(1, "Asha", [])
    reason = refused(
        [nobody_free], earliest_start=utc(2026, 12, 21, 9), last_day=date(2026, 12, 24)
    )
    assert reason == "No free Comprehensive assessment slot before the window closes on Thu 24 Dec."


def test_the_reason_says_when_the_window_has_already_closed() -> None:
    reason = refused([ASHA], earliest_start=utc(2026, 12, 29, 9), last_day=date(2026, 12, 24))
    assert reason == (
        "The window closed on Thu 24 Dec; "
        "the next free Comprehensive assessment slot is Tue 29 Dec."
    )


def test_the_reason_looks_at_every_worker_when_none_can_take_the_case() -> None:
    asha = worker(1, "Asha", absences=[on_leave(date(2026, 12, 21), date(2027, 1, 5))])
    bea = worker(2, "Bea", absences=[on_leave(date(2026, 12, 21), date(2027, 1, 3))])
    reason = refused([asha, bea], earliest_start=utc(2026, 12, 21, 9), last_day=date(2026, 12, 24))
    assert reason.endswith("the next free Comprehensive assessment slot is Mon 4 Jan.")


def test_no_workers_means_no_plan() -> None:
    assert refused([]) == "No worker is available to take these sessions."


def test_latest_starts_give_the_slack_of_each_session() -> None:
    result = proposed([ASHA], last_day=date(2026, 11, 13))
    assert starts(result) == [utc(2026, 11, 2, 9), utc(2026, 11, 4, 9)]
    # The care plan can go as late as Fri 13 Nov 16:00 (ending at 17:00); the assessment
    # then at least 2 days before, on Wed 11 Nov, at 15:30 at the latest.
    assert result.latest == (utc(2026, 11, 11, 15, 30), utc(2026, 11, 13, 16))
    assert result.slack(0) == timedelta(days=9, hours=6, minutes=30)
    assert result.slack(1) == timedelta(days=9, hours=7)


def test_a_plan_with_no_room_to_spare_has_no_slack_and_no_alternatives() -> None:
    result = proposed([ASHA], earliest_start=utc(2026, 11, 2, 15, 30), last_day=date(2026, 11, 4))
    assert starts(result) == [utc(2026, 11, 2, 15, 30), utc(2026, 11, 4, 9)]
    assert result.slack(0) == timedelta(0)
    assert result.latest[1] == utc(2026, 11, 4, 16)
    assert result.alternatives[0] == ()
    assert [slot.start for slot in result.alternatives[1]][:1] == [utc(2026, 11, 4, 9, 15)]


def test_alternatives_are_later_feasible_starts_on_different_days() -> None:
    result = proposed([ASHA], last_day=date(2026, 11, 13))
    assert [[slot.start for slot in alts] for alts in result.alternatives] == [
        [utc(2026, 11, 3, 9), utc(2026, 11, 4, 9), utc(2026, 11, 5, 9)],
        [utc(2026, 11, 5, 9), utc(2026, 11, 6, 9), utc(2026, 11, 9, 9)],
    ]
    for slots, latest, alts in zip(result.slots, result.latest, result.alternatives, strict=True):
        assert all(slots.start < alt.start <= latest for alt in alts)
        assert all(alt.session == slots.session and alt.worker_id == 1 for alt in alts)


def test_alternatives_fall_back_to_other_times_when_few_days_are_left() -> None:
    result = proposed([ASHA], last_day=date(2026, 11, 4), alternatives=2)
    # The assessment must be Monday (the care plan needs Wednesday); offer later Monday times.
    assert [slot.start for slot in result.alternatives[0]] == [
        utc(2026, 11, 2, 9, 15),
        utc(2026, 11, 2, 9, 30),
    ]


def test_slots_follow_london_wall_time_across_the_march_clock_change() -> None:
    asha = worker(1, "Asha", first_day=date(2026, 3, 23), last_day=date(2026, 4, 30))
    # Fri 27 Mar 09:00 GMT is 09:00 UTC; Mon 30 Mar 09:00 BST is 08:00 UTC.
    result = proposed([asha], earliest_start=utc(2026, 3, 27, 8), last_day=date(2026, 4, 2))
    assert starts(result) == [utc(2026, 3, 27, 9), utc(2026, 3, 30, 8)]
    # An hourly grid is on the hour in London time, whatever the season.
    result = proposed(
        [asha], earliest_start=utc(2026, 3, 30, 8, 10), last_day=date(2026, 4, 9), slot_minutes=60
    )
    assert starts(result) == [utc(2026, 3, 30, 9), utc(2026, 4, 1, 8)]


def test_slots_follow_london_wall_time_across_the_october_clock_change() -> None:
    asha = worker(1, "Asha", first_day=date(2026, 10, 19), last_day=date(2026, 11, 30))
    result = proposed([asha], earliest_start=utc(2026, 10, 23, 7), last_day=date(2026, 10, 30))
    assert starts(result) == [utc(2026, 10, 23, 8), utc(2026, 10, 26, 9)]


def test_nothing_outstanding_gives_an_empty_plan() -> None:
    result = proposed([ASHA], sessions=())
    assert result.slots == ()
    assert result.latest == ()


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="slot_minutes"):
        plan([ASHA], slot_minutes=45)
    with pytest.raises(ValueError, match="timezone-aware"):
        plan([ASHA], earliest_start=datetime(2026, 11, 2, 9))
    with pytest.raises(ValueError, match="min_gap_days"):
        plan([ASHA], min_gap_days=-1)


def test_dates_in_reasons_are_short_and_do_not_depend_on_the_locale() -> None:
    assert format_date(date(2026, 12, 24), "day") == "Thu 24 Dec"
    assert format_date(date(2027, 1, 4), "day") == "Mon 4 Jan"


# ---------------------------------------------------------------------------------------
# Random small cases: against the brute-force oracle, and against the rules directly
# ---------------------------------------------------------------------------------------

INTERESTING_DAYS = [
    date(2026, 3, 26),  # the clocks go forward on Sun 29 Mar
    date(2026, 10, 22),  # the clocks go back on Sun 25 Oct
    date(2026, 12, 22),  # Christmas and Boxing Day (observed on Mon 28 Dec)
    date(2026, 11, 2),
]


@dataclass(frozen=True)
class Case:
    sessions: tuple[SessionSpec, ...]
    min_gap_days: int
    earliest_start: datetime
    last_day: date
    candidates: tuple[Candidate, ...]
    slot_minutes: int
    busy: dict[int, list[Interval]]

    def propose(self) -> Plan | NoPlan:
        return propose_plan(
            sessions=self.sessions,
            min_gap_days=self.min_gap_days,
            earliest_start=self.earliest_start,
            last_day=self.last_day,
            candidates=self.candidates,
            slot_minutes=self.slot_minutes,
        )


@st.composite
def cases(draw: st.DrawFn) -> Case:
    first_day = draw(
        st.sampled_from(INTERESTING_DAYS) | st.dates(date(2026, 1, 1), date(2027, 12, 1))
    )
    last_day = first_day + timedelta(days=draw(st.integers(3, 10)) - 1)
    origin = datetime.combine(first_day, time(0), tzinfo=LONDON).astimezone(UTC)
    minutes = ((last_day - first_day).days + 1) * 24 * 60

    def minutes_after(low: int, high: int, step: int = 5) -> datetime:
        return origin + timedelta(minutes=step * draw(st.integers(low // step, high // step)))

    sessions = tuple(
        SessionSpec(n, f"kind{n}", f"Session {n}", timedelta(minutes=m))
        for n, m in enumerate(
            [
                draw(st.sampled_from([30, 45, 60, 90, 120]))
                for _ in range(draw(st.sampled_from([1, 2, 3])))
            ],
            start=1,
        )
    )
    candidates = []
    busy: dict[int, list[Interval]] = {}
    for worker_id in range(1, draw(st.sampled_from([1, 2, 3])) + 1):
        opens = draw(st.integers(8 * 4, 12 * 4)) * 15
        closes = opens + draw(st.integers(3 * 4, 8 * 4)) * 15
        hours = {
            day: [(time(opens // 60, opens % 60), time(closes // 60, closes % 60))]
            for day in draw(st.sets(st.integers(0, 6), min_size=3))
        }
        bookings = []
        for _ in range(draw(st.integers(0, 12))):
            start = minutes_after(0, minutes)
            bookings.append(
                Interval(start, start + timedelta(minutes=draw(st.integers(3, 48)) * 5))
            )
        busy[worker_id] = bookings
        # Sometimes away for a stretch; the allocated worker sometimes for the rest of the
        # window, so that the other workers are needed.
        absences = []
        for _ in range(draw(st.sampled_from([0, 1]))):
            start = minutes_after(-24 * 60, minutes)
            absences.append(Interval(start, start + timedelta(hours=draw(st.integers(1, 96)))))
        if worker_id == 1 and draw(st.booleans()):
            start = minutes_after(0, 3 * 24 * 60)
            absences.append(Interval(start, start + timedelta(days=14)))
        free = free_time(
            first_day=first_day,
            last_day=last_day + timedelta(days=3),  # free time runs past the window
            venue_hours=VENUE,
            venue_closures=[
                DateRange(d, d) for d in draw(st.lists(st.dates(first_day, last_day), max_size=1))
            ],
            working_hours=hours,
            breaks={},
            absences=absences,
            busy=bookings,
            now=minutes_after(-3 * 60, 24 * 60),
            min_notice=timedelta(minutes=draw(st.sampled_from([0, 90, 120]))),
        )
        candidates.append(Candidate(worker_id, f"Worker {worker_id}", free))
    earliest_start = minutes_after(0, 2 * 24 * 60, step=1) + timedelta(
        seconds=draw(st.sampled_from([0, 0, 30]))
    )
    return Case(
        sessions=sessions,
        min_gap_days=draw(st.integers(0, 3)),
        earliest_start=earliest_start,
        last_day=last_day,
        candidates=tuple(candidates),
        slot_minutes=draw(st.sampled_from([15, 30, 60])),
        busy=busy,
    )


@settings(max_examples=200, deadline=None)
@given(cases())
def test_propose_plan_finds_the_same_earliest_plan_as_brute_force(case: Case) -> None:
    result = case.propose()
    expected = brute_force_plan(
        sessions=case.sessions,
        min_gap_days=case.min_gap_days,
        earliest_start=case.earliest_start,
        last_day=case.last_day,
        candidates=case.candidates,
        slot_minutes=case.slot_minutes,
    )
    if expected is None:
        event("no plan")
        assert isinstance(result, NoPlan)
        return
    assert isinstance(result, Plan), result
    event("plan with other workers" if result.used_other_workers else "plan")
    event(f"{len(case.sessions)} sessions")
    assert [(s.start, s.worker_id) for s in result.slots] == [
        (s.start, s.worker_id) for s in expected
    ]
    pool = case.candidates if result.used_other_workers else case.candidates[:1]
    assert result.latest == brute_force_latest(
        sessions=case.sessions,
        min_gap_days=case.min_gap_days,
        earliest_start=case.earliest_start,
        last_day=case.last_day,
        pool=pool,
        slot_minutes=case.slot_minutes,
    )


def fits_free_time(case: Case, slot: Slot) -> bool:
    candidate = next(c for c in case.candidates if c.worker_id == slot.worker_id)
    return any(i.start <= slot.start and slot.end <= i.end for i in candidate.free)


def check_slot(case: Case, slot: Slot) -> None:
    local = slot.start.astimezone(LONDON)
    assert slot.start.utcoffset() == timedelta(0)
    assert slot.end == slot.start + slot.session.duration
    assert case.earliest_start <= slot.start
    assert local.date() <= case.last_day
    assert local.date() not in _ORACLE_HOLIDAYS
    assert on_grid(slot.start, case.slot_minutes)
    assert fits_free_time(case, slot)
    assert not any(slot.start < b.end and b.start < slot.end for b in case.busy[slot.worker_id])


def entry(slot: Slot) -> tuple[SessionSpec, datetime, int]:
    return (slot.session, slot.start, slot.worker_id)


@settings(max_examples=150, deadline=None)
@given(cases())
def test_every_proposed_slot_keeps_the_rules(case: Case) -> None:
    result = case.propose()
    if isinstance(result, NoPlan):
        assert result.reason
        return
    assert [slot.session for slot in result.slots] == list(case.sessions)
    for slot in result.slots:
        check_slot(case, slot)
    for i, earlier in enumerate(result.slots):
        for later in result.slots[i + 1 :]:
            # In order, the gap kept, and no worker booked twice at once.
            assert pair_ok(entry(earlier), entry(later), case.min_gap_days)
    allocated = case.candidates[0].worker_id
    assert result.used_other_workers == any(s.worker_id != allocated for s in result.slots)
    assert (result.note is not None) == result.used_other_workers
    for i, (slot, alternatives) in enumerate(zip(result.slots, result.alternatives, strict=True)):
        assert result.slack(i) >= timedelta(0)
        assert len(alternatives) <= 3
        assert len({alt.start for alt in alternatives}) == len(alternatives)
        for alt in alternatives:
            check_slot(case, alt)
            assert slot.start < alt.start <= result.latest[i]
            # It fits with the proposed slots before it and the latest ones after it.
            if i:
                assert pair_ok(entry(result.slots[i - 1]), entry(alt), case.min_gap_days)
            if i + 1 < len(result.slots):
                later = (case.sessions[i + 1], result.latest[i + 1], -1)
                assert pair_ok(entry(alt), later, case.min_gap_days)


# --- session_options: the booking page's choices --------------------------------------------


def test_the_later_session_is_offered_only_times_after_the_gap_from_the_chosen_earlier_one():
    from scheduling.options import Choices, session_options

    wendy = worker(1, "Wendy")
    common = {
        "sessions": TWO_SESSIONS,
        "min_gap_days": 2,
        "earliest_start": utc(2026, 12, 2, 14, 0),
        "last_day": date(2026, 12, 24),
        "candidates": [wendy],
    }
    monday = utc(2026, 12, 7, 10, 15)
    choices = session_options(
        **common,
        picks=[(1, monday), None],
        days=[None, date(2026, 12, 16)],
        strict=False,
    )
    assert isinstance(choices, Choices)
    first, second = choices.options
    assert first.chosen is not None and first.chosen.start == monday
    assert monday in [s.start for s in first.offered]
    assert first.offered[0] == first.proposal  # the proposal stays first
    assert second.not_before == utc(2026, 12, 9, 0, 0)
    assert all(s.start >= utc(2026, 12, 9, 9, 0) for s in second.offered)
    assert min(second.days) == date(2026, 12, 9) and second.day == date(2026, 12, 16)
    assert len([s for s in second.offered if s.start.date() == date(2026, 12, 16)]) > 20
    assert second.chosen == second.proposal

    # Sent to book with a care-plan time too soon after Monday: refused, not replaced.
    refused = session_options(
        **common, picks=[(1, monday), (1, utc(2026, 12, 8, 9, 0))], days=[None, None], strict=True
    )
    assert isinstance(refused, Choices)
    assert refused.options[0].problem is None
    assert refused.options[1].chosen is None
    assert refused.options[1].problem == (
        "Care plan session must be at least 2 days after the comprehensive assessment: "
        "choose a time on or after Wednesday 9 December 2026"
    )
