"""Slot finding, for proposals (scheduling.plan): the earliest and the latest start on the slot
grid inside one worker's free time, or across a pool of workers.

A pure rule (no Flask, no database, no clock). Free time is sorted, disjoint UTC intervals
(scheduling.availability); the grid is measured from London midnight.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from diversion.formatting import LONDON
from scheduling.availability import Interval

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_TICK = timedelta(microseconds=1)


@dataclass(frozen=True)
class SessionSpec:
    """One outstanding session of a case: its number in the order, kind, name and length."""

    number: int
    kind: str
    name: str
    duration: timedelta


@dataclass(frozen=True)
class Candidate:
    """A worker who could take sessions, with her free time (sorted, disjoint intervals)."""

    worker_id: int
    name: str
    free: Sequence[Interval]


@dataclass(frozen=True)
class Slot:
    """A proposed appointment: which session, with whom, from start to end (UTC)."""

    session: SessionSpec
    worker_id: int
    start: datetime
    end: datetime


# ---------------------------------------------------------------------------------------
# Time arithmetic
# ---------------------------------------------------------------------------------------


def local_date(instant: datetime) -> date:
    return instant.astimezone(LONDON).date()


def local_midnight(day: date) -> datetime:
    # London midnight always exists and is unambiguous (the clocks change at 01:00 UTC).
    return datetime.combine(day, time(0, 0), tzinfo=LONDON).astimezone(UTC)


# The grid is measured from local midnight. Europe/London is always a whole number of hours
# from UTC, so when the step divides 60 minutes a London wall time is on the grid exactly
# when the same instant in UTC is: the grid can be computed in UTC, from the epoch.
def grid_ceil(instant: datetime, step: timedelta) -> datetime:
    remainder = (instant - _EPOCH) % step
    return instant + (step - remainder) if remainder else instant


def grid_floor(instant: datetime, step: timedelta) -> datetime:
    return instant - (instant - _EPOCH) % step


def _interval_start(interval: Interval) -> datetime:
    return interval.start


def _interval_end(interval: Interval) -> datetime:
    return interval.end


# ---------------------------------------------------------------------------------------
# Searching one worker's free time (bisect on the sorted intervals, then a short walk)
# ---------------------------------------------------------------------------------------


def earliest_in(
    free: Sequence[Interval],
    *,
    not_before: datetime,
    before: datetime | None,
    duration: timedelta,
    step: timedelta,
) -> datetime | None:
    """The earliest grid start s >= not_before, s < before, with [s, s+duration] free."""
    # Intervals ending before not_before + duration cannot hold the session; skip them all.
    i = bisect_left(free, not_before + duration, key=_interval_end)
    while i < len(free):
        interval = free[i]
        if before is not None and interval.start >= before:
            return None
        start = grid_ceil(max(not_before, interval.start), step)
        if start + duration <= interval.end:
            # Any later interval would give a later start, so this is the answer or none is.
            return start if before is None or start < before else None
        i += 1
    return None


def latest_in(
    free: Sequence[Interval],
    *,
    not_before: datetime,
    not_after: datetime,
    duration: timedelta,
    step: timedelta,
) -> datetime | None:
    """The latest grid start s with not_before <= s <= not_after and [s, s+duration] free."""
    # Intervals starting after not_after cannot hold a start; begin with the last other one.
    i = bisect_right(free, not_after, key=_interval_start) - 1
    while i >= 0:
        interval = free[i]
        latest_fit = interval.end - duration
        if latest_fit < not_before:
            return None  # every earlier interval ends earlier still
        start = grid_floor(min(not_after, latest_fit), step)
        if start < not_before:
            return None
        if start >= interval.start:
            return start
        i -= 1
    return None


class Pool:
    """The candidates being searched, each with her free intervals long enough for a session.

    Most free intervals of a busy worker are short gaps between bookings. Leaving out those
    too short for a session (once per candidate and length, and only for candidates that are
    searched) lets every search bisect straight to an interval that can hold it, instead of
    walking past the gaps again on each of the many searches for one plan.
    """

    def __init__(
        self,
        candidates: Sequence[Candidate],
        cache: dict[tuple[int, timedelta], Sequence[Interval]] | None = None,
    ) -> None:
        self.candidates = candidates
        self._cache: dict[tuple[int, timedelta], Sequence[Interval]] = (
            {} if cache is None else cache
        )

    def widened(self, candidates: Sequence[Candidate]) -> Pool:
        """The same search over more candidates (this pool's must come first), sharing work."""
        return Pool(candidates, self._cache)

    def free(self, index: int, duration: timedelta) -> Sequence[Interval]:
        key = (index, duration)
        found = self._cache.get(key)
        if found is None:
            found = [i for i in self.candidates[index].free if i.end - i.start >= duration]
            self._cache[key] = found
        return found

    def slot(self, session: SessionSpec, found: Found) -> Slot:
        start = found.start.astimezone(UTC)
        return Slot(
            session, self.candidates[found.candidate].worker_id, start, start + session.duration
        )


@dataclass(frozen=True)
class Found:
    start: datetime
    candidate: int  # index into the pool's candidates


def earliest_over(
    pool: Pool,
    *,
    not_before: datetime,
    before: datetime | None,
    duration: timedelta,
    step: timedelta,
) -> Found | None:
    """The earliest slot over the pool; ties go to the earlier candidate."""
    best: Found | None = None
    for index in range(len(pool.candidates)):
        # Only a strictly earlier start can beat the best so far, so later candidates stop
        # searching as soon as their free time passes it.
        start = earliest_in(
            pool.free(index, duration),
            not_before=not_before,
            before=best.start if best is not None else before,
            duration=duration,
            step=step,
        )
        if start is not None:
            best = Found(start, index)
    return best


def latest_over(
    pool: Pool,
    *,
    not_before: datetime,
    not_after: datetime,
    duration: timedelta,
    step: timedelta,
) -> Found | None:
    """The latest slot over the pool; ties go to the earlier candidate."""
    best: Found | None = None
    for index in range(len(pool.candidates)):
        start = latest_in(
            pool.free(index, duration),
            not_before=best.start + _TICK if best is not None else not_before,
            not_after=not_after,
            duration=duration,
            step=step,
        )
        if start is not None:
            best = Found(start, index)
    return best
