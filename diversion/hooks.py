"""The hook every change to a case's court dates or status calls, inside its transaction.

Court-date reminders subscribe to `case_changed` so that their outbox rows are written,
moved or cancelled in the same transaction as the change (security.md 20), and the case
services need know nothing of text messages.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from blinker import Namespace

_signals = Namespace()

case_changed = _signals.signal("case-changed")
"""Sent with the Case as sender and `change` (opened, court_outcome, or any other change to
a court date or its time (first_court_date/_time, adjourned_to/_time, return_date/_time) or
the status) and `now` as keywords; receivers run inside the caller's transaction."""


def notify_case_changed(case: Any, *, change: str, now: datetime) -> None:
    """Tell every subscriber that a case was opened or its court dates or status changed."""
    case_changed.send(case, change=change, now=now)
