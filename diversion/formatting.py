"""Europe/London, where the courts and the projects are: the one time zone, and how dates and
times read on pages, in texts, in reports and in messages.

A pure module (no Flask, no database, no clock), so the rule modules use it too. Day and
month names are spelled out here rather than taken from strftime, so nothing depends on the
server's locale.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

DateStyle = Literal["short", "long", "plain", "day"]


def format_date(value: date | None, style: DateStyle = "short") -> str:
    """A date as people write it. An instant is first taken to its London date.

    - short: "Wed 2 Dec 2026" (tables and pages)
    - long: "Wednesday 2 December 2026" (reports)
    - plain: "2 December 2026" (GOV.UK style, in messages)
    - day: "Wed 2 Dec" (proposals and texts, where the year is plain)
    """
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(LONDON).date()
    day, month = DAY_NAMES[value.weekday()], MONTH_NAMES[value.month - 1]
    if style == "long":
        return f"{day} {value.day} {month} {value.year}"
    if style == "plain":
        return f"{value.day} {month} {value.year}"
    if style == "day":
        return f"{day[:3]} {value.day} {month[:3]}"
    return f"{day[:3]} {value.day} {month[:3]} {value.year}"


def format_datetime(value: datetime | None, style: DateStyle = "short") -> str:
    """An instant shown in Europe/London: 'Wed 2 Dec 2026, 10:00'."""
    if value is None:
        return ""
    local = value.astimezone(LONDON)
    return f"{format_date(local.date(), style)}, {local:%H:%M}"


def format_time(value: datetime | None) -> str:
    """The London wall-clock time of an instant: '14:30'."""
    return "" if value is None else f"{value.astimezone(LONDON):%H:%M}"
