"""The hook every appointment change calls, inside the transaction that makes the change.

Text-message reminders subscribe to `appointment_changed` so that their outbox rows are
written, moved or cancelled in the same transaction as the booking change (security.md 20).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from blinker import Namespace

_signals = Namespace()

appointment_changed = _signals.signal("appointment-changed")
"""Sent with the Appointment as sender and `change` (booked, rescheduled, cancelled,
attended, did_not_attend) and `now` as keywords; receivers run inside the caller's
transaction."""


def notify_appointment_changed(appointment: Any, *, change: str, now: datetime) -> None:
    """Tell every subscriber that an appointment was booked, moved, cancelled or marked."""
    appointment_changed.send(appointment, change=change, now=now)
