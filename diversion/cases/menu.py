"""What the menu counts for a caseworker on every page, read in one statement.

Four questions, each its own module's (unread replies, unread match notices, cases another
agency shares, transfers waiting): asked as four subqueries of one SELECT, every page pays
one round trip to the database for them instead of four.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from diversion.cases import flags, partnership, queries, texts
from diversion.db import db
from diversion.models import User


@dataclass(frozen=True)
class MenuCounts:
    unread_replies: int = 0
    unread_notices: int = 0
    # Whether another agency shares an open case with her organisation ("Shared with us").
    shared_cases: bool = False
    transfers_waiting: int = 0

    @property
    def unread(self) -> int:
        """The inbox's unread items: replies and match notices."""
        return self.unread_replies + self.unread_notices


def menu_counts(user: User) -> MenuCounts:
    """The menu's counts for a worker or a manager; nothing for any other role."""
    if not user.is_caseworker:
        return MenuCounts()
    row = db.session.execute(
        select(
            texts.unread_replies(user).scalar_subquery(),
            flags.unread_notices(user).scalar_subquery(),
            queries.shared_cases(user).exists(),
            partnership.transfers_waiting(user).scalar_subquery(),
        )
    ).one()
    replies, notices, shared, waiting = row
    return MenuCounts(
        unread_replies=int(replies or 0),
        unread_notices=int(notices or 0),
        shared_cases=bool(shared),
        transfers_waiting=int(waiting or 0),
    )
