"""How dates and times read on pages, in texts and in reports: Europe/London, UK style."""

from __future__ import annotations

from datetime import date, datetime

from scheduling.calendar import LONDON


def format_date(value: date | None, style: str = "short") -> str:
    """A date as people write it: 'Wed 2 Dec 2026' (short) or 'Wednesday 2 December 2026'."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(LONDON).date()
    if style == "long":
        return f"{value:%A} {value.day} {value:%B %Y}"
    return f"{value:%a} {value.day} {value:%b %Y}"


def format_datetime(value: datetime | None, style: str = "short") -> str:
    """An instant shown in Europe/London: 'Wed 2 Dec 2026, 10:00'."""
    if value is None:
        return ""
    local = value.astimezone(LONDON)
    return f"{format_date(local.date(), style)}, {local:%H:%M}"


def format_time(value: datetime | None) -> str:
    """The London wall-clock time of an instant: '14:30'."""
    return "" if value is None else f"{value.astimezone(LONDON):%H:%M}"
