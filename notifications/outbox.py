"""The outbox: reminder rows written, moved and cancelled in the change's own transaction.

security.md 20: a reminder row is written in the same transaction as the change that causes
it, and a cancelled or moved appointment or court date cancels its pending rows, so an old
reminder can never go out. Sending (the dispatcher) reads these rows later.

Appointment rows carry their appointment_id; court-date rows carry none, but the hearing
instant they are about (event_at), so a row for a hearing that moved is known by sight.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import select

from diversion.db import db
from diversion.models import Appointment, AppointmentStatus, Case, MessageStatus, OutboxMessage
from notifications import tasks
from notifications.batch import CONFIRMATION, safe_times_of
from notifications.case_hearing import next_hearing_at
from notifications.policy import (
    REASON_SAFE_TOO_LATE,
    Planned,
    ReminderKind,
    Skipped,
    plan_reminders,
)
from notifications.store import policy_for

log = logging.getLogger(__name__)

# Changes after which nothing more should be sent about the appointment.
ENDING_CHANGES = {"rescheduled", "cancelled", "attended", "did_not_attend"}
OPEN_STATUSES = (MessageStatus.PENDING, MessageStatus.HELD)
COURT_KINDS = (ReminderKind.COURT_TWO_DAYS_BEFORE.value, ReminderKind.COURT_DAY_BEFORE.value)
REASON_COURT_DATE_CHANGED = "court date changed"
REASON_CASE_CLOSED = "case closed"


def _row(
    result: Planned | Skipped,
    *,
    client_id: int,
    case_id: int,
    appointment_id: int | None,
    event_at: datetime | None,
    now: datetime,
) -> OutboxMessage:
    """An outbox row for a planned message (pending) or a skipped one (recorded, with why)."""
    if isinstance(result, Planned):
        send_at, status, reason = result.send_at, MessageStatus.PENDING, None
    else:
        send_at, status, reason = now, MessageStatus.SKIPPED, result.reason
    return OutboxMessage(
        client_id=client_id,
        case_id=case_id,
        appointment_id=appointment_id,
        kind=result.kind.value,
        event_at=event_at,
        send_at=send_at,
        status=status,
        reason=reason,
    )


def _pending_confirmation(case_id: int) -> OutboxMessage | None:
    """The case's booking confirmation still waiting to go, if any."""
    return db.session.scalar(
        select(OutboxMessage)
        .where(OutboxMessage.case_id == case_id)
        .where(OutboxMessage.kind == CONFIRMATION)
        .where(OutboxMessage.status.in_(OPEN_STATUSES))
        .order_by(OutboxMessage.id)
        .limit(1)
    )


def _add_rows(
    results: list[Planned | Skipped],
    *,
    case: Case,
    appointment: Appointment | None,
    event_at: datetime | None,
    now: datetime,
) -> list[OutboxMessage]:
    """Write the rows of planned and skipped texts; a text her safe times could not fit in
    time is a call to make for her worker (notifications.tasks)."""
    rows = []
    for result in results:
        row = _row(
            result,
            client_id=case.client_id,
            case_id=case.id,
            appointment_id=appointment.id if appointment is not None else None,
            event_at=event_at,
            now=now,
        )
        db.session.add(row)
        rows.append(row)
        if isinstance(result, Skipped) and result.reason == REASON_SAFE_TOO_LATE:
            db.session.flush()
            tasks.raise_safe_times(
                row, client=case.client, case=case, appointment=appointment, now=now
            )
    return rows


def schedule_for_appointment(appointment: Appointment, *, now: datetime) -> list[OutboxMessage]:
    """Write the confirmation and reminders of a newly booked appointment (pending or skipped).

    Rule (domain.md: one confirmation per booking, naming every session): when the case
    already has a confirmation waiting to go (this booking's other sessions, or an earlier
    booking's still held by quiet hours), no second one is written: that one names every
    session booked when it goes (notifications.batch)."""
    case = appointment.case
    results = plan_reminders(
        event="appointment",
        event_at=appointment.starts_at,
        booked_at=now,
        policy=policy_for(case.requirement_type),
        now=now,
        safe=safe_times_of(case.client),
    )
    if _pending_confirmation(case.id) is not None:
        results = [r for r in results if r.kind is not ReminderKind.BOOKING_CONFIRMATION]
    return _add_rows(results, case=case, appointment=appointment, event_at=None, now=now)


def cancel_for_appointment(appointment: Appointment, *, reason: str, now: datetime) -> int:
    """Cancel every message about an appointment that has not gone yet; return how many.

    A booking confirmation waiting to go names every session of the case: while another is
    still booked, it is moved onto the soonest of those instead of being cancelled."""
    rows = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.appointment_id == appointment.id)
        .where(OutboxMessage.status.in_(OPEN_STATUSES))
    ).all()
    cancelled = 0
    for row in rows:
        other = _other_session(appointment, now) if row.kind == CONFIRMATION else None
        if other is not None:
            row.appointment_id = other.id
            continue
        row.set_status(MessageStatus.CANCELLED, reason, now=now)
        cancelled += 1
    return cancelled


def _other_session(appointment: Appointment, now: datetime) -> Appointment | None:
    """The case's soonest other booked session still to come, if any."""
    return db.session.scalar(
        select(Appointment)
        .where(Appointment.case_id == appointment.case_id, Appointment.id != appointment.id)
        .where(Appointment.status == AppointmentStatus.BOOKED)
        .where(Appointment.starts_at > now)
        .order_by(Appointment.starts_at, Appointment.id)
        .limit(1)
    )


def on_appointment_changed(
    appointment: Appointment, *, change: str, now: datetime, **_: Any
) -> None:
    """The appointment hook's subscriber: runs inside the booking transaction."""
    if change == "booked":
        db.session.flush()
        schedule_for_appointment(appointment, now=now)
    elif change in ENDING_CHANGES:
        reason = f"appointment {change.replace('_', ' ')}"
        cancel_for_appointment(appointment, reason=reason, now=now)
        # Calls about it are moot once it is no longer booked.
        tasks.close_for_appointment(appointment.id, reason=reason, now=now)


def court_rows_of(case: Case) -> list[OutboxMessage]:
    """Every court-date message of a case, whatever its status, oldest first."""
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.case_id == case.id)
            .where(OutboxMessage.appointment_id.is_(None))
            .where(OutboxMessage.kind.in_(COURT_KINDS))
            .order_by(OutboxMessage.id)
        )
    )


def sync_court_reminders(case: Case, *, now: datetime) -> list[OutboxMessage]:
    """Bring a case's court-date messages in line with its next hearing; return new rows.

    Rules (domain.md, "Text messages"; security.md 20):
    - a message not yet sent about any other hearing (moved, or none left) is cancelled;
    - a hearing still to come gets the court reminders of the case's reminder policy, the
      ones no longer worth sending recorded as skipped with why;
    - a kind already written for this hearing (and not cancelled) is never written again, so
      calling this twice, or after a change that leaves the hearing where it was, adds nothing.
    """
    # Two changes to one case at once must not both write the rows: on PostgreSQL the case
    # row is locked until this transaction ends (SQLite has one writer at a time anyway).
    db.session.execute(select(Case.id).where(Case.id == case.id).with_for_update())
    # A new day or a new time is a different instant: the rows about the old one are cancelled.
    event_at = next_hearing_at(case)
    existing = court_rows_of(case)
    reason = REASON_CASE_CLOSED if event_at is None else REASON_COURT_DATE_CHANGED
    for row in existing:
        if row.status in OPEN_STATUSES and row.event_at != event_at:
            row.set_status(MessageStatus.CANCELLED, reason, now=now)
    if event_at is None or event_at <= now:
        return []
    written = {
        row.kind
        for row in existing
        if row.event_at == event_at and row.status is not MessageStatus.CANCELLED
    }
    results = plan_reminders(
        event="court",
        event_at=event_at,
        booked_at=None,
        policy=policy_for(case.requirement_type),
        now=now,
        safe=safe_times_of(case.client),
    )
    fresh = [result for result in results if result.kind.value not in written]
    return _add_rows(fresh, case=case, appointment=None, event_at=event_at, now=now)


def on_case_changed(case: Case, *, change: str, now: datetime, **_: Any) -> None:
    """The case hook's subscriber: runs inside the transaction that changed the case."""
    db.session.flush()
    sync_court_reminders(case, now=now)
