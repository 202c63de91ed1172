"""What comes back from the provider: delivery receipts and the texts women send us.

Rules (domain.md "Text messages", security.md 17 and 19):

- A delivery receipt only ever moves a message forward: a late "sent" after "delivered"
  changes nothing, "failed" and "undelivered" are final, and a duplicate receipt adds
  nothing (no change, no audit row). Twilio error 21610 means she has opted out: all
  texts to her stop at once.
- Her words are read by notifications.words: an opt-out keyword (STOP, STOPALL, UNSUBSCRIBE,
  CANCEL, END, QUIT, OPTOUT, REVOKE) as the whole reply or its first word, or a reply that
  plainly asks for no more texts ("please stop", "don't text me"), stops all texts to her at
  once and cancels those waiting; START or UNSTOP (and YES, which Twilio also treats as an
  opt-in) resumes them.
- Every opt-out tells her worker: the reply lands in the inbox marked "Stopped texts", her
  worker gets a call to make on her home page naming the words that did it (the deciding
  words only: a keyword or an ask, never the rest of her reply), and her record keeps what
  stopped her texts (her reply, or the provider's report; encrypted) for her case page.
  Opting back in clears it.
- A plain confirmation (Y, YES, OK, "yes thanks", 👍) confirms her next booked appointment,
  queues one "reply_confirmed" text and closes the call her worker had to make because the
  appointment was not confirmed.
- A text belongs to the organisation that holds the number it was sent to (the Twilio `To`
  number, or the messaging service when the webhook names one: ReceivingNumber, set by
  administrators), and is matched ONLY against that organisation's clients: a woman known
  to another organisation is a stranger here, and nothing she sends acts on her record
  there. If the service and the number belong to two different organisations, it belongs
  to neither.
- Anything else goes to an inbox: her allocated worker's, else her organisation's
  managers'. From a number more than one of its clients holds: each of their allocated
  workers' inboxes (and its managers'), never further. From a number none of its clients
  holds: its managers' inbox.
- A text to a number no organisation holds is stored with no organisation and matched to
  nobody: only administrators see it, where they can assign the number.
- Every incoming text is kept, and is stored once however often the provider posts it.

Nothing here logs or audits a phone number or a message body (security.md 11).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Final

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from diversion import audit
from diversion.cases.services import add_case_event
from diversion.crypto import lookup_hash
from diversion.db import db, transactional
from diversion.formatting import format_datetime
from diversion.models import (
    Appointment,
    AppointmentStatus,
    Case,
    Client,
    InboundMessage,
    MessageStatus,
    OutboxMessage,
    ReplyAction,
    User,
)
from diversion.phones import normalise_number
from notifications import routing, tasks, words
from notifications.policy import ReminderKind

__all__ = [
    "REASON_OPTED_OUT",
    "REPLY_CONFIRMED",
    "apply_status",
    "failure_reason",
    "normalise_number",
    "receive",
]

log = logging.getLogger(__name__)

# --- Delivery receipts ----------------------------------------------------------------

# How far along each Twilio message status is. A receipt applies only when it is further
# along than the one stored; the last group (failures and "read") is final.
_RANK: Final[dict[str, int]] = {
    "scheduled": 1,
    "accepted": 1,
    "queued": 2,
    "sending": 3,
    "sent": 4,
    "receiving": 4,
    "received": 4,
    "delivered": 5,
    "read": 6,
    "undelivered": 6,
    "failed": 6,
    "canceled": 6,
}
_FAILURES: Final = frozenset({"undelivered", "failed", "canceled"})
_DELIVERED: Final = frozenset({"delivered", "read"})

TWILIO_OPTED_OUT: Final = 21610

# Twilio error codes a worker is likely to see, in plain words.
_ERROR_WORDS: Final[dict[int, str]] = {
    30003: "phone switched off or out of signal",
    30004: "blocked by her phone or network",
    30005: "number not in use",
    30006: "a landline or a network that cannot be reached",
    30007: "filtered by the network",
    30008: "unknown network error",
    21211: "not a valid number",
    21610: "she has opted out of texts",
    21614: "not a mobile number",
}

REASON_OPTED_OUT: Final = "she opted out of texts"
_CALL_HER: Final = "No more reminders will reach her: call her about her appointments"
REPLY_CONFIRMED: Final = "reply_confirmed"


def failure_reason(provider_status: str, error_code: int | None) -> str:
    """The reason a worker reads for a message that did not arrive, e.g.
    "not delivered: phone switched off or out of signal (code 30003)"."""
    lead = "cancelled at the provider" if provider_status == "canceled" else "not delivered"
    words = _ERROR_WORDS.get(error_code) if error_code is not None else None
    if words:
        lead = f"{lead}: {words}"
    return f"{lead} (code {error_code})" if error_code is not None else lead


def _replaceable(provider_status: str) -> list[str]:
    """The stored statuses a receipt of `provider_status` may replace (None always may).

    Only statuses further back; and nothing replaces "delivered" but "read"."""
    rank = _RANK[provider_status]
    return [
        word
        for word, other in _RANK.items()
        if other < rank and not (word == "delivered" and provider_status in _FAILURES)
    ]


def _open_rows(client_id: int) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.client_id == client_id)
            .where(OutboxMessage.status.in_((MessageStatus.PENDING, MessageStatus.HELD)))
        )
    )


def _opt_out(client: Client, *, now: datetime, why: str, by: str, told: str) -> bool:
    """Stop every text to her at once: record when and what did it (`by`, for her case
    page), cancel what is waiting, and give her worker a call to make (`told`, what it says
    after "She stopped texts: "). True when she had not opted out before; a second opt-out
    changes nothing but cancelling what waits. `why` is audited: never her words."""
    newly = client.texts_opted_out_at is None
    if newly:
        client.texts_opted_out_at = now
        client.texts_opted_out_by = by
    cancelled = 0
    for row in _open_rows(client.id):
        row.set_status(MessageStatus.CANCELLED, REASON_OPTED_OUT, now=now)
        cancelled += 1
    audit.add(
        "texts_opted_out",
        object_type="client",
        object_id=client.id,
        client_id=client.id,
        detail=f"{why}; {cancelled} waiting texts cancelled",
    )
    if newly:
        tasks.raise_task(
            kind=tasks.OPTED_OUT,
            key=f"{tasks.OPTED_OUT}:{client.id}:{now.isoformat()}",
            client=client,
            case=routing.open_case(client),
            detail=f"She stopped texts: {told}. {_CALL_HER}",
            now=now,
        )
    return newly


def _opt_in(client: Client, *, now: datetime) -> bool:
    """Let texts go to her again; True when she had opted out.

    Reminders her opt-out cancelled that are still ahead wait again: the dispatcher's gates
    at send time still refuse any about an appointment or hearing that has since moved,
    ended or passed. A booking confirmation is not revived: it would arrive out of the blue.
    """
    if client.texts_opted_out_at is None:
        return False
    client.texts_opted_out_at = None
    client.texts_opted_out_by = None
    tasks.close_for_client(client.id, kind=tasks.OPTED_OUT, reason="she opted back in", now=now)
    revived = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.client_id == client.id)
        .where(OutboxMessage.status == MessageStatus.CANCELLED)
        .where(OutboxMessage.reason == REASON_OPTED_OUT)
        .where(OutboxMessage.kind != ReminderKind.BOOKING_CONFIRMATION.value)
        .where(OutboxMessage.send_at > now)
    ).all()
    for row in revived:
        row.set_status(MessageStatus.PENDING, "she opted back in to texts", now=now)
    audit.add(
        "texts_opted_in",
        object_type="client",
        object_id=client.id,
        client_id=client.id,
        detail=f"{len(revived)} reminders still ahead will go again",
    )
    return True


@transactional
def apply_status(
    provider_id: str, provider_status: str, error_code: int | None, *, now: datetime
) -> bool:
    """Apply a delivery receipt; True when it moved the message on, False when it changed
    nothing (unknown message or status word, a duplicate, or a receipt that is behind).

    The update is a compare-and-set on the stored provider status, so two receipts racing
    for one message cannot move it backwards."""
    word = provider_status.strip().lower()
    if word not in _RANK:
        log.warning("delivery receipt with an unknown status ignored")
        return False
    message = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.provider_id == provider_id)
    )
    if message is None:
        log.info("delivery receipt for a message this service did not send; ignored")
        return False
    values: dict[str, object] = {
        "provider_status": word,
        "error_code": error_code,
        "status_updated_at": now,
        "updated_at": now,
    }
    if word in _DELIVERED:
        values.update(status=MessageStatus.DELIVERED, reason=None)
    elif word in _FAILURES:
        values.update(status=MessageStatus.FAILED, reason=failure_reason(word, error_code))
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message.id)
        .where(
            or_(
                OutboxMessage.provider_status.is_(None),
                OutboxMessage.provider_status.in_(_replaceable(word)),
            )
        )
        .values(**values)
        .execution_options(synchronize_session="fetch")
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    detail = word if error_code is None else f"{word} (code {error_code})"
    audit.add(
        "text_status",
        object_type="outbox_message",
        object_id=message.id,
        client_id=message.client_id,
        detail=detail,
    )
    if error_code == TWILIO_OPTED_OUT:
        client = db.session.get(Client, message.client_id)
        if client is not None:
            _opt_out(
                client,
                now=now,
                why="the provider reported her opt-out (code 21610)",
                by=f"The provider reported she opted out (code 21610) on {format_datetime(now)}",
                told="the provider reported she opted out (code 21610)",
            )
    log.info("outbox message %s: provider status %s", message.id, detail)
    return True


# --- Incoming texts -------------------------------------------------------------------

_MAX_NUMBER: Final = 20
_MAX_RECEIVING: Final = 64


def _next_appointment(client: Client, now: datetime) -> Appointment | None:
    """Her earliest booked appointment still to come, across all her cases."""
    return db.session.scalar(
        select(Appointment)
        .join(Case, Appointment.case_id == Case.id)
        .where(Case.client_id == client.id)
        .where(Appointment.status == AppointmentStatus.BOOKED)
        .where(Appointment.starts_at > now)
        .order_by(Appointment.starts_at, Appointment.id)
        .limit(1)
    )


def _confirm(client: Client, appointment: Appointment, *, now: datetime) -> None:
    """Record her confirmation once and queue one thank-you text for it."""
    if appointment.confirmed_at is None:
        appointment.confirmed_at = now
        add_case_event(
            appointment.case,
            None,
            "confirmed",
            f"Session {appointment.session_number} on {format_datetime(appointment.starts_at)} "
            "confirmed by a reply to a text.",
        )
        audit.add(
            "appointment_confirmed",
            object_type="appointment",
            object_id=appointment.id,
            client_id=client.id,
        )
    tasks.close_for_appointment(
        appointment.id, reason="she confirmed", now=now, kinds=(tasks.NOT_CONFIRMED,)
    )
    queued = db.session.scalar(
        select(OutboxMessage.id)
        .where(OutboxMessage.appointment_id == appointment.id)
        .where(OutboxMessage.kind == REPLY_CONFIRMED)
    )
    if queued is None:
        db.session.add(
            OutboxMessage(
                client_id=client.id,
                case_id=appointment.case_id,
                appointment_id=appointment.id,
                kind=REPLY_CONFIRMED,
                send_at=now,
                status=MessageStatus.PENDING,
            )
        )


def _opt_out_words(reading: words.Reading) -> tuple[str, str]:
    """What the audit says of an opt-out reply (never her words), and what her worker's
    call to make says: the words that decided it, which are a keyword or an ask."""
    if reading.rule == words.KEYWORD:
        return "she replied with an opt-out word", f'she replied "{reading.words}"'
    if reading.rule == words.FIRST_WORD:
        return "her reply began with an opt-out word", (
            f'her reply began "{reading.words}", which the provider reads as a request to '
            "stop all texts"
        )
    return "she asked for no more texts", f'she asked "{reading.words}"'


def _receive_once(
    provider_id: str,
    from_number: str,
    body: str,
    *,
    to_number: str,
    service_sid: str | None,
    now: datetime,
) -> InboundMessage:
    session = db.session
    existing = session.scalar(
        select(InboundMessage).where(InboundMessage.provider_id == provider_id)
    )
    if existing is not None:
        return existing
    number = normalise_number(from_number)[:_MAX_NUMBER]
    receiving = normalise_number(to_number)[:_MAX_RECEIVING]
    organisation_id = routing.receiving_organisation(receiving, service_sid)
    clients: list[Client] = []
    if organisation_id is not None:
        clients = list(
            session.scalars(
                select(Client)
                .where(Client.mobile_hash == lookup_hash(number))
                .where(Client.organisation_id == organisation_id)
                .order_by(Client.id)
            )
        )
    reading = words.read_reply(body)
    action = ReplyAction.INBOX
    appointment: Appointment | None = None
    if reading.intent == words.OPT_OUT:
        why, told = _opt_out_words(reading)
        by = f'She replied "{words.clean(body)}" on {format_datetime(now)}'
        for client in clients:
            _opt_out(client, now=now, why=why, by=by, told=told)
        action = ReplyAction.OPTED_OUT
    else:
        opted_in = False
        if reading.opts_in:
            opted_in = any([_opt_in(client, now=now) for client in clients])
        if reading.intent == words.CONFIRM and len(clients) == 1:
            appointment = _next_appointment(clients[0], now)
        if appointment is not None:
            _confirm(clients[0], appointment, now=now)
            action = ReplyAction.CONFIRMED
        elif reading.intent == words.OPT_IN or opted_in:
            action = ReplyAction.OPTED_IN
    row = InboundMessage(
        provider_id=provider_id,
        received_at=now,
        from_number=number,
        body=body.replace("\x00", ""),
        appointment_id=appointment.id if appointment is not None else None,
        action=action,
        to_number=service_sid or receiving,
    )
    routing.route(row, organisation_id, clients, appointment)
    session.add(row)
    session.flush()
    audit.add(
        "text_received",
        object_type="inbound_message",
        object_id=row.id,
        client_id=row.client_id,
        detail=action.value,
    )
    session.commit()
    log.info("incoming text stored as %s: %s", row.id, action.value)
    return row


def receive(
    provider_id: str,
    from_number: str,
    body: str,
    *,
    to_number: str,
    service_sid: str | None = None,
    now: datetime,
) -> InboundMessage:
    """Store an incoming text sent to `to_number` (through the messaging service
    `service_sid`, if any) and act on it (see the module docstring); a text the provider
    posts again (same MessageSid) returns the row already stored and does nothing more."""
    for attempt in (1, 2):
        try:
            return _receive_once(
                provider_id,
                from_number,
                body,
                to_number=to_number,
                service_sid=service_sid,
                now=now,
            )
        except IntegrityError:
            # Another request stored the same text (or the same confirmation) first: run
            # again, and find its rows this time.
            db.session.rollback()
            if attempt == 2:
                raise
        except BaseException:
            db.session.rollback()
            raise
    raise AssertionError("unreachable")


@transactional
def mark_read(*, actor: User, message: InboundMessage, now: datetime) -> None:
    """Record who read a reply and when; the first reading is kept, and the change audited."""
    if message.read_at is not None:
        return
    message.read_at = now
    message.read_by_id = actor.id
    audit.add(
        "reply_marked_read",
        object_type="inbound_message",
        object_id=message.id,
        client_id=message.client_id,
    )
