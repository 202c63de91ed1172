"""Working time: a worker's weekly pattern and leave, venue closures, and her calendar feed's
secret address. One transaction each (views never commit)."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from flask import current_app

from diversion import audit
from diversion.db import db, transactional
from diversion.formatting import LONDON
from diversion.models import Absence, User, Venue, VenueClosure, WorkingPeriod
from scheduling import queries

# The feed's path (scheduling.views.diary.feed has the same route; a test follows an address).
FEED_PATH = "/calendar/{token}.ics"


def _day_start(day: date) -> datetime:
    """Local midnight at the start of a day, as an aware instant."""
    return datetime.combine(day, time(0), LONDON)


@transactional
def set_working_pattern(*, worker: User, periods: Sequence[tuple[int, time, time, bool]]) -> None:
    """Replace a worker's weekly pattern."""
    worker.working_periods = [
        WorkingPeriod(weekday=day, starts=start, ends=end, is_break=is_break)
        for day, start, end, is_break in periods
    ]
    audit.add("working_pattern_changed", object_type="user", object_id=worker.id)


@transactional
def add_absence(*, worker: User, first_day: date, last_day: date, kind: str) -> Absence:
    """Record whole days away (leave, training, sickness), from local midnight to midnight."""
    absence = Absence(
        user_id=worker.id,
        starts_at=_day_start(first_day),
        ends_at=_day_start(last_day + timedelta(days=1)),
        kind=kind,
    )
    db.session.add(absence)
    audit.add("absence_added", object_type="user", object_id=worker.id)
    return absence


@transactional
def add_venue_closure(*, venue: Venue, first_day: date, last_day: date, reason: str) -> None:
    """Close a venue for whole days (nothing is booked there then)."""
    db.session.add(
        VenueClosure(venue_id=venue.id, first_day=first_day, last_day=last_day, reason=reason)
    )
    audit.add("venue_closure_added", object_type="venue", object_id=venue.id)


def feed_address(token: str) -> str:
    """A feed's address, on the service's public address (PUBLIC_BASE_URL), never on the Host
    a request happened to name. The path is the feed view's route."""
    base = str(current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    return f"{base}{FEED_PATH.format(token=token)}"


@transactional
def issue_calendar_feed(*, user_id: int, now: datetime) -> str:
    """Give her calendar feed a new secret address; the old one stops working at once.

    Only the secret's hash is stored. The address is returned to be shown to her once, in
    the answer to her request, and is never kept, logged or audited."""
    user = db.session.get(User, user_id)
    assert user is not None
    token = secrets.token_urlsafe(32)  # 256 random bits, 43 characters
    user.calendar_token_hash = queries.feed_token_hash(token)
    user.calendar_token_created_at = now
    audit.add("calendar_feed_issued", object_type="user", object_id=user.id)
    return feed_address(token)


@transactional
def revoke_calendar_feed(*, user_id: int) -> None:
    """Switch her calendar feed off: the address no longer answers."""
    user = db.session.get(User, user_id)
    assert user is not None
    user.calendar_token_hash = None
    user.calendar_token_created_at = None
    audit.add("calendar_feed_revoked", object_type="user", object_id=user.id)
