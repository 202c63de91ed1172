"""iCalendar files for appointments: one event, or a worker's subscription feed.

A calendar leaves the service, so events carry a case reference and initials only, never a
client's name; times are written in the Europe/London zone with its VTIMEZONE.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from icalendar import Calendar, Event

from diversion.formatting import LONDON

PRODID = "-//Court diversion scheduler//appointments//EN"


@dataclass(frozen=True, kw_only=True)
class CalendarEvent:
    """What one appointment shows in a calendar: nothing that names the woman."""

    uid: str
    sequence: int
    start: datetime
    end: datetime
    summary: str
    location: str
    description: str
    cancelled: bool
    stamp: datetime


def build_calendar(events: Iterable[CalendarEvent], *, name: str) -> bytes:
    """An iCalendar file with these events and the Europe/London VTIMEZONE."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Europe/London")
    first: date | None = None
    last: date | None = None
    for item in events:
        event = Event()
        event.add("uid", item.uid)
        event.add("sequence", item.sequence)
        event.add("dtstamp", item.stamp)
        event.add("dtstart", item.start.astimezone(LONDON))
        event.add("dtend", item.end.astimezone(LONDON))
        event.add("summary", item.summary)
        event.add("location", item.location)
        event.add("description", item.description)
        event.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
        cal.add_component(event)
        day = item.start.astimezone(LONDON).date()
        first = day if first is None or day < first else first
        last = day if last is None or day > last else last
    if first is not None and last is not None:
        cal.add_missing_timezones(
            first_date=date(first.year, 1, 1), last_date=date(last.year + 1, 12, 31)
        )
    return cal.to_ical()
