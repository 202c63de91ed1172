"""Which court hearing a case is waiting for: the day its court-date reminders are about.

Pure rule (architecture rule 1): plain values in, a date or None out; no clock, no database.
From design/domain.md and diversion.services.cases:

- **awaiting court** (`awaiting_court`): her first appearance, or, once the court adjourned
  the case, the hearing it was adjourned to;
- **on the scheme** (`on_scheme`, diverted on extended bail): the return date the court set;
- **declined**, **not eligible**, **withdrawn**, **closed**: no hearing to remind her of (the
  scheme has nothing more to do with her court case).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from typing import TypeVar

__all__ = ["FINISHED_STATUSES", "Hearing", "next_hearing", "next_listed_hearing"]

# Case statuses (diversion.models.CaseStatus values) after which no court date is ours to
# remind her of.
FINISHED_STATUSES = frozenset({"declined", "not_eligible", "withdrawn", "closed"})

T = TypeVar("T")


@dataclass(frozen=True)
class Hearing:
    """A court hearing: its day and the time recorded for it (Europe/London wall clock)."""

    day: date
    at: time


def next_hearing(
    *,
    status: str,
    first_court_date: date | None,
    adjourned_to: date | None,
    return_date: date | None,
) -> date | None:
    """Give the day of the case's next court hearing, or None when it has none to come.

    `status` is the case status value. The day may be in the past (a hearing the worker has
    not yet recorded the outcome of): whoever plans reminders checks that against `now`.
    """
    return _pick(status, first_court_date, adjourned_to, return_date)


def next_listed_hearing(
    *,
    status: str,
    first_court: Hearing | None,
    adjourned_to: Hearing | None,
    returning: Hearing | None,
) -> Hearing | None:
    """Give the case's next court hearing, day and time, or None when it has none to come.

    The same rule as next_hearing; each hearing carries the time recorded with its date.
    """
    return _pick(status, first_court, adjourned_to, returning)


def _pick(
    status: str, first_court_date: T | None, adjourned_to: T | None, return_date: T | None
) -> T | None:
    # An order that starts away from court (a caution waiting for agreement) has no first
    # court date: it has no hearing to come, so no court reminder is ever planned for it.
    if status == "awaiting_court":
        # Rule: an adjourned case waits for the hearing it was adjourned to.
        return adjourned_to if adjourned_to is not None else first_court_date
    if status == "on_scheme":
        # Rule: on extended bail she is next due at court on the return date.
        return return_date
    if status in FINISHED_STATUSES:
        return None
    raise ValueError(f"unknown case status {status!r}")
