"""The one place that reads the clock; rules take `now` as a parameter instead."""

from __future__ import annotations

from datetime import UTC, date, datetime

from diversion.formatting import LONDON


def now() -> datetime:
    """The current instant, aware, in UTC."""
    return datetime.now(UTC)


def today() -> date:
    """Today's date in Europe/London, where the court and the project are."""
    return now().astimezone(LONDON).date()
