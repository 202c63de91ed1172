"""From booking to a sent text in development: the scheduler's job and the pages."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time

import time_machine

from diversion.models import MessageStatus, OutboxMessage, WorkingPeriod
from notifications.jobs import dispatch_job
from tests.conftest import World, sign_in
from tests.factories import Factory

COURT_DAY_NOON = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def test_booking_shows_its_texts_on_the_case_and_the_job_sends_the_confirmation(
    app, web, make: Factory, world: World
):
    for day in range(5):
        make.session.add(
            WorkingPeriod(user_id=world.worker.id, weekday=day, starts=time(9), ends=time(17))
        )
    make.session.commit()
    venue = make.venue(organisation=world.project, neutral_name="High Street office")
    client = make.client(
        organisation=world.project,
        first_name="Nell",
        text_name="N",
        mobile="+447400123456",
        consent_to_texts=True,
        safe_to_text_confirmed_on=COURT_DAY_NOON.date(),
    )
    case = make.accepted_case(client=client, court=world.court, worker=world.worker)
    with time_machine.travel(COURT_DAY_NOON, tick=False):
        sign_in(web, world.worker)
        text = web.get(f"/cases/{case.id}/book").get_data(as_text=True)
        chosen = dict(re.findall(r'name="(session-\d)"[^>]*value="([^"]+)"[^>]*checked', text))
        assert (
            web.post(f"/cases/{case.id}/book", data={**chosen, "venue_id": venue.id}).status_code
            == 302
        )
        page = web.get(f"/cases/{case.id}").get_data(as_text=True)
        assert "Text messages" in page and "Appointment day before" in page
        assert "Thu 3 Dec 2026, 10:00" in page  # the day before the Friday session, 10:00
        with app.app_context():
            dispatch_job()
        sent = web.get("/messages/sent").get_data(as_text=True)
    assert "High Street office" in sent and "Nell" not in sent
    make.session.expire_all()
    statuses = {
        m.kind: m.status
        for m in make.session.query(OutboxMessage)
        if m.kind == "booking_confirmation"
    }
    assert statuses == {"booking_confirmation": MessageStatus.SENT}


def test_the_sent_messages_page_is_only_for_the_development_outbox(app, web, world):
    sign_in(web, world.worker)
    assert web.get("/messages/sent").status_code == 200
    app.config["SMS_SENDER"] = "twilio"
    assert web.get("/messages/sent").status_code == 404
