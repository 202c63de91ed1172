"""Twilio's webhooks over HTTP, signed with the real `twilio` RequestValidator.

The app is configured with a public address (PUBLIC_BASE_URL) that differs from the host the
test client uses, as it would behind a proxy: only a signature over the public address passes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from diversion import clock
from diversion.models import (
    Appointment,
    AuditEvent,
    Client,
    InboundMessage,
    MessageStatus,
    OutboxMessage,
    ReceivingNumber,
    ReceivingNumberKind,
    ReplyAction,
)
from tests.conftest import World, make_app
from tests.factories import Factory

PUBLIC = "https://diversion.example.org"
TOKEN = "twilio-auth-token-for-tests"
MOBILE = "+447700900123"
SENT_SID = "SM" + "1" * 32
INBOUND_SID = "SM" + "2" * 32
RECEIVING = "+447700900001"  # the project's number, which inbound_params sends to


def _app(tmp_path: Path, **overrides: object) -> Iterator[Flask]:
    settings: dict[str, object] = {"PUBLIC_BASE_URL": PUBLIC, "TWILIO_AUTH_TOKEN": TOKEN}
    settings.update(overrides)
    application = make_app(tmp_path, **settings)
    yield application
    application.extensions["diversion.db"][0].dispose()


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    yield from _app(tmp_path)


@pytest.fixture
def sent(make: Factory, world: World) -> OutboxMessage:
    make._save(
        ReceivingNumber(
            organisation_id=world.project.id, kind=ReceivingNumberKind.PHONE, value=RECEIVING
        )
    )
    client = make.client(
        organisation=world.project,
        first_name="Rowan",
        mobile=MOBILE,
        consent_to_texts=True,
        safe_to_text_confirmed_on=date(2026, 11, 20),
    )
    case = make.accepted_case(client=client, court=world.court, worker=world.worker)
    venue = make.venue(organisation=world.project)
    starts = clock.now() + timedelta(days=2)
    appointment = make.appointment(
        case=case, venue=venue, worker=world.worker, starts_at=starts, ends_at=starts
    )
    make._save(
        OutboxMessage(
            client_id=client.id,
            case_id=case.id,
            appointment_id=appointment.id,
            kind="appointment_two_hours_before",
            send_at=starts - timedelta(hours=2),
        )
    )
    return make._save(
        OutboxMessage(
            client_id=client.id,
            case_id=case.id,
            appointment_id=appointment.id,
            kind="appointment_day_before",
            send_at=clock.now(),
            status=MessageStatus.SENT,
            provider_id=SENT_SID,
            body="Hi R, see you at High Street office",
        )
    )


def signature(url: str, params: dict[str, str], token: str = TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, params)


def post(
    web: FlaskClient,
    path: str,
    params: dict[str, str],
    *,
    signed_url: str | None = None,
    signed_params: dict[str, str] | None = None,
    token: str = TOKEN,
    sign: bool = True,
):
    headers = {}
    if sign:
        url = signed_url if signed_url is not None else PUBLIC + path
        headers["X-Twilio-Signature"] = signature(
            url, signed_params if signed_params is not None else params, token
        )
    return web.post(path, data=params, headers=headers)


def status_params(word: str, code: str | None = None, sid: str = SENT_SID) -> dict[str, str]:
    params = {
        "MessageSid": sid,
        "SmsSid": sid,
        "MessageStatus": word,
        "SmsStatus": word,
        "AccountSid": "AC" + "0" * 32,
        "To": MOBILE,
        "From": "+447700900001",
        "ApiVersion": "2010-04-01",
    }
    if code is not None:
        params["ErrorCode"] = code
    return params


def inbound_params(body: str, sid: str = INBOUND_SID, number: str = MOBILE) -> dict[str, str]:
    return {
        "MessageSid": sid,
        "SmsMessageSid": sid,
        "SmsSid": sid,
        "AccountSid": "AC" + "0" * 32,
        "From": number,
        "To": RECEIVING,
        "Body": body,
        "NumMedia": "0",
        "NumSegments": "1",
        "ApiVersion": "2010-04-01",
    }


def snapshot(make: Factory) -> tuple:
    """Everything the webhooks could change."""
    make.session.expire_all()
    outbox = tuple(
        (m.id, m.status, m.provider_status, m.error_code, m.reason)
        for m in make.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
    )
    clients = tuple(
        (c.id, c.texts_opted_out_at)
        for c in make.session.scalars(select(Client).order_by(Client.id))
    )
    confirmed = tuple(make.session.scalars(select(Appointment.confirmed_at)))
    counts = tuple(
        make.session.scalar(select(func.count()).select_from(model))
        for model in (InboundMessage, AuditEvent)
    )
    return outbox, clients, confirmed, counts


# --- Signatures -----------------------------------------------------------------------


def test_a_signed_receipt_is_applied_and_answered_204(web, make, sent):
    response = post(web, "/sms/status", status_params("delivered"))

    assert response.status_code == 204
    assert response.get_data() == b""
    make.session.expire_all()
    assert make.session.get(OutboxMessage, sent.id).status is MessageStatus.DELIVERED


def test_a_signed_incoming_text_is_stored_and_answered_with_empty_twiml(web, make, sent):
    response = post(web, "/sms/inbound", inbound_params("Running late"))

    assert response.status_code == 200
    assert response.mimetype == "text/xml"
    assert response.get_data(as_text=True) == '<?xml version="1.0" encoding="UTF-8"?><Response/>'
    make.session.expire_all()
    row = make.session.scalars(select(InboundMessage)).one()
    assert (row.provider_id, row.action, row.client_id) == (
        INBOUND_SID,
        ReplyAction.INBOX,
        sent.client_id,
    )


@pytest.mark.parametrize("path", ["/sms/status", "/sms/inbound"])
@pytest.mark.parametrize(
    "how",
    [
        "unsigned",
        "empty signature",
        "another token",
        "the address the app sees",
        "another path",
        "plain http",
        "tampered body",
        "an extra field",
    ],
)
def test_a_request_without_a_good_signature_is_refused_and_changes_nothing(
    web, make, sent, path, how
):
    params = status_params("failed", "21610") if path == "/sms/status" else inbound_params("STOP")
    before = snapshot(make)
    options: dict = {}
    sent_params = params
    if how == "unsigned":
        options["sign"] = False
    elif how == "another token":
        options["token"] = "not-the-auth-token"
    elif how == "the address the app sees":
        options["signed_url"] = "http://localhost" + path
    elif how == "another path":
        other = "/sms/inbound" if path == "/sms/status" else "/sms/status"
        options["signed_url"] = PUBLIC + other
    elif how == "plain http":
        options["signed_url"] = PUBLIC.replace("https://", "http://") + path
    elif how == "tampered body":
        options["signed_params"] = {**params, "Body": "hello", "MessageStatus": "sent"}
    elif how == "an extra field":
        sent_params = {**params, "ErrorCode": "30003", "Extra": "1"}
        options["signed_params"] = params

    if how == "empty signature":
        response = web.post(path, data=params, headers={"X-Twilio-Signature": ""})
    else:
        response = post(web, path, sent_params, **options)

    assert response.status_code == 403
    assert snapshot(make) == before


def test_the_query_string_is_part_of_what_is_signed(web, make, sent):
    params = status_params("delivered")
    ok = post(web, "/sms/status?attempt=1", params, signed_url=PUBLIC + "/sms/status?attempt=1")
    assert ok.status_code == 204

    refused = post(web, "/sms/status?attempt=2", params, signed_url=PUBLIC + "/sms/status")
    assert refused.status_code == 403


def test_a_public_address_with_a_trailing_slash_still_verifies(tmp_path):
    for application in _app(tmp_path, PUBLIC_BASE_URL=PUBLIC + "/"):
        response = post(application.test_client(), "/sms/inbound", inbound_params("hello"))
        assert response.status_code == 200


@pytest.mark.parametrize(
    "missing", [{"TWILIO_AUTH_TOKEN": None}, {"TWILIO_AUTH_TOKEN": ""}, {"PUBLIC_BASE_URL": ""}]
)
def test_without_an_auth_token_or_public_address_every_request_is_refused(tmp_path, missing):
    for application in _app(tmp_path, **missing):
        web = application.test_client()
        for path, params in (
            ("/sms/status", status_params("delivered")),
            ("/sms/inbound", inbound_params("STOP")),
        ):
            # Even a request signed with an empty key gets nowhere.
            assert post(web, path, params, token="").status_code == 403
            assert post(web, path, params).status_code == 403
        make = Factory(application)
        assert make.session.scalar(select(func.count()).select_from(InboundMessage)) == 0
        make.session.close()


def test_the_webhooks_need_no_csrf_token_but_pages_still_do(tmp_path):
    for application in _app(tmp_path, WTF_CSRF_ENABLED=True):
        web = application.test_client()
        assert post(web, "/sms/inbound", inbound_params("hello")).status_code == 200
        assert post(web, "/sms/status", status_params("delivered")).status_code == 204
        assert web.post("/sign-in", data={"email": "a@example.test"}).status_code == 400


def test_only_post_is_allowed(web):
    assert web.get("/sms/status").status_code == 405
    assert web.get("/sms/inbound").status_code == 405


# --- Malformed but signed -------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/sms/status", {"MessageStatus": "delivered"}),
        ("/sms/status", {"MessageSid": SENT_SID}),
        ("/sms/status", {"MessageSid": "SM' OR 1=1", "MessageStatus": "delivered"}),
        ("/sms/status", {"MessageSid": "S" * 65, "MessageStatus": "delivered"}),
        ("/sms/status", {"MessageSid": SENT_SID, "MessageStatus": "x" * 21}),
        ("/sms/status", {**status_params("failed"), "ErrorCode": "abc"}),
        ("/sms/inbound", {"MessageSid": INBOUND_SID, "Body": "hi"}),
        ("/sms/inbound", {"MessageSid": INBOUND_SID, "From": MOBILE}),
        ("/sms/inbound", {"From": MOBILE, "Body": "hi"}),
        ("/sms/inbound", {"MessageSid": INBOUND_SID, "From": "+44" * 20, "Body": "hi"}),
        ("/sms/inbound", {"MessageSid": INBOUND_SID, "From": "+4477\x00", "Body": "hi"}),
    ],
)
def test_a_signed_request_missing_what_twilio_always_sends_is_a_bad_request(
    web, make, sent, path, params
):
    before = snapshot(make)

    response = post(web, path, params)

    assert response.status_code == 400
    assert snapshot(make) == before


def test_an_unknown_message_or_status_is_accepted_and_ignored(web, make, sent):
    before = snapshot(make)
    assert (
        post(web, "/sms/status", status_params("delivered", sid="SM" + "9" * 32)).status_code == 204
    )
    assert post(web, "/sms/status", status_params("teleported")).status_code == 204
    assert snapshot(make) == before


def test_a_json_body_is_refused(web, sent):
    response = web.post(
        "/sms/status",
        json=status_params("delivered"),
        headers={"X-Twilio-Signature": signature(PUBLIC + "/sms/status", {})},
    )
    assert response.status_code in (403, 415)


# --- What the receipts and replies do, end to end -------------------------------------


def test_receipts_only_move_forward_and_a_duplicate_adds_nothing(web, make, sent):
    assert post(web, "/sms/status", status_params("sent")).status_code == 204
    assert post(web, "/sms/status", status_params("delivered")).status_code == 204
    after_delivered = snapshot(make)

    assert post(web, "/sms/status", status_params("delivered")).status_code == 204
    assert post(web, "/sms/status", status_params("sent")).status_code == 204
    assert post(web, "/sms/status", status_params("undelivered", "30003")).status_code == 204

    assert snapshot(make) == after_delivered
    row = make.session.get(OutboxMessage, sent.id)
    assert (row.status, row.provider_status) == (MessageStatus.DELIVERED, "delivered")


def test_a_failure_receipt_shows_its_reason(web, make, sent):
    assert post(web, "/sms/status", status_params("undelivered", "30003")).status_code == 204
    make.session.expire_all()
    row = make.session.get(OutboxMessage, sent.id)
    assert row.status is MessageStatus.FAILED
    assert row.error_code == 30003
    assert "not delivered" in row.reason and "(code 30003)" in row.reason


def test_a_21610_receipt_opts_her_out_and_cancels_what_waits(web, make, sent):
    assert post(web, "/sms/status", status_params("failed", "21610")).status_code == 204
    make.session.expire_all()
    assert make.session.get(Client, sent.client_id).texts_opted_out_at is not None
    waiting = make.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "appointment_two_hours_before")
    ).one()
    assert waiting.status is MessageStatus.CANCELLED


@pytest.mark.parametrize("body", ["STOP", "stop.", "Unsubscribe", "Stop please", "no more texts"])
def test_stop_by_text_opts_her_out(web, make, sent, body):
    assert post(web, "/sms/inbound", inbound_params(body)).status_code == 200
    make.session.expire_all()
    client = make.session.get(Client, sent.client_id)
    assert client.texts_opted_out_at is not None
    assert client.texts_opted_out_by.startswith(f'She replied "{body.strip()}" on ')
    assert make.session.scalars(select(InboundMessage)).one().action is ReplyAction.OPTED_OUT


def test_y_confirms_and_a_repeated_post_is_stored_once(web, make, sent):
    for _ in range(2):
        assert post(web, "/sms/inbound", inbound_params("Y")).status_code == 200
    assert post(web, "/sms/inbound", inbound_params("y", sid="SM" + "3" * 32)).status_code == 200

    make.session.expire_all()
    assert make.session.scalar(select(func.count()).select_from(InboundMessage)) == 2
    assert make.session.get(Appointment, sent.appointment_id).confirmed_at is not None
    thanks = make.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "reply_confirmed")
    ).all()
    assert len(thanks) == 1


def test_no_number_or_words_are_logged(web, make, sent, caplog):
    secret_words = "meet me by the bus garage at six"
    caplog.set_level(logging.DEBUG)
    post(web, "/sms/inbound", inbound_params(secret_words))
    post(web, "/sms/inbound", inbound_params("STOP", sid="SM" + "4" * 32))
    post(web, "/sms/inbound", inbound_params("Y", sid="SM" + "5" * 32, number="07700 900456"))
    post(web, "/sms/status", status_params("failed", "21610"))
    post(web, "/sms/inbound", {**inbound_params(secret_words), "Body": "tampered"})
    post(web, "/sms/inbound", {"From": MOBILE, "Body": secret_words})

    assert caplog.records  # the webhooks did log something
    logged = caplog.text + " ".join(str(r.args) for r in caplog.records)
    for secret in ("900123", "900456", "bus garage", "Rowan"):
        assert secret not in logged


# --- Bad input never gives a 500 (security.md 25) -------------------------------------

fuzz = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
NASTY = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "S\x00TOP",
        "\r\n",
        "Y\u200b",
        "\uff33\uff34\uff2f\uff30",
        "\u202eSTOP",
        "x" * 5000,
        "0" * 40,
    ]
)
fuzz_text = st.one_of(st.text(max_size=80), NASTY)
sid = st.one_of(st.just(SENT_SID), st.just(INBOUND_SID), fuzz_text)


@fuzz
@given(
    message_sid=sid,
    word=st.one_of(st.sampled_from(["sent", "delivered", "failed", "undelivered"]), fuzz_text),
    code=st.one_of(st.none(), st.sampled_from(["21610", "30003", "0"]), fuzz_text),
)
def test_any_signed_receipt_gets_a_clear_answer(web, sent, message_sid, word, code):
    params = {**status_params(word, code), "MessageSid": message_sid, "SmsSid": message_sid}
    if code is None:
        params.pop("ErrorCode", None)
    assert post(web, "/sms/status", params).status_code in (204, 400)


@fuzz
@given(
    message_sid=sid,
    number=st.one_of(st.just(MOBILE), st.just("07700 900123"), fuzz_text),
    body=st.one_of(st.sampled_from(["STOP", "Y", "YES", "START"]), fuzz_text),
)
def test_any_signed_incoming_text_gets_a_clear_answer(web, sent, message_sid, number, body):
    params = {**inbound_params(body, number=number), "MessageSid": message_sid}
    assert post(web, "/sms/inbound", params).status_code in (200, 400)
