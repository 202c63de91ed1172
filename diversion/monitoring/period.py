"""A monitoring report's period and scope."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_

from diversion.formatting import LONDON


@dataclass(frozen=True)
class Period:
    """Whole days, first to last inclusive, in Europe/London."""

    first: date
    last: date

    @property
    def starts(self) -> datetime:
        return datetime.combine(self.first, time(0), tzinfo=LONDON).astimezone(UTC)

    @property
    def ends(self) -> datetime:
        """The instant just after the period: midnight after its last day."""
        return datetime.combine(self.last + timedelta(days=1), time(0), tzinfo=LONDON).astimezone(
            UTC
        )

    def holds(self, column: Any) -> ColumnElement[bool]:
        return and_(column >= self.starts, column < self.ends)


Scope = Sequence[int] | None
"""The organisations counted: their ids, or None for the whole partnership."""
