"""The dispatcher: gates, exactly once across crashes, retries and refusals."""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from diversion.db import db
from diversion.models import (
    Appointment,
    AppointmentStatus,
    Client,
    MessageStatus,
    MessageTemplate,
    OutboxMessage,
)
from notifications import dispatcher
from notifications.policy import DEFAULT_POLICY, ReminderKind, policy_to_dict
from notifications.senders import PermanentSendError, SendResult, TransientSendError
from tests.conftest import POSTGRES_URL, World
from tests.factories import Factory

APPOINTMENT = datetime(2026, 12, 4, 14, 0, tzinfo=UTC)  # Fri 4 Dec, 14:00 London
DUE = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)  # the day before at 10:00


@dataclass
class Provider:
    """A stand-in for the SMS provider's side (not our code): it keeps what it accepted."""

    accepted: list[dict]
    crash_after_accepting: bool = False
    error: Exception | None = None

    def send(self, *, to: str, body: str, reference: str) -> SendResult:
        if self.error is not None:
            raise self.error
        self.accepted.append({"to": to, "body": body, "reference": reference})
        if self.crash_after_accepting:
            raise KeyboardInterrupt("the dispatcher process died here")
        return SendResult(provider_id=f"SM{len(self.accepted):032d}", status="queued")

    def find(self, *, reference: str, to: str, body: str, since: datetime) -> SendResult | None:
        for index, item in enumerate(self.accepted, 1):
            if item["body"] == body and item["to"] == to:
                return SendResult(provider_id=f"SM{index:032d}", status="sent")
        return None


@pytest.fixture
def message(make: Factory, world: World) -> OutboxMessage:
    client = make.client(
        organisation=world.project,
        first_name="Rowan",
        text_name="Ro",
        mobile="+447400123456",
        consent_to_texts=True,
        safe_to_text_confirmed_on=date(2026, 11, 20),
    )
    case = make.accepted_case(client=client, court=world.court, worker=world.worker)
    venue = make.venue(organisation=world.project, neutral_name="High Street office")
    appointment = make.appointment(
        case=case,
        venue=venue,
        worker=world.worker,
        starts_at=APPOINTMENT,
        ends_at=APPOINTMENT + timedelta(hours=1),
    )
    row = OutboxMessage(
        client_id=client.id,
        case_id=case.id,
        appointment_id=appointment.id,
        kind="appointment_day_before",
        send_at=DUE,
    )
    return make._save(row)


def fresh(message_id: int) -> OutboxMessage:
    db.session.expire_all()
    row = db.session.get(OutboxMessage, message_id)
    assert row is not None
    return row


def test_a_due_reminder_is_sent_once_discreetly_with_the_providers_id(app, message):
    provider = Provider(accepted=[])
    with app.app_context():
        first = dispatcher.dispatch_once(sender=provider, now=DUE)
        again = dispatcher.dispatch_once(sender=provider, now=DUE + timedelta(minutes=1))
        row = fresh(message.id)
    assert first.sent == [message.id] and again.sent == []
    assert len(provider.accepted) == 1
    body = provider.accepted[0]["body"]
    assert "Ro" in body and "14:00" in body and "High Street office" in body
    assert "Rowan" not in body and "court" not in body.lower()
    assert row.status is MessageStatus.SENT and row.provider_id


@pytest.mark.parametrize(
    ("change", "status", "reason"),
    [
        ({"consent_to_texts": False}, MessageStatus.SKIPPED, "no consent to texts"),
        ({"mobile": None}, MessageStatus.SKIPPED, "no consent to texts"),
        (
            {"texts_opted_out_at": datetime(2026, 12, 1, tzinfo=UTC)},
            MessageStatus.SKIPPED,
            "she opted out of texts",
        ),
        (
            {"safe_to_text_confirmed_on": date(2026, 8, 1)},
            MessageStatus.HELD,
            "number not confirmed safe to text in the last 90 days",
        ),
        (
            {"safe_to_text_confirmed_on": None},
            MessageStatus.HELD,
            "number not confirmed safe to text in the last 90 days",
        ),
    ],
)
def test_each_gate_stops_the_text_and_records_why(app, make, message, change, status, reason):
    client = make.session.get(Client, message.client_id)
    for name, value in change.items():
        setattr(client, name, value)
    make.session.commit()
    provider = Provider(accepted=[])
    with app.app_context():
        dispatcher.dispatch_once(sender=provider, now=DUE)
        row = fresh(message.id)
    assert provider.accepted == []
    assert (row.status, row.reason) == (status, reason)


def test_inside_quiet_hours_it_waits_until_eight(app, make, message):
    row = make.session.get(OutboxMessage, message.id)
    row.send_at = datetime(2026, 12, 3, 21, 0, tzinfo=UTC)
    make.session.commit()
    provider = Provider(accepted=[])
    with app.app_context():
        dispatcher.dispatch_once(sender=provider, now=datetime(2026, 12, 3, 21, 0, tzinfo=UTC))
        row = fresh(message.id)
    assert provider.accepted == []
    assert row.status is MessageStatus.PENDING
    assert row.send_at == datetime(2026, 12, 4, 8, 0, tzinfo=UTC)


def test_after_downtime_a_reminder_past_its_use_is_skipped_and_recorded(app, message):
    provider = Provider(accepted=[])
    with app.app_context():
        dispatcher.dispatch_once(sender=provider, now=APPOINTMENT - timedelta(minutes=30))
        row = fresh(message.id)
    assert provider.accepted == [] and (row.status, row.reason) == (
        MessageStatus.SKIPPED,
        "too late",
    )


def test_a_crash_after_the_provider_accepted_is_reconciled_without_a_second_text(app, message):
    provider = Provider(accepted=[], crash_after_accepting=True)
    with app.app_context(), pytest.raises(KeyboardInterrupt):
        dispatcher.dispatch_once(sender=provider, now=DUE)
    provider.crash_after_accepting = False
    with app.app_context():
        early = dispatcher.dispatch_once(sender=provider, now=DUE + timedelta(minutes=1))
        assert early.reconciled == [] and fresh(message.id).status is MessageStatus.SENDING
        later = dispatcher.dispatch_once(sender=provider, now=DUE + timedelta(minutes=10))
        row = fresh(message.id)
    assert later.reconciled == [message.id] and later.sent == []
    assert len(provider.accepted) == 1
    assert row.status is MessageStatus.SENT and row.provider_id


def test_a_crash_before_the_provider_call_sends_it_exactly_once_later(app, message):
    with app.app_context():
        assert dispatcher.claim_due(now=DUE) == [message.id]  # then the process dies
    provider = Provider(accepted=[])
    with app.app_context():
        report = dispatcher.dispatch_once(sender=provider, now=DUE + timedelta(minutes=10))
        row = fresh(message.id)
    assert report.reconciled == [message.id] and report.sent == [message.id]
    assert len(provider.accepted) == 1 and row.status is MessageStatus.SENT


def test_a_transient_error_retries_later_and_a_stop_reply_opts_her_out(app, message):
    provider = Provider(accepted=[], error=TransientSendError("timeout"))
    with app.app_context():
        dispatcher.dispatch_once(sender=provider, now=DUE)
        row = fresh(message.id)
        assert row.status is MessageStatus.PENDING and row.send_at > DUE
        provider.error = PermanentSendError("opted out", code=21610)
        dispatcher.dispatch_once(sender=provider, now=row.send_at)
        row = fresh(message.id)
        client = db.session.scalar(select(Client).where(Client.id == row.client_id))
    assert row.status is MessageStatus.FAILED and "21610" in (row.reason or "")
    assert client.texts_opted_out_at is not None


def test_many_dispatchers_send_each_of_1000_due_reminders_exactly_once(app, make, message):
    """8 dispatchers on PostgreSQL (FOR UPDATE SKIP LOCKED); SQLite runs one by design."""
    template = make.session.get(OutboxMessage, message.id)
    first = make.session.get(Appointment, template.appointment_id)
    appointments = [
        Appointment(
            case_id=first.case_id,
            session_number=1,
            kind="assessment",
            starts_at=APPOINTMENT + timedelta(minutes=i),
            ends_at=APPOINTMENT + timedelta(minutes=i + 60),
            venue_id=first.venue_id,
            worker_id=first.worker_id,
        )
        for i in range(500)
    ]
    make.session.add_all(appointments)
    make.session.flush()
    make.session.add_all(
        OutboxMessage(
            client_id=template.client_id,
            case_id=template.case_id,
            appointment_id=appointment.id,
            kind=kind,
            send_at=DUE,
        )
        for appointment in appointments
        for kind in ("booking_confirmation", "appointment_day_before")
    )
    make.session.delete(template)
    make.session.commit()
    workers = 8 if POSTGRES_URL else 1
    provider = Provider(accepted=[])
    lock = threading.Lock()

    class Shared:
        """The one provider all dispatchers talk to."""

        def send(self, **kwargs):
            with lock:
                return provider.send(**kwargs)

        def find(self, **kwargs):
            with lock:
                return provider.find(**kwargs)

    def run() -> None:
        with app.app_context():
            while dispatcher.dispatch_once(sender=Shared(), now=DUE, limit=25).sent:
                pass

    threads = [threading.Thread(target=run) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    references = [item["reference"] for item in provider.accepted]
    assert len(references) == 1000
    assert len(set(references)) == 1000
    with app.app_context():
        statuses = [row.status for row in db.session.scalars(select(OutboxMessage))]
    assert statuses.count(MessageStatus.SENT) == 1000


# --- Stored wording and per-type policy; the thank-you for a Y reply ---------------------


def test_a_stored_template_is_used_for_the_next_text(app, make, message):
    make._save(MessageTemplate(kind="appointment_day_before", body="{name}: {venue}, {time}"))
    provider = Provider(accepted=[])
    with app.app_context():
        dispatcher.dispatch_once(sender=provider, now=DUE)
    assert [item["body"] for item in provider.accepted] == ["Ro: High Street office, 14:00"]


def test_the_quiet_hours_of_the_requirement_types_policy_apply(app, make, message):
    requirement = make.requirement_type("CD")
    requirement.reminder_policy = policy_to_dict(
        replace(DEFAULT_POLICY, quiet_start=time(9, 0), quiet_end=time(11, 0))
    )
    make.session.commit()
    provider = Provider(accepted=[])
    with app.app_context():
        dispatcher.dispatch_once(sender=provider, now=DUE)  # 10:00: quiet for this type
        row = fresh(message.id)
    assert provider.accepted == []
    assert (row.status, row.send_at) == (
        MessageStatus.PENDING,
        datetime(2026, 12, 3, 11, 0, tzinfo=UTC),
    )


def test_the_latest_useful_moment_of_the_requirement_types_policy_applies(app, make, message):
    requirement = make.requirement_type("CD")
    rules = tuple(
        replace(rule, latest_useful=timedelta(days=2))
        if rule.kind is ReminderKind.APPOINTMENT_DAY_BEFORE
        else rule
        for rule in DEFAULT_POLICY.rules
    )
    requirement.reminder_policy = policy_to_dict(replace(DEFAULT_POLICY, rules=rules))
    make.session.commit()
    provider = Provider(accepted=[])
    with app.app_context():
        dispatcher.dispatch_once(sender=provider, now=DUE)  # 28 hours before: too late now
        row = fresh(message.id)
    assert provider.accepted == []
    assert (row.status, row.reason) == (MessageStatus.SKIPPED, "too late")


@pytest.mark.parametrize(
    ("now", "sent"),
    [
        (APPOINTMENT - timedelta(minutes=30), True),  # later than any reminder would go
        (APPOINTMENT, False),  # once it has started, never
    ],
)
def test_the_thank_you_for_a_y_reply_goes_until_the_appointment_starts(
    app, make, message, now, sent
):
    thanks = make._save(
        OutboxMessage(
            client_id=message.client_id,
            case_id=message.case_id,
            appointment_id=message.appointment_id,
            kind="reply_confirmed",
            send_at=now,
        )
    )
    provider = Provider(accepted=[])
    with app.app_context():
        report = dispatcher.dispatch_once(sender=provider, now=now)
        row = fresh(thanks.id)
    if sent:
        assert report.sent == [thanks.id] and row.status is MessageStatus.SENT
        [item] = [i for i in provider.accepted if i["reference"] == f"outbox-{thanks.id}"]
        assert item["body"].startswith("Thanks Ro, that's confirmed for Fri 4 Dec at 14:00.")
    else:
        assert (row.status, row.reason) == (MessageStatus.SKIPPED, "too late")
        assert provider.accepted == []


def test_the_thank_you_for_a_cancelled_appointment_is_never_sent(app, make, message):
    thanks = make._save(
        OutboxMessage(
            client_id=message.client_id,
            case_id=message.case_id,
            appointment_id=message.appointment_id,
            kind="reply_confirmed",
            send_at=DUE,
        )
    )
    appointment = make.session.get(Appointment, message.appointment_id)
    appointment.status = AppointmentStatus.CANCELLED_BY_CLIENT
    make.session.commit()
    provider = Provider(accepted=[])
    with app.app_context():
        dispatcher.dispatch_once(sender=provider, now=DUE)
        row = fresh(thanks.id)
    assert provider.accepted == []
    assert (row.status, row.reason) == (MessageStatus.CANCELLED, "appointment no longer booked")
