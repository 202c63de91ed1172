"""The dispatcher: gates, exactly once across crashes, retries and refusals.

Every test sends through the real `TwilioSender` (the official twilio client) talking HTTP to
FakeTwilio, so that reconciliation after a crash is the real `find()` reading Twilio's own
timestamps. Twilio's clock is set to the dispatcher's `now` for each pass (`dispatch`), or a
few minutes behind it where a test says so. A crash is the process dying (ProcessDied) just
before or just after a call reaches Twilio; errors are FakeTwilio's HTTP answers.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta

import pytest
from flask import Flask
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
from notifications.dispatcher import MAX_ATTEMPTS, DispatchReport, Sender
from notifications.policy import DEFAULT_POLICY, ReminderKind, policy_to_dict
from notifications.senders import SendResult, TwilioSender
from tests.conftest import POSTGRES_URL, World
from tests.factories import Factory
from tests.notifications.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio

APPOINTMENT = datetime(2026, 12, 4, 14, 0, tzinfo=UTC)  # Fri 4 Dec, 14:00 London
DUE = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)  # the day before at 10:00
MOBILE = "+447400123456"
SERVICE_SID = "MG" + "1" * 32
AFTER_THE_GRACE = DUE + dispatcher.IN_FLIGHT_GRACE + timedelta(minutes=5)


@pytest.fixture
def fake() -> Iterator[FakeTwilio]:
    with FakeTwilio(clock=lambda: DUE) as server:
        yield server


def twilio_sender(fake: FakeTwilio) -> TwilioSender:
    """A sender as production builds one (a new one per process), pointed at the fake."""
    return TwilioSender(
        account_sid=ACCOUNT_SID,
        auth_token=AUTH_TOKEN,
        messaging_service_sid=SERVICE_SID,
        base_url=fake.url,
        timeout=5.0,
    )


@pytest.fixture
def sender(fake: FakeTwilio) -> TwilioSender:
    return twilio_sender(fake)


def dispatch(
    app: Flask,
    fake: FakeTwilio,
    sender: Sender,
    now: datetime,
    *,
    twilio_behind: timedelta = timedelta(0),
    **options: int,
) -> DispatchReport:
    """One dispatcher pass at `now`, Twilio's clock reading `now` less `twilio_behind`."""
    fake.clock = lambda: now - twilio_behind
    with app.app_context():
        return dispatcher.dispatch_once(sender=sender, now=now, **options)


class ProcessDied(BaseException):
    """The dispatcher's process dying mid-pass (not an Exception: nothing may handle it)."""


@dataclass
class DiesAtASend:
    """The real sender in a process that dies at its `die_at`-th send: just after Twilio
    accepted that message, or just before the call left. Nothing leaves a dead process."""

    sender: TwilioSender
    after_twilio_accepted: bool
    die_at: int = 1
    sends: int = 0
    dead: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, *, to: str, body: str, reference: str) -> SendResult:
        with self.lock:
            if self.dead:
                raise ProcessDied("already dead")
            self.sends += 1
            if self.sends < self.die_at:
                return self.sender.send(to=to, body=body, reference=reference)
            self.dead = True
            if self.after_twilio_accepted:
                self.sender.send(to=to, body=body, reference=reference)
            raise ProcessDied("the dispatcher's process died here")

    def find(self, *, reference: str, to: str, body: str, since: datetime) -> SendResult | None:
        return self.sender.find(reference=reference, to=to, body=body, since=since)


@pytest.fixture
def message(make: Factory, world: World) -> OutboxMessage:
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


def more_reminders(make: Factory, message: OutboxMessage, appointments: int) -> None:
    """In place of `message`: for each of `appointments` more appointments of the same case
    (a minute apart) a booking confirmation and a day-before reminder, all due at DUE, each
    to a woman of her own (one text at a time: two to one woman would not go together)."""
    template = make.session.get(OutboxMessage, message.id)
    assert template is not None
    first = make.session.get(Appointment, template.appointment_id)
    her = make.session.get(Client, template.client_id)
    assert first is not None and her is not None
    booked = [
        Appointment(
            case_id=first.case_id,
            session_number=1,
            kind="assessment",
            starts_at=APPOINTMENT + timedelta(minutes=i),
            ends_at=APPOINTMENT + timedelta(minutes=i + 60),
            venue_id=first.venue_id,
            worker_id=first.worker_id,
        )
        for i in range(1, appointments + 1)
    ]
    women = [
        Client(
            organisation_id=her.organisation_id,
            first_name=her.first_name,
            last_name=f"Number{i}",
            date_of_birth=her.date_of_birth,
            text_name=her.text_name,
            mobile=f"+4474{i:08d}",
            consent_to_texts=True,
            safe_to_text_confirmed_on=her.safe_to_text_confirmed_on,
        )
        for i in range(2 * appointments)
    ]
    make.session.add_all([*booked, *women])
    make.session.flush()
    make.session.add_all(
        OutboxMessage(
            client_id=women[2 * i + j].id,
            case_id=template.case_id,
            appointment_id=appointment.id,
            kind=kind,
            send_at=DUE,
        )
        for i, appointment in enumerate(booked)
        for j, kind in enumerate(("booking_confirmation", "appointment_day_before"))
    )
    make.session.delete(template)
    make.session.commit()


def texts(fake: FakeTwilio) -> int:
    """How many texts Twilio has (a count, so that a failing assertion shows no text)."""
    return len(fake.messages)


def fresh(message_id: int) -> OutboxMessage:
    db.session.expire_all()
    row = db.session.get(OutboxMessage, message_id)
    assert row is not None
    return row


def row_after(app: Flask, message_id: int) -> OutboxMessage:
    with app.app_context():
        row = fresh(message_id)
        db.session.expunge(row)
    return row


def assert_each_row_sent_once(
    app: Flask, fake: FakeTwilio, count: int, *, claimed_once: bool = True
) -> None:
    """`count` rows, each SENT (after one claim unless not `claimed_once`), and Twilio holding
    exactly one text for each: the row's provider id names a text Twilio has, to its woman's
    number, with the row's body. Only counts are compared, so a failure prints no text."""
    with app.app_context():
        rows = db.session.execute(
            select(
                OutboxMessage.status,
                OutboxMessage.attempts,
                OutboxMessage.provider_id,
                OutboxMessage.body,
                OutboxMessage.client_id,
            ).order_by(OutboxMessage.id)
        ).all()
        numbers = {client.id: client.mobile for client in db.session.scalars(select(Client))}
    at_twilio = {m["sid"]: (m["to"], m["body"]) for m in fake.messages}
    assert len(rows) == count
    assert texts(fake) == count, "Twilio does not hold one text per row"
    # One text per woman and wording: the booking confirmations of one case name the same
    # sessions, so only the number tells two of them apart.
    assert len(set(at_twilio.values())) == count, "a text went twice"
    assert sum(row.status is MessageStatus.SENT for row in rows) == count
    if claimed_once:
        assert sum(row.attempts == 1 for row in rows) == count, "a row was claimed twice"
    matching = sum(
        at_twilio.get(row.provider_id) == (numbers[row.client_id], row.body) for row in rows
    )
    assert matching == count, "a row's provider id does not name its own text at Twilio"


# --- Sending and the gates -----------------------------------------------------------------


def test_a_due_reminder_is_sent_once_discreetly_with_twilios_id(app, fake, sender, message):
    first = dispatch(app, fake, sender, DUE)
    again = dispatch(app, fake, sender, DUE + timedelta(minutes=1))
    row = row_after(app, message.id)

    assert first.sent == [message.id] and again.sent == []
    [text] = fake.messages
    assert text["to"] == MOBILE
    assert "Ro" in text["body"] and "14:00" in text["body"]
    assert "High Street office" in text["body"]
    assert "Rowan" not in text["body"] and "court" not in text["body"].lower()
    assert row.status is MessageStatus.SENT and row.provider_id == text["sid"]


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
def test_each_gate_stops_the_text_and_records_why(
    app, make, fake, sender, message, change, status, reason
):
    client = make.session.get(Client, message.client_id)
    for name, value in change.items():
        setattr(client, name, value)
    make.session.commit()

    dispatch(app, fake, sender, DUE)
    row = row_after(app, message.id)

    assert texts(fake) == 0
    assert (row.status, row.reason) == (status, reason)


def test_inside_quiet_hours_it_waits_until_eight(app, make, fake, sender, message):
    row = make.session.get(OutboxMessage, message.id)
    row.send_at = datetime(2026, 12, 3, 21, 0, tzinfo=UTC)
    make.session.commit()

    dispatch(app, fake, sender, datetime(2026, 12, 3, 21, 0, tzinfo=UTC))
    row = row_after(app, message.id)

    assert texts(fake) == 0
    assert row.status is MessageStatus.PENDING
    assert row.send_at == datetime(2026, 12, 4, 8, 0, tzinfo=UTC)


def test_after_downtime_a_reminder_past_its_use_is_skipped_and_recorded(app, fake, sender, message):
    dispatch(app, fake, sender, APPOINTMENT - timedelta(minutes=30))
    row = row_after(app, message.id)

    assert texts(fake) == 0
    assert (row.status, row.reason) == (MessageStatus.SKIPPED, "too late")


# --- Exactly once across crashes -------------------------------------------------------------


@pytest.mark.parametrize(
    "twilio_behind",
    [timedelta(0), timedelta(minutes=3)],
    ids=["clocks-agree", "twilio-3-minutes-behind"],
)
def test_a_crash_after_twilio_accepted_is_reconciled_without_a_second_text(
    app, fake, message, twilio_behind
):
    dying = DiesAtASend(twilio_sender(fake), after_twilio_accepted=True)
    with pytest.raises(ProcessDied):
        dispatch(app, fake, dying, DUE, twilio_behind=twilio_behind)
    [text] = fake.messages
    restarted = twilio_sender(fake)

    early = dispatch(app, fake, restarted, DUE + timedelta(minutes=1))
    assert early.reconciled == [] and row_after(app, message.id).status is MessageStatus.SENDING
    later = dispatch(app, fake, restarted, AFTER_THE_GRACE)
    row = row_after(app, message.id)

    assert texts(fake) == 1, "a second text went to her"
    assert later.reconciled == [message.id] and later.sent == []
    assert row.status is MessageStatus.SENT and row.provider_id == text["sid"]
    assert row.reason == "confirmed with the provider after an interruption"


def test_a_crash_partway_through_a_batch_sends_each_text_exactly_once(app, make, fake, message):
    more_reminders(make, message, appointments=2)  # four rows, due together
    dying = DiesAtASend(twilio_sender(fake), after_twilio_accepted=True, die_at=3)
    with pytest.raises(ProcessDied):
        dispatch(app, fake, dying, DUE, concurrency=1)
    assert texts(fake) == 3  # the third went, its answer lost; the fourth never left

    report = dispatch(app, fake, twilio_sender(fake), AFTER_THE_GRACE)

    assert_each_row_sent_once(app, fake, 4, claimed_once=False)
    assert len(report.reconciled) == 4 and len(report.sent) == 1


@pytest.mark.parametrize("bodies_stored", [False, True], ids=["after-the-claim", "before-the-call"])
def test_a_crash_before_the_provider_call_sends_it_exactly_once_later(
    app, fake, message, bodies_stored
):
    if bodies_stored:  # dies as the call would leave: the row is sending, with its body
        dying = DiesAtASend(twilio_sender(fake), after_twilio_accepted=False)
        with pytest.raises(ProcessDied):
            dispatch(app, fake, dying, DUE)
    else:  # dies once the row is claimed, before its body is stored
        with app.app_context():
            assert dispatcher.claim_due(now=DUE) == [message.id]
    assert texts(fake) == 0
    assert (row_after(app, message.id).body is not None) is bodies_stored

    report = dispatch(app, fake, twilio_sender(fake), AFTER_THE_GRACE)
    row = row_after(app, message.id)

    assert report.reconciled == [message.id] and report.sent == [message.id]
    [text] = fake.messages
    assert row.status is MessageStatus.SENT and row.provider_id == text["sid"]


# --- Errors Twilio answers, and no answer at all -------------------------------------------


@pytest.mark.parametrize(("status", "code"), [(429, 20429), (503, None)])
def test_an_error_answer_from_twilio_is_retried_later_and_sent_once(
    app, fake, sender, message, status, code
):
    fake.fail_next(status, code)
    first = dispatch(app, fake, sender, DUE)
    row = row_after(app, message.id)
    assert first.retry == [message.id] and texts(fake) == 0
    assert (row.status, row.reason) == (MessageStatus.PENDING, "provider unavailable; will retry")
    assert row.send_at == DUE + timedelta(minutes=2)

    assert dispatch(app, fake, sender, DUE + timedelta(minutes=1)).sent == []
    retried = dispatch(app, fake, sender, row.send_at)

    assert retried.sent == [message.id]
    [text] = fake.messages
    assert row_after(app, message.id).provider_id == text["sid"]


def test_after_repeated_outages_it_gives_up(app, fake, sender, message):
    now = DUE
    for _ in range(MAX_ATTEMPTS):
        fake.fail_next(503)
        dispatch(app, fake, sender, now)
        now = row_after(app, message.id).send_at
    row = row_after(app, message.id)

    assert texts(fake) == 0
    assert (row.status, row.reason) == (MessageStatus.FAILED, "provider unavailable; gave up")
    assert row.attempts == MAX_ATTEMPTS


@pytest.mark.parametrize(("code", "opted_out"), [(21610, True), (21614, False)])
def test_a_refusal_fails_the_text_and_a_stop_reply_opts_her_out(
    app, fake, sender, message, code, opted_out
):
    fake.fail_next(400, code)
    report = dispatch(app, fake, sender, DUE)
    row = row_after(app, message.id)
    with app.app_context():
        client = db.session.scalar(select(Client).where(Client.id == row.client_id))

    assert report.failed == [message.id] and texts(fake) == 0
    assert (row.status, row.reason) == (MessageStatus.FAILED, f"provider refused (code {code})")
    assert (client.texts_opted_out_at is not None) is opted_out


@pytest.mark.parametrize(
    "twilio_kept_it", [True, False], ids=["twilio-has-it", "twilio-never-had-it"]
)
def test_no_answer_from_twilio_is_checked_with_twilio_before_the_text_goes_again(
    app, fake, sender, message, twilio_kept_it
):
    fake.hang_up_on_next_create(keep_message=twilio_kept_it)
    first = dispatch(app, fake, sender, DUE)
    row = row_after(app, message.id)
    assert first.sent == [] and texts(fake) == int(twilio_kept_it)
    assert (row.status, row.reason) == (
        MessageStatus.SENDING,
        "no answer from the provider; will check with it before resending",
    )

    for minutes in (1, 2, 4, 8, 16, 32, 64):  # past the back-off a refusal would get
        dispatch(app, fake, sender, DUE + timedelta(minutes=minutes))
    row = row_after(app, message.id)

    assert texts(fake) == 1, "a second text went to her"
    assert row.status is MessageStatus.SENT and row.provider_id == fake.messages[0]["sid"]


# --- A thousand due reminders --------------------------------------------------------------


def test_one_dispatcher_sends_each_of_1000_due_reminders_exactly_once(app, make, fake, message):
    more_reminders(make, message, appointments=500)
    sender = twilio_sender(fake)
    passes = 0
    while dispatch(app, fake, sender, DUE).sent:
        passes += 1

    assert passes == 10  # the default limit, 100 a pass
    assert_each_row_sent_once(app, fake, 1000)


@pytest.mark.skipif(
    not POSTGRES_URL,
    reason="needs PostgreSQL: TEST_DATABASE_URL not set; SQLite has no FOR UPDATE SKIP LOCKED",
)
def test_eight_dispatchers_at_once_send_each_of_1000_due_reminders_exactly_once(
    app, make, fake, message
):
    more_reminders(make, message, appointments=500)
    sent_by: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run() -> None:
        sender = twilio_sender(fake)  # a dispatcher process of its own, with its own client
        sent = 0
        try:
            with app.app_context():
                while True:
                    report = dispatcher.dispatch_once(sender=sender, now=DUE, limit=25)
                    if not report.sent:
                        break
                    sent += len(report.sent)
        except BaseException as error:  # a dying thread must fail the test, not vanish
            with lock:
                errors.append(error)
        with lock:
            sent_by.append(sent)

    threads = [threading.Thread(target=run) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)

    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    assert sum(sent_by) == 1000
    assert sum(1 for sent in sent_by if sent) > 1, "the dispatchers did not run side by side"
    assert_each_row_sent_once(app, fake, 1000)


@dataclass
class AsksTwilioSlowly:
    """The real sender, whose reconciliation question waits until the test lets it go on:
    the first dispatcher is caught in the middle of reconciling."""

    sender: TwilioSender
    asking: threading.Event = field(default_factory=threading.Event)
    go_on: threading.Event = field(default_factory=threading.Event)

    def send(self, *, to: str, body: str, reference: str) -> SendResult:
        return self.sender.send(to=to, body=body, reference=reference)

    def find(self, *, reference: str, to: str, body: str, since: datetime) -> SendResult | None:
        self.asking.set()
        assert self.go_on.wait(timeout=60), "the test never let the question go on"
        return self.sender.find(reference=reference, to=to, body=body, since=since)


@pytest.mark.skipif(
    not POSTGRES_URL,
    reason="needs PostgreSQL: TEST_DATABASE_URL not set; SQLite has no FOR UPDATE SKIP LOCKED",
)
def test_a_row_one_dispatcher_is_reconciling_is_left_alone_by_another(app, fake, message):
    # Without the lock, the second dispatcher would reset the row to pending and send it
    # while the first was still asking Twilio; the first would then reset it again.
    with pytest.raises(ProcessDied):
        dispatch(app, fake, DiesAtASend(twilio_sender(fake), after_twilio_accepted=True), DUE)
    slow = AsksTwilioSlowly(twilio_sender(fake))
    reports: list[DispatchReport] = []

    def first() -> None:
        with app.app_context():
            reports.append(dispatcher.dispatch_once(sender=slow, now=AFTER_THE_GRACE))

    thread = threading.Thread(target=first)
    thread.start()
    try:
        assert slow.asking.wait(timeout=60), "the first dispatcher never asked Twilio"
        second = dispatch(app, fake, twilio_sender(fake), AFTER_THE_GRACE)
    finally:
        slow.go_on.set()
        thread.join(timeout=60)

    assert second.reconciled == [] and second.sent == []
    assert reports[0].reconciled == [message.id]
    assert texts(fake) == 1, "a second text went to her"
    assert row_after(app, message.id).status is MessageStatus.SENT


# --- Stored wording and per-type policy; the thank-you for a Y reply ---------------------


def test_a_stored_template_is_used_for_the_next_text(app, make, fake, sender, message):
    make._save(MessageTemplate(kind="appointment_day_before", body="{name}: {venue}, {time}"))

    dispatch(app, fake, sender, DUE)

    assert [m["body"] for m in fake.messages] == ["Ro: High Street office, 14:00"]


def test_the_quiet_hours_of_the_requirement_types_policy_apply(app, make, fake, sender, message):
    requirement = make.requirement_type("CD")
    requirement.reminder_policy = policy_to_dict(
        replace(DEFAULT_POLICY, quiet_start=time(9, 0), quiet_end=time(11, 0))
    )
    make.session.commit()

    dispatch(app, fake, sender, DUE)  # 10:00: quiet for this type
    row = row_after(app, message.id)

    assert texts(fake) == 0
    assert (row.status, row.send_at) == (
        MessageStatus.PENDING,
        datetime(2026, 12, 3, 11, 0, tzinfo=UTC),
    )


def test_the_latest_useful_moment_of_the_requirement_types_policy_applies(
    app, make, fake, sender, message
):
    requirement = make.requirement_type("CD")
    rules = tuple(
        replace(rule, latest_useful=timedelta(days=2))
        if rule.kind is ReminderKind.APPOINTMENT_DAY_BEFORE
        else rule
        for rule in DEFAULT_POLICY.rules
    )
    requirement.reminder_policy = policy_to_dict(replace(DEFAULT_POLICY, rules=rules))
    make.session.commit()

    dispatch(app, fake, sender, DUE)  # 28 hours before: too late now
    row = row_after(app, message.id)

    assert texts(fake) == 0
    assert (row.status, row.reason) == (MessageStatus.SKIPPED, "too late")


@pytest.mark.parametrize(
    ("now", "sent"),
    [
        (APPOINTMENT - timedelta(minutes=30), True),  # later than any reminder would go
        (APPOINTMENT, False),  # once it has started, never
    ],
)
def test_the_thank_you_for_a_y_reply_goes_until_the_appointment_starts(
    app, make, fake, sender, message, now, sent
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

    report = dispatch(app, fake, sender, now)
    row = row_after(app, thanks.id)

    if sent:
        assert report.sent == [thanks.id] and row.status is MessageStatus.SENT
        [text] = [m for m in fake.messages if m["sid"] == row.provider_id]
        assert text["body"].startswith("Thanks Ro, that's confirmed for Fri 4 Dec at 14:00.")
    else:
        assert (row.status, row.reason) == (MessageStatus.SKIPPED, "too late")
        assert texts(fake) == 0


def test_the_thank_you_for_a_cancelled_appointment_is_never_sent(app, make, fake, sender, message):
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

    dispatch(app, fake, sender, DUE)
    row = row_after(app, thanks.id)

    assert texts(fake) == 0
    assert (row.status, row.reason) == (MessageStatus.CANCELLED, "appointment no longer booked")
