"""Free time: when a worker can see a woman, as sorted UTC intervals.

Everything here is a pure function of its arguments: no Flask, no database and no clock
(callers pass ``now``). The business rule is docs "Booking": a slot is free when the venue
is open, the worker is working and not on a break or on leave, it is not a bank holiday
(England and Wales) and it overlaps no other booking of that worker.

Instants are timezone-aware datetimes (UTC). Weekly hours are Europe/London wall-clock
times, converted day by day with zoneinfo, so 09:00 is 08:00 UTC in summer (BST) and
09:00 UTC in winter (GMT), including on the days the clocks change.

Interval lists are half-open ``[start, end)`` and, unless a function says otherwise, sorted
by start and pairwise disjoint. The helpers are linear sweeps over such lists.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from diversion.formatting import LONDON
from scheduling.calendar import is_bank_holiday

__all__ = [
    "DEFAULT_MIN_NOTICE",
    "DateRange",
    "Interval",
    "WeeklyHours",
    "clip_intervals",
    "free_time",
    "free_within",
    "intersect_intervals",
    "local_periods",
    "merge_intervals",
    "open_time",
    "subtract_intervals",
]

# Weekday (Monday=0 .. Sunday=6) -> Europe/London wall-clock periods (opens, closes).
# A period that closes at time(0, 0) runs to midnight at the end of the day.
WeeklyHours = Mapping[int, Sequence[tuple[time, time]]]

# A booking needs some notice so the woman can be told and can travel.
DEFAULT_MIN_NOTICE = timedelta(hours=2)

_MIDNIGHT = time(0, 0)
_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, order=True)
class Interval:
    """A stretch of time [start, end) between two timezone-aware instants."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.utcoffset() is None or self.end.utcoffset() is None:
            raise ValueError("Interval instants must be timezone-aware (UTC)")
        if self.start >= self.end:
            raise ValueError(
                f"Interval must end after it starts: {self.start.isoformat()} to "
                f"{self.end.isoformat()}"
            )

    def overlaps(self, other: Interval) -> bool:
        """Say whether two intervals share time (touching at an end does not count)."""
        return self.start < other.end and other.start < self.end

    def contains(self, start: datetime, end: datetime) -> bool:
        """Say whether [start, end) lies wholly inside this interval."""
        return self.start <= start and end <= self.end


@dataclass(frozen=True)
class DateRange:
    """Local dates from first to last inclusive, such as a venue closure."""

    first: date
    last: date

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError(
                f"Date range must not end before it starts: {self.first.isoformat()} to "
                f"{self.last.isoformat()}"
            )

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.first <= day <= self.last


def _bounds(interval: Interval) -> tuple[datetime, datetime]:
    return interval.start, interval.end


def merge_intervals(intervals: Iterable[Interval]) -> list[Interval]:
    """Sort intervals and join those that overlap or touch, so sweeps can rely on order."""
    merged: list[Interval] = []
    for interval in sorted(intervals, key=_bounds):
        if merged and interval.start <= merged[-1].end:
            if interval.end > merged[-1].end:
                merged[-1] = Interval(merged[-1].start, interval.end)
        else:
            merged.append(interval)
    return merged


def intersect_intervals(a: Sequence[Interval], b: Sequence[Interval]) -> list[Interval]:
    """Keep the time that is in both sorted, disjoint lists (open AND working, say)."""
    result: list[Interval] = []
    i = j = 0
    while i < len(a) and j < len(b):
        start = max(a[i].start, b[j].start)
        end = min(a[i].end, b[j].end)
        if start < end:
            result.append(Interval(start, end))
        # Whichever ends first can share no more time with anything later in the other.
        if a[i].end <= b[j].end:
            i += 1
        else:
            j += 1
    return result


def subtract_intervals(a: Sequence[Interval], b: Sequence[Interval]) -> list[Interval]:
    """Remove from sorted, disjoint `a` all time covered by sorted, disjoint `b`."""
    result: list[Interval] = []
    j = 0
    for interval in a:
        # Parts of b that end before this interval starts end before every later one too.
        while j < len(b) and b[j].end <= interval.start:
            j += 1
        start = interval.start
        k = j
        while k < len(b) and b[k].start < interval.end and start < interval.end:
            if b[k].start > start:
                result.append(Interval(start, b[k].start))
            start = max(start, b[k].end)
            k += 1
        if start < interval.end:
            result.append(Interval(start, interval.end))
    return result


def clip_intervals(intervals: Sequence[Interval], not_before: datetime) -> list[Interval]:
    """Drop the time before `not_before` from a sorted, disjoint list."""
    result: list[Interval] = []
    for interval in intervals:
        if interval.end <= not_before:
            continue
        if interval.start < not_before:
            result.append(Interval(not_before, interval.end))
        else:
            result.append(interval)
    return result


def _to_utc(day: date, wall: time) -> datetime:
    # Rule: weekly hours are Europe/London wall-clock times. Attaching the zone to the local
    # date and converting gives the right UTC instant on both sides of a clock change.
    return datetime.combine(day, wall, tzinfo=LONDON).astimezone(UTC)


def local_periods(day: date, hours: WeeklyHours) -> list[Interval]:
    """Turn a day's Europe/London wall-clock periods into sorted, merged UTC intervals."""
    periods: list[Interval] = []
    for opens, closes in hours.get(day.weekday(), ()):
        if opens.tzinfo is not None or closes.tzinfo is not None:
            raise ValueError("Weekly hours are Europe/London wall-clock times; pass no tzinfo")
        if closes != _MIDNIGHT and closes <= opens:
            raise ValueError(f"A period must close after it opens: {opens} to {closes}")
        start = _to_utc(day, opens)
        end = _to_utc(day + _ONE_DAY, _MIDNIGHT) if closes == _MIDNIGHT else _to_utc(day, closes)
        if start < end:
            periods.append(Interval(start, end))
    return merge_intervals(periods)


def _closed_days(closures: Sequence[DateRange], first_day: date, last_day: date) -> set[date]:
    # Only the days of each closure that fall in the window matter; a closure may be long.
    days: set[date] = set()
    for closure in closures:
        day = max(closure.first, first_day)
        while day <= min(closure.last, last_day):
            days.add(day)
            day += _ONE_DAY
    return days


# WeeklyHours as a value that can key a cache: (weekday, ((opens, closes), ...)), sorted.
_HoursKey = tuple[tuple[int, tuple[tuple[time, time], ...]], ...]


def _hours_key(hours: WeeklyHours) -> _HoursKey:
    return tuple(
        sorted(
            (weekday, tuple((p[0], p[1]) for p in periods)) for weekday, periods in hours.items()
        )
    )


@lru_cache(maxsize=8192)
def _working_time(
    day: date, venue: _HoursKey, working: _HoursKey, breaks: _HoursKey
) -> tuple[Interval, ...]:
    """The venue open AND her working, minus her breaks, on one day (before bank holidays,
    closures, leave and bookings). Kept per day and pattern: the booking page asks it for
    every caseworker of the organisation, most of them on the same hours."""
    working_time = intersect_intervals(
        local_periods(day, dict(venue)), local_periods(day, dict(working))
    )
    return tuple(subtract_intervals(working_time, local_periods(day, dict(breaks))))


def open_time(
    *,
    first_day: date,
    last_day: date,
    venue_hours: WeeklyHours,
    venue_closures: Sequence[DateRange],
    working_hours: WeeklyHours,
    breaks: WeeklyHours,
) -> list[Interval]:
    """When a worker on this weekly pattern works at a venue over local days
    first_day..last_day, before her leave, her bookings and the notice a booking needs.

    The same for every worker on the same pattern: the booking page works it out once per
    pattern, not once per caseworker (scheduling.candidates).
    """
    closed = _closed_days(venue_closures, first_day, last_day)
    # Rule (docs "Booking"): free when the venue is open AND the worker is working, minus
    # her breaks, on days that are neither bank holidays nor venue closures.
    working: list[Interval] = []
    venue, hours, away = _hours_key(venue_hours), _hours_key(working_hours), _hours_key(breaks)
    day = first_day
    while day <= last_day:
        if not is_bank_holiday(day) and day not in closed:
            working.extend(_working_time(day, venue, hours, away))
        day += _ONE_DAY
    # Days follow each other in time, so this only joins periods that touch at midnight.
    return merge_intervals(working)


def free_within(
    working: Sequence[Interval],
    *,
    absences: Sequence[Interval],
    busy: Sequence[Interval],
    now: datetime,
    min_notice: timedelta = DEFAULT_MIN_NOTICE,
) -> list[Interval]:
    """A worker's free time: her working time (open_time) less her leave and bookings, from
    now plus notice. With no leave or bookings, it is her working time from then on: the
    most free time any worker on her pattern can have (scheduling.slots.Candidate.bound)."""
    if now.utcoffset() is None:
        raise ValueError("now must be timezone-aware (UTC)")
    # Rule: never while she is on leave or booked elsewhere. One sort of everything blocked,
    # then one sweep, rather than a pass per booking.
    blocked = merge_intervals([*absences, *busy])
    free = subtract_intervals(working, blocked)
    # Rule: a booking needs min_notice, so nothing starts before now + min_notice.
    return clip_intervals(free, now + min_notice)


def free_time(
    *,
    first_day: date,
    last_day: date,
    venue_hours: WeeklyHours,
    venue_closures: Sequence[DateRange],
    working_hours: WeeklyHours,
    breaks: WeeklyHours,
    absences: Sequence[Interval],
    busy: Sequence[Interval],
    now: datetime,
    min_notice: timedelta = DEFAULT_MIN_NOTICE,
) -> list[Interval]:
    """Find when a worker can be booked at a venue over local days first_day..last_day."""
    if now.utcoffset() is None:
        raise ValueError("now must be timezone-aware (UTC)")
    working = open_time(
        first_day=first_day,
        last_day=last_day,
        venue_hours=venue_hours,
        venue_closures=venue_closures,
        working_hours=working_hours,
        breaks=breaks,
    )
    return free_within(working, absences=absences, busy=busy, now=now, min_notice=min_notice)
