"""Court calendar rules: sitting days, working days, bail windows and report deadlines.

Everything here is a pure function of its arguments. There is no Flask, no database and no
clock: callers pass "today" or the dates they care about, so the rules can be tested for any
year. The business rules come from docs "Dates and windows" (all in Europe/London):

- A court sits on its sitting weekdays (default Wednesday) and never on a bank holiday of
  England and Wales. Bank holidays come from the maintained ``holidays`` package
  (subdivision ENG), never from a hand-written list.
- The return date is set by the court. The app *suggests* the latest sitting day no more than
  28 days after the court date (bail for an adjournment runs four weeks at most). A date that
  is not a sitting day is refused; one more than 28 days away is accepted with a warning; the
  app never changes a date the court set.
- A working day is Monday to Friday and not a bank holiday.
- The compliance report must reach court and CPS by 12:00 (configurable per court) on the
  working day before the return date.
- The last appointment date is the return date minus ``report_lead_working_days`` working
  days (default 2).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

import holidays

from diversion.formatting import DAY_NAMES, LONDON, format_date

__all__ = [
    "DEFAULT_MAX_RETURN_DAYS",
    "DEFAULT_REPORT_DUE_TIME",
    "DEFAULT_REPORT_LEAD_WORKING_DAYS",
    "LONDON",
    "ReturnDateCheck",
    "Window",
    "add_working_days",
    "case_window",
    "days_left",
    "is_bank_holiday",
    "is_sitting_day",
    "is_working_day",
    "last_appointment_date",
    "next_sitting_day",
    "previous_sitting_day",
    "report_due_at",
    "sitting_days_between",
    "suggest_return_date",
    "validate_return_date",
    "weekday_names",
    "working_days_between",
]

# Rule: all court dates and deadlines are in Europe/London (GMT in winter, BST in summer).

# Rule: bail for an adjournment runs four weeks at most, so the return date is suggested
# no more than 28 days after the court date.
DEFAULT_MAX_RETURN_DAYS = 28

# Rule: last appointment date = return date minus 2 working days by default.
DEFAULT_REPORT_LEAD_WORKING_DAYS = 2
# The report is due on the working day before the return date, so the last appointment must
# be at least one working day before that: a court may keep more days free, never fewer.
MIN_REPORT_LEAD_WORKING_DAYS = 2

# Rule: the report must reach court and CPS by 12:00 local time (configurable per court).
DEFAULT_REPORT_DUE_TIME = time(12, 0)

# Searches for the next/previous sitting day stop after this many days. A court that sits at
# least one weekday always sits within a few weeks (bank holidays never cover a whole month),
# so hitting this bound means the input is wrong, not that the calendar is unusual.
_SEARCH_LIMIT_DAYS = 366

_SATURDAY = 5


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[date]:
    # Rule: bank holidays of England and Wales from the maintained `holidays` package
    # (subdivision ENG), including substitute ("observed") days and one-off holidays.
    # Cached per year because every date calculation consults it.
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def _weekday_set(sitting_weekdays: Iterable[int]) -> frozenset[int]:
    # Weekdays are Python's date.weekday() numbers: Monday=0 .. Sunday=6. The iterable is
    # read exactly once, so generators are safe to pass.
    days = frozenset(sitting_weekdays)
    invalid = sorted(d for d in days if d not in range(7))
    if invalid:
        raise ValueError(f"Sitting weekdays must be 0 (Monday) to 6 (Sunday), got {invalid}")
    return days


def _is_sitting(day: date, weekdays: frozenset[int]) -> bool:
    # Rule: a court sits on its sitting weekdays and never on a bank holiday.
    return day.weekday() in weekdays and not is_bank_holiday(day)


def is_bank_holiday(day: date) -> bool:
    """Say whether a day is an England and Wales bank holiday, when no court sits or works."""
    return day in _bank_holidays(day.year)


def is_working_day(day: date) -> bool:
    """Say whether a day counts as a working day for report and appointment deadlines."""
    # Rule: a working day is Monday to Friday and not a bank holiday.
    return day.weekday() < _SATURDAY and not is_bank_holiday(day)


def is_sitting_day(day: date, sitting_weekdays: Iterable[int]) -> bool:
    """Say whether the court sits on a day, so court and return dates can be checked."""
    # Rule: sitting weekdays (Monday=0 .. Sunday=6), never on a bank holiday.
    return _is_sitting(day, _weekday_set(sitting_weekdays))


def _step_to_sitting_day(
    day: date, sitting_weekdays: Iterable[int], *, step: int, include_today: bool
) -> date:
    weekdays = _weekday_set(sitting_weekdays)
    if not weekdays:
        raise ValueError("The court must sit on at least one weekday")
    candidate = day if include_today else day + timedelta(days=step)
    for _ in range(_SEARCH_LIMIT_DAYS):
        if _is_sitting(candidate, weekdays):
            return candidate
        candidate += timedelta(days=step)
    raise ValueError(f"No sitting day within {_SEARCH_LIMIT_DAYS} days of {day.isoformat()}")


def next_sitting_day(
    day: date, sitting_weekdays: Iterable[int], *, include_today: bool = False
) -> date:
    """Find the first day the court sits after `day` (or on it, with include_today)."""
    return _step_to_sitting_day(day, sitting_weekdays, step=1, include_today=include_today)


def previous_sitting_day(
    day: date, sitting_weekdays: Iterable[int], *, include_today: bool = False
) -> date:
    """Find the last day the court sits before `day` (or on it, with include_today)."""
    return _step_to_sitting_day(day, sitting_weekdays, step=-1, include_today=include_today)


def sitting_days_between(start: date, end: date, sitting_weekdays: Iterable[int]) -> list[date]:
    """List the days the court sits from start to end inclusive, to offer as choices."""
    weekdays = _weekday_set(sitting_weekdays)
    span = (end - start).days + 1  # inclusive of both ends; empty when end < start
    days = (start + timedelta(days=offset) for offset in range(max(span, 0)))
    return [d for d in days if _is_sitting(d, weekdays)]


def suggest_return_date(
    court_date: date,
    sitting_weekdays: Iterable[int],
    *,
    max_days: int = DEFAULT_MAX_RETURN_DAYS,
) -> date:
    """Suggest the return date: the latest sitting day at most max_days after court_date."""
    # Rule: bail for an adjournment runs four weeks at most, so suggest the latest sitting day
    # no more than 28 days after the court date (court 27 Nov 2030 -> Wed 18 Dec 2030, because
    # Wed 25 Dec 2030 is a bank holiday). It must be strictly after the court date.
    candidates = sitting_days_between(
        court_date + timedelta(days=1), court_date + timedelta(days=max_days), sitting_weekdays
    )
    if not candidates:
        raise ValueError(
            f"The court does not sit within {max_days} days after {court_date.isoformat()}"
        )
    return candidates[-1]


def add_working_days(day: date, n: int) -> date:
    """Move n working days forward (or back, if n is negative) for deadline arithmetic."""
    # Counting starts from the next (or previous) day, so `day` itself never counts:
    # n=1 is the first working day after `day`, n=-2 the second working day before it,
    # and n=0 returns `day` unchanged even if it is not a working day.
    step = 1 if n >= 0 else -1
    remaining = abs(n)
    current = day
    while remaining:
        current += timedelta(days=step)
        if is_working_day(current):
            remaining -= 1
    return current


def working_days_between(start: date, end: date) -> int:
    """Count working days strictly after start up to and including end (0 if end <= start)."""
    # Half-open interval (start, end], so add_working_days(start, n) is `n` working days
    # away for n >= 0, and "working days until a deadline" counts the deadline day but not
    # today. Never negative: a deadline that has passed has 0 working days left.
    return sum(
        1
        for offset in range(1, (end - start).days + 1)
        if is_working_day(start + timedelta(days=offset))
    )


def last_appointment_date(
    return_date: date,
    *,
    report_lead_working_days: int = DEFAULT_REPORT_LEAD_WORKING_DAYS,
) -> date:
    """Find the last day an appointment can count, leaving time to write the report."""
    # Rule: the return date minus `report_lead_working_days` working days (default 2).
    # Example: return Wed 30 Dec 2026 -> Thu 24 Dec 2026 (Fri 25 and Mon 28 Dec 2026 are
    # bank holidays).
    if report_lead_working_days < 0:
        raise ValueError("report_lead_working_days must not be negative")
    return add_working_days(return_date, -report_lead_working_days)


def report_due_at(return_date: date, *, due_time: time = DEFAULT_REPORT_DUE_TIME) -> datetime:
    """Give the instant (UTC) the compliance report must reach court and CPS."""
    # Rule: by `due_time` (default 12:00) Europe/London on the working day before the return
    # date. The wall-clock time is attached in London and then converted, so the UTC instant
    # follows clock changes: Tue 31 Mar 2026 12:00 BST is 11:00 UTC, a winter day is 12:00
    # UTC. Clocks change on Sundays, which are never working days, so the due time is never
    # ambiguous or skipped.
    if due_time.tzinfo is not None:
        raise ValueError("due_time is a Europe/London wall-clock time; pass it without tzinfo")
    due_day = add_working_days(return_date, -1)
    return datetime.combine(due_day, due_time, tzinfo=LONDON).astimezone(UTC)


def days_left(today: date, last_day: date) -> int:
    """Count calendar days left to act, counting today and last_day (0 once it has passed)."""
    # Both ends count: on the last day itself 1 day is left (today can still be used), the
    # day before 2 are left, and only after last_day does it reach 0. So 0 always means
    # "too late", never "today is the last chance".
    return max((last_day - today).days + 1, 0)


def weekday_names(sitting_weekdays: Iterable[int]) -> str:
    """Name sitting weekdays in plain English for messages ("Tuesday and Thursday")."""
    names = [DAY_NAMES[d] for d in sorted(_weekday_set(sitting_weekdays))]
    if not names:
        raise ValueError("The court must sit on at least one weekday")
    if len(names) == 1:
        return names[0]
    # GOV.UK style: a list joined with commas and a final "and", no serial comma.
    return f"{', '.join(names[:-1])} and {names[-1]}"


@dataclass(frozen=True)
class Window:
    """The dates that govern a case between its court date and its return date."""

    court_date: date
    return_date: date
    last_appointment_date: date
    report_due_at: datetime  # timezone-aware, UTC


@dataclass(frozen=True)
class ReturnDateCheck:
    """Errors refuse a return date; warnings accept it but ask the worker to check."""

    errors: list[str]
    warnings: list[str]

    @property
    def ok(self) -> bool:
        """Say whether the return date can be saved (warnings do not block it)."""
        return not self.errors


def validate_return_date(
    *,
    court_date: date,
    return_date: date,
    sitting_weekdays: Iterable[int],
    max_days: int = DEFAULT_MAX_RETURN_DAYS,
) -> ReturnDateCheck:
    """Check a return date the court set, refusing impossible dates but never changing it."""
    # Rule: the worker records the date the court actually set. A date that is not a sitting
    # day is refused; one more than 28 days away is accepted with a warning. At most one error
    # is given, as GOV.UK forms show one error per field: the most basic problem first.
    weekdays = _weekday_set(sitting_weekdays)
    errors: list[str] = []
    warnings: list[str] = []
    if return_date <= court_date:
        errors.append("Return date must be after the court date")
    elif return_date.weekday() not in weekdays:
        errors.append(f"Return date must be a day the court sits: {weekday_names(weekdays)}")
    elif is_bank_holiday(return_date):
        errors.append(
            f"{format_date(return_date, 'plain')} is a bank holiday; the court does not sit"
        )
    if (return_date - court_date).days > max_days:
        # Rule: accepted (the court may have set it), but bail normally runs four weeks.
        warnings.append(
            f"Return date is more than {max_days} days after the court date. "
            "Check the date the court set."
        )
    return ReturnDateCheck(errors=errors, warnings=warnings)


def case_window(
    *,
    court_date: date,
    return_date: date,
    report_lead_working_days: int = DEFAULT_REPORT_LEAD_WORKING_DAYS,
    report_due_time: time = DEFAULT_REPORT_DUE_TIME,
) -> Window:
    """Work out a case's last appointment date and report deadline from its court dates."""
    # The dates were checked when they were recorded (validate_return_date); here they are
    # used exactly as given, because the app never changes a date the court set, and a court
    # that later changes its sitting days must not break the windows of older cases.
    return Window(
        court_date=court_date,
        return_date=return_date,
        last_appointment_date=last_appointment_date(
            return_date, report_lead_working_days=report_lead_working_days
        ),
        report_due_at=report_due_at(return_date, due_time=report_due_time),
    )
