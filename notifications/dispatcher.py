"""The outbox dispatcher: claims due messages, checks the gates, sends, records the result.

Exactly once (security.md 21): a row is marked `sending` and committed before the provider
is called, and its body is stored before the call; after a crash, a row left `sending` is
reconciled against the provider's own log (SmsSender.find) before it is ever sent again.
Several dispatchers may run on PostgreSQL (rows are claimed with FOR UPDATE SKIP LOCKED); on
SQLite a claim is a compare-and-set per row and the scheduler runs one dispatcher only.

The wording is the administrator's for each kind of text (notifications.store.template_for)
and the timing limits and quiet hours are those of the case's requirement type
(notifications.store.policy_for), both read at send time so an edit applies to the next text.
A message is about an appointment (appointment_id) or a court hearing (no appointment_id;
event_at is the hearing instant, and the message goes only while the case still waits for
that hearing).
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
    Case,
    Client,
    MessageStatus,
    OutboxMessage,
)
from notifications.outbox import REASON_CASE_CLOSED, REASON_COURT_DATE_CHANGED, next_hearing_of
from notifications.policy import (
    Policy,
    ReminderKind,
    court_event_at,
    is_quiet,
    next_allowed_moment,
)
from notifications.store import policy_for, template_for
from notifications.templates import TemplateError, forbidden_words, render
from scheduling.calendar import LONDON

log = logging.getLogger(__name__)

SAFE_TO_TEXT_DAYS = 90
IN_FLIGHT_GRACE = timedelta(minutes=5)
MAX_ATTEMPTS = 6

# Texts that answer something just done (a booking, her Y reply): still worth sending until
# the appointment starts, whatever the policy says of reminders.
IMMEDIATE_KINDS = frozenset({ReminderKind.BOOKING_CONFIRMATION.value, "reply_confirmed"})


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


def _latest_useful(policy: Policy, kind: str) -> timedelta:
    for rule in policy.rules:
        if rule.kind.value == kind:
            return rule.latest_useful
    return timedelta(0)


def _last_useful(message: OutboxMessage, event_at: datetime, policy: Policy) -> datetime:
    """The last instant the message is worth sending (a send at the event is never useful)."""
    if message.kind in IMMEDIATE_KINDS:
        return event_at
    return event_at - _latest_useful(policy, message.kind)


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


def _values(
    client: Client, case: Case, appointment: Appointment | None, event_at: datetime
) -> dict[str, str]:
    """The placeholders' values; a court reminder names no place (domain.md: discreet)."""
    local = event_at.astimezone(LONDON)
    name = client.text_name or client.first_name[:1].upper()
    return {
        "name": name,
        "time": format_time(event_at),
        "day": f"{local:%a} {local.day} {local:%b}",
        "venue": appointment.venue.neutral_name if appointment is not None else "",
        "phone": case.organisation.phone or "",
    }


def _finish(message: OutboxMessage, status: MessageStatus, reason: str | None) -> None:
    message.status = status
    message.reason = reason
    db.session.commit()


def _event_gate(
    message: OutboxMessage, case: Case | None, appointment: Appointment | None
) -> tuple[MessageStatus, str] | None:
    """Whether what the message is about still stands: a booked appointment, or the hearing
    the case still waits for (a moved or closed one is never reminded of)."""
    if appointment is not None:
        if appointment.status is not AppointmentStatus.BOOKED:
            return MessageStatus.CANCELLED, "appointment no longer booked"
        return None
    if message.appointment_id is not None or message.event_at is None or case is None:
        return MessageStatus.SKIPPED, "nothing to remind about"
    day = next_hearing_of(case)
    if day is None:
        return MessageStatus.CANCELLED, REASON_CASE_CLOSED
    if court_event_at(day) != message.event_at:
        return MessageStatus.CANCELLED, REASON_COURT_DATE_CHANGED
    return None


def _event_at(message: OutboxMessage, appointment: Appointment | None) -> datetime:
    """The instant the message is about (only called once the event gate has passed)."""
    if appointment is not None:
        return appointment.starts_at
    assert message.event_at is not None
    return message.event_at


def _gate(
    message: OutboxMessage,
    client: Client,
    case: Case | None,
    appointment: Appointment | None,
    policy: Policy,
    now: datetime,
) -> tuple[MessageStatus, str] | None:
    """Why this message must not go now, or None when it may (security.md 16)."""
    stop = _event_gate(message, case, appointment)
    if stop is not None:
        return stop
    event_at = _event_at(message, appointment)
    if now > _last_useful(message, event_at, policy) or now >= event_at:
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


def _wording(kind: str) -> tuple[str | None, str | None]:
    """The approved wording of a kind of text, or why there is none to send."""
    try:
        template = template_for(kind)
    except KeyError:
        return None, "no wording for this kind of text"
    if forbidden_words(template):
        return None, "the wording of this kind of text names a word texts must not use"
    return template, None


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
    case = appointment.case if appointment is not None else None
    if case is None and message.case_id is not None:
        case = db.session.get(Case, message.case_id)
    policy = policy_for(case.requirement_type if case is not None else None)
    stop = _gate(message, client, case, appointment, policy, now)
    if stop is not None:
        _finish(message, *stop)
        (report.held if stop[0] is MessageStatus.HELD else report.skipped).append(message_id)
        return
    assert case is not None
    event_at = _event_at(message, appointment)
    if is_quiet(now, policy):
        later = next_allowed_moment(now, policy)
        if later > _last_useful(message, event_at, policy) or later >= event_at:
            _finish(message, MessageStatus.SKIPPED, "quiet hours: would be too late")
            report.skipped.append(message_id)
        else:
            message.send_at = later
            _finish(message, MessageStatus.PENDING, "waiting for the end of quiet hours")
            report.retry.append(message_id)
        return
    template, refusal = _wording(message.kind)
    body = None
    if template is not None:
        try:
            body = render(template, _values(client, case, appointment, event_at))
        except TemplateError:
            refusal = "the wording of this kind of text cannot be filled in"
    if body is None:
        # An administrator's wording that cannot go out: shown as failed, so someone sees it.
        _finish(message, MessageStatus.FAILED, refusal)
        report.failed.append(message_id)
        return
    message.body = body
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
