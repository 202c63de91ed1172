"""The outbox dispatcher: claims due messages, checks the gates, sends, records the result.

Exactly once (security.md 21): a row is marked `sending` and committed before the provider
is called, and its body is stored before the call; after a crash, a row left `sending` is
reconciled against the provider's own log (SmsSender.find) before it is ever sent again.
Several dispatchers may run on PostgreSQL (rows are claimed with FOR UPDATE SKIP LOCKED); on
SQLite a claim is a compare-and-set per row and the scheduler runs one dispatcher only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import select, update
from sqlalchemy.orm.attributes import flag_modified

from diversion.db import db
from diversion.formatting import format_time
from diversion.models import (
    Appointment,
    AppointmentStatus,
    Client,
    MessageStatus,
    OutboxMessage,
)
from notifications.policy import DEFAULT_POLICY, ReminderKind, is_quiet, next_allowed_moment
from notifications.templates import DEFAULT_TEMPLATES, render
from scheduling.calendar import LONDON

log = logging.getLogger(__name__)

SAFE_TO_TEXT_DAYS = 90
IN_FLIGHT_GRACE = timedelta(minutes=5)
MAX_ATTEMPTS = 6


class Sender(Protocol):
    """What the dispatcher needs of a provider (notifications.senders implements it)."""

    def send(self, *, to: str, body: str, reference: str) -> object: ...

    def find(self, *, reference: str, to: str, body: str, since: datetime) -> object | None: ...


@dataclass
class DispatchReport:
    """What one pass did, by message id (never content)."""

    sent: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    held: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    retry: list[int] = field(default_factory=list)
    reconciled: list[int] = field(default_factory=list)


def _latest_useful(kind: str) -> timedelta:
    for rule in DEFAULT_POLICY.rules:
        if rule.kind.value == kind:
            return rule.latest_useful
    return timedelta(0)


def claim_due(*, now: datetime, limit: int = 100) -> list[int]:
    """Mark up to `limit` due pending messages as sending, atomically; return their ids."""
    session = db.session
    query = (
        select(OutboxMessage.id)
        .where(OutboxMessage.status == MessageStatus.PENDING, OutboxMessage.send_at <= now)
        .order_by(OutboxMessage.send_at, OutboxMessage.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    claimed = []
    for message_id in list(session.scalars(query)):
        result = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.status == MessageStatus.PENDING)
            .values(
                status=MessageStatus.SENDING, attempts=OutboxMessage.attempts + 1, updated_at=now
            )
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]
            claimed.append(message_id)
    session.commit()
    return claimed


def _values(message: OutboxMessage, client: Client, appointment: Appointment) -> dict[str, str]:
    local = appointment.starts_at.astimezone(LONDON)
    name = client.text_name or client.first_name[:1].upper()
    return {
        "name": name,
        "time": format_time(appointment.starts_at),
        "day": f"{local:%a} {local.day} {local:%b}",
        "venue": appointment.venue.neutral_name,
        "phone": appointment.case.organisation.phone or "",
    }


def _finish(message: OutboxMessage, status: MessageStatus, reason: str | None) -> None:
    message.status = status
    message.reason = reason
    db.session.commit()


def _gate(
    message: OutboxMessage, client: Client, appointment: Appointment | None, now: datetime
) -> tuple[MessageStatus, str] | None:
    """Why this message must not go now, or None when it may (security.md 16)."""
    if appointment is None:
        return MessageStatus.SKIPPED, "nothing to remind about"
    if appointment.status is not AppointmentStatus.BOOKED:
        return MessageStatus.CANCELLED, "appointment no longer booked"
    if message.kind != ReminderKind.BOOKING_CONFIRMATION.value and (
        now > appointment.starts_at - _latest_useful(message.kind)
    ):
        return MessageStatus.SKIPPED, "too late"
    if now >= appointment.starts_at:
        return MessageStatus.SKIPPED, "too late"
    if client.texts_opted_out_at is not None:
        return MessageStatus.SKIPPED, "she opted out of texts"
    if not client.consent_to_texts or not client.mobile:
        return MessageStatus.SKIPPED, "no consent to texts"
    confirmed = client.safe_to_text_confirmed_on
    today = now.astimezone(LONDON).date()
    if confirmed is None or (today - confirmed).days > SAFE_TO_TEXT_DAYS:
        return MessageStatus.HELD, "number not confirmed safe to text in the last 90 days"
    return None


def send_claimed(message_id: int, *, sender: Sender, now: datetime, report: DispatchReport) -> None:
    """Check the gates for one claimed message and send it, recording what happened."""
    from notifications.senders import PermanentSendError, TransientSendError

    message = db.session.get(OutboxMessage, message_id)
    if message is None or message.status is not MessageStatus.SENDING:
        return
    client = db.session.get(Client, message.client_id)
    assert client is not None
    appointment = (
        db.session.get(Appointment, message.appointment_id) if message.appointment_id else None
    )
    stop = _gate(message, client, appointment, now)
    if stop is not None:
        _finish(message, *stop)
        (report.held if stop[0] is MessageStatus.HELD else report.skipped).append(message_id)
        return
    assert appointment is not None
    if is_quiet(now, DEFAULT_POLICY):
        later = next_allowed_moment(now, DEFAULT_POLICY)
        if later > appointment.starts_at - _latest_useful(message.kind):
            _finish(message, MessageStatus.SKIPPED, "quiet hours: would be too late")
            report.skipped.append(message_id)
        else:
            message.send_at = later
            _finish(message, MessageStatus.PENDING, "waiting for the end of quiet hours")
            report.retry.append(message_id)
        return
    message.body = render(DEFAULT_TEMPLATES[message.kind], _values(message, client, appointment))
    # The in-flight clock runs from here, on the dispatcher's `now` (flagged, so that the
    # column's own wall-clock default does not replace an unchanged value).
    message.updated_at = now
    flag_modified(message, "updated_at")
    db.session.commit()  # the body is stored before the provider sees it (reconciliation)
    assert client.mobile is not None
    try:
        result = sender.send(to=client.mobile, body=message.body, reference=f"outbox-{message.id}")
    except TransientSendError:
        if message.attempts >= MAX_ATTEMPTS:
            _finish(message, MessageStatus.FAILED, "provider unavailable; gave up")
            report.failed.append(message_id)
            return
        message.send_at = now + timedelta(minutes=2**message.attempts)
        _finish(message, MessageStatus.PENDING, "provider unavailable; will retry")
        report.retry.append(message_id)
        return
    except PermanentSendError as error:
        if error.opted_out:
            client.texts_opted_out_at = now
        _finish(message, MessageStatus.FAILED, f"provider refused (code {error.code})")
        report.failed.append(message_id)
        return
    message.provider_id = getattr(result, "provider_id", None)
    _finish(message, MessageStatus.SENT, None)
    report.sent.append(message_id)


def reconcile_in_flight(*, sender: Sender, now: datetime, report: DispatchReport) -> None:
    """Rows left `sending` by a crash: ask the provider before anything is sent again."""

    from notifications.senders import TransientSendError

    stale = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.status == MessageStatus.SENDING)
        .where(OutboxMessage.updated_at < now - IN_FLIGHT_GRACE)
    ).all()
    for message in stale:
        client = db.session.get(Client, message.client_id)
        found = None
        if message.body is not None and client is not None and client.mobile:
            try:
                found = sender.find(
                    reference=f"outbox-{message.id}",
                    to=client.mobile,
                    body=message.body,
                    since=message.updated_at - timedelta(minutes=1),
                )
            except TransientSendError:
                continue  # the provider cannot be asked now: leave it in flight, never resend
        if found is not None:
            message.provider_id = getattr(found, "provider_id", None)
            message.status = MessageStatus.SENT
            message.reason = "confirmed with the provider after an interruption"
        else:
            message.status = MessageStatus.PENDING
            message.reason = "interrupted before the provider had it; will send again"
        report.reconciled.append(message.id)
    db.session.commit()


def dispatch_once(*, sender: Sender, now: datetime, limit: int = 100) -> DispatchReport:
    """One pass: reconcile what a crash left, then claim and send what is due."""
    report = DispatchReport()
    reconcile_in_flight(sender=sender, now=now, report=report)
    for message_id in claim_due(now=now, limit=limit):
        send_claimed(message_id, sender=sender, now=now, report=report)
    log.info(
        "dispatch: %d sent, %d skipped, %d held, %d failed, %d retry, %d reconciled",
        len(report.sent),
        len(report.skipped),
        len(report.held),
        len(report.failed),
        len(report.retry),
        len(report.reconciled),
    )
    return report
