"""The outbox: reminder rows written, moved and cancelled in the booking's own transaction.

security.md 20: a reminder row is written in the same transaction as the change that causes
it, and a cancelled or moved appointment cancels its pending rows, so an old reminder can
never go out. Sending (the dispatcher) reads these rows later.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import select

from diversion.db import db
from diversion.models import Appointment, MessageStatus, OutboxMessage
from notifications.policy import DEFAULT_POLICY, Planned, plan_reminders

log = logging.getLogger(__name__)

# Changes after which nothing more should be sent about the appointment.
ENDING_CHANGES = {"rescheduled", "cancelled", "attended", "did_not_attend"}
OPEN_STATUSES = (MessageStatus.PENDING, MessageStatus.HELD)


def schedule_for_appointment(appointment: Appointment, *, now: datetime) -> list[OutboxMessage]:
    """Write the confirmation and reminders of a newly booked appointment (pending or skipped)."""
    rows = []
    results = plan_reminders(
        event="appointment",
        event_at=appointment.starts_at,
        booked_at=now,
        policy=DEFAULT_POLICY,
        now=now,
    )
    for result in results:
        row = OutboxMessage(
            client_id=appointment.case.client_id,
            case_id=appointment.case_id,
            appointment_id=appointment.id,
            kind=result.kind.value,
            send_at=result.send_at if isinstance(result, Planned) else now,
            status=MessageStatus.PENDING if isinstance(result, Planned) else MessageStatus.SKIPPED,
            reason=None if isinstance(result, Planned) else result.reason,
        )
        db.session.add(row)
        rows.append(row)
    return rows


def cancel_for_appointment(appointment: Appointment, *, reason: str) -> int:
    """Cancel every message about an appointment that has not gone yet; return how many."""
    rows = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.appointment_id == appointment.id)
        .where(OutboxMessage.status.in_(OPEN_STATUSES))
    ).all()
    for row in rows:
        row.status = MessageStatus.CANCELLED
        row.reason = reason
    return len(rows)


def on_appointment_changed(
    appointment: Appointment, *, change: str, now: datetime, **_: Any
) -> None:
    """The appointment hook's subscriber: runs inside the booking transaction."""
    if change == "booked":
        db.session.flush()
        schedule_for_appointment(appointment, now=now)
    elif change in ENDING_CHANGES:
        cancel_for_appointment(appointment, reason=f"appointment {change.replace('_', ' ')}")
