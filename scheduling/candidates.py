"""Who could take a session at a venue, with her free time, read from the database.

The reads behind proposals (scheduling.booking) and the diary's free time: each worker's
weekly pattern, breaks, absences and live bookings, and the venue's hours and closures,
turned into free time by the pure rule scheduling.availability.free_time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from functools import partial
from itertools import groupby
from operator import itemgetter

from sqlalchemy import select

from diversion.db import db
from diversion.models import (
    Absence,
    Appointment,
    AppointmentStatus,
    Role,
    User,
    Venue,
    WorkingPeriod,
)
from scheduling import calendar
from scheduling.availability import DateRange, Interval, free_within, open_time
from scheduling.slots import Candidate, Deferred

MIN_NOTICE = timedelta(hours=2)
LIVE = (AppointmentStatus.BOOKED,)

# A weekly pattern as rows (weekday, starts, ends, is_break), in the relationship's order.
_Pattern = tuple[tuple[int, time, time, bool], ...]
_Span = tuple[datetime, datetime]


def _hours(periods: Sequence[tuple[int, time, time]]) -> dict[int, list[tuple[time, time]]]:
    out: dict[int, list[tuple[time, time]]] = {}
    for weekday, starts, ends in periods:
        out.setdefault(weekday, []).append((starts, ends))
    return out


def venue_hours(venue: Venue) -> dict[int, list[tuple[time, time]]]:
    """A venue's weekly opening hours as times."""
    out: dict[int, list[tuple[time, time]]] = {}
    for key, periods in (venue.opening_hours or {}).items():
        for start, end in periods:
            out.setdefault(int(key), []).append(
                (time.fromisoformat(start), time.fromisoformat(end))
            )
    return out


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), calendar.LONDON)


def _free(
    working: Sequence[Interval],
    bound: Sequence[Interval],
    away: Sequence[_Span],
    busy: Sequence[_Span],
    now: datetime,
) -> Sequence[Interval]:
    """One worker's free time from her pattern's working time, her leave and her bookings."""
    if not away and not busy:
        return bound  # nothing of hers to take out: her pattern's working time from now on
    return free_within(
        working,
        absences=[Interval(s, e) for s, e in away],
        busy=[Interval(s, e) for s, e in busy],
        now=now,
        min_notice=MIN_NOTICE,
    )


def candidates_at(
    *,
    organisation_id: int,
    preferred_worker_id: int | None,
    venue: Venue,
    first_day: date,
    last_day: date,
    now: datetime,
    ignore: set[int],
    horizon_days: int = 28,
    only_worker_id: int | None = None,
) -> list[Candidate]:
    """Free time of the preferred (allocated) worker first, then her colleagues, at a venue.

    Three reads whatever the staff, as plain rows (the caseworkers with their weekly
    patterns, their bookings and their leave over the days), and the venue's closures. The
    working time of each pattern is worked out once (most caseworkers share one) and is the
    bound of everyone on it; a caseworker's own free time is worked out only when a search
    reads it (slots.Deferred), so a booking page whose allocated worker has room never works
    out her colleagues'.
    """
    staff = (
        User.organisation_id == organisation_id,
        User.active.is_(True),
        User.role.in_([Role.WORKER, Role.MANAGER]),
        *(() if only_worker_id is None else (User.id == only_worker_id,)),
    )
    # Plain rows, no ORM objects: hundreds a page. Through the session, so that what this
    # transaction changed (an appointment just cancelled, say) is flushed before the reads.
    read = db.session.execute
    # Each caseworker with her weekly pattern, one row a period (one with none if she has none).
    rows = read(
        select(
            User.id,
            User.name,
            WorkingPeriod.weekday,
            WorkingPeriod.starts,
            WorkingPeriod.ends,
            WorkingPeriod.is_break,
        )
        .outerjoin(WorkingPeriod, WorkingPeriod.user_id == User.id)
        .where(*staff)
        .order_by(User.id, WorkingPeriod.weekday, WorkingPeriod.starts)
    ).all()
    workers = [
        (worker_id, name, tuple(p[2:] for p in periods if p[2] is not None))
        for (worker_id, name), periods in groupby(rows, key=itemgetter(0, 1))
    ]
    workers.sort(key=lambda w: (w[0] != preferred_worker_id, w[1]))
    # The same caseworkers in the other reads, named by a subquery, not by hundreds of ids.
    ids = select(User.id).where(*staff).scalar_subquery()
    # Look past the window too, so that "no plan" can say when the next free slot is.
    search_last = last_day + timedelta(days=horizon_days)
    lo, hi = _day_start(first_day), _day_start(search_last + timedelta(days=1))
    busy: dict[int, list[_Span]] = {}
    for worker_id, appointment_id, starts, ends in read(
        select(Appointment.worker_id, Appointment.id, Appointment.starts_at, Appointment.ends_at)
        .where(Appointment.worker_id.in_(ids), Appointment.status.in_(LIVE))
        .where(Appointment.ends_at > lo, Appointment.starts_at < hi)
    ):
        if appointment_id not in ignore:
            busy.setdefault(worker_id, []).append((starts, ends))
    away: dict[int, list[_Span]] = {}
    for user_id, starts, ends in read(
        select(Absence.user_id, Absence.starts_at, Absence.ends_at)
        .where(Absence.user_id.in_(ids))
        .where(Absence.starts_at < hi, Absence.ends_at > lo)
    ):
        away.setdefault(user_id, []).append((starts, ends))
    closures = [DateRange(c.first_day, c.last_day) for c in venue.closures]
    opening = venue_hours(venue)
    # Each pattern's working time over the days, and from now plus notice (the bound).
    working: dict[_Pattern, tuple[list[Interval], list[Interval]]] = {}
    out = []
    for worker_id, name, pattern in workers:
        if pattern not in working:
            hours = open_time(
                first_day=first_day,
                last_day=search_last,
                venue_hours=opening,
                venue_closures=closures,
                working_hours=_hours([(d, s, e) for d, s, e, is_break in pattern if not is_break]),
                breaks=_hours([(d, s, e) for d, s, e, is_break in pattern if is_break]),
            )
            working[pattern] = (
                hours,
                free_within(hours, absences=[], busy=[], now=now, min_notice=MIN_NOTICE),
            )
        hours, bound = working[pattern]
        free = partial(_free, hours, bound, away.get(worker_id, ()), busy.get(worker_id, ()), now)
        out.append(Candidate(worker_id=worker_id, name=name, free=Deferred(free), bound=bound))
    return out


def free_time_for(
    worker: User, *, venue: Venue, first_day: date, last_day: date, now: datetime
) -> list[Interval]:
    """One worker's free time at a venue over some days (for the diary)."""
    candidates = candidates_at(
        organisation_id=worker.organisation_id,
        preferred_worker_id=worker.id,
        venue=venue,
        first_day=first_day,
        last_day=last_day,
        now=now,
        ignore=set(),
        horizon_days=0,
        only_worker_id=worker.id,
    )
    return list(candidates[0].free) if candidates else []
