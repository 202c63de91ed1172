"""Whether a case's sessions can still all happen by its last appointment date.

A pure rule (no Flask, no database, no clock): the caller passes today's London date, the
last appointment date, the sessions' names in order, which are attended and the London day
of each live booking.

Sessions run in order, each at least ``min_gap_days`` after the one before (domain.md,
"Booking"). Counting from the first session not attended:

- a session with a live booking keeps its day (it may yet be missed: that is for the
  attendance rules, not this one);
- a session without one can be no earlier than today, nor than the day of the session
  before it plus the gap.

If the last of them then falls after the last appointment date, the case cannot finish, and
the reason says which sessions and by how much. This is a necessary condition only: closed
venues and full diaries can make it later still, which the booking page finds when it
proposes times. It flags the case a worker would otherwise read as "3 days left" like one
already complied.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta

from diversion.formatting import format_date


def cannot_finish(
    *,
    today: date,
    last_day: date,
    session_names: Sequence[str],
    attended: set[int],
    booked_days: Mapping[int, date],
    min_gap_days: int,
) -> str | None:
    """Why the sessions can no longer all happen by ``last_day``, or None when they can.

    Session numbers start at 1, as in ``Appointment.session_number``.
    """
    numbers = range(1, len(session_names) + 1)
    first = next((n for n in numbers if n not in attended), None)
    if first is None:
        return None
    pending = list(range(first, len(session_names) + 1))
    unbooked = [n for n in pending if n not in booked_days]
    if not unbooked:
        return None
    gap = timedelta(days=min_gap_days)
    day: date | None = None
    for number in pending:
        if number in booked_days:
            day = booked_days[number]
        else:
            day = today if day is None else max(today, day + gap)
    assert day is not None
    if day <= last_day:
        return None
    names = [session_names[n - 1].lower() for n in unbooked]
    what = names[0] if len(names) == 1 else " and the ".join([", the ".join(names[:-1]), names[-1]])
    verb = "is" if len(names) == 1 else "are"
    if today > last_day:
        return (
            f"The last appointment date ({format_date(last_day)}) has passed and the "
            f"{what} {verb} not booked"
        )
    return (
        f"The {what} cannot all fit by the last appointment date ({format_date(last_day)}): "
        f"with {min_gap_days} days between sessions the earliest finish is {format_date(day)}"
        if len(names) > 1
        else f"The {what} cannot fit by the last appointment date ({format_date(last_day)}): "
        f"the earliest it could be is {format_date(day)}"
    )
