"""Tests for scheduling.availability: docs "Booking" (when a slot is free).

The property tests check free_time against a point-by-point oracle written here from the
rule itself: an instant is free when, at its Europe/London wall time, the venue is open, the
worker works and is not on a break, the day is no bank holiday or closure, and the instant
is in no absence or booking and at least min_notice after now.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from diversion.formatting import LONDON
from scheduling.availability import (
    DateRange,
    Interval,
    WeeklyHours,
    clip_intervals,
    free_time,
    intersect_intervals,
    local_periods,
    merge_intervals,
    subtract_intervals,
)

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
WEEKDAYS = (MON, TUE, WED, THU, FRI)

VENUE = {day: [(time(8, 0), time(18, 0))] for day in WEEKDAYS}
WORKING = {day: [(time(9, 0), time(17, 0))] for day in WEEKDAYS}
LUNCH = {day: [(time(12, 30), time(13, 30))] for day in WEEKDAYS}
NONE: WeeklyHours = {}

_ORACLE_HOLIDAYS = holidays.country_holidays("GB", subdiv="ENG", years=range(2025, 2029))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON).astimezone(UTC)  # type: ignore[misc]


def iv(start: datetime, end: datetime) -> Interval:
    return Interval(start, end)


def free(
    first_day: date,
    last_day: date | None = None,
    *,
    venue_hours: WeeklyHours = VENUE,
    venue_closures: tuple[DateRange, ...] = (),
    working_hours: WeeklyHours = WORKING,
    breaks: WeeklyHours = LUNCH,
    absences: tuple[Interval, ...] = (),
    busy: tuple[Interval, ...] = (),
    now: datetime | None = None,
    min_notice: timedelta = timedelta(hours=2),
) -> list[Interval]:
    return free_time(
        first_day=first_day,
        last_day=last_day or first_day,
        venue_hours=venue_hours,
        venue_closures=venue_closures,
        working_hours=working_hours,
        breaks=breaks,
        absences=absences,
        busy=busy,
        now=now or utc(2020, 1, 1),
        min_notice=min_notice,
    )


# ---------------------------------------------------------------------------------------
# Examples
# ---------------------------------------------------------------------------------------


def test_free_time_is_working_hours_inside_opening_hours_less_the_lunch_break() -> None:
    # Mon 2 Nov 2026 is in winter (GMT), so London wall time equals UTC.
    assert free(date(2026, 11, 2)) == [
        iv(utc(2026, 11, 2, 9), utc(2026, 11, 2, 12, 30)),
        iv(utc(2026, 11, 2, 13, 30), utc(2026, 11, 2, 17)),
    ]


def test_free_time_ends_when_the_venue_closes_even_if_the_worker_works_on() -> None:
    venue = {**VENUE, WED: [(time(8, 0), time(15, 0))]}
    assert free(date(2026, 11, 4), venue_hours=venue) == [
        iv(utc(2026, 11, 4, 9), utc(2026, 11, 4, 12, 30)),
        iv(utc(2026, 11, 4, 13, 30), utc(2026, 11, 4, 15)),
    ]


def test_no_free_time_on_a_day_the_worker_does_not_work() -> None:
    part_time = {day: WORKING[day] for day in (MON, TUE)}
    assert free(date(2026, 11, 4), working_hours=part_time) == []
    assert free(date(2026, 11, 7)) == []  # a Saturday: neither venue nor worker


def test_bookings_and_absences_are_removed_and_touching_a_booking_is_free() -> None:
    busy = (
        iv(utc(2026, 11, 2, 10), utc(2026, 11, 2, 11, 30)),
        iv(utc(2026, 11, 2, 9), utc(2026, 11, 2, 9, 15)),
    )
    absences = (iv(utc(2026, 11, 2, 15), utc(2026, 11, 3, 0)),)
    assert free(date(2026, 11, 2), busy=busy, absences=absences) == [
        iv(utc(2026, 11, 2, 9, 15), utc(2026, 11, 2, 10)),
        iv(utc(2026, 11, 2, 11, 30), utc(2026, 11, 2, 12, 30)),
        iv(utc(2026, 11, 2, 13, 30), utc(2026, 11, 2, 15)),
    ]


def test_a_long_absence_removes_whole_days() -> None:
    leave = (iv(utc(2026, 11, 3), utc(2026, 11, 5)),)
    days = {i.start.date() for i in free(date(2026, 11, 2), date(2026, 11, 6), absences=leave)}
    assert days == {date(2026, 11, 2), date(2026, 11, 5), date(2026, 11, 6)}


def test_no_free_time_on_bank_holidays() -> None:
    # Fri 25 and Mon 28 Dec 2026 are bank holidays (Boxing Day substitute on the Monday).
    days = {i.start.date() for i in free(date(2026, 12, 21), date(2027, 1, 1))}
    assert days == {
        date(2026, 12, 21),
        date(2026, 12, 22),
        date(2026, 12, 23),
        date(2026, 12, 24),
        date(2026, 12, 29),
        date(2026, 12, 30),
        date(2026, 12, 31),
    }  # and Fri 1 Jan 2027 is New Year's Day


def test_no_free_time_while_the_venue_is_closed() -> None:
    closures = (
        DateRange(date(2026, 11, 3), date(2026, 11, 4)),
        DateRange(date(2030, 1, 1), date(2030, 1, 1)),
    )
    days = {
        i.start.date() for i in free(date(2026, 11, 2), date(2026, 11, 6), venue_closures=closures)
    }
    assert days == {date(2026, 11, 2), date(2026, 11, 5), date(2026, 11, 6)}


def test_nothing_starts_before_now_plus_the_minimum_notice() -> None:
    now = utc(2026, 11, 2, 8, 7, 30)
    assert free(date(2026, 11, 2), now=now)[0] == iv(
        utc(2026, 11, 2, 10, 7, 30), utc(2026, 11, 2, 12, 30)
    )
    assert free(date(2026, 11, 2), now=now, min_notice=timedelta(0))[0].start == utc(2026, 11, 2, 9)
    assert free(date(2026, 11, 2), now=utc(2026, 11, 2, 15)) == []


def test_opening_hours_follow_london_wall_time_across_the_march_clock_change() -> None:
    # Clocks go forward at 01:00 UTC on Sun 29 Mar 2026: 09:00 is 09:00 UTC on Friday and
    # 08:00 UTC on Monday.
    days = free(date(2026, 3, 27), date(2026, 3, 30), breaks=NONE)
    assert days == [
        iv(utc(2026, 3, 27, 9), utc(2026, 3, 27, 17)),
        iv(utc(2026, 3, 30, 8), utc(2026, 3, 30, 16)),
    ]


def test_opening_hours_follow_london_wall_time_across_the_october_clock_change() -> None:
    # Clocks go back at 01:00 UTC on Sun 25 Oct 2026.
    days = free(date(2026, 10, 23), date(2026, 10, 26), breaks=NONE)
    assert days == [
        iv(utc(2026, 10, 23, 8), utc(2026, 10, 23, 16)),
        iv(utc(2026, 10, 26, 9), utc(2026, 10, 26, 17)),
    ]


def test_the_day_of_the_spring_clock_change_is_an_hour_short() -> None:
    morning = {SUN: [(time(0, 0), time(12, 0))]}
    periods = local_periods(date(2026, 3, 29), morning)
    assert periods == [iv(utc(2026, 3, 29, 0), utc(2026, 3, 29, 11))]
    assert periods[0].end - periods[0].start == timedelta(hours=11)
    sunday = {SUN: [(time(9, 0), time(17, 0))]}
    assert local_periods(date(2026, 3, 29), sunday) == [
        iv(utc(2026, 3, 29, 8), utc(2026, 3, 29, 16))
    ]


def test_the_day_of_the_autumn_clock_change_is_an_hour_long() -> None:
    morning = {SUN: [(time(0, 0), time(12, 0))]}
    periods = local_periods(date(2026, 10, 25), morning)
    assert periods == [iv(utc(2026, 10, 24, 23), utc(2026, 10, 25, 12))]
    assert periods[0].end - periods[0].start == timedelta(hours=13)


def test_a_period_closing_at_midnight_runs_to_the_end_of_the_day() -> None:
    late = {FRI: [(time(18, 0), time(0, 0))], SAT: [(time(0, 0), time(2, 0))]}
    assert local_periods(date(2026, 11, 6), late) == [iv(utc(2026, 11, 6, 18), utc(2026, 11, 7, 0))]
    # Free time runs on across midnight as one interval.
    result = free(
        date(2026, 11, 6), date(2026, 11, 7), venue_hours=late, working_hours=late, breaks=NONE
    )
    assert result == [iv(utc(2026, 11, 6, 18), utc(2026, 11, 7, 2))]


def test_overlapping_periods_of_a_day_are_merged() -> None:
    split = {
        MON: [(time(13, 0), time(17, 0)), (time(9, 0), time(12, 0)), (time(11, 0), time(13, 0))]
    }
    assert local_periods(date(2026, 11, 2), split) == [
        iv(utc(2026, 11, 2, 9), utc(2026, 11, 2, 17))
    ]


def test_intervals_must_be_timezone_aware_and_end_after_they_start() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        Interval(datetime(2026, 1, 1, 9), datetime(2026, 1, 1, 10))
    with pytest.raises(ValueError, match="end after it starts"):
        Interval(utc(2026, 1, 1, 10), utc(2026, 1, 1, 10))


def test_bad_hours_and_ranges_are_refused() -> None:
    with pytest.raises(ValueError, match="close after it opens"):
        local_periods(date(2026, 11, 2), {MON: [(time(17, 0), time(9, 0))]})
    with pytest.raises(ValueError, match="wall-clock"):
        local_periods(date(2026, 11, 2), {MON: [(time(9, 0, tzinfo=UTC), time(17, 0))]})
    with pytest.raises(ValueError, match="must not end before"):
        DateRange(date(2026, 11, 3), date(2026, 11, 2))
    with pytest.raises(ValueError, match="now must be timezone-aware"):
        free(date(2026, 11, 2), now=datetime(2026, 11, 2))


def test_date_range_contains_both_ends() -> None:
    closure = DateRange(date(2026, 11, 3), date(2026, 11, 4))
    assert date(2026, 11, 3) in closure
    assert date(2026, 11, 4) in closure
    assert date(2026, 11, 5) not in closure


# ---------------------------------------------------------------------------------------
# Interval helpers against sets of minutes
# ---------------------------------------------------------------------------------------

BASE = utc(2026, 11, 2)


def minutes_of(intervals: list[Interval]) -> set[int]:
    return {
        m
        for i in intervals
        for m in range(
            int((i.start - BASE).total_seconds() // 60), int((i.end - BASE).total_seconds() // 60)
        )
    }


raw_intervals = st.lists(
    st.tuples(st.integers(0, 300), st.integers(1, 60)).map(
        lambda p: Interval(BASE + timedelta(minutes=p[0]), BASE + timedelta(minutes=p[0] + p[1]))
    ),
    max_size=8,
)


def assert_normal(intervals: list[Interval]) -> None:
    """Sorted, and separated by gaps (merged: no overlap, no touching)."""
    for earlier, later in pairwise(intervals):
        assert earlier.end < later.start


@given(raw_intervals, raw_intervals)
def test_interval_helpers_agree_with_sets_of_minutes(a: list[Interval], b: list[Interval]) -> None:
    ma, mb = merge_intervals(a), merge_intervals(b)
    assert_normal(ma)
    assert minutes_of(ma) == minutes_of(a)
    both = intersect_intervals(ma, mb)
    assert minutes_of(both) == minutes_of(ma) & minutes_of(mb)
    rest = subtract_intervals(ma, mb)
    assert minutes_of(rest) == minutes_of(ma) - minutes_of(mb)
    for result in (both, rest):
        assert all(x.end <= y.start for x, y in pairwise(result))
    cut = BASE + timedelta(minutes=120)
    assert minutes_of(clip_intervals(ma, cut)) == {m for m in minutes_of(ma) if m >= 120}


# ---------------------------------------------------------------------------------------
# free_time against the point-by-point oracle
# ---------------------------------------------------------------------------------------

STEP = 5  # every boundary below is on a 5-minute grid, so midpoints decide coverage


def wall_times(draw: st.DrawFn, low: int, high: int, longest: int) -> tuple[time, time]:
    start = draw(st.integers(low // STEP, high // STEP - 1)) * STEP
    end = draw(st.integers(start // STEP + 1, min(start + longest, high) // STEP)) * STEP
    return time(start // 60, start % 60), time(end // 60 % 24, end % 60)


@st.composite
def weekly_hours(
    draw: st.DrawFn, *, min_days: int, periods: int, longest: int = 16 * 60
) -> WeeklyHours:
    """Random London wall-clock hours between 06:00 and 22:00 (clear of the clock change)."""
    days = draw(st.sets(st.integers(0, 6), min_size=min_days))
    return {
        day: [
            wall_times(draw, 6 * 60, 22 * 60, longest) for _ in range(draw(st.integers(1, periods)))
        ]
        for day in days
    }


INTERESTING_DAYS = [
    date(2026, 3, 27),  # the weekend the clocks go forward
    date(2026, 10, 23),  # the weekend the clocks go back
    date(2026, 12, 23),  # Christmas bank holidays
    date(2026, 5, 1),  # early May bank holiday on Monday 4th
]


@dataclass(frozen=True)
class Inputs:
    first_day: date
    last_day: date
    venue_hours: WeeklyHours
    venue_closures: list[DateRange]
    working_hours: WeeklyHours
    breaks: WeeklyHours
    absences: list[Interval]
    busy: list[Interval]
    now: datetime
    min_notice: timedelta

    def free_time(self) -> list[Interval]:
        return free_time(**{f.name: getattr(self, f.name) for f in fields(self)})


@st.composite
def availability_inputs(draw: st.DrawFn) -> Inputs:
    first_day = draw(
        st.sampled_from(INTERESTING_DAYS) | st.dates(date(2026, 1, 1), date(2027, 12, 20))
    )
    last_day = first_day + timedelta(days=draw(st.integers(0, 5)))
    origin = datetime.combine(first_day, time(0), tzinfo=LONDON).astimezone(UTC)
    span = ((last_day - first_day).days + 2) * 24 * 60 // STEP

    def stretch(max_steps: int) -> Interval:
        start = origin + timedelta(minutes=STEP * draw(st.integers(-50, span)))
        return Interval(start, start + timedelta(minutes=STEP * draw(st.integers(1, max_steps))))

    closures = [
        DateRange(d, d + timedelta(days=draw(st.integers(0, 2))))
        for d in draw(st.lists(st.dates(first_day - timedelta(days=2), last_day), max_size=2))
    ]
    return Inputs(
        first_day=first_day,
        last_day=last_day,
        venue_hours=draw(weekly_hours(min_days=5, periods=1)),
        venue_closures=closures,
        working_hours=draw(weekly_hours(min_days=3, periods=2)),
        breaks=draw(weekly_hours(min_days=0, periods=1, longest=120)),
        absences=[stretch(600) for _ in range(draw(st.integers(0, 2)))],
        busy=[stretch(36) for _ in range(draw(st.integers(0, 10)))],
        now=origin + timedelta(minutes=STEP * draw(st.integers(-300, span // 4))),
        min_notice=timedelta(minutes=STEP * draw(st.integers(0, 48))),
    )


def in_hours(hours: WeeklyHours, day: date, wall: time) -> bool:
    return any(
        opens <= wall and (wall < closes or closes == time(0))
        for opens, closes in hours.get(day.weekday(), ())
    )


def oracle_is_free(moment: datetime, inputs: Inputs) -> bool:
    local = moment.astimezone(LONDON)
    day, wall = local.date(), local.time().replace(tzinfo=None)
    return (
        inputs.first_day <= day <= inputs.last_day
        and in_hours(inputs.venue_hours, day, wall)
        and in_hours(inputs.working_hours, day, wall)
        and not in_hours(inputs.breaks, day, wall)
        and day not in _ORACLE_HOLIDAYS
        and not any(c.first <= day <= c.last for c in inputs.venue_closures)
        and not any(i.start <= moment < i.end for i in [*inputs.absences, *inputs.busy])
        and moment >= inputs.now + inputs.min_notice
    )


@settings(max_examples=150, deadline=None)
@given(availability_inputs())
def test_free_time_is_exactly_the_instants_the_rule_calls_free(inputs: Inputs) -> None:
    result = inputs.free_time()
    assert_normal(result)  # sorted, disjoint and merged
    origin = datetime.combine(inputs.first_day - timedelta(days=1), time(0), tzinfo=UTC)
    moments = ((inputs.last_day - inputs.first_day).days + 3) * 24 * 60 // STEP
    for k in range(moments):
        moment = origin + timedelta(minutes=STEP * k + STEP / 2)
        in_result = any(i.start <= moment < i.end for i in result)
        assert in_result == oracle_is_free(moment, inputs), moment


@settings(max_examples=100, deadline=None)
@given(availability_inputs())
def test_free_intervals_overlap_no_booking_and_sit_inside_opening_and_working_hours(
    inputs: Inputs,
) -> None:
    result = inputs.free_time()
    assert_normal(result)
    for interval in result:
        assert interval.start.utcoffset() == timedelta(0)
        assert not any(interval.overlaps(b) for b in inputs.busy)
        assert not any(interval.overlaps(a) for a in inputs.absences)
        assert interval.start >= inputs.now + inputs.min_notice
        day = interval.start.astimezone(LONDON).date()
        assert day not in _ORACLE_HOLIDAYS
        opening = local_periods(day, inputs.venue_hours)
        working = local_periods(day, inputs.working_hours)
        assert any(p.contains(interval.start, interval.end) for p in opening)
        assert any(p.contains(interval.start, interval.end) for p in working)
