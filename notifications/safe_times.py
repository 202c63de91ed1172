"""Her safe times for texts: the days and hours a text may safely reach her.

Pure rule (architecture rule 1). domain.md, "Text messages": her safe times (days and hours)
narrow the quiet hours for her; notifications.policy combines the two.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

__all__ = ["ANY_TIME", "SafeTimes"]


@dataclass(frozen=True)
class SafeTimes:
    """Her safe times for texts: the weekdays (Monday = 0) and the Europe/London hours a
    text may reach her. None means any day, or from (until) any hour."""

    days: frozenset[int] | None = None
    start: time | None = None
    end: time | None = None

    def __post_init__(self) -> None:
        if self.days is not None and (not self.days or not self.days <= set(range(7))):
            raise ValueError("safe days are weekday numbers 0 (Monday) to 6, at least one")
        for value, what in ((self.start, "safe start"), (self.end, "safe end")):
            if value is not None and (
                value.tzinfo is not None or value.second or value.microsecond
            ):
                raise ValueError(f"{what} is a whole minute of Europe/London wall-clock time")
        if self.start is not None and self.end is not None and self.start >= self.end:
            raise ValueError("safe times must start before they end")

    def contains(self, local: datetime) -> bool:
        """Whether a Europe/London wall-clock moment is inside her safe times."""
        if self.days is not None and local.weekday() not in self.days:
            return False
        wall = local.time().replace(tzinfo=None)
        if self.start is not None and wall < self.start:
            return False
        return not (self.end is not None and wall >= self.end)

    @property
    def limited(self) -> bool:
        return self.days is not None or self.start is not None or self.end is not None


ANY_TIME = SafeTimes()
