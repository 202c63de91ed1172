"""The outbox dispatcher: claims due messages, checks the gates, sends, records the result.

Exactly once (security.md 21): a row is marked `sending` and committed before the provider
is called, and its body is stored before the call; after a crash, a row left `sending` is
reconciled against the provider's own log (SmsSender.find) before it is ever sent again. A
call that got no answer at all (a timeout: the provider may have the message) leaves the row
`sending` too, for the same reconciliation.
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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import select, update

from diversion.db import db
from diversion.formatting import LONDON
from diversion.models import (
    Appointment,
    AppointmentStatus,
    Case,
    Client,
    MessageStatus,
    OutboxMessage,
)
from notifications import spacing, tasks
from notifications.answers import Accepted, audit_sent
from notifications.batch import Batch, load, recent_texts, safe_times_of
from notifications.case_hearing import next_hearing_at
from notifications.outbox import REASON_CASE_CLOSED, REASON_COURT_DATE_CHANGED
from notifications.policy import (
    REASON_SAFE_TOO_LATE,
    Policy,
    ReminderKind,
    is_allowed,
    last_useful_at,
    next_allowed_moment,
    too_late,
    waiting_reason,
)
from notifications.senders import PermanentSendError, TransientSendError
from notifications.templates import TemplateError, render

log = logging.getLogger(__name__)

SAFE_TO_TEXT_DAYS = 90
IN_FLIGHT_GRACE = timedelta(minutes=5)
MAX_ATTEMPTS = 6
# Provider answers are committed this often within a pass (fewer commits, faster; a crash
# loses at most this many answers, which reconciliation then recovers from the provider).
RECORD_EVERY = 25
# Provider calls in flight at once within a pass (HTTP round trips dominate a send).
SEND_CONCURRENCY = 4

CONFIRMATION = ReminderKind.BOOKING_CONFIRMATION.value


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


def _last_useful(message: OutboxMessage, event_at: datetime, policy: Policy) -> datetime:
    """The last instant the message is worth sending: the one rule the planner uses too."""
    return last_useful_at(policy, message.kind, event_at)


def claim_due(*, now: datetime, limit: int = 100) -> list[int]:
    """Mark up to `limit` due pending messages as sending, atomically; return their ids.

    One SELECT (FOR UPDATE SKIP LOCKED on PostgreSQL, so several dispatchers never take the
    same row) and one compare-and-set UPDATE for the whole batch; a row another dispatcher
    took meanwhile is not pending any more, so the UPDATE leaves it alone.
    """
    session = db.session
    query = (
        select(OutboxMessage.id)
        .where(OutboxMessage.status == MessageStatus.PENDING, OutboxMessage.send_at <= now)
        .order_by(OutboxMessage.send_at, OutboxMessage.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    due = list(session.scalars(query))
    if not due:
        session.commit()
        return []
    claimed = list(
        session.scalars(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(due), OutboxMessage.status == MessageStatus.PENDING)
            .values(
                status=MessageStatus.SENDING, attempts=OutboxMessage.attempts + 1, updated_at=now
            )
            .returning(OutboxMessage.id)
            .execution_options(synchronize_session=False)
        )
    )
    session.commit()
    return sorted(claimed, key=due.index)


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
    # The same instant the outbox planned against: the hearing's day at its recorded time.
    hearing_at = next_hearing_at(case)
    if hearing_at is None:
        return MessageStatus.CANCELLED, REASON_CASE_CLOSED
    if hearing_at != message.event_at:
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
    if too_late(now, _last_useful(message, event_at, policy), event_at):
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


@dataclass
class _Ready:
    """A message whose gates have passed and whose body is stored: it goes to the provider."""

    message: OutboxMessage
    client: Client
    to: str


@dataclass
class _Candidate:
    """A claimed message whose gates have passed at a moment it may go."""

    message: OutboxMessage
    client: Client
    case: Case
    appointment: Appointment | None
    event_at: datetime
    policy: Policy


def _settle(
    message: OutboxMessage,
    status: MessageStatus,
    reason: str,
    *,
    now: datetime,
    report: DispatchReport,
) -> None:
    message.set_status(status, reason, now=now)
    {
        MessageStatus.HELD: report.held,
        MessageStatus.PENDING: report.retry,
        MessageStatus.FAILED: report.failed,
    }.get(status, report.skipped).append(message.id)


def _check(
    message: OutboxMessage, batch: Batch, *, now: datetime, report: DispatchReport
) -> _Candidate | None:
    """Check one claimed message's gates, and that now is a moment it may go (outside quiet
    hours, inside her safe times); else record why it does not go, or when it will."""
    client = batch.clients[message.client_id]
    appointment = batch.appointments.get(message.appointment_id) if message.appointment_id else None
    case_id = appointment.case_id if appointment is not None else message.case_id
    case = batch.cases.get(case_id) if case_id is not None else None
    policy = batch.policy(case)
    stop = _gate(message, client, case, appointment, policy, now)
    if stop is not None:
        _settle(message, *stop, now=now, report=report)
        return None
    assert case is not None
    candidate = _Candidate(
        message, client, case, appointment, _event_at(message, appointment), policy
    )
    safe = safe_times_of(client)
    if is_allowed(now, policy, safe):
        return candidate
    later = next_allowed_moment(now, policy, safe)
    last = _last_useful(message, candidate.event_at, policy)
    if too_late(later, last, candidate.event_at):
        reason = waiting_reason(now, policy, last, candidate.event_at)
        _settle(message, MessageStatus.SKIPPED, reason, now=now, report=report)
        if reason == REASON_SAFE_TOO_LATE:
            tasks.raise_safe_times(
                message, client=client, case=case, appointment=appointment, now=now
            )
    else:
        message.send_at = later
        wait = "quiet hours" if not is_allowed(now, policy) else "her safe times"
        _settle(message, MessageStatus.PENDING, f"waiting for {wait}", now=now, report=report)
    return None


def _pace(
    candidates: list[_Candidate], batch: Batch, *, now: datetime, report: DispatchReport
) -> list[_Candidate]:
    """One text at a time (notifications.spacing): the candidates that go now; the others
    wait the gap, or are merged into the text that names their appointment."""
    if not candidates:
        return []
    gap = max(c.policy.min_gap for c in candidates)
    due = [
        spacing.Due(
            message_id=c.message.id,
            client_id=c.client.id,
            kind=c.message.kind,
            event_at=c.event_at,
            last_useful=_last_useful(c.message, c.event_at, c.policy),
            names=batch.names(c.message, c.case),
            appointment_id=c.message.appointment_id,
        )
        for c in candidates
    ]
    recent = recent_texts({c.client.id for c in candidates}, since=now - gap, now=now)
    decisions = spacing.space_out(due, recent, now=now, gap=gap)
    going = []
    for candidate in candidates:
        decision = decisions[candidate.message.id]
        if isinstance(decision, spacing.Send):
            going.append(candidate)
        elif isinstance(decision, spacing.Wait):
            candidate.message.send_at = decision.until
            _settle(
                candidate.message, MessageStatus.PENDING, decision.reason, now=now, report=report
            )
        else:
            _settle(
                candidate.message, MessageStatus.SKIPPED, decision.reason, now=now, report=report
            )
    return going


def _render(
    candidate: _Candidate, batch: Batch, *, now: datetime, report: DispatchReport
) -> _Ready | None:
    """Store the body of a message that goes now; an administrator's wording that cannot go
    out is shown as failed, so someone sees it."""
    message, client = candidate.message, candidate.client
    template, refusal, label = batch.wording(message.kind, client, candidate.case)
    body = None
    if template is not None:
        values = batch.values(
            message, client, candidate.case, candidate.appointment, candidate.event_at
        )
        try:
            body = render(template, values)
        except TemplateError:
            refusal = "the wording of this kind of text cannot be filled in"
    if body is None:
        _settle(message, MessageStatus.FAILED, refusal or "no wording", now=now, report=report)
        return None
    message.body = body
    message.wording = label
    # The in-flight clock runs from here, on the dispatcher's `now`.
    message.updated_at = now
    assert client.mobile is not None
    return _Ready(message=message, client=client, to=client.mobile)


def _call_provider(ready: _Ready, sender: Sender) -> object:
    """The provider call alone: no database, so several can run at once in threads.

    Returns the provider's result, or the send error it raised (recorded by the caller)."""
    assert ready.message.body is not None
    try:
        return sender.send(
            to=ready.to, body=ready.message.body, reference=f"outbox-{ready.message.id}"
        )
    except (TransientSendError, PermanentSendError) as error:
        return error


def _record(
    ready: _Ready, outcome: object, *, now: datetime, report: DispatchReport, accepted: Accepted
) -> None:
    """Record what the provider answered for one message (written and committed by the
    caller: an acceptance through `accepted`, anything else through the ORM)."""
    message = ready.message
    if isinstance(outcome, TransientSendError):
        if outcome.status is None and message.attempts < MAX_ATTEMPTS:
            # No answer at all (a timeout, a dropped connection): the provider may have the
            # message. It stays in flight, so reconcile_in_flight asks the provider before it
            # is ever sent again (security.md 21), its clock running from this pass's `now`.
            message.set_status(
                MessageStatus.SENDING,
                "no answer from the provider; will check with it before resending",
                now=now,
            )
            report.retry.append(message.id)
            return
        if message.attempts >= MAX_ATTEMPTS:
            message.set_status(MessageStatus.FAILED, "provider unavailable; gave up", now=now)
            report.failed.append(message.id)
            return
        message.send_at = now + timedelta(minutes=2**message.attempts)
        message.set_status(MessageStatus.PENDING, "provider unavailable; will retry", now=now)
        report.retry.append(message.id)
        return
    if isinstance(outcome, PermanentSendError):
        if outcome.opted_out:
            ready.client.texts_opted_out_at = now
        message.set_status(MessageStatus.FAILED, f"provider refused (code {outcome.code})", now=now)
        report.failed.append(message.id)
        return
    accepted.add(message, getattr(outcome, "provider_id", None))
    report.sent.append(message.id)


def send_batch(
    ids: list[int],
    *,
    sender: Sender,
    now: datetime,
    report: DispatchReport,
    concurrency: int = SEND_CONCURRENCY,
) -> None:
    """Send claimed messages: gates and bodies in one commit, then the provider calls
    (`concurrency` at a time), their answers committed every RECORD_EVERY messages.

    Exactly once (security.md 21): every body is committed before the provider sees any of
    them, so a crash at any point leaves rows `sending` with their bodies, which
    reconcile_in_flight checks with the provider before anything is sent again. Only the
    provider calls run in threads; the database is touched from this thread alone.
    """
    if not ids:
        return
    batch = load(ids, now=now)
    candidates = [
        item
        for item in (_check(m, batch, now=now, report=report) for m in batch.messages)
        if item is not None
    ]
    going = _pace(candidates, batch, now=now, report=report)
    ready = [
        item
        for item in (_render(c, batch, now=now, report=report) for c in going)
        if item is not None
    ]
    db.session.commit()
    if not ready:
        return
    accepted = Accepted(now)
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        # Every call is handed to the pool at once, so the threads keep sending while this
        # thread records and commits the answers already in (in order, every RECORD_EVERY).
        outcomes = pool.map(lambda item: _call_provider(item, sender), ready)
        for done, (item, outcome) in enumerate(zip(ready, outcomes, strict=True), start=1):
            _record(item, outcome, now=now, report=report, accepted=accepted)
            if done % RECORD_EVERY == 0 or done == len(ready):
                accepted.write()
                db.session.commit()


def reconcile_in_flight(*, sender: Sender, now: datetime, report: DispatchReport) -> None:
    """Rows left `sending` by a crash: ask the provider before anything is sent again.

    On PostgreSQL the rows are locked (SKIP LOCKED) until the answers are committed, so two
    dispatchers never reconcile the same row: one could otherwise reset a row to pending
    after the other had already resent it."""
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.status == MessageStatus.SENDING)
        .where(OutboxMessage.updated_at < now - IN_FLIGHT_GRACE)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    stale = db.session.scalars(query).all()
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
            message.sent_at = message.sent_at or message.updated_at
            message.set_status(
                MessageStatus.SENT, "confirmed with the provider after an interruption", now=now
            )
            audit_sent(message, detail="confirmed with the provider after an interruption")
        else:
            message.set_status(
                MessageStatus.PENDING,
                "interrupted before the provider had it; will send again",
                now=now,
            )
        report.reconciled.append(message.id)
    db.session.commit()


def dispatch_once(
    *, sender: Sender, now: datetime, limit: int = 100, concurrency: int = SEND_CONCURRENCY
) -> DispatchReport:
    """One pass: reconcile what a crash left, then claim and send what is due."""
    report = DispatchReport()
    reconcile_in_flight(sender=sender, now=now, report=report)
    send_batch(
        claim_due(now=now, limit=limit),
        sender=sender,
        now=now,
        report=report,
        concurrency=concurrency,
    )
    # A pass that found nothing (most of them, every 5 seconds) is a debug line only.
    done = any(
        (report.sent, report.skipped, report.held, report.failed, report.retry, report.reconciled)
    )
    log.log(
        logging.INFO if done else logging.DEBUG,
        "dispatch: %d sent, %d skipped, %d held, %d failed, %d retry, %d reconciled",
        len(report.sent),
        len(report.skipped),
        len(report.held),
        len(report.failed),
        len(report.retry),
        len(report.reconciled),
    )
    return report
