"""The instant of a case's next court hearing: what its court-date reminders are about.

The outbox plans court reminders against it, the dispatcher checks a reminder against it
at send time, and the 24-hours-ahead check (notifications.tasks) finds the hearing a failed
reminder was about; all three read it here, so they agree.
"""

from __future__ import annotations

from datetime import date, datetime, time

from diversion.models import Case
from notifications.hearings import Hearing, next_listed_hearing
from notifications.policy import court_event_at


def next_hearing_of(case: Case) -> Hearing | None:
    """The case's next court hearing, day and recorded time, or None (notifications.hearings)."""
    return next_listed_hearing(
        status=case.status.value,
        first_court=_hearing(case.first_court_date, case.first_court_at),
        adjourned_to=_hearing(case.adjourned_to, case.adjourned_to_at),
        returning=_hearing(case.return_date, case.return_at),
    )


def _hearing(day: date | None, at: time | None) -> Hearing | None:
    return Hearing(day, at) if day is not None and at is not None else None


def next_hearing_at(case: Case) -> datetime | None:
    """The instant (UTC) of the case's next court hearing: what its court reminders are about,
    so the outbox plans them and the dispatcher checks them against the same instant."""
    hearing = next_hearing_of(case)
    return court_event_at(hearing.day, hearing.at) if hearing is not None else None
