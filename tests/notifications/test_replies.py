"""Delivery receipts and incoming texts, through the services (the webhooks are tested apart)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from diversion.db import db
from diversion.models import (
    Appointment,
    AppointmentStatus,
    AuditEvent,
    Case,
    CaseEvent,
    CaseStatus,
    Client,
    InboundMessage,
    MessageStatus,
    OutboxMessage,
    ReceivingNumber,
    ReceivingNumberKind,
    ReplyAction,
    User,
)
from notifications import dispatcher, replies
from notifications.senders import OutboxSender
from tests.conftest import World
from tests.factories import Factory

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)  # Wed 2 Dec 2026, 09:00 London
MOBILE = "+447700900123"
SID = "SM" + "a" * 32
# The numbers the two projects receive texts on, and one nobody holds.
PROJECT_NUMBER = "+447700900001"
OTHER_NUMBER = "+447700900002"
NOBODYS_NUMBER = "+447700900003"
OTHER_SERVICE = "MG" + "0123456789abcdef" * 2


@pytest.fixture(autouse=True)
def receiving_numbers(make: Factory, world: World) -> None:
    for organisation, value, kind in (
        (world.project, PROJECT_NUMBER, ReceivingNumberKind.PHONE),
        (world.other_project, OTHER_NUMBER, ReceivingNumberKind.PHONE),
        (world.other_project, OTHER_SERVICE, ReceivingNumberKind.MESSAGING_SERVICE),
    ):
        make._save(ReceivingNumber(organisation_id=organisation.id, kind=kind, value=value))


@dataclass
class Her:
    client: Client
    case: Case
    next_appointment: Appointment
    later_appointment: Appointment
    pending: OutboxMessage
    held: OutboxMessage
    sent: OutboxMessage


def _appointment(make: Factory, case: Case, venue, worker, starts: datetime, **kw) -> Appointment:
    return make.appointment(
        case=case,
        venue=venue,
        worker=worker,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        **kw,
    )


def _message(make: Factory, client: Client, appointment: Appointment | None, **kw) -> OutboxMessage:
    kw.setdefault("send_at", NOW + timedelta(hours=1))
    return make._save(
        OutboxMessage(
            client_id=client.id,
            case_id=appointment.case_id if appointment else None,
            appointment_id=appointment.id if appointment else None,
            **kw,
        )
    )


@pytest.fixture
def her(make: Factory, world: World) -> Her:
    client = make.client(
        organisation=world.project,
        first_name="Rowan",
        text_name="Ro",
        mobile=MOBILE,
        consent_to_texts=True,
        safe_to_text_confirmed_on=date(2026, 11, 20),
    )
    case = make.accepted_case(client=client, court=world.court, worker=world.worker)
    venue = make.venue(organisation=world.project, neutral_name="High Street office")
    # Not the next one: past, and cancelled.
    _appointment(make, case, venue, world.worker, NOW - timedelta(days=1))
    _appointment(
        make,
        case,
        venue,
        world.worker,
        NOW + timedelta(hours=3),
        status=AppointmentStatus.CANCELLED_BY_CLIENT,
    )
    later = _appointment(make, case, venue, world.worker, NOW + timedelta(days=5), session_number=2)
    nxt = _appointment(make, case, venue, world.worker, NOW + timedelta(days=2))
    return Her(
        client=client,
        case=case,
        next_appointment=nxt,
        later_appointment=later,
        pending=_message(make, client, nxt, kind="appointment_day_before"),
        held=_message(make, client, later, kind="booking_confirmation", status=MessageStatus.HELD),
        sent=_message(
            make,
            client,
            later,
            kind="appointment_day_before",
            status=MessageStatus.SENT,
            provider_id="SM" + "1" * 32,
        ),
    )


def receive(
    app: Flask,
    body: str,
    *,
    sid: str = SID,
    number: str = MOBILE,
    to: str = PROJECT_NUMBER,
    service: str | None = None,
) -> InboundMessage:
    with app.app_context():
        row = replies.receive(sid, number, body, to_number=to, service_sid=service, now=NOW)
        row.recipient_ids = sorted(r.worker_id for r in row.recipients)  # type: ignore[attr-defined]
        db.session.expunge(row)
    return row


def status(app: Flask, provider_id: str, word: str, code: int | None = None, *, at=NOW) -> bool:
    with app.app_context():
        return replies.apply_status(provider_id, word, code, now=at)


def fresh(make: Factory, model, row_id):
    make.session.expire_all()
    return make.session.get(model, row_id)


def audit_count(make: Factory) -> int:
    make.session.expire_all()
    return make.session.scalar(select(func.count()).select_from(AuditEvent))


# --- Delivery receipts ----------------------------------------------------------------


def test_receipts_only_move_forward(app, make, her):
    sid = her.sent.provider_id
    assert status(app, sid, "sent")
    assert status(app, sid, "delivered", at=NOW + timedelta(seconds=5))
    assert not status(app, sid, "sent", at=NOW + timedelta(seconds=9))  # late: changes nothing
    assert not status(app, sid, "queued", at=NOW + timedelta(seconds=9))

    row = fresh(make, OutboxMessage, her.sent.id)
    assert row.status is MessageStatus.DELIVERED
    assert row.provider_status == "delivered"
    assert row.status_updated_at == NOW + timedelta(seconds=5)


def test_a_duplicate_receipt_adds_nothing(app, make, her):
    sid = her.sent.provider_id
    assert status(app, sid, "delivered")
    before = audit_count(make)

    assert not status(app, sid, "delivered", at=NOW + timedelta(minutes=1))

    assert audit_count(make) == before
    assert fresh(make, OutboxMessage, her.sent.id).status_updated_at == NOW


def test_a_failure_shows_a_plain_reason_and_is_final(app, make, her):
    sid = her.sent.provider_id
    assert status(app, sid, "undelivered", 30003)
    assert not status(app, sid, "delivered", at=NOW + timedelta(minutes=1))

    row = fresh(make, OutboxMessage, her.sent.id)
    assert row.status is MessageStatus.FAILED
    assert (row.provider_status, row.error_code) == ("undelivered", 30003)
    assert row.reason == "not delivered: phone switched off or out of signal (code 30003)"


def test_a_failure_never_overwrites_delivered(app, make, her):
    sid = her.sent.provider_id
    assert status(app, sid, "delivered")
    assert not status(app, sid, "failed", 30008)
    assert fresh(make, OutboxMessage, her.sent.id).status is MessageStatus.DELIVERED


def test_a_failure_with_an_unlisted_code_still_names_the_code(app, make, her):
    assert status(app, her.sent.provider_id, "failed", 12345)
    assert fresh(make, OutboxMessage, her.sent.id).reason == "not delivered (code 12345)"


def test_error_21610_opts_her_out_and_cancels_her_waiting_texts(app, make, her):
    assert status(app, her.sent.provider_id, "failed", 21610)

    assert fresh(make, Client, her.client.id).texts_opted_out_at == NOW
    for waiting in (her.pending, her.held):
        row = fresh(make, OutboxMessage, waiting.id)
        assert (row.status, row.reason) == (MessageStatus.CANCELLED, "she opted out of texts")
    assert fresh(make, OutboxMessage, her.sent.id).status is MessageStatus.FAILED


def test_a_receipt_for_an_unknown_message_or_status_changes_nothing(app, make, her):
    before = audit_count(make)
    assert not status(app, "SM" + "f" * 32, "delivered")
    assert not status(app, her.sent.provider_id, "teleported")
    assert audit_count(make) == before
    assert fresh(make, OutboxMessage, her.sent.id).provider_status is None


def test_a_receipt_is_audited_without_content(app, make, her):
    status(app, her.sent.provider_id, "undelivered", 30003)
    make.session.expire_all()
    event = make.session.scalars(select(AuditEvent).where(AuditEvent.action == "text_status")).one()
    assert (event.object_type, event.object_id, event.client_id) == (
        "outbox_message",
        her.sent.id,
        her.client.id,
    )
    assert event.detail == "undelivered (code 30003)"


# --- Opting out and in ----------------------------------------------------------------


@pytest.mark.parametrize(
    "body", ["STOP", "stop.", " Unsubscribe ", "Opt out", "stopall!", "End", "QUIT", "revoke"]
)
def test_an_opt_out_word_stops_her_texts_at_once(app, make, her, body):
    row = receive(app, body)

    assert row.action is ReplyAction.OPTED_OUT
    assert fresh(make, Client, her.client.id).texts_opted_out_at == NOW
    for waiting in (her.pending, her.held):
        message = fresh(make, OutboxMessage, waiting.id)
        assert (message.status, message.reason) == (
            MessageStatus.CANCELLED,
            "she opted out of texts",
        )
    assert fresh(make, OutboxMessage, her.sent.id).status is MessageStatus.SENT
    # Kept, so her worker can see it.
    assert (row.client_id, row.worker_id, row.body) == (her.client.id, her.case.worker_id, body)


@pytest.mark.parametrize("body", ["Please stop texting me", "stop it", "STOP STOP? no"])
def test_a_reply_starting_with_stop_or_asking_for_no_more_texts_stops_them(app, make, her, body):
    row = receive(app, body)
    assert row.action is ReplyAction.OPTED_OUT
    assert fresh(make, Client, her.client.id).texts_opted_out_at == NOW
    assert fresh(make, OutboxMessage, her.pending.id).status is MessageStatus.CANCELLED


@pytest.mark.parametrize("body", ["why did you stop texting me?", "don't stop the reminders"])
def test_a_sentence_with_stop_in_it_that_asks_nothing_goes_to_the_inbox(app, make, her, body):
    row = receive(app, body)
    assert row.action is ReplyAction.INBOX
    assert fresh(make, Client, her.client.id).texts_opted_out_at is None


@pytest.mark.parametrize("body", ["START", "unstop", " Start. "])
def test_start_opts_her_back_in(app, make, her, body):
    receive(app, "STOP", sid="SM" + "b" * 32)

    row = receive(app, body)

    assert row.action is ReplyAction.OPTED_IN
    assert fresh(make, Client, her.client.id).texts_opted_out_at is None


def test_start_brings_back_the_reminders_still_ahead_that_her_stop_cancelled(app, make, her):
    gone = _message(
        make,
        her.client,
        her.later_appointment,
        kind="appointment_two_hours_before",
        send_at=NOW - timedelta(minutes=5),
    )
    receive(app, "STOP", sid="SM" + "b" * 32)
    assert fresh(make, OutboxMessage, gone.id).status is MessageStatus.CANCELLED

    receive(app, "START")

    # The day-before reminder is still ahead: it waits again.
    assert fresh(make, OutboxMessage, her.pending.id).status is MessageStatus.PENDING
    # Its moment passed while she was opted out, so it stays cancelled; and a booking
    # confirmation is never revived (it would arrive out of the blue).
    assert fresh(make, OutboxMessage, gone.id).status is MessageStatus.CANCELLED
    assert fresh(make, OutboxMessage, her.held.id).status is MessageStatus.CANCELLED


def test_yes_from_an_opted_out_woman_opts_her_in_and_confirms(app, make, her):
    receive(app, "STOP", sid="SM" + "b" * 32)

    row = receive(app, "Yes")

    assert row.action is ReplyAction.CONFIRMED
    assert fresh(make, Client, her.client.id).texts_opted_out_at is None
    assert fresh(make, Appointment, her.next_appointment.id).confirmed_at == NOW


def test_yes_from_an_opted_out_woman_with_nothing_booked_opts_her_in(app, make, world):
    client = make.client(organisation=world.project, mobile=MOBILE, texts_opted_out_at=NOW)
    row = receive(app, "YES")
    assert row.action is ReplyAction.OPTED_IN
    assert fresh(make, Client, client.id).texts_opted_out_at is None


def test_an_opt_out_number_given_without_the_country_code_still_matches(app, make, her):
    row = receive(app, "STOP", number="07700 900123")
    assert row.from_number == MOBILE and row.client_id == her.client.id
    assert fresh(make, Client, her.client.id).texts_opted_out_at == NOW


# --- Confirming -----------------------------------------------------------------------


def confirmations(make: Factory) -> list[OutboxMessage]:
    make.session.expire_all()
    return list(
        make.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "reply_confirmed"))
    )


@pytest.mark.parametrize("body", ["Y", "y", "yes", "YES!", " Yes. "])
def test_y_or_yes_confirms_her_next_booked_appointment(app, make, her, body):
    row = receive(app, body)

    assert row.action is ReplyAction.CONFIRMED
    assert row.appointment_id == her.next_appointment.id
    assert (row.case_id, row.worker_id) == (her.case.id, her.case.worker_id)
    assert fresh(make, Appointment, her.next_appointment.id).confirmed_at == NOW
    assert fresh(make, Appointment, her.later_appointment.id).confirmed_at is None
    [thanks] = confirmations(make)
    assert (thanks.appointment_id, thanks.client_id, thanks.case_id) == (
        her.next_appointment.id,
        her.client.id,
        her.case.id,
    )
    assert (thanks.status, thanks.send_at) == (MessageStatus.PENDING, NOW)
    events = make.session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == her.case.id, CaseEvent.kind == "confirmed")
    ).all()
    assert [e.summary for e in events] == [
        "Session 1 on Fri 4 Dec 2026, 09:00 confirmed by a reply to a text."
    ]


def test_a_second_y_queues_no_second_thank_you(app, make, her):
    receive(app, "Y")
    again = receive(app, "Y", sid="SM" + "c" * 32)

    assert again.action is ReplyAction.CONFIRMED
    assert len(confirmations(make)) == 1
    assert fresh(make, Appointment, her.next_appointment.id).confirmed_at == NOW
    assert (
        make.session.scalar(
            select(func.count()).select_from(CaseEvent).where(CaseEvent.kind == "confirmed")
        )
        == 1
    )


def test_the_thank_you_goes_out_with_the_next_dispatch(app, make, her):
    receive(app, "Y")
    sender = OutboxSender()
    with app.app_context():
        report = dispatcher.dispatch_once(sender=sender, now=NOW)
    [thanks] = confirmations(make)
    assert thanks.id in report.sent
    [text] = [m for m in sender.messages if m["reference"] == f"outbox-{thanks.id}"]
    assert text["body"].startswith("Thanks Ro, that's confirmed for Fri 4 Dec at 09:00.")


def test_y_with_nothing_upcoming_goes_to_her_workers_inbox(app, make, her):
    for appointment in (her.next_appointment, her.later_appointment):
        row = make.session.get(Appointment, appointment.id)
        row.status = AppointmentStatus.RESCHEDULED
    make.session.commit()

    row = receive(app, "Y")

    assert row.action is ReplyAction.INBOX
    assert (row.worker_id, row.case_id, row.appointment_id) == (
        her.case.worker_id,
        her.case.id,
        None,
    )
    assert confirmations(make) == []


# --- The inbox ------------------------------------------------------------------------


def test_any_other_text_goes_to_her_allocated_workers_inbox(app, make, her, world):
    row = receive(app, "Running 10 mins late sorry")

    assert row.action is ReplyAction.INBOX
    assert (row.client_id, row.case_id, row.organisation_id, row.worker_id) == (
        her.client.id,
        her.case.id,
        world.project.id,
        world.worker.id,
    )
    assert (row.from_number, row.body, row.received_at) == (
        MOBILE,
        "Running 10 mins late sorry",
        NOW,
    )


def test_her_most_recent_open_case_decides_the_worker(app, make, her, world):
    closed = make.accepted_case(client=her.client, court=world.court, worker=world.manager)
    closed.status = CaseStatus.CLOSED
    make.session.commit()
    newer = make.case(client=her.client, court=world.court, worker=world.colleague)

    row = receive(app, "hello")

    assert (row.case_id, row.worker_id) == (newer.id, world.colleague.id)


def test_with_no_allocated_worker_it_goes_to_her_organisations_managers(app, make, world):
    client = make.client(organisation=world.project, mobile=MOBILE)
    case = make.accepted_case(client=client, court=world.court, worker=None)

    row = receive(app, "hello")

    assert (row.client_id, row.case_id, row.organisation_id, row.worker_id) == (
        client.id,
        case.id,
        world.project.id,
        None,
    )


def test_a_worker_who_has_left_passes_it_to_the_managers(app, make, her, world):
    worker = make.session.get(User, world.worker.id)
    worker.active = False
    make.session.commit()

    row = receive(app, "hello")

    assert (row.organisation_id, row.worker_id) == (world.project.id, None)


def test_a_number_none_of_its_clients_holds_goes_to_its_managers_only(app, make, her, world):
    row = receive(app, "who is this?", number="+447700900999")

    assert row.action is ReplyAction.INBOX
    assert (row.client_id, row.organisation_id, row.worker_id, row.case_id) == (
        None,
        world.project.id,
        None,
        None,
    )
    assert (row.shared_number, row.recipient_ids, row.to_number) == (False, [], PROJECT_NUMBER)


def test_a_text_to_a_number_no_organisation_holds_is_matched_to_nobody(app, make, her):
    row = receive(app, "STOP", to=NOBODYS_NUMBER)

    assert (row.client_id, row.organisation_id, row.worker_id, row.case_id) == (
        None,
        None,
        None,
        None,
    )
    assert row.to_number == NOBODYS_NUMBER
    # Nothing she sends there acts on any record (Twilio itself still blocks that number).
    assert fresh(make, Client, her.client.id).texts_opted_out_at is None


def test_a_woman_known_to_two_organisations_is_matched_only_by_the_one_she_texted(
    app, make, her, world
):
    other = make.client(organisation=world.other_project, mobile=MOBILE)
    other_case = make.accepted_case(client=other, court=world.court, worker=world.other_worker)

    ours = receive(app, "hello", sid="SM" + "b" * 32)
    theirs = receive(app, "hello", sid="SM" + "c" * 32, to=OTHER_NUMBER)

    assert (ours.organisation_id, ours.client_id, ours.worker_id) == (
        world.project.id,
        her.client.id,
        world.worker.id,
    )
    assert (theirs.organisation_id, theirs.client_id, theirs.case_id, theirs.worker_id) == (
        world.other_project.id,
        other.id,
        other_case.id,
        world.other_worker.id,
    )
    # STOP to the other organisation's number stops its texts to her, not ours.
    receive(app, "STOP", sid="SM" + "d" * 32, to=OTHER_NUMBER)
    assert fresh(make, Client, other.id).texts_opted_out_at == NOW
    assert fresh(make, Client, her.client.id).texts_opted_out_at is None
    # Y to ours confirms her appointment with us.
    assert receive(app, "Y", sid="SM" + "e" * 32).action is ReplyAction.CONFIRMED


def test_a_number_two_of_its_clients_hold_goes_to_each_of_their_workers(app, make, her, world):
    sister = make.client(organisation=world.project, mobile=MOBILE)
    make.accepted_case(client=sister, court=world.court, worker=world.colleague)

    row = receive(app, "Y")

    assert row.action is ReplyAction.INBOX
    assert (row.client_id, row.case_id, row.organisation_id, row.worker_id) == (
        None,
        None,
        world.project.id,
        None,
    )
    assert row.shared_number is True
    assert row.recipient_ids == sorted([world.worker.id, world.colleague.id])
    assert fresh(make, Appointment, her.next_appointment.id).confirmed_at is None


def test_the_messaging_service_places_a_text_when_the_webhook_names_one(app, make, her, world):
    other = make.client(organisation=world.other_project, mobile=MOBILE)

    row = receive(app, "hello", to=NOBODYS_NUMBER, service=OTHER_SERVICE)

    assert (row.organisation_id, row.client_id, row.to_number) == (
        world.other_project.id,
        other.id,
        OTHER_SERVICE,
    )


def test_a_service_and_a_number_of_two_organisations_place_it_with_neither(app, make, her):
    row = receive(app, "STOP", to=PROJECT_NUMBER, service=OTHER_SERVICE)

    assert (row.organisation_id, row.client_id) == (None, None)
    assert fresh(make, Client, her.client.id).texts_opted_out_at is None


def test_a_text_posted_twice_is_stored_and_acted_on_once(app, make, her):
    first = receive(app, "Y")
    before = audit_count(make)

    second = receive(app, "Y")

    assert second.id == first.id
    assert audit_count(make) == before
    make.session.expire_all()
    assert make.session.scalar(select(func.count()).select_from(InboundMessage)) == 1
    assert len(confirmations(make)) == 1


def test_audit_rows_name_no_number_and_no_words(app, make, her):
    receive(app, "STOP")
    receive(app, "YES", sid="SM" + "e" * 32)
    receive(app, "call me on 07700 900123", sid="SM" + "f" * 32)
    make.session.expire_all()
    events = make.session.scalars(select(AuditEvent)).all()
    assert {e.action for e in events} >= {"text_received", "texts_opted_out", "texts_opted_in"}
    for event in events:
        text = f"{event.action} {event.detail}"
        assert "900123" not in text and "call me" not in text.lower()
