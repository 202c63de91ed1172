"""Her words acted on: issue 16 "Her words", through notifications.replies and the pages.

Every opt-out stops her texts, lands in her worker's inbox marked "Stopped texts", gives her
worker a call to make that names the deciding words, and records what stopped her texts for
the case page (her own words, encrypted), which only her organisation's caseworkers see. A
plain confirmation confirms her next appointment and closes the call her worker had to make
because it was not confirmed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from diversion.models import (
    Appointment,
    AuditEvent,
    Case,
    Client,
    InboundMessage,
    MessageStatus,
    OutboxMessage,
    ReceivingNumber,
    ReceivingNumberKind,
    ReplyAction,
    WorkerTask,
)
from notifications import replies, tasks
from tests.conftest import World, sign_in
from tests.factories import Factory
from tests.notifications.test_inbox import check_conventions, main_text

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)  # Wed 2 Dec 2026, 09:00 London
MOBILE = "+447700900123"
PROJECT_NUMBER = "+447700900001"
CALL_HER = "No more reminders will reach her: call her about her appointments"
WHEN = "Wed 2 Dec 2026, 09:00"


@pytest.fixture(autouse=True)
def frozen_now() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@dataclass
class Her:
    client: Client
    case: Case
    appointment: Appointment
    waiting: OutboxMessage


@pytest.fixture
def her(make: Factory, world: World) -> Her:
    make._save(
        ReceivingNumber(
            organisation_id=world.project.id,
            kind=ReceivingNumberKind.PHONE,
            value=PROJECT_NUMBER,
        )
    )
    client = make.client(
        organisation=world.project,
        first_name="Rowan",
        last_name="Replier",
        mobile=MOBILE,
        consent_to_texts=True,
        safe_to_text_confirmed_on=date(2026, 11, 20),
    )
    case = make.accepted_case(client=client, court=world.court, worker=world.worker)
    venue = make.venue(organisation=world.project)
    starts = NOW + timedelta(hours=20)
    appointment = make.appointment(
        case=case, venue=venue, worker=world.worker, starts_at=starts, ends_at=starts
    )
    waiting = make._save(
        OutboxMessage(
            client_id=client.id,
            case_id=case.id,
            appointment_id=appointment.id,
            kind="appointment_two_hours_before",
            send_at=starts - timedelta(hours=2),
        )
    )
    return Her(client=client, case=case, appointment=appointment, waiting=waiting)


def receive(app: Flask, body: str, *, sid: str = "SM" + "a" * 32, at: datetime = NOW) -> int:
    with app.app_context():
        row = replies.receive(sid, MOBILE, body, to_number=PROJECT_NUMBER, now=at)
        return row.id


def fresh(make: Factory, model, row_id):
    make.session.expire_all()
    return make.session.get(model, row_id)


def opt_out_tasks(make: Factory) -> list[WorkerTask]:
    make.session.expire_all()
    return list(
        make.session.scalars(
            select(WorkerTask).where(WorkerTask.kind == tasks.OPTED_OUT).order_by(WorkerTask.id)
        )
    )


# (her reply, what it did, what her worker's call to make says after "She stopped texts: ")
STOPPED, CONFIRMED, INBOX = ReplyAction.OPTED_OUT, ReplyAction.CONFIRMED, ReplyAction.INBOX
BEGAN = "which the provider reads as a request to stop all texts"
END_TO_END = [
    ("STOP", STOPPED, 'she replied "STOP"'),
    ("Opt out", STOPPED, 'she replied "Opt out"'),
    ("Stop please", STOPPED, 'she asked "Stop please"'),
    ("please stop", STOPPED, 'she asked "please stop"'),
    ("no more texts", STOPPED, 'she asked "no more texts"'),
    ("don\u2019t text me", STOPPED, 'she asked "don\'t text me"'),
    ("STOP STOP", STOPPED, f'her reply began "STOP", {BEGAN}'),
    ("cancel my appointment", STOPPED, f'her reply began "cancel", {BEGAN}'),
    ("yes thanks", CONFIRMED, None),
    ("\U0001f44d", CONFIRMED, None),
    ("yes but can I change the time", INBOX, None),
    ("yes stop", INBOX, None),
    ("leave me alone", INBOX, None),
    ("who is this?", INBOX, None),
]


@pytest.mark.parametrize(
    ("body", "action", "told"),
    END_TO_END,
    ids=[f"{body!r} {action.value}" for body, action, _ in END_TO_END],
)
def test_each_reply_does_what_her_words_ask(app, make, world, her, body, action, told):
    row = fresh(make, InboundMessage, receive(app, body))
    client = fresh(make, Client, her.client.id)
    waiting = fresh(make, OutboxMessage, her.waiting.id)
    appointment = fresh(make, Appointment, her.appointment.id)

    # Every reply lands in her worker's inbox, kept as she wrote it, marked with what it did.
    assert (row.action, row.body) == (action, body)
    assert (row.client_id, row.case_id, row.worker_id) == (
        her.client.id,
        her.case.id,
        world.worker.id,
    )
    if action is STOPPED:
        assert client.texts_opted_out_at == NOW
        assert client.texts_opted_out_by == f'She replied "{body}" on {WHEN}'
        assert (waiting.status, waiting.reason) == (
            MessageStatus.CANCELLED,
            replies.REASON_OPTED_OUT,
        )
        [task] = opt_out_tasks(make)
        assert task.detail == f"She stopped texts: {told}. {CALL_HER}"
        assert (task.worker_id, task.client_id, task.case_id, task.done_at) == (
            world.worker.id,
            her.client.id,
            her.case.id,
            None,
        )
        assert appointment.status is her.appointment.status  # "cancel" cancels no appointment
    else:
        assert (client.texts_opted_out_at, client.texts_opted_out_by) == (None, None)
        assert waiting.status is MessageStatus.PENDING
        assert opt_out_tasks(make) == []
    assert (appointment.confirmed_at is not None) is (action is CONFIRMED)


def test_a_second_opt_out_keeps_the_first_words_and_raises_no_second_call(app, make, her):
    receive(app, "please stop")
    receive(app, "STOP", sid="SM" + "b" * 32, at=NOW + timedelta(minutes=5))

    client = fresh(make, Client, her.client.id)
    assert client.texts_opted_out_by == f'She replied "please stop" on {WHEN}'
    assert len(opt_out_tasks(make)) == 1
    # Both replies are in the inbox, each marked as stopping texts.
    make.session.expire_all()
    actions = make.session.scalars(select(InboundMessage.action)).all()
    assert actions == [ReplyAction.OPTED_OUT, ReplyAction.OPTED_OUT]


def test_start_clears_what_stopped_her_texts_and_a_later_opt_out_tells_her_worker_again(
    app, make, her
):
    receive(app, "stop texting me")
    receive(app, "START", sid="SM" + "b" * 32, at=NOW + timedelta(hours=1))
    client = fresh(make, Client, her.client.id)
    assert (client.texts_opted_out_at, client.texts_opted_out_by) == (None, None)
    # Her opting back in closes the call her opt-out asked for.
    [closed] = opt_out_tasks(make)
    assert (closed.done_at, closed.done_reason) == (NOW + timedelta(hours=1), "she opted back in")

    receive(app, "End", sid="SM" + "c" * 32, at=NOW + timedelta(hours=2))

    client = fresh(make, Client, her.client.id)
    assert client.texts_opted_out_by == 'She replied "End" on Wed 2 Dec 2026, 11:00'
    assert [t.detail for t in opt_out_tasks(make)] == [
        f'She stopped texts: she asked "stop texting me". {CALL_HER}',
        f'She stopped texts: she replied "End". {CALL_HER}',
    ]


def test_the_providers_opt_out_report_says_so_and_tells_her_worker(app, make, world, her):
    sent = make._save(
        OutboxMessage(
            client_id=her.client.id,
            case_id=her.case.id,
            appointment_id=her.appointment.id,
            kind="appointment_day_before",
            send_at=NOW,
            status=MessageStatus.SENT,
            provider_id="SM" + "1" * 32,
        )
    )
    with app.app_context():
        assert replies.apply_status(sent.provider_id, "failed", 21610, now=NOW)

    client = fresh(make, Client, her.client.id)
    assert client.texts_opted_out_by == (
        f"The provider reported she opted out (code 21610) on {WHEN}"
    )
    [task] = opt_out_tasks(make)
    assert task.detail == (
        f"She stopped texts: the provider reported she opted out (code 21610). {CALL_HER}"
    )
    assert task.worker_id == world.worker.id


def test_an_opt_out_from_a_shared_number_tells_each_of_their_workers(app, make, world, her):
    sister = make.client(organisation=world.project, mobile=MOBILE, consent_to_texts=True)
    make.accepted_case(client=sister, court=world.court, worker=world.colleague)

    receive(app, "no more texts please")

    assert {(t.client_id, t.worker_id) for t in opt_out_tasks(make)} == {
        (her.client.id, world.worker.id),
        (sister.id, world.colleague.id),
    }
    assert fresh(make, Client, sister.id).texts_opted_out_by == (
        f'She replied "no more texts please" on {WHEN}'
    )


def test_an_opt_out_audits_and_logs_no_words(app, make, her, caplog):
    caplog.set_level("DEBUG")
    receive(app, "Please stop texting me, my partner reads my phone")

    make.session.expire_all()
    events = make.session.scalars(select(AuditEvent)).all()
    assert {"text_received", "texts_opted_out", "worker_task_raised"} <= {e.action for e in events}
    logged = caplog.text + " ".join(str(r.args) for r in caplog.records)
    for text in [f"{e.action} {e.detail}" for e in events] + [logged]:
        assert "partner" not in text and "texting" not in text and "900123" not in text
    # Her whole reply is kept for her worker (encrypted), the call to make holds only the ask.
    [task] = opt_out_tasks(make)
    assert task.detail == f'She stopped texts: she asked "stop texting me". {CALL_HER}'
    assert "partner" in fresh(make, Client, her.client.id).texts_opted_out_by


def test_her_confirmation_closes_the_call_to_make_about_that_appointment(app, make, her):
    with app.app_context():
        assert tasks.check_ahead(now=NOW) == 1
    make.session.expire_all()
    [task] = make.session.scalars(select(WorkerTask)).all()
    assert (task.kind, task.appointment_id, task.done_at) == (
        tasks.NOT_CONFIRMED,
        her.appointment.id,
        None,
    )

    receive(app, "Yes I'll be there x", at=NOW + timedelta(minutes=10))

    task = fresh(make, WorkerTask, task.id)
    assert (task.done_at, task.done_reason) == (NOW + timedelta(minutes=10), "she confirmed")
    assert fresh(make, Appointment, her.appointment.id).confirmed_at == NOW + timedelta(minutes=10)


def test_a_reply_that_does_not_confirm_leaves_the_call_to_make(app, make, her):
    with app.app_context():
        tasks.check_ahead(now=NOW)

    receive(app, "yes but can I come later", at=NOW + timedelta(minutes=10))

    make.session.expire_all()
    [task] = make.session.scalars(select(WorkerTask)).all()
    assert task.done_at is None


# --- The pages ------------------------------------------------------------------------


def texts_section(html: str) -> str:
    found = re.search(
        r'id="texts-stopped">.*?<strong class="govuk-warning-text__text">(.*?)</strong>', html, re.S
    )
    return main_text(found.group(1)) if found else ""


def test_the_case_page_says_which_words_stopped_her_texts(
    app, web: FlaskClient, make, world, her
) -> None:
    receive(app, "Stop please")
    sign_in(web, world.worker)

    html = web.get(f"/cases/{her.case.id}").get_data(as_text=True)

    check_conventions(html)
    assert texts_section(html) == (
        f'Warning Texts stopped: She replied "Stop please" on {WHEN}. '
        "No texts go to her until she texts START."
    )
    # The reply itself, in the case's replies, marked in red.
    assert '<strong class="govuk-tag govuk-tag--red">Stopped texts</strong>' in html


def test_a_manager_of_her_organisation_sees_the_words_and_nobody_else_does(
    app, web: FlaskClient, make, world, her
) -> None:
    receive(app, "don't text me")
    sign_in(web, world.manager)
    assert "Texts stopped: She replied" in texts_section(
        web.get(f"/cases/{her.case.id}").get_data(as_text=True)
    )
    for outsider in (world.other_worker, world.liaison, world.cps, world.admin):
        outside = FlaskClient(app, use_cookies=True)
        sign_in(outside, outsider)
        response = outside.get(f"/cases/{her.case.id}")
        assert response.status_code in (403, 404)
        assert "don&#39;t text me" not in response.get_data(as_text=True)


def test_an_older_opt_out_without_words_shows_when(web: FlaskClient, make, world, her) -> None:
    client = make.session.get(Client, her.client.id)
    client.texts_opted_out_at = NOW - timedelta(days=1)
    make.session.commit()
    sign_in(web, world.worker)

    html = web.get(f"/cases/{her.case.id}").get_data(as_text=True)

    assert texts_section(html) == (
        "Warning Texts stopped on Tue 1 Dec 2026, 09:00. No texts go to her until she texts START."
    )


def test_texts_not_stopped_say_nothing(web: FlaskClient, world, her) -> None:
    sign_in(web, world.worker)
    assert 'id="texts-stopped"' not in web.get(f"/cases/{her.case.id}").get_data(as_text=True)


def test_her_worker_is_told_in_the_inbox_and_on_her_home_page(
    app, web: FlaskClient, make, world, her
) -> None:
    receive(app, "cancel my appointment")
    sign_in(web, world.worker)

    inbox = web.get("/inbox").get_data(as_text=True)
    check_conventions(inbox)
    card = re.search(r'<li class="app-card" id="reply-\d+">.*?</li>', inbox, re.S)
    assert card is not None
    assert '<strong class="govuk-tag govuk-tag--red">Stopped texts</strong>' in card.group(0)
    assert "cancel my appointment" in card.group(0)
    assert "No more texts will reach her" in main_text(card.group(0))

    home = web.get("/home").get_data(as_text=True)
    calls = re.search(r'id="calls-to-make">.*?</table>', home, re.S)
    assert calls is not None
    assert f'She stopped texts: her reply began "cancel", {BEGAN}. {CALL_HER}' in main_text(
        calls.group(0)
    )
