"""What every sender the tests use must do as the real one does: send, then `find()`.

The dispatcher trusts `find()` to say whether the provider already has a message before it
sends it again (security.md 21), so a stand-in that finds more than the real sender would hide
a second text, and one that finds less would hide a lost one. Each case runs on the real
`TwilioSender` (the official client talking HTTP to FakeTwilio) and on every hand-written
stand-in still used in the tests; the expected answers are the real sender's
(notifications/senders.py, TwilioSender.find): a message counts when its number and exact body
match and Twilio created it at or after `since` less CLOCK_SKEW_ALLOWANCE; the reference is not
matched, as Twilio keeps none.

(OutboxSender, the development sender, is not held to this: its `find()` knows only the
references it recorded itself, and no test reconciles with it.)
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from notifications.senders import CLOCK_SKEW_ALLOWANCE, SmsSender, TwilioSender
from tests.notifications.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio
from tests.notifications.stand_in_sender import StandInSender

MOBILE = "+447700900123"
OTHER_MOBILE = "+447700900456"
BODY = "Hi, a reminder of your appointment at High Street office on Fri 4 Dec at 14:00."
SENT_AT = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
SERVICE_SID = "MG" + "1" * 32


def _twilio() -> Iterator[SmsSender]:
    with FakeTwilio(clock=lambda: SENT_AT) as fake:
        yield TwilioSender(
            account_sid=ACCOUNT_SID,
            auth_token=AUTH_TOKEN,
            messaging_service_sid=SERVICE_SID,
            base_url=fake.url,
            timeout=5.0,
        )


def _stand_in() -> Iterator[SmsSender]:
    yield StandInSender(clock=lambda: SENT_AT)


@pytest.fixture(params=[_twilio, _stand_in], ids=["TwilioSender+FakeTwilio", "StandInSender"])
def sender(request: pytest.FixtureRequest) -> Iterator[SmsSender]:
    """A sender whose provider's clock reads SENT_AT."""
    yield from request.param()


def test_find_returns_the_message_send_handed_over(sender: SmsSender) -> None:
    sent = sender.send(to=MOBILE, body=BODY, reference="outbox-1")

    # The dispatcher asks from a minute before it stored the body (dispatcher.py).
    found = sender.find(
        reference="outbox-1", to=MOBILE, body=BODY, since=SENT_AT - timedelta(minutes=1)
    )

    assert found is not None and found.provider_id == sent.provider_id


def test_find_returns_none_when_nothing_was_sent(sender: SmsSender) -> None:
    since = SENT_AT - timedelta(minutes=1)

    assert sender.find(reference="outbox-1", to=MOBILE, body=BODY, since=since) is None


@pytest.mark.parametrize(
    ("to", "body"),
    [(OTHER_MOBILE, BODY), (MOBILE, BODY + " Reply STOP to end."), (MOBILE, BODY[:-1])],
    ids=["other-number", "longer-body", "shorter-body"],
)
def test_find_needs_the_same_number_and_the_exact_body(
    sender: SmsSender, to: str, body: str
) -> None:
    sender.send(to=MOBILE, body=BODY, reference="outbox-1")
    since = SENT_AT - timedelta(minutes=1)

    assert sender.find(reference="outbox-1", to=to, body=body, since=since) is None


def test_find_matches_by_number_and_body_not_by_reference(sender: SmsSender) -> None:
    """Twilio keeps no reference: the same text to the same number is the same reminder."""
    sent = sender.send(to=MOBILE, body=BODY, reference="outbox-1")
    since = SENT_AT - timedelta(minutes=1)

    found = sender.find(reference="outbox-2", to=MOBILE, body=BODY, since=since)

    assert found is not None and found.provider_id == sent.provider_id


@pytest.mark.parametrize(
    ("since", "found"),
    [
        (SENT_AT + CLOCK_SKEW_ALLOWANCE, True),  # the provider's clock may be that far behind
        (SENT_AT + CLOCK_SKEW_ALLOWANCE + timedelta(seconds=1), False),
        (SENT_AT + timedelta(hours=1), False),
    ],
    ids=["since-at-the-skew-allowance", "since-just-past-it", "since-an-hour-later"],
)
def test_find_ignores_a_message_created_before_since_less_the_skew_allowance(
    sender: SmsSender, since: datetime, found: bool
) -> None:
    sender.send(to=MOBILE, body=BODY, reference="outbox-1")

    result = sender.find(reference="outbox-1", to=MOBILE, body=BODY, since=since)

    assert (result is not None) is found
