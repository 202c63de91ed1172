"""Slot finding, for proposals (scheduling.plan): the earliest and the latest start on the slot
grid inside one worker's free time, or across a pool of workers.

A pure rule (no Flask, no database, no clock). Free time is sorted, disjoint UTC intervals
(scheduling.availability); the grid is measured from London midnight.

A pool's search looks at a colleague's free time only when she could change the answer. Each
candidate may carry a bound: the most free time she could have (her working time, before
leave and bookings), shared by everyone on the same weekly pattern. Once the best start found
so far is the earliest (or latest) start anyone's bound allows, no later candidate can beat
it (ties go to the earlier candidate), so the search stops; free time given as Deferred is
then never worked out for the candidates not reached. Without bounds, every candidate is
searched, as before.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import chain
from typing import overload

from diversion.formatting import LONDON
from scheduling.availability import Interval, merge_intervals

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_TICK = timedelta(microseconds=1)


@dataclass(frozen=True)
class SessionSpec:
    """One outstanding session of a case: its number in the order, kind, name and length."""

    number: int
    kind: str
    name: str
    duration: timedelta


class Deferred(Sequence[Interval]):
    """Free time worked out when it is first read (then kept): a pool's search may never
    read a colleague's (see the module docstring)."""

    def __init__(self, compute: Callable[[], Sequence[Interval]]) -> None:
        self._compute: Callable[[], Sequence[Interval]] | None = compute
        self._items: Sequence[Interval] = ()

    @property
    def computed(self) -> bool:
        """Whether the free time has been worked out (read) yet."""
        return self._compute is None

    def _read(self) -> Sequence[Interval]:
        if self._compute is not None:
            self._items = self._compute()
            self._compute = None
        return self._items

    @overload
    def __getitem__(self, index: int) -> Interval: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Interval]: ...

    def __getitem__(self, index: int | slice) -> Interval | Sequence[Interval]:
        return self._read()[index]

    def __len__(self) -> int:
        return len(self._read())

    def __iter__(self) -> Iterator[Interval]:
        return iter(self._read())


@dataclass(frozen=True)
class Candidate:
    """A worker who could take sessions, with her free time (sorted, disjoint intervals).

    `bound`, when known, holds all of her free time and maybe more (sorted, disjoint,
    merged intervals: her working time from now plus notice, before leave and bookings); a
    pool whose every candidate has one searches colleagues only while they could beat the
    best start found (module docstring). Candidates on the same pattern share one bound.
    """

    worker_id: int
    name: str
    free: Sequence[Interval]
    bound: Sequence[Interval] | None = None


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
        self._bounds: dict[timedelta, Sequence[Interval] | None] = {}

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

    def bound(self, duration: timedelta) -> Sequence[Interval] | None:
        """Every interval, long enough for a session, that any candidate's free time could
        hold a session in (the union of their bounds); None when a candidate has no bound."""
        if duration not in self._bounds:
            bounds = {id(c.bound): c.bound for c in self.candidates}
            union: Sequence[Interval] | None = None
            every = [b for b in bounds.values() if b is not None]
            if len(every) == len(bounds):
                joined = every[0] if len(every) == 1 else merge_intervals(chain(*every))
                union = [i for i in joined if i.end - i.start >= duration]
            self._bounds[duration] = union
        return self._bounds[duration]

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
    floor: datetime | None = None
    for index in range(len(pool.candidates)):
        if index == 1:
            bound = pool.bound(duration)
            if bound is not None:
                # Nobody can start before the earliest start the bounds allow.
                floor = earliest_in(
                    bound,
                    not_before=not_before,
                    before=best.start if best is not None else before,
                    duration=duration,
                    step=step,
                )
                if floor is None:
                    break  # no colleague can start before the best found (or at all)
        if best is not None and floor is not None and best.start <= floor:
            break
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


def earliest_day_over(
    pool: Pool,
    *,
    not_before: datetime,
    before: datetime | None,
    duration: timedelta,
    step: timedelta,
) -> date | None:
    """The London date of the earliest slot over the pool (local_date of earliest_over's).

    Only the day is asked for, so a later candidate is searched only for a slot on an
    earlier day than the best so far, and none once the bounds allow no earlier day.
    """
    day: date | None = None
    floor_day: date | None = None
    for index in range(len(pool.candidates)):
        limit = local_midnight(day) if day is not None else before
        if index == 1:
            bound = pool.bound(duration)
            if bound is not None:
                floor = earliest_in(
                    bound, not_before=not_before, before=limit, duration=duration, step=step
                )
                if floor is None:
                    break
                floor_day = local_date(floor)
        if day is not None and floor_day is not None and day <= floor_day:
            break
        start = earliest_in(
            pool.free(index, duration),
            not_before=not_before,
            before=limit,
            duration=duration,
            step=step,
        )
        if start is not None:
            day = local_date(start)
    return day


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
    ceiling: datetime | None = None
    for index in range(len(pool.candidates)):
        if index == 1:
            bound = pool.bound(duration)
            if bound is not None:
                # Nobody can start after the latest start the bounds allow.
                ceiling = latest_in(
                    bound,
                    not_before=best.start + _TICK if best is not None else not_before,
                    not_after=not_after,
                    duration=duration,
                    step=step,
                )
                if ceiling is None:
                    break
        if best is not None and ceiling is not None and best.start >= ceiling:
            break
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
