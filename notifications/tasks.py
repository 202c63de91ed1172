"""Calls to make: tasks on a worker's home page when a text does not do its job.

Rules (domain.md, "Text messages"; issue 16):

- 24 hours before an appointment or a court hearing, when a reminder about it was not
  delivered (failed at the provider, or held because her number is not confirmed safe), her
  worker gets a task: "Call her: the reminder for Tuesday 8 December was not delivered".
- 24 hours before an appointment she has not confirmed (she gets texts, so she could have
  replied Y), her worker gets a task to call her. It clears by itself when she confirms.
- A text that cannot fall in her safe times in time is skipped, and her worker gets a task.
- When she opts out of texts, her worker gets a task that says which words did it.
- A task is raised once (its `key`), goes to her allocated worker (or, with none, her
  organisation's managers), and closes when the worker marks it done (diversion.cases.calls,
  which also reads them for the home page), when she confirms, or when the appointment it
  is about is no longer booked.

A task holds no message text and no phone number: only what to do, and about when.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from diversion import audit, clock
from diversion.db import db
from diversion.formatting import format_date, format_time
from diversion.models import (
    Appointment,
    AppointmentStatus,
    Case,
    CaseStatus,
    Client,
    MessageStatus,
    OutboxMessage,
    WorkerTask,
)
from notifications import routing
from notifications.case_hearing import next_hearing_at

__all__ = [
    "AHEAD",
    "NOT_CONFIRMED",
    "NOT_DELIVERED",
    "OPTED_OUT",
    "SAFE_TIMES",
    "check_ahead",
    "close_for_appointment",
    "close_for_client",
    "raise_safe_times",
    "raise_task",
]

log = logging.getLogger(__name__)

NOT_DELIVERED: Final = "not_delivered"
NOT_CONFIRMED: Final = "not_confirmed"
SAFE_TIMES: Final = "safe_times"
OPTED_OUT: Final = "opted_out"

# How long before an appointment or hearing a text that did not land makes a task.
AHEAD: Final = timedelta(hours=24)
# Statuses of a text that did not reach her.
_NOT_LANDED: Final = (MessageStatus.FAILED, MessageStatus.HELD)
# Kinds of text that are reminders of an appointment or hearing (not "reply_confirmed").
_REMINDER_KINDS: Final = (
    "booking_confirmation",
    "appointment_day_before",
    "appointment_two_hours_before",
    "court_two_days_before",
    "court_day_before",
)


def _day(instant: datetime) -> str:
    """'Tuesday 8 December', the way a worker says it on the phone."""
    return format_date(instant, "long").rsplit(" ", 1)[0]


def raise_task(
    *,
    kind: str,
    key: str,
    client: Client,
    case: Case | None,
    detail: str,
    now: datetime,
    appointment: Appointment | None = None,
    message: OutboxMessage | None = None,
    event_at: datetime | None = None,
) -> WorkerTask | None:
    """Add a task to her worker's home page, once per `key`; None when it was raised before.

    Runs inside the caller's transaction (a savepoint keeps a racing duplicate harmless)."""
    if db.session.scalar(select(WorkerTask.id).where(WorkerTask.key == key)) is not None:
        return None
    worker_id = routing.allocated_worker(case, client.organisation_id)
    task = WorkerTask(
        key=key,
        kind=kind,
        organisation_id=client.organisation_id,
        worker_id=worker_id,
        client_id=client.id,
        case_id=case.id if case is not None else None,
        appointment_id=appointment.id if appointment is not None else None,
        outbox_message_id=message.id if message is not None else None,
        event_at=event_at,
        detail=detail[:300],
        created_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(task)
    except IntegrityError:
        return None  # another process raised the same task first
    audit.add(
        "worker_task_raised",
        object_type="worker_task",
        object_id=task.id,
        client_id=client.id,
        detail=kind,
    )
    log.info("worker task %s raised: %s", task.id, kind)
    return task


def raise_safe_times(
    message: OutboxMessage,
    *,
    client: Client,
    case: Case | None,
    appointment: Appointment | None,
    now: datetime,
) -> WorkerTask | None:
    """A text her safe times could not fit in time was skipped: her worker is told."""
    when = appointment.starts_at if appointment is not None else message.event_at
    about = "appointment" if message.appointment_id is not None else "court date"
    on = f" on {_day(when)} at {format_time(when)}" if when is not None else ""
    return raise_task(
        kind=SAFE_TIMES,
        # One call per appointment or hearing, however many of its texts could not go.
        key=(
            f"{SAFE_TIMES}:appointment:{message.appointment_id}"
            if message.appointment_id is not None
            else f"{SAFE_TIMES}:hearing:{message.case_id}:{when.isoformat() if when else ''}"
        ),
        client=client,
        case=case,
        appointment=appointment,
        message=message,
        event_at=when,
        detail=f"Call her: a reminder of her {about}{on} could not go in her safe times",
        now=now,
    )


def close_for_client(client_id: int, *, kind: str, reason: str, now: datetime) -> int:
    """Close her open tasks of one kind (she opted back in: the opt-out call is moot)."""
    found = db.session.scalars(
        select(WorkerTask).where(
            WorkerTask.client_id == client_id,
            WorkerTask.kind == kind,
            WorkerTask.done_at.is_(None),
        )
    ).all()
    for task in found:
        _close(task, reason=reason, now=now)
    return len(found)


def _close(task: WorkerTask, *, reason: str, now: datetime) -> None:
    task.done_at = now
    task.done_reason = reason
    audit.add(
        "worker_task_closed",
        object_type="worker_task",
        object_id=task.id,
        client_id=task.client_id,
        detail=reason,
    )


def close_for_appointment(
    appointment_id: int, *, reason: str, now: datetime, kinds: tuple[str, ...] | None = None
) -> int:
    """Close the open tasks about an appointment (she confirmed, or it is no longer booked);
    return how many. Runs inside the caller's transaction."""
    query = select(WorkerTask).where(
        WorkerTask.appointment_id == appointment_id, WorkerTask.done_at.is_(None)
    )
    if kinds is not None:
        query = query.where(WorkerTask.kind.in_(kinds))
    found = db.session.scalars(query).all()
    for task in found:
        _close(task, reason=reason, now=now)
    return len(found)


# --- The check, 24 hours ahead ------------------------------------------------------------


def _texts_reach(client: Client) -> bool:
    """Texts go to her at all: she consented, has a number, and has not opted out."""
    return bool(client.consent_to_texts and client.mobile and client.texts_opted_out_at is None)


def _failed_reminder(rows: list[OutboxMessage]) -> OutboxMessage | None:
    landed = [row for row in rows if row.kind in _REMINDER_KINDS and row.status in _NOT_LANDED]
    return landed[-1] if landed else None


def _check_appointment(appointment: Appointment, *, now: datetime) -> int:
    case = appointment.case
    client = case.client
    rows = list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.appointment_id == appointment.id)
            .order_by(OutboxMessage.id)
        )
    )
    when = _day(appointment.starts_at)
    raised = 0
    failed = _failed_reminder(rows)
    if failed is not None:
        words = "was not delivered" if failed.status is MessageStatus.FAILED else "was held"
        raised += (
            raise_task(
                kind=NOT_DELIVERED,
                key=f"{NOT_DELIVERED}:appointment:{appointment.id}",
                client=client,
                case=case,
                appointment=appointment,
                message=failed,
                event_at=appointment.starts_at,
                detail=(
                    f"Call her: the reminder for {when} {words} "
                    f"({failed.reason or 'no reason given'})"
                ),
                now=now,
            )
            is not None
        )
    if appointment.confirmed_at is None and _texts_reach(client):
        raised += (
            raise_task(
                kind=NOT_CONFIRMED,
                key=f"{NOT_CONFIRMED}:appointment:{appointment.id}",
                client=client,
                case=case,
                appointment=appointment,
                event_at=appointment.starts_at,
                detail=(
                    f"Call her: her appointment on {when} at "
                    f"{format_time(appointment.starts_at)} is not confirmed"
                ),
                now=now,
            )
            is not None
        )
    return raised


def _check_hearing(case: Case, event_at: datetime, *, now: datetime) -> int:
    rows = list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.case_id == case.id)
            .where(OutboxMessage.appointment_id.is_(None))
            .where(OutboxMessage.event_at == event_at)
            .order_by(OutboxMessage.id)
        )
    )
    failed = _failed_reminder(rows)
    if failed is None:
        return 0
    words = "was not delivered" if failed.status is MessageStatus.FAILED else "was held"
    task = raise_task(
        kind=NOT_DELIVERED,
        key=f"{NOT_DELIVERED}:hearing:{case.id}:{event_at.isoformat()}",
        client=case.client,
        case=case,
        message=failed,
        event_at=event_at,
        detail=(
            f"Call her: the reminder of her court date on {_day(event_at)} {words} "
            f"({failed.reason or 'no reason given'})"
        ),
        now=now,
    )
    return task is not None


def check_ahead(*, now: datetime) -> int:
    """Raise the tasks due for everything in the next 24 hours, and close those for
    appointments she has confirmed since; return how many were raised. One transaction."""
    raised = 0
    appointments = db.session.scalars(
        select(Appointment)
        .where(Appointment.status == AppointmentStatus.BOOKED)
        .where(Appointment.starts_at > now, Appointment.starts_at <= now + AHEAD)
        .options(joinedload(Appointment.case).joinedload(Case.client))
        .order_by(Appointment.starts_at, Appointment.id)
    ).all()
    for appointment in appointments:
        if appointment.confirmed_at is not None:
            close_for_appointment(
                appointment.id, reason="she confirmed", now=now, kinds=(NOT_CONFIRMED,)
            )
        raised += _check_appointment(appointment, now=now)
    # Court hearings: cases waiting for a hearing, whose court reminders are about an
    # instant in the next 24 hours.
    hearing_rows = db.session.execute(
        select(OutboxMessage.case_id, OutboxMessage.event_at)
        .where(OutboxMessage.appointment_id.is_(None))
        .where(OutboxMessage.event_at > now, OutboxMessage.event_at <= now + AHEAD)
        .where(OutboxMessage.status.in_(_NOT_LANDED))
        .distinct()
    ).all()
    for case_id, event_at in hearing_rows:
        case = db.session.get(Case, case_id) if case_id is not None else None
        if case is None or case.status not in (CaseStatus.AWAITING_COURT, CaseStatus.ON_SCHEME):
            continue
        if next_hearing_at(case) == event_at:
            raised += _check_hearing(case, event_at, now=now)
    db.session.commit()
    if raised:
        log.info("texts check: %d calls to make raised", raised)
    return raised


def check_ahead_job() -> None:
    """The scheduler's job: every few minutes, the next 24 hours checked."""
    check_ahead(now=clock.now())
