"""The senders against the real `twilio` client talking HTTP to a fake Twilio on loopback."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask

from diversion.config import load
from notifications.senders import (
    OutboxSender,
    PermanentSendError,
    SendResult,
    TransientSendError,
    TwilioSender,
    make_sender,
)
from tests.notifications.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio

MOBILE = "+447700900123"
OTHER_MOBILE = "+447700900456"
FROM = "+447700900001"
SERVICE_SID = "MG" + "1" * 32
CALLBACK = "https://diversion.example.test/sms/status"
BODY = "Reminder: you are due at Westminster Magistrates' Court on Wed 3 Dec at 10:00."


@pytest.fixture
def fake() -> Iterator[FakeTwilio]:
    with FakeTwilio() as server:
        yield server


def twilio_sender(fake: FakeTwilio, **overrides: object) -> TwilioSender:
    settings: dict[str, object] = {
        "account_sid": ACCOUNT_SID,
        "auth_token": AUTH_TOKEN,
        "messaging_service_sid": SERVICE_SID,
        "status_callback_url": CALLBACK,
        "base_url": fake.url,
        "timeout": 5.0,
    }
    settings.update(overrides)
    return TwilioSender(**settings)  # type: ignore[arg-type]


def test_send_hands_the_message_to_twilio_and_returns_its_sid(fake: FakeTwilio) -> None:
    result = twilio_sender(fake).send(to=MOBILE, body=BODY, reference="outbox-1")

    assert re.fullmatch(r"SM[0-9a-f]{32}", result.provider_id)
    assert result.status == "accepted"
    [message] = fake.messages
    assert (message["sid"], message["to"], message["body"]) == (result.provider_id, MOBILE, BODY)


def test_send_asks_twilio_to_report_delivery_to_the_status_callback(fake: FakeTwilio) -> None:
    twilio_sender(fake).send(to=MOBILE, body=BODY, reference="outbox-1")

    assert fake.messages[0]["status_callback"] == CALLBACK


def test_send_without_a_callback_url_asks_for_no_callback(fake: FakeTwilio) -> None:
    twilio_sender(fake, status_callback_url=None).send(to=MOBILE, body=BODY, reference="r")

    assert fake.messages[0]["status_callback"] is None


def test_send_uses_the_messaging_service_when_one_is_configured(fake: FakeTwilio) -> None:
    twilio_sender(fake).send(to=MOBILE, body=BODY, reference="outbox-1")

    assert fake.messages[0]["messaging_service_sid"] == SERVICE_SID
    assert fake.messages[0]["from"] is None


def test_send_uses_the_from_number_when_no_messaging_service_is_configured(
    fake: FakeTwilio,
) -> None:
    sender = twilio_sender(fake, messaging_service_sid=None, from_number=FROM)

    result = sender.send(to=MOBILE, body=BODY, reference="outbox-1")

    assert result.status == "queued"
    assert fake.messages[0]["from"] == FROM
    assert fake.messages[0]["messaging_service_sid"] is None


@pytest.mark.parametrize("sender_ids", [{}, {"from_number": FROM}])
def test_a_twilio_sender_needs_exactly_one_of_service_and_from_number(
    fake: FakeTwilio, sender_ids: dict[str, str]
) -> None:
    overrides: dict[str, object] = {"messaging_service_sid": None, **sender_ids}
    if sender_ids:
        overrides["messaging_service_sid"] = SERVICE_SID
    with pytest.raises(ValueError, match="exactly one"):
        twilio_sender(fake, **overrides)


@pytest.mark.parametrize(("status", "code"), [(429, 20429), (500, None), (503, None)])
def test_rate_limits_and_provider_outages_are_worth_retrying(
    fake: FakeTwilio, status: int, code: int | None
) -> None:
    fake.fail_next(status, code)

    with pytest.raises(TransientSendError) as raised:
        twilio_sender(fake).send(to=MOBILE, body=BODY, reference="outbox-1")

    assert raised.value.status == status
    assert fake.messages == []


def test_the_message_goes_on_the_retry_after_a_transient_failure(fake: FakeTwilio) -> None:
    sender = twilio_sender(fake)
    fake.fail_next(503)
    with pytest.raises(TransientSendError):
        sender.send(to=MOBILE, body=BODY, reference="outbox-1")

    result = sender.send(to=MOBILE, body=BODY, reference="outbox-1")

    assert [m["sid"] for m in fake.messages] == [result.provider_id]


def test_an_invalid_number_is_a_permanent_failure(fake: FakeTwilio) -> None:
    fake.fail_next(400, 21211)

    with pytest.raises(PermanentSendError) as raised:
        twilio_sender(fake).send(to="+4412", body=BODY, reference="outbox-1")

    assert raised.value.code == 21211
    assert raised.value.opted_out is False


def test_a_recipient_who_replied_stop_is_reported_as_opted_out(fake: FakeTwilio) -> None:
    fake.fail_next(400, 21610)

    with pytest.raises(PermanentSendError) as raised:
        twilio_sender(fake).send(to=MOBILE, body=BODY, reference="outbox-1")

    assert raised.value.code == 21610
    assert raised.value.opted_out is True


def test_a_landline_is_a_permanent_failure_but_not_an_opt_out(fake: FakeTwilio) -> None:
    fake.fail_next(400, 21614)

    with pytest.raises(PermanentSendError) as raised:
        twilio_sender(fake).send(to=MOBILE, body=BODY, reference="outbox-1")

    assert (raised.value.code, raised.value.opted_out) == (21614, False)


def test_refused_credentials_hold_the_message_instead_of_failing_it(fake: FakeTwilio) -> None:
    sender = twilio_sender(fake, auth_token="wrong-token")

    with pytest.raises(TransientSendError) as raised:
        sender.send(to=MOBILE, body=BODY, reference="outbox-1")

    assert (raised.value.status, raised.value.code) == (401, 20003)


def test_send_errors_carry_no_phone_number_or_body(fake: FakeTwilio) -> None:
    fake.fail_next(400, 21211)

    with pytest.raises(PermanentSendError) as raised:
        twilio_sender(fake).send(to=MOBILE, body=BODY, reference="outbox-1")

    text = str(raised.value) + repr(raised.value.__cause__) + repr(raised.value.__context__)
    assert MOBILE not in text
    assert "Westminster" not in text
    assert raised.value.__suppress_context__ is True


def test_an_unreachable_twilio_is_worth_retrying(fake: FakeTwilio) -> None:
    sender = twilio_sender(fake)
    fake.stop()

    with pytest.raises(TransientSendError):
        sender.send(to=MOBILE, body=BODY, reference="outbox-1")
    with pytest.raises(TransientSendError):
        sender.find(reference="outbox-1", to=MOBILE, body=BODY, since=datetime.now(UTC))


def test_find_recognises_a_message_twilio_has_accepted_but_not_yet_sent(
    fake: FakeTwilio,
) -> None:
    sender = twilio_sender(fake)
    since = datetime.now(UTC)
    sent = sender.send(to=MOBILE, body=BODY, reference="outbox-1")

    found = sender.find(reference="outbox-1", to=MOBILE, body=BODY, since=since)

    assert found == SendResult(provider_id=sent.provider_id, status="accepted")


def test_find_reports_the_status_twilio_now_holds(fake: FakeTwilio) -> None:
    sender = twilio_sender(fake)
    since = datetime.now(UTC)
    sent = sender.send(to=MOBILE, body=BODY, reference="outbox-1")
    fake.set_status(sent.provider_id, "delivered")

    found = sender.find(reference="outbox-1", to=MOBILE, body=BODY, since=since)

    assert found == SendResult(provider_id=sent.provider_id, status="delivered")


def test_find_tolerates_twilio_timestamps_truncated_to_the_second(fake: FakeTwilio) -> None:
    sender = twilio_sender(fake)
    sent = sender.send(to=MOBILE, body=BODY, reference="outbox-1")
    since = datetime.now(UTC) + timedelta(seconds=2)

    found = sender.find(reference="outbox-1", to=MOBILE, body=BODY, since=since)

    assert found is not None and found.provider_id == sent.provider_id


def test_find_returns_none_when_twilio_never_had_the_message(fake: FakeTwilio) -> None:
    sender = twilio_sender(fake)
    since = datetime.now(UTC)
    sender.send(to=MOBILE, body=BODY + " Reply STOP to end.", reference="outbox-2")
    sender.send(to=OTHER_MOBILE, body=BODY, reference="outbox-3")

    assert sender.find(reference="outbox-1", to=MOBILE, body=BODY, since=since) is None


def test_find_ignores_the_same_text_sent_long_before(fake: FakeTwilio) -> None:
    sender = twilio_sender(fake)
    sender.send(to=MOBILE, body=BODY, reference="outbox-1")

    later = datetime.now(UTC) + timedelta(hours=1)

    assert sender.find(reference="outbox-9", to=MOBILE, body=BODY, since=later) is None


def test_twilio_traffic_leaves_no_number_or_body_in_the_logs(
    fake: FakeTwilio, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    sender = twilio_sender(fake)
    since = datetime.now(UTC)
    sender.send(to=MOBILE, body=BODY, reference="outbox-1")
    sender.find(reference="outbox-1", to=MOBILE, body=BODY, since=since)
    fake.fail_next(400, 21211)
    with pytest.raises(PermanentSendError):
        sender.send(to=MOBILE, body=BODY, reference="outbox-2")

    assert "outbox-1" in caplog.text
    assert "7700900123" not in caplog.text
    assert "Westminster" not in caplog.text


def test_the_outbox_sender_records_instead_of_sending() -> None:
    recorded: list[tuple[str, str, str]] = []

    def record(to: str, body: str, reference: str) -> str:
        recorded.append((to, body, reference))
        return f"local-{len(recorded)}"

    sender = OutboxSender(record)
    result = sender.send(to=MOBILE, body=BODY, reference="outbox-1")

    assert result == SendResult(provider_id="local-1", status="sent")
    assert recorded == [(MOBILE, BODY, "outbox-1")]
    since = datetime.now(UTC)
    assert sender.find(reference="outbox-1", to=MOBILE, body=BODY, since=since) == result
    assert sender.find(reference="outbox-2", to=MOBILE, body=BODY, since=since) is None


def test_the_outbox_sender_keeps_messages_in_memory_without_a_recorder() -> None:
    sender = OutboxSender()

    result = sender.send(to=MOBILE, body=BODY, reference="outbox-1")

    assert sender.messages == [
        {"id": result.provider_id, "to": MOBILE, "body": BODY, "reference": "outbox-1"}
    ]


TWILIO_CONFIG = {
    "SMS_SENDER": "twilio",
    "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
    "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
    "TWILIO_FROM": FROM,
    "PUBLIC_BASE_URL": "https://diversion.example.test/",
}


def test_make_sender_defaults_to_the_outbox() -> None:
    assert isinstance(make_sender({}), OutboxSender)
    assert isinstance(make_sender({"SMS_SENDER": "outbox"}), OutboxSender)


def test_make_sender_builds_a_twilio_sender_that_sends(fake: FakeTwilio) -> None:
    sender = make_sender({**TWILIO_CONFIG, "TWILIO_API_BASE": fake.url})

    result = sender.send(to=MOBILE, body=BODY, reference="outbox-1")

    [message] = fake.messages
    assert message["sid"] == result.provider_id
    assert message["from"] == FROM
    assert message["status_callback"] == CALLBACK


def test_twilio_s_address_can_come_from_the_environment(
    fake: FakeTwilio, monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    """TWILIO_API_BASE is read from the environment like every Twilio setting (a test or a
    benchmark's processes point the real client at a fake this way)."""
    monkeypatch.setenv("TWILIO_API_BASE", fake.url)
    app = Flask(__name__, instance_path=str(tmp_path))
    load(app, None)
    sender = make_sender({**TWILIO_CONFIG, "TWILIO_API_BASE": app.config["TWILIO_API_BASE"]})

    sender.send(to=MOBILE, body=BODY, reference="outbox-1")

    assert [message["to"] for message in fake.messages] == [MOBILE]


def test_make_sender_rejects_an_unknown_sender() -> None:
    with pytest.raises(ValueError, match="'outbox' or 'twilio', not 'carrier-pigeon'"):
        make_sender({"SMS_SENDER": "carrier-pigeon"})


def test_make_sender_names_every_missing_twilio_setting() -> None:
    with pytest.raises(ValueError) as raised:
        make_sender({"SMS_SENDER": "twilio", "TWILIO_ACCOUNT_SID": ACCOUNT_SID})

    assert str(raised.value) == (
        "SMS_SENDER is 'twilio' but these are not set: TWILIO_AUTH_TOKEN, "
        "TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM, PUBLIC_BASE_URL"
    )


def test_make_sender_treats_an_empty_secret_as_missing() -> None:
    with pytest.raises(ValueError, match=r"not set: TWILIO_AUTH_TOKEN$"):
        make_sender({**TWILIO_CONFIG, "TWILIO_AUTH_TOKEN": ""})


def test_make_sender_refuses_both_a_messaging_service_and_a_from_number() -> None:
    with pytest.raises(ValueError, match="only one of TWILIO_MESSAGING_SERVICE_SID"):
        make_sender({**TWILIO_CONFIG, "TWILIO_MESSAGING_SERVICE_SID": SERVICE_SID})
