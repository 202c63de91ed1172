"""Who could take a session at a venue, with her free time, read from the database.

The reads behind proposals (scheduling.booking) and the diary's free time: each worker's
weekly pattern, breaks, absences and live bookings, and the venue's hours and closures,
turned into free time by the pure rule scheduling.availability.free_time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from diversion.db import db
from diversion.models import Absence, Appointment, AppointmentStatus, Role, User, Venue
from scheduling import calendar
from scheduling.availability import DateRange, Interval, free_time
from scheduling.slots import Candidate

MIN_NOTICE = timedelta(hours=2)
LIVE = (AppointmentStatus.BOOKED,)


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
    """Free time of the preferred (allocated) worker first, then her colleagues, at a venue."""
    query = (
        select(User)
        .where(User.organisation_id == organisation_id, User.active.is_(True))
        .where(User.role.in_([Role.WORKER, Role.MANAGER]))
        .options(selectinload(User.working_periods))
    )
    if only_worker_id is not None:
        query = query.where(User.id == only_worker_id)
    workers = list(db.session.scalars(query))
    workers.sort(key=lambda u: (u.id != preferred_worker_id, u.name))
    # Look past the window too, so that "no plan" can say when the next free slot is.
    search_last = last_day + timedelta(days=horizon_days)
    lo, hi = _day_start(first_day), _day_start(search_last + timedelta(days=1))
    ids = [w.id for w in workers]
    busy_rows = db.session.execute(
        select(Appointment.worker_id, Appointment.id, Appointment.starts_at, Appointment.ends_at)
        .where(Appointment.worker_id.in_(ids), Appointment.status.in_(LIVE))
        .where(Appointment.starts_at < hi, Appointment.ends_at > lo)
    ).all()
    absence_rows = db.session.execute(
        select(Absence.user_id, Absence.starts_at, Absence.ends_at)
        .where(Absence.user_id.in_(ids))
        .where(Absence.starts_at < hi, Absence.ends_at > lo)
    ).all()
    closures = [DateRange(c.first_day, c.last_day) for c in venue.closures]
    opening = venue_hours(venue)
    out = []
    for worker in workers:
        busy = [Interval(s, e) for w, a, s, e in busy_rows if w == worker.id and a not in ignore]
        away = [Interval(s, e) for w, s, e in absence_rows if w == worker.id]
        free = free_time(
            first_day=first_day,
            last_day=search_last,
            venue_hours=opening,
            venue_closures=closures,
            working_hours=_hours(
                [(p.weekday, p.starts, p.ends) for p in worker.working_periods if not p.is_break]
            ),
            breaks=_hours(
                [(p.weekday, p.starts, p.ends) for p in worker.working_periods if p.is_break]
            ),
            absences=away,
            busy=busy,
            now=now,
            min_notice=MIN_NOTICE,
        )
        out.append(Candidate(worker_id=worker.id, name=worker.name, free=free))
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
